/**
 * The web host refuses what it must: requests without the right token, from another origin
 * or another host name, oversized frames, unknown methods, malformed payloads and ids that
 * try to leave the studio folder; and a flood of requests does not stall training.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StudioService } from '../api/service';
import { makeTestHome, runEvents, tinyRun, isTerminal, type TestHome } from '../../tests/helpers/testkit';
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
function tryConnect(url: string, opts: WebSocket.ClientOptions = {}): Promise<{ opened: boolean; status?: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve({ opened: true, ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
    ws.once('error', () => resolve({ opened: false }));
  });
}

/** Sends one raw frame and waits for the next reply frame (or the close code). */
function exchange(ws: WebSocket, frame: string | Buffer, binary = false): Promise<{ reply?: any; closed?: number }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString());
      if (msg.event) return; // events are not replies
      ws.off('message', onMessage);
      resolve({ reply: msg });
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => resolve({ closed: code }));
    ws.send(frame, { binary });
  });
}

describe('web host security', () => {
  let t: TestHome;
  let service: StudioService;
  let host: WebHost;
  let staticDir: string;
  let ws: WebSocket;

  beforeAll(async () => {
    t = await makeTestHome();
    service = new StudioService({ home: t.home });
    staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-static-'));
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>MLP Studio</title>');
    fs.mkdirSync(path.join(staticDir, 'assets'));
    fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(t.home, 'secret.txt'), 'secret');
    host = await startWebHost({ api: service, staticDir, home: t.home, maxMessageBytes: 64 * 1024, maxInFlight: 16, maxConnections: 8 });
    const c = await tryConnect(host.wsUrl);
    ws = c.ws!;
  });
  afterAll(async () => {
    ws?.close();
    await host.close();
    await service.close();
    t.cleanup();
    fs.rmSync(staticDir, { recursive: true, force: true });
  });

  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  });

  it('serves the page only with the token, then by its cookie', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    expect((await get(`${base}/`)).status).toBe(403);
    expect((await get(`${base}/?token=wrong`)).status).toBe(403);
    expect((await get(`${base}/?token=${host.token.slice(0, -1)}`)).status).toBe(403);
    const ok = await get(host.url);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('MLP Studio');
    expect(ok.headers['content-security-policy']).toContain("default-src 'self'");
    const cookie = String(ok.headers['set-cookie']).split(';')[0];
    expect(cookie).toMatch(new RegExp(`^mlp_studio_${host.port}=`));
    expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly/);
    expect((await get(`${base}/assets/app.js`, { Cookie: cookie })).status).toBe(200);
    expect((await get(`${base}/assets/app.js`, { Cookie: `mlp_studio_${host.port}=nope` })).status).toBe(403);
    // another studio's cookie (other port) does not open this one
    expect((await get(`${base}/assets/app.js`, { Cookie: cookie.replace(String(host.port), '1') })).status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/%00index.html', '/assets/..%5c..%5csecret.txt']) {
      const r = await get(`${base}${p}${p.includes('?') ? '&' : '?'}token=${host.token}`);
      expect([400, 404], p).toContain(r.status);
      expect(r.body).not.toContain('secret');
    }
  });

  it('refuses a foreign Origin and a foreign Host name (DNS rebinding)', async () => {
    const r = await get(host.url, { Origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    const rebind = await get(host.url, { Host: `evil.example:${host.port}` });
    expect(rebind.status).toBe(421);
    const w = await tryConnect(host.wsUrl, { origin: 'http://evil.example' });
    expect(w).toMatchObject({ opened: false, status: 403 });
    const same = await tryConnect(host.wsUrl, { origin: `http://127.0.0.1:${host.port}` });
    expect(same.opened).toBe(true);
    same.ws!.close();
  });

  it('refuses WebSocket connections without the right token', async () => {
    const base = `ws://127.0.0.1:${host.port}/api`;
    expect(await tryConnect(base)).toMatchObject({ opened: false, status: 401 });
    expect(await tryConnect(`${base}?token=${'0'.repeat(64)}`)).toMatchObject({ opened: false, status: 401 });
    await expect(connectWebHost(`${base}?token=bad`)).rejects.toThrow(/401/);
  });

  it('refuses connections beyond its limit', async () => {
    await vi.waitFor(() => expect(host.connections()).toBe(1)); // only the suite's own connection
    const extra: WebSocket[] = [];
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      const c = await tryConnect(host.wsUrl);
      if (c.opened) extra.push(c.ws!);
      else if (c.status === 503) refused++;
    }
    expect(extra.length).toBe(7); // 8 minus the suite's own connection
    expect(refused).toBe(3);
    await Promise.all(extra.map((w) => new Promise((r) => (w.once('close', r), w.close()))));
  });

  it('closes the connection on an oversized message', async () => {
    const c = await tryConnect(host.wsUrl);
    const big = JSON.stringify({ id: 1, method: 'renameDataset', args: [t.dataset.id, 'x'.repeat(70 * 1024)] });
    const r = await exchange(c.ws!, big);
    expect(r.closed).toBe(1009);
    // the host keeps serving others
    expect((await exchange(ws, JSON.stringify({ id: 2, method: 'listRuns', args: [] }))).reply).toMatchObject({ id: 2, ok: true });
  });

  it('answers unknown methods and malformed frames with typed errors', async () => {
    const cases: [string | Buffer, string, boolean?][] = [
      [JSON.stringify({ id: 1, method: 'rmrf', args: [] }), 'unknown_method'],
      [JSON.stringify({ id: 2, method: 'constructor', args: [] }), 'unknown_method'],
      [JSON.stringify({ id: 3, method: '__proto__', args: [] }), 'unknown_method'],
      [JSON.stringify({ id: 4, method: 'onEvent', args: [] }), 'unknown_method'],
      ['{not json', 'bad_request'],
      [JSON.stringify([1, 2, 3]), 'bad_request'],
      [JSON.stringify({ id: 5, method: 'listRuns' }), 'bad_request'],
      [JSON.stringify({ id: 6, method: 'listRuns', args: {} }), 'bad_request'],
      [JSON.stringify({ id: 7, method: 'getRun', args: [42] }), 'bad_request'],
      [JSON.stringify({ id: 8, method: 'getRun', args: [] }), 'bad_request'],
      [JSON.stringify({ id: 9, method: 'startRun', args: [{ datasetId: 'x' }] }), 'bad_request'],
      [JSON.stringify({ id: 10, method: 'startRun', args: [{ ...tinyRun(t.dataset.id), config: { ...tinyRun(t.dataset.id).config, lr: -1 } }] }), 'bad_request'],
      [JSON.stringify({ id: 11, method: 'startRun', args: [{ ...tinyRun(t.dataset.id), extra: 1 }] }), 'bad_request'],
      [JSON.stringify({ id: 12, method: 'importDataset', args: [{ paths: ['relative/path'] }] }), 'bad_request'],
      [JSON.stringify({ id: 13, method: 'exportRun', args: ['r1', 'relative/model.onnx'] }), 'bad_request'],
      [JSON.stringify({ id: 14, method: 'exportRun', args: ['r1', '.hidden.onnx'] }), 'bad_request'],
      [JSON.stringify({ id: 15, method: 'exportRun', args: ['r1', null, { overwrite: 'yes' }] }), 'bad_request'],
      [Buffer.from([1, 2, 3]), 'bad_request', true],
    ];
    for (const [frame, code, binary] of cases) {
      const r = await exchange(ws, frame, binary);
      expect(r.reply?.ok, String(frame)).toBe(false);
      expect(r.reply.error.code, String(frame)).toBe(code);
      expect(typeof r.reply.error.message).toBe('string');
    }
  });

  it('a token is not a write-anywhere capability: exports outside the studio\'s exports folder are refused (issue 15, item 9)', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-outside-'));
    fs.symlinkSync(outside, path.join(t.home, 'exports-link'));
    fs.mkdirSync(path.join(t.home, 'exports'), { recursive: true });
    fs.symlinkSync(outside, path.join(t.home, 'exports', 'escape'));
    try {
      for (const target of ['/etc/cron.d/x.onnx', path.join(outside, 'x.onnx'), path.join(t.home, 'x.onnx'), path.join(t.home, 'exports', '..', 'x.onnx'), path.join(t.home, 'exports-link', 'x.onnx'), path.join(t.home, 'exports', 'escape', 'x.onnx')]) {
        const r = await exchange(ws, JSON.stringify({ id: 40, method: 'exportRun', args: ['r1', target] }));
        expect(r.reply?.ok, target).toBe(false);
        expect(r.reply.error.code, target).toBe('forbidden');
        expect(r.reply.error.message).toMatch(/exports folder/);
      }
      expect(fs.readdirSync(outside)).toEqual([]);
      expect(fs.existsSync(path.join(t.home, 'x.onnx'))).toBe(false);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
      fs.rmSync(path.join(t.home, 'exports-link'));
      fs.rmSync(path.join(t.home, 'exports', 'escape'));
    }
  });

  it('serves exports as downloads, with the token, and nothing else of the studio folder', async () => {
    fs.mkdirSync(path.join(t.home, 'exports'), { recursive: true });
    fs.writeFileSync(path.join(t.home, 'exports', 'digits.onnx'), 'onnx bytes');
    fs.mkdirSync(path.join(t.home, 'runs', 'r-1', 'export'), { recursive: true });
    fs.writeFileSync(path.join(t.home, 'runs', 'r-1', 'export', 'model-epoch-2.md'), '# card');
    fs.writeFileSync(path.join(t.home, 'runs', 'r-1', 'run.json'), '{}');
    fs.symlinkSync(path.join(t.home, 'secret.txt'), path.join(t.home, 'exports', 'link.onnx'));
    const at = (rel: string, withToken = true) => get(`http://127.0.0.1:${host.port}/download/${rel}${withToken ? `?token=${host.token}` : ''}`);
    const ok = await at('exports/digits.onnx');
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('onnx bytes');
    expect(ok.headers['content-disposition']).toMatch(/^attachment; filename="digits\.onnx"/);
    expect((await at('runs/r-1/export/model-epoch-2.md')).body).toBe('# card');
    expect((await at('exports/digits.onnx', false)).status).toBe(403);
    for (const rel of ['secret.txt', 'exports/../secret.txt', 'exports/%2e%2e%2fsecret.txt', 'runs/r-1/run.json', 'exports/link.onnx', `datasets/${t.dataset.id}/meta.json`, 'exports/digits.onnx%00.md', 'exports/.hidden.onnx']) {
      const r = await at(rel);
      expect(r.status, rel).not.toBe(200);
      expect(r.body, rel).not.toContain('secret');
    }
  });

  it('refuses ids that are paths: ../, absolute, NUL, separators', async () => {
    const ids = ['../secret.txt', '..', '../../etc/passwd', '/etc/passwd', 'C:\\Windows', 'ds-0000000000000000\0', 'a/b', 'a\\b', '', '.hidden', 'x'.repeat(200)];
    for (const method of ['getDataset', 'deleteDataset', 'getRun', 'deleteRun', 'stopRun', 'evaluateRun']) {
      for (const id of ids) {
        const r = await exchange(ws, JSON.stringify({ id: 1, method, args: [id] }));
        expect(r.reply.ok, `${method}(${JSON.stringify(id)})`).toBe(false);
        expect(r.reply.error.code, `${method}(${JSON.stringify(id)})`).toBe('bad_request');
      }
    }
    expect(fs.existsSync(path.join(t.home, 'secret.txt'))).toBe(true);
    expect((await service.listDatasets()).length).toBe(1);
  });

  it('answers busy beyond the in-flight limit instead of queueing without bound', async () => {
    const replies: any[] = [];
    const done = new Promise<void>((resolve) => {
      const onMessage = (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString());
        if (m.event) return;
        replies.push(m);
        if (replies.length === 200) {
          ws.off('message', onMessage);
          resolve();
        }
      };
      ws.on('message', onMessage);
    });
    for (let i = 0; i < 200; i++) ws.send(JSON.stringify({ id: 1000 + i, method: 'previewDataset', args: [t.dataset.id, 5] }));
    await done;
    expect(replies.filter((r) => r.ok).length).toBeGreaterThanOrEqual(16);
    expect(replies.filter((r) => !r.ok && r.error.code === 'busy').length).toBeGreaterThan(0);
  });

  it('keeps training while a client floods the host with requests', async () => {
    const conn = await connectWebHost(host.wsUrl);
    let runId: string | null = null;
    const ev = runEvents(conn.api, () => runId);
    runId = (await conn.api.startRun(tinyRun(t.dataset.id, { epochs: 400, batchSize: 10 }))).id;
    await ev.waitFor((e) => e.event?.event === 'batch');
    const flooder = await tryConnect(host.wsUrl);
    const batchesBefore = ev.events.filter((e) => e.event?.event === 'batch').length;
    const globalStep = () => {
      const b = ev.events.filter((e) => e.event?.event === 'batch').at(-1)!.event as { epoch: number; step: number; stepsPerEpoch: number };
      return b.epoch * b.stepsPerEpoch + b.step;
    };
    // baseline: steps in 1.5 s without the flood
    const baseStart = globalStep();
    await new Promise((r) => setTimeout(r, 1500));
    const baselinePerSecond = (globalStep() - baseStart) / 1.5;
    const stepBefore = globalStep();
    const start = Date.now();
    let sent = 0;
    // 3 seconds of flooding: valid cheap calls, malformed frames and bad ids
    while (Date.now() - start < 3000) {
      for (let i = 0; i < 50; i++, sent++) {
        const kind = sent % 3;
        flooder.ws!.send(kind === 0 ? JSON.stringify({ id: sent, method: 'listRuns', args: [] }) : kind === 1 ? '{garbage' : JSON.stringify({ id: sent, method: 'getRun', args: ['../x'] }));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const batchesDuring = ev.events.filter((e) => e.event?.event === 'batch').length - batchesBefore;
    const stepsDuring = globalStep() - stepBefore;
    const elapsed = (Date.now() - start) / 1000;
    const ratio = stepsDuring / elapsed / baselinePerSecond;
    console.log(
      `flood: ${sent} frames in ${elapsed.toFixed(1)} s; training did ${(stepsDuring / elapsed).toFixed(0)} steps/s during it vs ${baselinePerSecond.toFixed(0)} steps/s before (ratio ${ratio.toFixed(2)}); ${batchesDuring} coalesced batch events reached the client`,
    );
    // the flood, the host and this test share one process and the 2-core CI machine: slower,
    // never stalled. How much slower (the ratio above) is a figure, printed, not a test.
    expect(sent).toBeGreaterThan(1000);
    expect(stepsDuring).toBeGreaterThan(0);
    expect(batchesDuring).toBeGreaterThan(0);
    flooder.ws!.terminate();
    await conn.api.stopRun(runId);
    const end = await ev.waitFor((e) => isTerminal(e));
    expect(end.status).toBe('stopped');
    ev.off();
    await conn.close();
  });
});
