/** Issue 12 in the window's helpers: the validation series, the one test-error figure of a run, the presets' defaults. */
import { describe, expect, it } from 'vitest';
import { seriesOf } from '../../src-renderer/lib/series';
import { keptTestErrorText } from '../../src-renderer/lib/runs';
import { trainingWarnings } from '../../src-renderer/lib/warnings';
import { defaultConfig, presetList } from '../../src-renderer/lib/engine';
import type { TrainEvent } from '../../src-main/engine/types';

describe('validation in the window', () => {
  it('validation events line up with the epoch points and fill the table (every event counts epochs from 1)', () => {
    const ev: TrainEvent[] = [
      { event: 'start', params: 10, device: 'cpu', stepsPerEpoch: 2, epochs: 2, validation: { fraction: 0.1, seed: 0, train: 90, validation: 10 } },
      { event: 'epoch', epoch: 1, loss: 1, error: 0.5, seconds: 1, lr: 0.1 },
      { event: 'test', epoch: 1, loss: 1.1, error: 0.55 },
      { event: 'validation', epoch: 1, loss: 1.2, error: 0.6 },
      { event: 'epoch', epoch: 2, loss: 0.5, error: 0.25, seconds: 1, lr: 0.1 },
      { event: 'validation', epoch: 2, loss: 0.7, error: 0.3 },
    ];
    const s = seriesOf(ev);
    expect(s.validationError).toEqual([{ x: 1, y: 60 }, { x: 2, y: 30 }]);
    expect(s.validationLoss.map((p) => p.x)).toEqual(s.epochLoss.map((p) => p.x));
    expect(s.rows.map((r) => r.validationError)).toEqual([0.6, 0.3]);
    expect(s.rows[0].testError).toBe(0.55);
  });

  it('overfitting is read on the validation part where there is one, not on the test set', () => {
    const ev: TrainEvent[] = [];
    [0.3, 0.2, 0.1].forEach((err, i) => {
      const epoch = i + 1;
      ev.push({ event: 'epoch', epoch, loss: err, error: err, seconds: 1, lr: 0.1 });
      ev.push({ event: 'test', epoch, loss: 0.3, error: 0.1 }); // flat: the test set says nothing here
      ev.push({ event: 'validation', epoch, loss: 0.3, error: [0.1, 0.12, 0.14][i] });
    });
    const w = trainingWarnings(seriesOf(ev));
    expect(w.some((x) => x.startsWith('The error on the samples set aside is rising'))).toBe(true);
  });

  it('a run is quoted by its kept model’s test error, naming the epoch; the last check only while none is kept', () => {
    expect(keptTestErrorText({ testError: 0.1712, checkpointEpoch: 7, lastTestError: 0.2089 })).toBe('17.12 % (epoch 7)');
    expect(keptTestErrorText({ testError: null, checkpointEpoch: null, lastTestError: 0.2089 })).toBe('20.89 % (last check)');
    expect(keptTestErrorText({ testError: null, checkpointEpoch: null, lastTestError: null })).toBe('—');
  });

  it('the window sets 10 % aside and stops early by default; the lecture preset keeps every epoch and its last', () => {
    expect(defaultConfig()).toMatchObject({ validation: 0.1, patience: 5 });
    const presets = presetList({ sampleShape: [1, 28, 28], classNames: Array.from({ length: 10 }, (_, i) => String(i)) });
    expect(presets[0].id).toBe('lecture');
    expect(presets[0].config).toMatchObject({ validation: 0, patience: 0 });
    for (const p of presets.slice(1)) expect(p.config).toMatchObject({ validation: 0.1, patience: 5 });
  });
});
