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
import { offerBundledMnist } from '../datasets/bundled-mnist';
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

/** The interface to bind, as typed: an empty one (which Node takes for every interface) is refused. */
function parseHost(value: string): string {
  const host = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new InvalidArgumentError('the host is empty. Give an address such as 127.0.0.1 (the default); to listen on every interface say 0.0.0.0 with --allow-remote.');
  if (/[\s/?#@]/.test(host)) throw new InvalidArgumentError(`"${value}" is not an address or host name.`);
  return host;
}

/** Addresses only this computer can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** What listening on `host` exposes, for the terminal; null for loopback. */
export function bindWarning(host: string): string | null {
  if (isLoopback(host)) return null;
  const where = host === '0.0.0.0' || host === '::' ? 'every network interface of this computer' : host;
  return `Warning: listening on ${where}: anyone who can reach it over the network and has the token can use this studio (read and train on its data, import files this account can read, write exports into its exports folder). Stop with Ctrl+C when done.`;
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
    .option('--host <host>', 'interface to bind; anything but 127.0.0.1/localhost/::1 needs --allow-remote and exposes the studio to your network', parseHost, '127.0.0.1')
    .option('--allow-remote', 'allow a --host other computers can reach (0.0.0.0, ::, a LAN address)')
    .option('--open', 'open the page in the default browser')
    .action(async (opts: { port: number; host: string; allowRemote?: boolean; open?: boolean }, cmd: Command) => {
      const warning = bindWarning(opts.host);
      if (warning && !opts.allowRemote) {
        cmd.error(`Refusing to listen on ${opts.host}: other computers could reach the studio there. Add --allow-remote if that is what you want, or leave --host out to stay on 127.0.0.1.`, { exitCode: 2, code: 'mlp-studio.remoteRefused' });
      }
      const home = studioHome();
      fs.mkdirSync(home, { recursive: true });
      const staticDir = defaultRendererDir();
      if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
        console.error(`The user interface is not built (no ${path.join(staticDir, 'index.html')}). Run "npx electron-vite build" (or "npm run build") first; the API is served anyway.`);
      }
      const service = new StudioService({ home });
      void offerBundledMnist(service.datasets.library).then(({ notice }) => notice && console.error(notice));
      const host = await startWebHost({ api: service, host: opts.host, port: opts.port, staticDir, home });
      if (warning) console.error(warning);
      console.log(`MLP Studio is serving ${home}`);
      console.log(`Open this address in a browser (it contains the access token):`);
      console.log(`  ${host.url}`);
      console.log(`Once it is open, the plain address ${host.url.replace(/\?token=.*$/, '')} works again in that browser until the studio stops.`);
      if (opts.open && !openBrowser(host.url)) console.log('(no browser could be opened here; copy the address above)');
      const shutdown = async () => {
        await host.close();
        // runs in training stop as with the Stop button: where each epoch stands is saved
        await service.close({ graceMs: 10_000 });
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown());
      process.once('SIGTERM', () => void shutdown());
      await new Promise<never>(() => undefined);
    });
}
