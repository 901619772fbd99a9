/**
 * The web host: the built renderer over HTTP and the Studio API over a WebSocket, from
 * plain Node, so the same UI runs in a browser (and the end-to-end tests drive it).
 *
 * Security, as Jupyter does it: bind 127.0.0.1 by default; a random token is required on
 * every HTTP request and WebSocket upgrade (query `?token=`, or the session cookie
 * `mlp_studio_<port>` set when the page is first opened with the token: HttpOnly,
 * SameSite=Strict, Path=/, no Domain, its value a random secret of this process, not the
 * token, so the bare address works again in that browser); the Host header must name this
 * server (DNS rebinding); a foreign Origin is refused; frames over `maxMessageBytes` close
 * the socket (1009); every call goes through the validating dispatcher.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { StudioApi, StudioEvent } from '../api/contract';
import { createDispatcher } from '../api/dispatcher';
import { downloadableFile } from '../api/export-target';
import { KEY_PAGE_HTML, wantsPage } from './key-page';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_MESSAGE_BYTES, SESSION_COOKIE, WS_PATH, wireRequestSchema } from './protocol';

export interface WebHostOptions {
  api: StudioApi;
  /** interface to bind; default 127.0.0.1 */
  host?: string;
  /** 0 or absent: a free port */
  port?: number;
  /** default: 32 random bytes, hex */
  token?: string;
  /** folder of the built renderer (index.html); null serves only the API */
  staticDir?: string | null;
  maxMessageBytes?: number;
  maxInFlight?: number;
  /** open WebSocket connections at most (default 32); more are refused with 503 */
  maxConnections?: number;
  /** when a client's send buffer exceeds this, batch events to it are skipped (it is slow) */
  maxBufferedBytes?: number;
  /** the studio folder: its exports are served at /download/<path> (see downloadableFile); absent: no downloads */
  home?: string;
}

export interface WebHost {
  host: string;
  port: number;
  token: string;
  /** http://HOST:PORT/?token=… */
  url: string;
  /** ws://HOST:PORT/api?token=… */
  wsUrl: string;
  connections(): number;
  close(): Promise<void>;
}

const MAX_URL_LENGTH = 8192;
/** exports of the studio folder, as downloads: /download/exports/<name>, /download/runs/<run>/export/<name> */
export const DOWNLOAD_PREFIX = '/download/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export function contentSecurityPolicy(wsOrigin?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    wsOrigin ? `connect-src 'self' ${wsOrigin}` : "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function tokensEqual(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Cookies are not kept apart by port: each host's cookie carries its port in the name. */
function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** A host as it goes in a URL: IPv6 addresses in brackets (once). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
const hostForUrl = urlHost;

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const bindHost = options.host ?? '127.0.0.1';
  // Node binds every interface for an empty host: that must be asked for by name (0.0.0.0 or ::)
  if (!bindHost.trim()) throw new Error('The host to listen on is empty; give an address such as 127.0.0.1 (every interface must be asked for as 0.0.0.0 or ::).');
  const token = options.token ?? crypto.randomBytes(32).toString('hex');
  /** the session cookie's value: random per process, so it is not the token and dies with this host */
  const session = crypto.randomBytes(32).toString('base64url');
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const maxConnections = options.maxConnections ?? 32;
  const staticDir = options.staticDir ? path.resolve(options.staticDir) : null;
  const dispatch = createDispatcher(options.api);
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
  let port = 0;

  /** Host header values that name this server (a rebinding attack sends its own name). */
  const hostAllowed = (hostHeader: string | undefined): boolean => {
    if (!hostHeader) return false;
    if (wildcard) return true;
    const names = new Set([hostForUrl(bindHost), '127.0.0.1', 'localhost', '[::1]']);
    return [...names].some((n) => hostHeader === `${n}:${port}`);
  };
  /** Browsers send Origin on WebSocket upgrades and cross-origin requests; only our own page may talk to us. */
  const originAllowed = (origin: string | undefined, hostHeader: string | undefined): boolean => {
    if (origin === undefined) return true; // not a browser (CLI, tests): the token decides
    return origin === `http://${hostHeader}`;
  };
  const authorized = (req: http.IncomingMessage, url: URL): boolean =>
    tokensEqual(url.searchParams.get('token'), token) ||
    tokensEqual(cookieValue(req.headers.cookie, `${SESSION_COOKIE}_${port}`), session) ||
    tokensEqual(/^token (.+)$/i.exec(req.headers.authorization ?? '')?.[1], token);

  const refuse = (res: http.ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(message + '\n');
  };

  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL_LENGTH) return refuse(res, 414, 'Request URL too long.');
    if (!hostAllowed(req.headers.host)) return refuse(res, 421, 'This MLP Studio host answers only to its own address.');
    if (!originAllowed(req.headers.origin, req.headers.host)) return refuse(res, 403, 'Requests from other web sites are refused.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET and HEAD are served here; the API is on the WebSocket.');
    const url = new URL(rawUrl, `http://${req.headers.host}`);
    if (!authorized(req, url)) {
      if (!wantsPage(req, url.pathname)) return refuse(res, 403, 'MLP Studio needs its key: reopen the studio from where you started it (the app\'s window, or the address it printed).');
      res.writeHead(403, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': contentSecurityPolicy(), 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' });
      return void res.end(req.method === 'HEAD' ? undefined : KEY_PAGE_HTML);
    }
    const headers: Record<string, string> = {
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Content-Security-Policy': contentSecurityPolicy(`ws://${req.headers.host}`),
    };
    if (url.searchParams.has('token')) {
      // a session cookie (no Expires/Max-Age) for this host name only (no Domain)
      headers['Set-Cookie'] = `${SESSION_COOKIE}_${port}=${session}; HttpOnly; SameSite=Strict; Path=/`;
    }
    if (url.pathname.startsWith(DOWNLOAD_PREFIX)) {
      return void serveDownload(req, res, url.pathname.slice(DOWNLOAD_PREFIX.length), headers).catch(() => (res.headersSent ? res.destroy() : refuse(res, 404, 'Not found.')));
    }
    if (!staticDir || !fs.existsSync(path.join(staticDir, 'index.html'))) {
      return refuse(res, 503, 'The studio\'s user interface is not built. Run "npx electron-vite build" and start the host again.');
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return refuse(res, 400, 'Malformed URL.');
    }
    if (pathname.includes('\0')) return refuse(res, 400, 'Malformed URL.');
    if (pathname === '/' || pathname === '') pathname = '/index.html';
    const file = path.resolve(staticDir, '.' + pathname);
    if (file !== staticDir && !file.startsWith(staticDir + path.sep)) return refuse(res, 404, 'Not found.');
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return refuse(res, 404, 'Not found.');
    }
    if (!stat.isFile()) return refuse(res, 404, 'Not found.');
    headers['Content-Type'] = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    headers['Content-Length'] = String(stat.size);
    headers['Cache-Control'] = file.endsWith('.html') ? 'no-store' : 'private, max-age=3600';
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });

  /** An export's file as a download: the browser's way to get what the studio wrote (it may write nowhere else). */
  const serveDownload = async (req: http.IncomingMessage, res: http.ServerResponse, encoded: string, headers: Record<string, string>): Promise<void> => {
    let rel: string;
    try {
      rel = decodeURIComponent(encoded);
    } catch {
      return refuse(res, 400, 'Malformed URL.');
    }
    const file = options.home && !rel.includes('\0') ? await downloadableFile(options.home, rel) : null;
    if (!file) return refuse(res, 404, 'Not found: only exported models, model cards and verification reports can be downloaded.');
    const stat = await fs.promises.stat(file);
    const name = path.basename(file);
    headers['Content-Type'] = CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
    headers['Content-Length'] = String(stat.size);
    headers['Content-Disposition'] = `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
    headers['Cache-Control'] = 'no-store';
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    fs.createReadStream(file).pipe(res);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const deny = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    };
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL_LENGTH) return deny(414, 'URI Too Long');
    if (!hostAllowed(req.headers.host)) return deny(421, 'Misdirected Request');
    if (!originAllowed(req.headers.origin, req.headers.host)) return deny(403, 'Forbidden');
    const url = new URL(rawUrl, `http://${req.headers.host}`);
    if (url.pathname !== WS_PATH) return deny(404, 'Not Found');
    if (!authorized(req, url)) return deny(401, 'Unauthorized');
    if (sockets.size >= maxConnections) return deny(503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const send = (ws: WebSocket, payload: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  };

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    let inFlight = 0;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return send(ws, { id: null, ok: false, error: { code: 'bad_request', message: 'Send JSON text frames, not binary.' } });
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        return send(ws, { id: null, ok: false, error: { code: 'bad_request', message: 'The message is not valid JSON.' } });
      }
      const request = wireRequestSchema.safeParse(parsed);
      if (!request.success) {
        const id = parsed && typeof parsed === 'object' && 'id' in parsed && ['number', 'string'].includes(typeof parsed.id) ? parsed.id : null;
        const problems = request.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
        return send(ws, { id, ok: false, error: { code: 'bad_request', message: `Malformed request (expected {id, method, args[]}): ${problems}.` } });
      }
      const { id, method, args } = request.data;
      if (inFlight >= maxInFlight) {
        return send(ws, { id, ok: false, error: { code: 'busy', message: `Too many requests at once (more than ${maxInFlight}); try again.` } });
      }
      inFlight++;
      void dispatch(method, args).then((reply) => {
        inFlight--;
        send(ws, { id, ...reply });
      });
    });
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => sockets.delete(ws));
  });

  const unsubscribe = options.api.onEvent((event: StudioEvent) => {
    if (sockets.size === 0) return;
    const frame = JSON.stringify({ event });
    const droppable = event.channel === 'run' && event.event?.event === 'batch';
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      if (droppable && ws.bufferedAmount > maxBuffered) continue;
      ws.send(frame);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = wildcard ? '127.0.0.1' : hostForUrl(bindHost);
  const base = `http://${shownHost}:${port}`;

  return {
    host: bindHost,
    port,
    token,
    url: `${base}/?token=${token}`,
    wsUrl: `ws://${shownHost}:${port}${WS_PATH}?token=${token}`,
    connections: () => sockets.size,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
