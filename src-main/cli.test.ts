import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelAndConfig, parseSchedule } from './cli';
import { describe as describeSpec, tableDefaults, tableModel } from './engine/index';
import { inProcessCli } from '../tests/helpers/cli-in-process';

const { cli, home } = inProcessCli('cli-');

const base = { dataset: 'mnist', preset: 'lecture', device: 'cpu' as const };

describe('mlp-studio train', () => {
  it('--preset lecture is exactly the lecture: 784-1000-1500-10, ReLU, no bias, SGD 0.01, batch 200', () => {
    const { model, config } = modelAndConfig(base, [784], 10);
    expect(describeSpec(model).totalParams).toBe(2_299_000);
    expect(model.layers).toEqual([
      { kind: 'linear', units: 1000, bias: false },
      { kind: 'relu' },
      { kind: 'linear', units: 1500, bias: false },
      { kind: 'relu' },
      { kind: 'linear', units: 10, bias: false },
    ]);
    expect(config).toMatchObject({ batchSize: 200, lr: 0.01, optimizer: { kind: 'sgd' }, schedule: { kind: 'constant' }, init: 'pytorch' });
  });

  it('flags override the preset', () => {
    const { model, config } = modelAndConfig({ ...base, layers: [64, 32], activation: 'tanh', bias: true, dropout: 0.1, optimizer: 'adam', lr: 0.003, batch: 50, schedule: parseSchedule('step:10:2') }, [784], 10);
    expect(model.layers.map((l) => l.kind)).toEqual(['linear', 'tanh', 'dropout', 'linear', 'tanh', 'dropout', 'linear']);
    expect(config).toMatchObject({ lr: 0.003, batchSize: 50, optimizer: { kind: 'adam' }, schedule: { kind: 'step', every: 10, factor: 2 } });
  });

  it('a table with no preset given starts from the settings chosen for its size; flags apply on top; a preset given wins', () => {
    const table = { rows: 900, features: 12, classes: 2 };
    const chosen = tableDefaults(table);
    const { model, config } = modelAndConfig({ dataset: 'x', device: 'cpu' }, [12], 2, table);
    expect(model).toEqual(tableModel([12], table, chosen));
    expect(config).toEqual({ ...chosen.config, device: 'cpu' });
    const number = { rows: 5000, features: 7, task: 'number' as const, classes: 1 };
    expect(modelAndConfig({ dataset: 'x', device: 'cpu' }, [7], 1, number).model).toMatchObject({ task: 'number', classes: 1 });
    // hidden layers from the flags keep the table's head: one output for a number
    expect(modelAndConfig({ dataset: 'x', device: 'cpu', layers: [16] }, [7], 1, number).model).toMatchObject({ task: 'number', classes: 1, layers: [{ units: 16 }, { kind: 'relu' }, { units: 1 }] });
    expect(modelAndConfig({ dataset: 'x', device: 'cpu', epochs: 3, lr: 0.01 }, [12], 2, table).config).toMatchObject({ epochs: 3, lr: 0.01, batchSize: chosen.config.batchSize });
    expect(modelAndConfig({ dataset: 'x', device: 'cpu', preset: 'small' }, [12], 2, table).model.layers[0]).toEqual({ kind: 'linear', units: 128, bias: true });
    // no table, no preset: the lecture
    expect(modelAndConfig({ dataset: 'mnist', device: 'cpu' }, [784], 10)).toEqual(modelAndConfig(base, [784], 10));
  });

  it('--json prints one JSON object per line: epoch, test, done (errors as fractions)', async () => {
    const r = await cli('train', '--json', '--preset', 'small', '--limit-train', '600', '--limit-test', '200', '--epochs', '2', '--eval-every', '1');
    expect(r.code, r.err.join('\n')).toBe(0);
    const events = r.out.map((l) => JSON.parse(l));
    // the small preset sets 10 % of the training set aside: a validation event after each epoch's test report
    expect(events.map((e) => e.event)).toEqual(['start', 'epoch', 'test', 'validation', 'epoch', 'test', 'validation', 'done']);
    expect(events[0].validation).toEqual({ fraction: 0.1, seed: 0, train: 540, validation: 60 });
    expect(events[3].epoch).toBe(1);
    const done = events.at(-1);
    expect(done.testError).toBeGreaterThanOrEqual(0);
    expect(done.testError).toBeLessThanOrEqual(1);
    // the model kept: the epoch of lowest validation error (the earlier on a tie), its test error measured once kept
    const v = events.filter((e) => e.event === 'validation');
    const best = Math.min(...v.map((e) => e.error));
    expect(done.validationError).toBe(best);
    expect(done.checkpointEpoch).toBe(v.find((e) => e.error === best).epoch);
    const runJson = JSON.parse(fs.readFileSync(path.join(done.runDir, 'run.json'), 'utf8'));
    expect(runJson.progress).toMatchObject({ testError: done.testError, checkpointEpoch: done.checkpointEpoch, validationError: done.validationError, keptBy: 'validation' });
    expect(runJson.validation).toEqual({ fraction: 0.1, seed: 0, train: 540, validation: 60 });
    expect(fs.existsSync(path.join(done.runDir, 'run.json'))).toBe(true);
    expect(fs.readdirSync(path.join(done.runDir, 'artifacts')).sort()).toEqual(expect.arrayContaining(['eval.onnx', 'infer.onnx', 'train.onnx']));
  });

  it('a run whose loss blew up finishes with a problem: the sentence is printed, and carried by --json', async () => {
    const args = ['train', '--preset', 'small', '--lr', '100', '--optimizer', 'sgd', '--limit-train', '600', '--limit-test', '200', '--epochs', '1'];
    const r = await cli(...args);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out.join('\n')).toMatch(/^done: test error .* \(the model after 1 epoch, validation error .*\)/m);
    expect(r.out.join('\n')).toMatch(/^problem: The learning rate is too high: the loss jumped from [\d.]+ to [\d,]+ in the first epoch\. Try 0\.01\.$/m);
    const j = await cli(...args, '--json');
    const done = JSON.parse(j.out.at(-1)!);
    expect(done).toMatchObject({ status: 'finished', checkpointEpoch: 1 });
    expect(done.diagnosis).toMatch(/^The learning rate is too high/);
    expect(JSON.parse(fs.readFileSync(path.join(done.runDir, 'run.json'), 'utf8')).diagnosis).toBe(done.diagnosis);
  });

  it('prints the parameter count and lecture-style epoch lines', async () => {
    const r = await cli('train', '--preset', 'small', '--limit-train', '400', '--limit-test', '100', '--epochs', '1');
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out.join('\n')).toMatch(/101,770 parameters/);
    expect(r.out.join('\n')).toMatch(/^epoch= 0 {2}loss= \d\.\d{4} {2}error= \d+\.\d{2} percent {2}time= \d+\.\d s/m);
    expect(r.out.join('\n')).toMatch(/^test after epoch 1: loss= \d\.\d{4} {2}error= \d+\.\d{2} percent/m);
  });

  const bad: [string[], RegExp][] = [
    [['train', '--bogus'], /unknown option '--bogus'/],
    [['train', '--lr', '-1'], /lr must be a positive number/],
    [['train', '--epochs', '0'], /epochs must be a whole number of at least 1/],
    [['train', '--batch', 'x'], /batch must be a whole number/],
    [['train', '--schedule', 'weekly'], /use constant, cosine, or step:EVERY:FACTOR/],
    [['train', '--optimizer', 'rmsprop'], /Allowed choices are sgd, momentum, adam/],
    [['train', '--device', 'tpu'], /Allowed choices are auto, cpu, webgpu, cuda, tensorrt, dml, coreml/],
    [['train', '--layers', '10,,x'], /hidden layer widths/],
    [['train', '--dropout', '1'], /dropout must be at least 0 and below 1/],
    [['fly'], /unknown command 'fly'/],
    [['bench', '--devices', 'cpu,tpu'], /unknown device "tpu"; --devices takes "all" or some of cpu, webgpu, cuda/],
    [['bench', '--markdown', 'out.md'], /--markdown goes with --devices/],
  ];
  for (const [args, msg] of bad) {
    it(`refuses ${args.join(' ')} with a usage message and exit code 2`, async () => {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.err.join('\n')).toMatch(msg);
    });
  }

  const runFolders = () => (fs.existsSync(path.join(home(), 'runs')) ? fs.readdirSync(path.join(home(), 'runs')) : []);

  it('--device with a provider whose libraries are missing prints why and what to install, exits 1 and creates nothing', async (ctx) => {
    const { probeDevice } = await import('./runtime/devices');
    const cuda = await probeDevice('cuda');
    if (cuda.available) ctx.skip('CUDA works on this machine');
    const before = runFolders();
    const r = await cli('train', '--device', 'cuda', '--preset', 'small', '--epochs', '1');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toBe(`error: NVIDIA GPU (CUDA) ("cuda") cannot be used on this computer: ${cuda.note}. Train with --device cpu, or --device auto for the fastest device that works here; nothing was created.`);
    expect(r.out).toEqual([]);
    expect(runFolders()).toEqual(before);
    // a provider onnxruntime-node does not have on this system at all
    const dml = await cli('train', '--device', 'dml', '--epochs', '1');
    expect(dml.code).toBe(1);
    if (process.platform !== 'win32') expect(dml.err.join('\n')).toMatch(/GPU \(DirectML\) \("dml"\).*DirectML needs Windows/);
  });

  it('--device auto times the model on each device, prints the choice and records it in run.json', async () => {
    const r = await cli('train', '--json', '--device', 'auto', '--preset', 'small', '--limit-train', '400', '--limit-test', '100', '--epochs', '1');
    expect(r.code, r.err.join('\n')).toBe(0);
    const line = r.err.find((l) => l.startsWith('auto chose '));
    expect(line).toMatch(/^auto chose (cpu|webgpu|cuda|tensorrt|dml|coreml): .*cpu \d+\.\d steps\/s/);
    const done = JSON.parse(r.out.at(-1)!);
    const record = JSON.parse(fs.readFileSync(path.join(done.runDir, 'run.json'), 'utf8'));
    expect(record.deviceReason).toBe(line);
    expect(line).toMatch(new RegExp(`^auto chose ${record.device}: `));
  });

  it('resume continues a run whose device cannot be used any more on auto, says why and records it', async (ctx) => {
    const { probeDevice } = await import('./runtime/devices');
    if ((await probeDevice('cuda')).available) ctx.skip('CUDA works on this machine');
    const first = await cli('train', '--json', '--preset', 'small', '--limit-train', '300', '--limit-test', '100', '--epochs', '1', '--eval-every', '0');
    expect(first.code, first.err.join('\n')).toBe(0);
    const { runId, runDir } = JSON.parse(first.out.at(-1)!);
    // as if it had trained its first epoch on a machine with CUDA, and stopped
    const file = path.join(runDir, 'run.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...record, device: 'cuda', status: 'stopped', config: { ...record.config, epochs: 2 } }));
    const r = await cli('resume', runId, '--json');
    expect(r.code, r.err.join('\n')).toBe(0);
    const why = r.err.find((l) => l.startsWith('the run trained on cuda before'));
    expect(why).toMatch(/^the run trained on cuda before, but NVIDIA GPU \(CUDA\) \("cuda"\) cannot be used on this computer: .*CUDA 12.*; auto chose cpu: cpu \d+\.\d steps\/s/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ status: 'finished', device: 'cpu', deviceReason: why, progress: { epochsDone: 2 } });
    const show = await cli('run', 'show', runId);
    expect(show.out).toContain(`device choice: ${why}`);
  });

  it('an unknown dataset is a clear error with exit code 1', async () => {
    const r = await cli('train', '--dataset', 'no-such-dataset', '--epochs', '1');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/no-such-dataset/);
  });

  it('bench --devices measures per device, and says why a device was not measured', async (ctx) => {
    const { probeDevice } = await import('./runtime/devices');
    if ((await probeDevice('cuda')).available) ctx.skip('CUDA works on this machine: its benchmark would take minutes');
    const md = path.join(home(), 'bench.md');
    const r = await cli('bench', '--devices', 'cuda', '--json', '--markdown', md);
    expect(r.code ?? 0, r.err.join('\n')).toBe(0);
    const result = JSON.parse(r.out.at(-1)!);
    expect(result.devices).toHaveLength(1);
    expect(result.devices[0]).toMatchObject({ device: 'cuda', msPerStep: 0 });
    expect(result.devices[0].error).toMatch(/CUDA|cuda/);
    expect(fs.readFileSync(md, 'utf8')).toMatch(/\| cuda \| not run: /);
  });
});
