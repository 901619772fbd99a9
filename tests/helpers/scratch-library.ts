/**
 * A dataset library in a temporary folder for the length of one test file, and a way to
 * write each case's input file into a folder of its own (so imports never pick up another
 * case's file). Registers its own beforeAll/afterAll.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { DatasetLibrary } from '../../src-main/datasets/library';
import { tempDir } from './test-fixtures';

export interface ScratchLibrary {
  /** the library (set once the file's beforeAll has run) */
  readonly lib: DatasetLibrary;
  /** writes `content` as `name` in a fresh case folder and gives its path */
  file(content: string | Buffer, name?: string): Promise<string>;
}

export function scratchLibrary(prefix = 'mlps-tables-'): ScratchLibrary {
  let root = '';
  let lib: DatasetLibrary | null = null;
  let n = 0;
  beforeAll(async () => {
    root = await tempDir(prefix);
    lib = new DatasetLibrary(path.join(root, 'home'));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });
  return {
    get lib() {
      if (!lib) throw new Error('scratchLibrary: used before its beforeAll ran');
      return lib;
    },
    async file(content, name = 'data.csv') {
      const d = path.join(root, 'cases', `c${n++}`);
      await fs.mkdir(d, { recursive: true });
      const f = path.join(d, name);
      await fs.writeFile(f, content);
      return f;
    },
  };
}
