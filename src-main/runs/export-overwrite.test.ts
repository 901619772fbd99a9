/**
 * An export never replaces a file nobody agreed to replace (issue 15, item 9): exporting to
 * README.onnx replaced the README.md beside it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeRuntime } from '../runtime/node';
import { exportRun } from './export';
import { ExportExistsError } from './export-files';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { startTraining } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });
let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-export-overwrite-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

async function trainedRun() {
  const data = toyImages();
  const run = await store.create({ model: toyModel(data.sampleShape), config: toyConfig({ epochs: 2, evalEvery: 1 }), dataset: toyDatasetRef });
  expect((await (await startTraining({ store, runId: run.id, data, runtime })).done).status).toBe('finished');
  return { id: run.id, data };
}

describe('export and existing files', () => {
  it('refuses to replace README.md, README.onnx or README.verification.json beside the target, unless told to', async () => {
    const { id, data } = await trainedRun();
    const project = path.join(home, 'project');
    fs.mkdirSync(project);
    for (const existing of ['README.md', 'README.onnx', 'README.verification.json']) {
      const file = path.join(project, existing);
      fs.writeFileSync(file, 'my own words\n');
      const err = await exportRun({ store, runId: id, data, runtime, out: path.join(project, 'README.onnx') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExportExistsError);
      expect(err).toMatchObject({ code: 'conflict' });
      expect((err as Error).message).toContain(file);
      expect(fs.readdirSync(project)).toEqual([existing]);
      expect(fs.readFileSync(file, 'utf8')).toBe('my own words\n');
      fs.rmSync(file);
    }
    expect((await store.get(id)).exports).toHaveLength(0);
    fs.writeFileSync(path.join(project, 'README.md'), 'my own words\n');
    const r = await exportRun({ store, runId: id, data, runtime, out: path.join(project, 'README.onnx'), overwrite: true });
    expect(r.verification.ok).toBe(true);
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toMatch(/^# /);
    expect(fs.readdirSync(project).sort()).toEqual(['README.md', 'README.onnx', 'README.verification.json']);
  });

  it('into a folder or the run\'s own folder, a second export takes a free name and keeps the first', async () => {
    const { id, data } = await trainedRun();
    const first = await exportRun({ store, runId: id, data, runtime });
    const firstBytes = fs.readFileSync(first.path);
    const second = await exportRun({ store, runId: id, data, runtime });
    expect(path.basename(second.path)).toBe(path.basename(first.path).replace(/\.onnx$/, '-2.onnx'));
    expect(fs.readFileSync(first.path).equals(firstBytes)).toBe(true);
    expect(fs.existsSync(second.modelCardPath) && fs.existsSync(second.reportPath)).toBe(true);
    const folder = path.join(home, 'models');
    fs.mkdirSync(folder);
    const name = path.basename(first.path, '.onnx');
    fs.writeFileSync(path.join(folder, `${name}.md`), 'notes\n');
    const third = await exportRun({ store, runId: id, data, runtime, out: folder });
    expect(path.basename(third.path)).toBe(`${name}-2.onnx`);
    expect(fs.readFileSync(path.join(folder, `${name}.md`), 'utf8')).toBe('notes\n');
  });
});

describe('mlp-studio export --out', () => {
  it('refuses an existing name, and replaces it with --overwrite (or --force)', async () => {
    const { main } = await import('../cli');
    const { csvText } = await import('../../tests/helpers/test-fixtures');
    const saved = process.env.MLP_STUDIO_HOME;
    process.env.MLP_STUDIO_HOME = home;
    try {
      const csv = path.join(home, 'flowers.csv');
      fs.writeFileSync(csv, csvText(60));
      const out: string[] = [];
      const err: string[] = [];
      const cli = (...args: string[]) => main(['node', 'mlp-studio', ...args], (s) => out.push(s), (s) => err.push(s));
      expect(await cli('train', '--dataset', csv, '--layers', '8', '--epochs', '1', '--eval-every', '1', '--no-progress', '--json'), err.join('\n')).toBe(0);
      const runId = (await new RunStore(home).list())[0].id;
      const model = path.join(home, 'flowers.onnx');
      fs.writeFileSync(path.join(home, 'flowers.md'), 'my notes\n');
      expect(await cli('export', runId, '--out', model)).not.toBe(0);
      expect(err.join('\n')).toMatch(/flowers\.md already exists.*--overwrite/);
      expect(fs.readFileSync(path.join(home, 'flowers.md'), 'utf8')).toBe('my notes\n');
      expect(fs.existsSync(model)).toBe(false);
      expect(await cli('export', runId, '--out', model, '--force'), err.join('\n')).toBe(0);
      expect(fs.readFileSync(path.join(home, 'flowers.md'), 'utf8')).toMatch(/^# /);
      expect(await cli('export', runId, '--out', model, '--overwrite'), err.join('\n')).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.MLP_STUDIO_HOME;
      else process.env.MLP_STUDIO_HOME = saved;
    }
  });
});
