/**
 * Runs the real `mlp-studio` CLI in child processes, for the crash and signal tests: a tiny
 * CSV dataset (4 features, 3 classes) and a tiny network keep each run short.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'mlp-studio.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `mlp-studio ...args` with MLP_STUDIO_HOME=home; `onStdout` sees the output so far and may signal the child */
export function cli(home: string, args: string[], onStdout?: (text: string, child: ChildProcess) => void): Promise<CliResult> {
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
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** a small separable CSV: 4 features, 3 classes, `rows` rows (deterministic) */
export function writeTinyCsv(file: string, rows = 240): void {
  let s = 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const lines = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    lines.push([0, 1, 2, 3].map((j) => (rand() + (j === c ? 1.2 : 0)).toFixed(4)).join(',') + `,class${c}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/** the run id the CLI prints ("run: <id>"), once it has */
export const runIdIn = (stdout: string): string | null => /^run: (\S+)$/m.exec(stdout)?.[1] ?? null;

/** settings of a tiny run: a 4-8-3 network, batches of 10 */
export const tinyTrainArgs = (dataset: string, epochs: number): string[] => [
  'train', '--dataset', dataset, '--layers', '8', '--batch', '10', '--lr', '0.05', '--optimizer', 'adam',
  '--epochs', String(epochs), '--eval-every', '1', '--seed', '7', '--no-progress',
];
