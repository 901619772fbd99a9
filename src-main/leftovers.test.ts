/**
 * Leftovers of killed imports and abandoned uploads are cleaned at start, once a day old, and
 * nothing in use is touched (issue 15, item 12).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from './cli';
import { csvText } from '../tests/helpers/test-fixtures';
import { cleanLeftoversAtStart } from './leftovers';

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});

function age(p: string, days: number): void {
  const t = new Date(Date.now() - days * 86_400_000);
  const walk = (q: string) => {
    if (fs.lstatSync(q).isDirectory()) for (const e of fs.readdirSync(q)) walk(path.join(q, e));
    fs.utimesSync(q, t, t);
  };
  walk(p);
}

/** a home with old and young leftovers, and things that are not leftovers at all */
function homeWithLeftovers(): { home: string; gone: string[]; kept: string[] } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-leftovers-'));
  homes.push(home);
  const mk = (rel: string, file = 'x.bin') => {
    const dir = path.join(home, rel);
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), 'bytes');
    return dir;
  };
  const oldStaging = mk('datasets/.staging-old');
  const youngStaging = mk('datasets/.staging-young');
  const oldButWritten = mk('datasets/.staging-busy', 'deep/train-x.bin');
  const oldUpload = mk('uploads/up-00112233445566aa', 'digits/3.png');
  const youngUpload = mk('uploads/up-00112233445566bb');
  const oldButAppended = mk('uploads/up-00112233445566cc', 'big/train.bin');
  const notOurs = mk('uploads/my-notes');
  for (const p of [oldStaging, oldButWritten, oldUpload, oldButAppended, notOurs]) age(p, 2);
  // a chunk appended a minute ago, deep in an otherwise old upload; a file written into an old staging folder
  fs.appendFileSync(path.join(oldButAppended, 'big', 'train.bin'), 'more');
  fs.appendFileSync(path.join(oldButWritten, 'deep', 'train-x.bin'), 'more');
  return { home, gone: [oldStaging, oldUpload], kept: [youngStaging, oldButWritten, youngUpload, oldButAppended, notOurs] };
}

describe('leftovers at start', () => {
  it('removes staging folders and uploads untouched for a day, keeps anything in use or not the studio\'s', async () => {
    const { home, gone, kept } = homeWithLeftovers();
    expect(await cleanLeftoversAtStart(home)).toEqual({ library: 1, uploads: 1 });
    for (const p of gone) expect(fs.existsSync(p), p).toBe(false);
    for (const p of kept) expect(fs.existsSync(p), p).toBe(true);
  });

  it('a CLI command that writes cleans them; one that only reads does not', async () => {
    const { home, gone, kept } = homeWithLeftovers();
    const env = process.env.MLP_STUDIO_HOME;
    process.env.MLP_STUDIO_HOME = home;
    try {
      const quiet = () => undefined;
      expect(await main(['node', 'mlp-studio', 'runs'], quiet, quiet)).toBe(0);
      for (const p of gone) expect(fs.existsSync(p), p).toBe(true);
      const csv = path.join(home, 'flowers.csv');
      fs.writeFileSync(csv, csvText(40));
      expect(await main(['node', 'mlp-studio', 'import', csv, '--no-progress'], quiet, quiet)).toBe(0);
      for (const p of gone) expect(fs.existsSync(p), p).toBe(false);
      for (const p of kept) expect(fs.existsSync(p), p).toBe(true);
    } finally {
      if (env === undefined) delete process.env.MLP_STUDIO_HOME;
      else process.env.MLP_STUDIO_HOME = env;
    }
  });
});
