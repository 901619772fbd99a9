/**
 * The CLI's `main` run in the test's own process against a temporary studio folder
 * (MLP_STUDIO_HOME), made before the file's tests and removed after them. For the CLI's
 * output and exit codes; tests/chaos/cli-harness.ts runs it as a child process instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { main } from '../../src-main/cli';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

export function inProcessCli(prefix: string): { cli: (...args: string[]) => Promise<CliRun>; home: () => string } {
  let home = '';
  const prev = process.env.MLP_STUDIO_HOME;
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    process.env.MLP_STUDIO_HOME = home;
  });
  afterAll(() => {
    process.env.MLP_STUDIO_HOME = prev;
    fs.rmSync(home, { recursive: true, force: true });
  });
  async function cli(...args: string[]): Promise<CliRun> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'mlp-studio', ...args], (s) => out.push(s), (s) => err.push(s));
    return { code, out, err };
  }
  return { cli, home: () => home };
}
