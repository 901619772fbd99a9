/** `mlp-studio serve` options: registered on the program, ports checked before anything starts. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerServeCommand } from './cli';

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
