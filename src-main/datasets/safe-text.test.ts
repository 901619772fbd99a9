/**
 * Class names with newlines, control characters or bidirectional overrides (issue 15, item 16)
 * are made safe by one helper, safeText: escaped when stored in meta.json, when meta.json is
 * read back, and when the CLI prints a dataset.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommands, summary, table } from './cli';
import { DatasetLibrary } from './library';
import { nameForImport } from './naming';
import { UNSAFE_TEXT, safeClassNames, safeText } from './safe-text';
import { csvText, tempDir } from '../../tests/helpers/test-fixtures';
import type { DatasetMeta } from './types';

const RLO = '\u202e';
const HOSTILE = ['cat\u202egpj.exe', 'dog\nrm -rf ~', '\u001b[31mred\u001b[0m', 'isolate\u2066x\u2069', 'csi\u009b2J', 'line\u2028sep'];
const unsafe = (s: string) => UNSAFE_TEXT.test(s);

let root: string;
const saved = process.env.MLP_STUDIO_HOME;
beforeAll(async () => {
  root = await tempDir('mlps-safe-');
  process.env.MLP_STUDIO_HOME = path.join(root, 'home');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.MLP_STUDIO_HOME;
  else process.env.MLP_STUDIO_HOME = saved;
  await fs.rm(root, { recursive: true, force: true });
});

describe('safeText', () => {
  it('escapes line breaks, control characters and bidirectional controls, visibly', () => {
    expect(safeText('a\nb')).toBe('a\\x0ab');
    expect(safeText(`cat${RLO}gpj.exe`)).toBe('cat\\u202egpj.exe');
    expect(safeText('\u001b[31m')).toBe('\\x1b[31m');
    expect(safeText('x\u2066y\u2069')).toBe('x\\u2066y\\u2069');
    for (const h of HOSTILE) expect(unsafe(safeText(h)), h).toBe(false);
  });
  it('leaves ordinary text alone, whatever the script', () => {
    for (const s of ['setosa', 'Ärger é', '猫', 'قطة', 'חתול', '🐈 cat', 'a\\b', '"quoted"']) expect(safeText(s)).toBe(s);
  });
  it('keeps class names distinct', () => {
    const names = safeClassNames(['a\nb', 'a\\x0ab', 'c']);
    expect(new Set(names).size).toBe(3);
    expect(names.some(unsafe)).toBe(false);
  });
});

describe('hostile class names', () => {
  const hostileCsv = () => {
    const lines = csvText(60, { features: 2, classes: HOSTILE.map((_, i) => `C${i}`) }).trimEnd().split('\n');
    // papaparse reads a quoted cell with a line break in it as one cell
    return lines.map((l, i) => (i === 0 ? l : l.replace(/C(\d)$/, (_, k: string) => `"${HOSTILE[Number(k)]}"`))).join('\n') + '\n';
  };

  it('are escaped in meta.json, in the library and in what the CLI prints', async () => {
    const file = path.join(root, 'pets.csv');
    await fs.writeFile(file, hostileCsv());
    let out = '';
    const program = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    registerDatasetCommands(program);
    await program.parseAsync(['node', 'mlp-studio', 'import', file, '--no-progress']);
    expect(out).toContain('cat\\u202egpj.exe');
    expect(unsafe(out.replace(/\n/g, ''))).toBe(false);
    const lib = new DatasetLibrary(process.env.MLP_STUDIO_HOME!);
    const [meta] = (await lib.list()).filter((m) => m.format === 'csv');
    expect(meta.classNames).toHaveLength(HOSTILE.length);
    expect(meta.classNames.some(unsafe)).toBe(false);
    const onDisk = await fs.readFile(path.join(lib.dir, meta.id, 'meta.json'), 'utf8');
    expect(unsafe(JSON.parse(onDisk).classNames.join(''))).toBe(false);
  });

  it('in a meta.json written before this fix are escaped when it is read', async () => {
    const lib = new DatasetLibrary(process.env.MLP_STUDIO_HOME!);
    const [meta] = (await lib.list()).filter((m) => m.format === 'csv');
    const file = path.join(lib.dir, meta.id, 'meta.json');
    await fs.writeFile(file, JSON.stringify({ ...meta, classNames: HOSTILE }, null, 2));
    expect((await lib.get(meta.id)).classNames.some(unsafe)).toBe(false);
  });

  it('the CLI escapes whatever it prints of a dataset: names, classes, sources, skipped files', () => {
    const meta = {
      id: 'ds-0123456789abcdef', name: `evil${RLO}name`, format: 'csv', sources: ['/tmp/a\nb.csv'], kind: 'tabular', sampleShape: [2],
      classNames: HOSTILE, train: { count: 6, perClass: [1, 1, 1, 1, 1, 1] }, test: { count: 0, perClass: [0, 0, 0, 0, 0, 0] },
      mean: [0, 0], std: [1, 1], createdAt: '2026-01-01T00:00:00Z', contentHash: '0'.repeat(64), preprocessing: {},
      skipped: { count: 1, files: [{ path: `x${RLO}.png`, reason: 'not\nan image' }] },
    } as DatasetMeta;
    const text = `${summary(meta)}${table([meta])}`.replace(/\n/g, '');
    expect(unsafe(text)).toBe(false);
    expect(summary(meta).split('\n')).toHaveLength(summary({ ...meta, name: 'n', classNames: ['a', 'b'], sources: ['s'], skipped: { count: 1, files: [{ path: 'p', reason: 'r' }] } }).split('\n').length);
  });

  it('names made from file names leave bidirectional controls out', () => {
    const name = nameForImport({ paths: [`/tmp/in${RLO}voice.csv`], folder: false }, { format: 'csv', kind: 'tabular', sampleShape: [2], classNames: ['a', 'b'], sources: [] });
    expect(unsafe(name)).toBe(false);
  });
});
