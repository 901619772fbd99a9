/** The first run's settings and the suggestion after it (issue 16 item 2). */
import { describe, expect, it } from 'vitest';
import { FIRST_RUN, firstRunSettings, fullRunSuggestion } from '../../src-renderer/lib/first-run';
import { presetList } from '../../src-renderer/lib/engine';

const pictures = (train: number) => ({ kind: 'image' as const, sampleShape: [1, 28, 28], classNames: [...'0123456789'], train: { count: train } });
const table = { kind: 'tabular' as const, sampleShape: [12], classNames: ['a', 'b', 'c'], train: { count: 50_000 } };

describe('the first run', () => {
  it('is the small network for a few epochs on part of a large picture set; the lecture stays a preset', () => {
    const s = firstRunSettings(pictures(60_000) as never)!;
    expect(s.model.layers.filter((l) => l.kind === 'linear').map((l) => (l.kind === 'linear' ? l.units : 0))).toEqual([128, 10]);
    expect(s.config.epochs).toBe(FIRST_RUN.epochs);
    expect(s.config.evalEvery).toBe(0);
    expect(s.limitTrain).toBe(FIRST_RUN.samples);
    expect(FIRST_RUN.samples).toBeLessThan(60_000);
    const lecture = presetList(pictures(60_000) as never)[0];
    expect(lecture.id).toBe('lecture');
    expect(lecture.config).toMatchObject({ epochs: 10, batchSize: 200, lr: 0.01 });
  });

  it('trains on everything when the data is small, and leaves tables to their own settings', () => {
    expect(firstRunSettings(pictures(2_000) as never)!.limitTrain).toBeNull();
    expect(firstRunSettings(table as never)).toBeNull();
  });

  it('suggests training on all of the data after a quick try, with the time it would take', () => {
    expect(fullRunSuggestion(pictures(60_000) as never, 20_000, 4, 12.5)).toBe('Train on all 60,000 pictures: about 50.0 s.');
    expect(fullRunSuggestion(pictures(60_000) as never, 20_000, 4, 45)).toBe('Train on all 60,000 pictures: about 3 min 0 s.');
    // no estimate yet: the offer without a time
    expect(fullRunSuggestion(pictures(60_000) as never, 20_000, 4, null)).toBe('Train on all 60,000 pictures.');
    expect(fullRunSuggestion(table as never, 1_000, 4, 1)).toBe('Train on all 50,000 rows: about 4.0 s.');
    // the run used everything: nothing to suggest
    expect(fullRunSuggestion(pictures(60_000) as never, null, 4, 12.5)).toBeNull();
    expect(fullRunSuggestion(pictures(2_000) as never, 5_000, 4, 1)).toBeNull();
  });
});
