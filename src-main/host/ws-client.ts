/**
 * A Node WebSocket client for the web host that implements StudioApi (CLI tools, tests).
 * The renderer has its own browser twin in src-renderer/host/ws-client.ts.
 */
import WebSocket from 'ws';
import type { StudioApi, StudioEvent } from '../api/contract';
import { createApiClient } from '../api/client';
import type { CallResult } from '../api/methods';

export interface WebHostConnection {
  api: StudioApi;
  socket: WebSocket;
  close(): Promise<void>;
}

export async function connectWebHost(wsUrl: string, options: { origin?: string; headers?: Record<string, string> } = {}): Promise<WebHostConnection> {
  const socket = new WebSocket(wsUrl, { origin: options.origin, headers: options.headers, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`The studio host refused the connection: HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (r: CallResult) => void>();
  const listeners = new Set<(e: StudioEvent) => void>();
  socket.on('message', (data) => {
    let msg: { id?: unknown; ok?: boolean; result?: unknown; error?: { code: string; message: string }; event?: StudioEvent };
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (msg.event) {
      for (const l of listeners) l(msg.event);
    } else if (typeof msg.id === 'number' && pending.has(msg.id)) {
      const resolve = pending.get(msg.id)!;
      pending.delete(msg.id);
      resolve(msg.ok ? { ok: true, result: msg.result } : { ok: false, error: msg.error ?? { code: 'internal', message: 'unreadable reply' } });
    }
  });
  socket.on('close', (code) => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'internal', message: `Lost the connection to the studio host (close code ${code}).` } });
    pending.clear();
  });
  const api = createApiClient(
    (method, args) =>
      new Promise<CallResult>((resolve) => {
        if (socket.readyState !== WebSocket.OPEN) return resolve({ ok: false, error: { code: 'internal', message: 'Not connected to the studio host.' } });
        const id = nextId++;
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, method, args }));
      }),
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  );
  return {
    api,
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
