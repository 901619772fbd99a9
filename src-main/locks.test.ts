/** Lock files between processes: taken once, busy errors naming the holder, stale ones taken over, released on exit. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockBusyError, acquireLock, pidAlive, processStart, withLock } from './locks';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mlps-lock-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** the pid of a process that has exited (so no process has it, unless reused in the meantime) */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('lock files', () => {
  it('is taken by one holder at a time; the next one is told who holds it', async () => {
    const file = path.join(root, 'a', '.lock');
    const lock = await acquireLock(file, { purpose: 'importing a dataset' });
    const owner = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, hostname: os.hostname(), purpose: 'importing a dataset' });
    const err = await acquireLock(file, { purpose: 'other' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockBusyError);
    expect((err as LockBusyError).code).toBe('busy');
    expect((err as Error).message).toContain(`process ${process.pid} (importing a dataset`);
    await lock.release();
    await lock.release();
    await expect(fs.access(file)).rejects.toThrow();
    const again = await acquireLock(file, { purpose: 'other' });
    await again.release();
  });

  it('waits for a holder that lets go within waitMs, in turn', async () => {
    const file = path.join(root, 'b', '.lock');
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        withLock(file, { purpose: `writer ${i}`, waitMs: 10_000 }, async () => {
          order.push(i);
          const inside = order.length;
          await new Promise((r) => setTimeout(r, 30));
          expect(order.length).toBe(inside); // nobody else got in meanwhile
        }),
      ),
    );
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
  });

  it('takes over a lock whose process is gone, and a damaged lock file', async () => {
    const file = path.join(root, 'c', '.lock');
    await fs.mkdir(path.dirname(file), { recursive: true });
    const pid = deadPid();
    expect(pidAlive(pid)).toBe(false);
    await fs.writeFile(file, JSON.stringify({ pid, hostname: os.hostname(), since: '2026-01-01T00:00:00Z', purpose: 'killed import', token: 'x' }));
    const lock = await acquireLock(file, { purpose: 'after the crash' });
    expect(JSON.parse(await fs.readFile(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    await fs.writeFile(file, '{"pid": 12');
    const lock2 = await acquireLock(file, { purpose: 'after a torn file' });
    await lock2.release();
    expect((await fs.readdir(path.dirname(file))).filter((n) => n !== '.lock')).toEqual([]); // no temporary or set-aside files left
  });

  it.runIf(process.platform === 'linux')('takes over a lock whose pid now belongs to another process (started at another time)', async () => {
    const file = path.join(root, 'g', '.lock');
    await fs.mkdir(path.dirname(file), { recursive: true });
    expect(processStart(process.pid)).toMatch(/^\d+$/);
    const reused = { pid: process.pid, hostname: os.hostname(), since: 's', purpose: 'a process long gone', token: 'z', procStart: '1' };
    await fs.writeFile(file, JSON.stringify(reused));
    const lock = await acquireLock(file, { purpose: 'next' });
    expect(JSON.parse(await fs.readFile(file, 'utf8')).procStart).toBe(processStart(process.pid));
    await lock.release();
    // the same pid with its own start time is the live holder
    await fs.writeFile(file, JSON.stringify({ ...reused, procStart: processStart(process.pid) }));
    await expect(acquireLock(file, { purpose: 'p' })).rejects.toThrow(/a process long gone/);
  });

  it('trusts a lock of a live process, and one from another machine', async () => {
    const file = path.join(root, 'd', '.lock');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, JSON.stringify({ pid: deadPid(), hostname: 'elsewhere.example', since: 's', purpose: 'training run r-1', token: 'y' }));
    await expect(acquireLock(file, { purpose: 'p' })).rejects.toThrow(/on elsewhere\.example \(training run r-1/);
  });

  it('is removed when its process exits, and found stale when it was killed', async () => {
    const here = path.dirname(new URL(import.meta.url).pathname);
    const script = (file: string, how: string) =>
      `import { acquireLock } from ${JSON.stringify(path.join(here, 'locks.ts'))};` +
      `await acquireLock(${JSON.stringify(file)}, { purpose: 'child' }); console.log('locked'); ${how}`;
    const run = (code: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('locked') && code.includes('SIGKILL')) child.kill('SIGKILL');
        });
        child.on('exit', (c) => resolve(c));
      });
    const exited = path.join(root, 'e', '.lock');
    expect(await run(script(exited, 'process.exit(3);'))).toBe(3);
    await expect(fs.access(exited)).rejects.toThrow();

    const killed = path.join(root, 'f', '.lock');
    await run(script(killed, 'setInterval(() => {}, 1000); /* SIGKILL */'));
    await fs.access(killed); // left behind
    const lock = await acquireLock(killed, { purpose: 'next' });
    await lock.release();
  });
});
