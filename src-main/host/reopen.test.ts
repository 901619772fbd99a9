/**
 * A way back in (issue 16, item 3): the first visit with the token sets a session cookie, so
 * the bare address (a new tab, the browser's history) opens the studio again in that browser;
 * without it the page says, in plain words, how to reopen the studio. The cookie is bound to
 * this host process and port, is not the token, and does not let another site in.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioService } from '../api/service';
import { makeTestHome, type TestHome } from '../../tests/helpers/testkit';
import { startWebHost, type WebHost } from './server';
import { connectWebHost } from './ws-client';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

/** Opens a raw WebSocket; resolves with 'open' or the HTTP status of the refusal. */
function tryConnect(url: string, opts: WebSocket.ClientOptions = {}): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
    ws.once('error', () => resolve({ opened: false }));
  });
}

describe('web host: back in by the bare address', () => {
  let t: TestHome;
  let service: StudioService;
  let host: WebHost;
  let other: WebHost;
  let staticDir: string;
  let base: string;

  beforeAll(async () => {
    t = await makeTestHome();
    service = new StudioService({ home: t.home });
    staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-static-'));
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>MLP Studio</title>');
    fs.mkdirSync(path.join(staticDir, 'assets'));
    fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    host = await startWebHost({ api: service, staticDir, home: t.home });
    // a second studio with the very same token: its cookie must still not open the first
    other = await startWebHost({ api: service, staticDir, home: t.home, token: host.token });
    base = `http://127.0.0.1:${host.port}`;
  });
  afterAll(async () => {
    await other.close();
    await host.close();
    await service.close();
    t.cleanup();
    fs.rmSync(staticDir, { recursive: true, force: true });
  });

  /** The cookie a browser keeps from the first visit with the token: "name=value". */
  const cookieOf = async (h: WebHost): Promise<string> => String((await get(h.url)).headers['set-cookie']).split(';')[0];

  it('sets a session cookie on the first visit with the token: HttpOnly, SameSite=Strict, Path=/, no Domain, not the token', async () => {
    const r = await get(host.url);
    expect(r.status).toBe(200);
    const setCookie = r.headers['set-cookie'] ?? [];
    expect(setCookie).toHaveLength(1);
    const [pair, ...attrs] = setCookie[0].split(';').map((s) => s.trim());
    const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    expect(name).toBe(`mlp_studio_${host.port}`);
    expect(value.length).toBeGreaterThanOrEqual(32);
    expect(value).not.toContain(host.token);
    expect(decodeURIComponent(value)).not.toContain(host.token);
    const flags = attrs.map((a) => a.toLowerCase());
    expect(flags).toContain('httponly');
    expect(flags).toContain('samesite=strict');
    expect(flags).toContain('path=/');
    expect(flags.some((a) => a.startsWith('domain'))).toBe(false);
    // a session cookie: gone when the browser closes
    expect(flags.some((a) => a.startsWith('expires') || a.startsWith('max-age'))).toBe(false);
    // the same value on every token visit: tabs of one browser share it
    expect(await cookieOf(host)).toBe(pair);
  });

  it('the bare address with the cookie serves the app, and the API answers over the cookie alone', async () => {
    const cookie = await cookieOf(host);
    const page = await get(`${base}/`, { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>MLP Studio</title>');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await get(`${base}/assets/app.js`, { Cookie: `other=1; ${cookie}` })).status).toBe(200);
    const conn = await connectWebHost(`ws://127.0.0.1:${host.port}/api`, { origin: base, headers: { Cookie: cookie } });
    try {
      const datasets = await conn.api.listDatasets();
      expect(datasets.map((d) => d.id)).toContain(t.dataset.id);
    } finally {
      await conn.close();
    }
  });

  it('refuses a wrong cookie, and the token itself as the cookie', async () => {
    const name = `mlp_studio_${host.port}`;
    const good = (await cookieOf(host)).split('=')[1];
    for (const value of ['nope', '', good.slice(0, -1), good + 'x', host.token, encodeURIComponent(host.token)]) {
      expect((await get(`${base}/assets/app.js`, { Cookie: `${name}=${value}` })).status, value).toBe(403);
      expect(await tryConnect(`ws://127.0.0.1:${host.port}/api`, { origin: base, headers: { Cookie: `${name}=${value}` } }), value).toMatchObject({ opened: false, status: 401 });
    }
  });

  it('refuses the cookie of another port, and that of another studio with the same token', async () => {
    const mine = await cookieOf(host);
    const theirs = await cookieOf(other);
    expect(theirs.split('=')[0]).toBe(`mlp_studio_${other.port}`);
    // my value under another port's name
    expect((await get(`${base}/`, { Cookie: mine.replace(`_${host.port}=`, `_${other.port}=`) })).status).toBe(403);
    expect((await get(`http://127.0.0.1:${other.port}/`, { Cookie: mine })).status).toBe(403);
    // the other studio's value under my name: bound to that process, not to the token
    const forged = `mlp_studio_${host.port}=${theirs.split('=')[1]}`;
    expect((await get(`${base}/`, { Cookie: forged })).status).toBe(403);
    expect(await tryConnect(`ws://127.0.0.1:${host.port}/api`, { origin: base, headers: { Cookie: forged } })).toMatchObject({ opened: false, status: 401 });
  });

  it('refuses a WebSocket from another site even when the browser sends the cookie', async () => {
    const cookie = await cookieOf(host);
    for (const origin of ['http://evil.example', `http://localhost:${other.port}`, 'null']) {
      expect(await tryConnect(`ws://127.0.0.1:${host.port}/api`, { origin, headers: { Cookie: cookie } }), origin).toMatchObject({ opened: false, status: 403 });
    }
    expect((await get(`${base}/`, { Cookie: cookie, Origin: 'http://evil.example' })).status).toBe(403);
    // a rebinding name with the cookie: refused too
    expect((await get(`${base}/`, { Cookie: cookie, Host: `evil.example:${host.port}` })).status).toBe(421);
  });

  it('the bare address without the cookie: a plain-words page on how to reopen the studio, no app', async () => {
    for (const p of ['/', '/index.html', '/runs']) {
      const r = await get(`${base}${p}`, { Accept: 'text/html,application/xhtml+xml' });
      expect(r.status, p).toBe(403);
      expect(r.headers['content-type'], p).toMatch(/^text\/html/);
      expect(r.headers['set-cookie'], p).toBeUndefined();
      expect(r.body).toContain('<h1>This studio page needs its key</h1>');
      expect(r.body).toContain('Reopen MLP Studio from where you started it');
      expect(r.body).not.toMatch(/token|cookie|terminal|403|<script/i);
      expect(r.body).not.toContain('<title>MLP Studio</title>');
    }
    // a script or file fetched without the key gets a short refusal, not the page
    const asset = await get(`${base}/assets/app.js`);
    expect(asset.status).toBe(403);
    expect(asset.headers['content-type']).toMatch(/^text\/plain/);
  });
});
