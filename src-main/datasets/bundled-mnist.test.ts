/**
 * The bundled MNIST is a convenience: when it cannot be added (disk full, read-only folder),
 * the person's own datasets are still listed and the failure is one plain notice (issue 15, item 10).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { offerBundledMnist } from './bundled-mnist';
import { registerDatasetCommands } from './cli';
import { DatasetLibrary } from './library';
import { csvText, tempDir } from '../../tests/helpers/test-fixtures';

let root: string;

beforeAll(async () => {
  root = await tempDir();
  vi.stubEnv('MLP_STUDIO_HOME', path.join(root, 'home'));
  const file = path.join(root, 'flowers.csv');
  await fs.writeFile(file, csvText(60));
  await new DatasetLibrary(path.join(root, 'home')).import([file]);
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  vi.unstubAllEnvs();
  await fs.rm(root, { recursive: true, force: true });
});

const diskFull = () => Object.assign(new Error("ENOSPC: no space left on device, write '/x/datasets/.staging-1/train-x.bin'"), { code: 'ENOSPC' });

describe('when the bundled MNIST cannot be added', () => {
  it('mlp-studio datasets still lists the library, with one notice', async () => {
    vi.spyOn(DatasetLibrary.prototype, 'ensureBundledMnist').mockRejectedValue(diskFull());
    let out = '';
    let err = '';
    const program = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
    registerDatasetCommands(program);
    await program.parseAsync(['node', 'mlp-studio', 'datasets']);
    expect(out).toMatch(/flowers\s+csv/);
    expect(err.match(/bundled MNIST/g)).toHaveLength(1);
    expect(err).toMatch(/disk is full/);
  });

  it('offerBundledMnist answers a notice instead of throwing', async () => {
    const lib = new DatasetLibrary(path.join(root, 'home'));
    vi.spyOn(lib, 'ensureBundledMnist').mockRejectedValue(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' }));
    const r = await offerBundledMnist(lib);
    expect(r.meta).toBeNull();
    expect(r.notice).toMatch(/cannot be written.*your own datasets/);
  });
});
