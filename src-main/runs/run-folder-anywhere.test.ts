/**
 * Issue 14, item 8: the CLI's help says RUN is "a run id or a run folder"; a run trained with
 * `train --run-dir DIR` lives in DIR/<id>, and show, note and delete (like export and resume,
 * through the same store) take that folder by its path. Before, each answered "a run folder
 * outside this studio's runs folder".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from '../../tests/chaos/cli-harness';
import { toyConfig, toyDatasetRef, toyModel } from '../../tests/helpers/toy';
import { RunStore, storeForRun } from './store';

let root: string;
let home: string;
let folder: string;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-run-anywhere-'));
  home = path.join(root, 'home');
  const elsewhere = new RunStore(home, path.join(root, 'elsewhere'));
  const run = await elsewhere.create({ model: toyModel(), config: toyConfig({ epochs: 2 }), dataset: toyDatasetRef });
  // as a run of a process that has ended: stopped, no trainer
  await elsewhere.update(run.id, (r) => {
    r.status = 'stopped';
    delete r.pid;
    delete r.hostname;
  });
  folder = elsewhere.paths(run.id).dir;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('a run folder outside the studio is found by its path (or its run.json), not by its bare id', () => {
  expect(storeForRun(home, undefined, folder).dir).toBe(path.dirname(folder));
  expect(storeForRun(home, undefined, path.join(folder, 'run.json')).dir).toBe(path.dirname(folder));
  expect(storeForRun(home, undefined, path.basename(folder)).dir).toBe(path.join(home, 'runs'));
  expect(storeForRun(home, '/some/dir', folder).dir).toBe('/some/dir');
});

it('mlp-studio run show, note and delete take the folder of a run trained with --run-dir', async () => {
  const show = await cli(home, ['run', 'show', folder]);
  expect(show.code, show.stderr).toBe(0);
  expect(show.stdout).toContain(`folder: ${folder}`);
  const note = await cli(home, ['run', 'note', folder, 'kept', 'outside']);
  expect(note.code, note.stderr).toBe(0);
  const byId = await cli(home, ['run', 'show', path.basename(folder)]);
  expect(byId.code).toBe(1);
  const del = await cli(home, ['run', 'delete', folder]);
  expect(del.code, del.stderr).toBe(0);
  expect(fs.existsSync(folder)).toBe(false);
}, 120_000);
