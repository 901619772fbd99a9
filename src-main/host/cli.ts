/**
 * `mlp-studio serve [--port P] [--host H]`: the Studio API and the built UI for a browser,
 * from plain Node (training in worker threads). Prints http://HOST:PORT/?token=… like Jupyter.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { StudioService } from '../api/service';
import { studioHome } from '../paths';
import { startWebHost } from './server';

/** out/renderer of this checkout (the build of src-renderer). */
export function defaultRendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'renderer');
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one).');
  return n;
}

/** Opens the URL in the default browser where the platform has a way to; false otherwise. */
export function openBrowser(url: string): boolean {
  const cmd = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the studio to a web browser (the Studio API over WebSocket, with a token, on 127.0.0.1 by default)')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 0)
    .option('--host <host>', 'interface to bind; anything but 127.0.0.1/localhost exposes the studio to your network', '127.0.0.1')
    .option('--open', 'open the page in the default browser')
    .action(async (opts: { port: number; host: string; open?: boolean }) => {
      const home = studioHome();
      fs.mkdirSync(home, { recursive: true });
      const staticDir = defaultRendererDir();
      if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
        console.error(`The user interface is not built (no ${path.join(staticDir, 'index.html')}). Run "npx electron-vite build" (or "npm run build") first; the API is served anyway.`);
      }
      const service = new StudioService({ home });
      void service.datasets.library.ensureBundledMnist().catch((err: unknown) => console.error(`Could not add the bundled MNIST: ${err instanceof Error ? err.message : String(err)}`));
      const host = await startWebHost({ api: service, host: opts.host, port: opts.port, staticDir });
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
        console.error(`Warning: listening on ${opts.host}: anyone on your network who has the token can use this studio.`);
      }
      console.log(`MLP Studio is serving ${home}`);
      console.log(`Open this address in a browser (it contains the access token):`);
      console.log(`  ${host.url}`);
      if (opts.open && !openBrowser(host.url)) console.log('(no browser could be opened here; copy the address above)');
      const shutdown = async () => {
        await host.close();
        await service.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown());
      process.once('SIGTERM', () => void shutdown());
      await new Promise<never>(() => undefined);
    });
}
