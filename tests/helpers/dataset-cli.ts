/**
 * The dataset commands driven through commander as the mlp-studio binary does, on a
 * temporary MLP_STUDIO_HOME for the length of one test file (registers its own hooks).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll } from 'vitest';
import { registerDatasetCommands } from '../../src-main/datasets/cli';
import { tempDir } from './test-fixtures';

export interface DatasetCli {
  /** the temporary folder (the home is its `home/`) */
  readonly root: string;
  /** runs `mlp-studio ...args`: what it printed, and the error it ended with, if any */
  run(...args: string[]): Promise<{ out: string; error: string | null }>;
}

export function datasetCli(prefix?: string): DatasetCli {
  let root = '';
  const saved = process.env.MLP_STUDIO_HOME;
  beforeAll(async () => {
    root = await tempDir(prefix);
    process.env.MLP_STUDIO_HOME = path.join(root, 'home');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.MLP_STUDIO_HOME;
    else process.env.MLP_STUDIO_HOME = saved;
    await fs.rm(root, { recursive: true, force: true });
  });
  return {
    get root() {
      return root;
    },
    async run(...args) {
      let out = '';
      const program = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
      registerDatasetCommands(program);
      try {
        await program.parseAsync(['node', 'mlp-studio', ...args]);
        return { out, error: null };
      } catch (e) {
        return { out, error: (e as Error).message };
      }
    },
  };
}
