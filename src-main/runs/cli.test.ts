/**
 * The "done means", through the real CLI in child processes: train on MNIST, stop it
 * with Ctrl+C (SIGINT), resume it, export it (the verification line is printed), and predict
 * on a PNG of a digit. Also the run management commands and predict on a CSV.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from '../datasets/library';
import { parseCsvSamples, PredictInputError } from './predict';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'mlp-studio.mjs');

let home: string;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-cli-'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** runs `mlp-studio args...`; `onStdout` may send the child a signal */
function cli(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, MLP_STUDIO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mlp-studio CLI session', () => {
  it('trains, stops (Ctrl+C), resumes, exports with the verification line, and predicts on a PNG of a digit', async () => {
    let interrupted = false;
    const train = await cli(['train', '--dataset', 'mnist', '--preset', 'small', '--epochs', '12', '--limit-train', '1500', '--limit-test', '400', '--batch', '50', '--lr', '0.05', '--no-progress'], (text, child) => {
      if (!interrupted && /^epoch= 0 /m.test(text)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(train.code, train.stderr).toBe(130);
    expect(train.stderr).toMatch(/Stopped from the keyboard/);
    const runId = /^run: (\S+)$/m.exec(train.stdout)![1];

    const runs = await cli(['runs']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+stopped\\s+MNIST\\s+784-128-10 relu\\s+\\d+/12`, 'm'));

    const resume = await cli(['resume', runId.slice(0, 17), '--no-progress']);
    expect(resume.code, resume.stderr).toBe(0);
    const from = Number(/resuming run \S+ from epoch (\d+) of 12/.exec(resume.stdout)![1]);
    expect(from).toBeGreaterThanOrEqual(1);
    expect(from).toBeLessThan(12);
    expect(resume.stdout).toMatch(new RegExp(`^epoch= ${from} `, 'm')); // continues where it stopped
    expect(resume.stdout).toMatch(/^epoch= 11 /m);
    expect(resume.stdout).toMatch(/^done: test error \d+\.\d\d%/m);

    const show = await cli(['run', 'show', runId]);
    expect(show.stdout).toMatch(/status: finished/);
    expect(show.stdout).toMatch(new RegExp(`resumed .* from epoch ${from}`));

    const out = path.join(home, 'digits.onnx');
    const exp = await cli(['export', runId, '--out', out]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stdout).toMatch(/^verification: OK: ONNX Runtime and the studio agree on 400\/400 test labels \(100\.00%\), max probability difference \S+ \(tolerance 0\.00001\)$/m);
    for (const f of ['digits.onnx', 'digits.md', 'digits.verification.json']) expect(fs.existsSync(path.join(home, f))).toBe(true);

    // a PNG of the first MNIST test digit (a 7), and the same digit as a larger JPEG
    const lib = new DatasetLibrary(home);
    const meta = (await lib.list()).find((m) => m.format === 'bundled-mnist')!;
    const sample = await lib.getSample(meta.id, 'test', 0);
    const raw = Buffer.from(Uint8Array.from(sample.values));
    const png = path.join(home, 'digit.png');
    await sharp(raw, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(png);
    const pred = await cli(['predict', out, png]);
    expect(pred.code, pred.stderr).toBe(0);
    const m = /^(\S+digit\.png): (\S+)\s+\(top: (.*)\)$/m.exec(pred.stdout)!;
    expect(m, pred.stdout).not.toBeNull();
    expect(m[2]).toBe(String(sample.label));
    expect(m[3].split(', ')).toHaveLength(3);

    // the PNG path gives exactly what the model gives for the raw test sample
    const session = await ort.InferenceSession.create(out);
    const direct = await session.run({ input: new ort.Tensor('float32', Float32Array.from(sample.values), [1, 1, 28, 28]) });
    await session.release();
    const json = await cli(['predict', out, png, '--json', '--top', '10']);
    const p = JSON.parse(json.stdout.trim());
    expect(p.labelIndex).toBe(Number((direct.label.data as BigInt64Array)[0]));
    const probs = direct.probabilities.data as Float32Array;
    for (const t of p.top) expect(t.probability).toBeCloseTo(probs[Number(t.label)], 6);
  });

  it('manages runs: note, replay (identical result), compare, delete; clear errors for unknown runs and bad input', async () => {
    const list = JSON.parse((await cli(['runs', '--json'])).stdout);
    expect(list.length).toBeGreaterThanOrEqual(1);
    const id = list[0].id;
    expect((await cli(['run', 'note', id, 'first', 'try'])).code).toBe(0);
    expect((await cli(['run', 'show', id])).stdout).toMatch(/note: first try/);
    const replay = JSON.parse((await cli(['run', 'replay', id])).stdout);
    expect(replay).toMatchObject({ kind: 'mlp-studio-replay', sourceRun: id, dataset: { limitTrain: 1500, limitTest: 400 } });
    // replay trains the same settings again: the interrupted-and-resumed original and the replay end identical
    const again = await cli(['run', 'replay', id, '--start']);
    expect(again.code, again.stderr).toBe(0);
    const copy = /^run: (\S+) \(replay of /m.exec(again.stdout)![1];
    const cmp = await cli(['run', 'compare', id, copy]);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).not.toMatch(/^\*/m); // no setting differs
    const best = /^\s+test error\s+(\S+)\s+(\S+)$/m.exec(cmp.stdout)!;
    expect(best[1]).toBe(best[2]);
    const missing = await cli(['run', 'show', 'no-such-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no run "no-such-run"/);
    const badCk = await cli(['export', id, '--checkpoint', 'newest']);
    expect(badCk.code).toBe(2);
    expect(badCk.stderr).toMatch(/best, last, or an epoch number/);
    const notImage = path.join(home, 'fake.png');
    fs.writeFileSync(notImage, 'not an image');
    const badImg = await cli(['predict', path.join(home, 'digits.onnx'), notImage]);
    expect(badImg.code).toBe(1);
    expect(badImg.stderr).toMatch(/fake\.png: not a picture \(its content is not PNG, JPEG/);
    const notModel = await cli(['predict', notImage, notImage]);
    expect(notModel.stderr).toMatch(/fake\.png: not an ONNX model/);
    expect((await cli(['run', 'delete', id])).stdout).toMatch(/deleted run/);
    expect(fs.existsSync(path.join(home, 'runs', id))).toBe(false);
    expect(fs.existsSync(path.join(home, 'runs', copy))).toBe(true);
  });
});

describe('predict on CSV rows', () => {
  it('reads raw feature rows, drops a label column, and names file, line and column in errors', () => {
    const s = parseCsvSamples('f1,f2,label\n1,2,0\n\n3.5,-4,1\n', 'd.csv', 2);
    expect(s.map((x) => Array.from(x.values))).toEqual([
      [1, 2],
      [3.5, -4],
    ]);
    expect(s[1].source).toBe('d.csv, line 4');
    expect(parseCsvSamples('1,2\n3,4', 'n.csv', 2)).toHaveLength(2);
    expect(() => parseCsvSamples('1,2,3\n', 'w.csv', 2)).toThrow(/w\.csv, line 1: 3 values, but the model expects 2 features/);
    expect(() => parseCsvSamples('a,b\n1,x\n', 'x.csv', 2)).toThrow(/x\.csv, line 2, column 2: "x" is not a number/);
    expect(() => parseCsvSamples('a,b\n', 'h.csv', 2)).toThrow(PredictInputError);
    expect(() => parseCsvSamples('', 'e.csv', 2)).toThrow(/no rows/);
  });
});
