/** `mlp-studio serve` options: registered on the program, ports checked before anything starts. */
import { Command } from 'commander';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bindWarning, registerServeCommand } from './cli';
import { startWebHost, urlHost } from './server';

function program(): { program: Command; out: string[] } {
  const out: string[] = [];
  const p = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
  registerServeCommand(p);
  return { program: p, out };
}

describe('serve command', () => {
  it('documents --port, --host and --open', async () => {
    const { program: p, out } = program();
    await expect(p.parseAsync(['node', 'mlp-studio', 'serve', '--help'])).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    const help = out.join('');
    expect(help).toContain('--port <port>');
    expect(help).toContain('--host <host>');
    expect(help).toContain('127.0.0.1');
  });

  it('refuses a port out of range with a plain message', async () => {
    for (const bad of ['70000', '-1', 'abc', '80.5']) {
      const { program: p, out } = program();
      await expect(p.parseAsync(['node', 'mlp-studio', 'serve', '--port', bad])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
      expect(out.join('')).toContain('0 to 65535');
    }
  });
});

describe('serve --host (issue 15, item 14)', () => {
  // a serve that (wrongly) starts must not touch the real studio folder
  let home: string;
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-serve-'));
    vi.stubEnv('MLP_STUDIO_HOME', home);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('refuses an empty host instead of listening on every interface', async () => {
    for (const bad of ['', '  ']) {
      const { program: p, out } = program();
      await expect(p.parseAsync(['node', 'mlp-studio', 'serve', '--host', bad])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
      expect(out.join('')).toMatch(/empty/);
    }
  });

  it('refuses a host beyond this computer unless --allow-remote says so', async () => {
    for (const remote of ['0.0.0.0', '::', '192.168.1.20']) {
      const { program: p, out } = program();
      await expect(p.parseAsync(['node', 'mlp-studio', 'serve', '--host', remote])).rejects.toMatchObject({ exitCode: 2 });
      expect(out.join('')).toContain('--allow-remote');
    }
  });

  it('says what binding beyond loopback means, and keeps loopback quiet', () => {
    expect(bindWarning('127.0.0.1')).toBeNull();
    expect(bindWarning('::1')).toBeNull();
    expect(bindWarning('localhost')).toBeNull();
    expect(bindWarning('127.0.0.2')).toBeNull();
    expect(bindWarning('0.0.0.0')).toMatch(/every network interface/);
    expect(bindWarning('192.168.1.20')).toMatch(/192\.168\.1\.20.*token/);
  });

  it('prints well-formed addresses, IPv6 in brackets', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('[::1]')).toBe('[::1]');
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
    expect(new URL(`http://${urlHost('fe80::1')}:8080/`).port).toBe('8080');
  });
});

describe('startWebHost', () => {
  it('refuses an empty host', async () => {
    await expect(startWebHost({ api: {} as never, host: '', staticDir: null })).rejects.toThrow(/empty/);
  });
});
