/**
 * The browser side of the web host: a StudioApi over one WebSocket. Calls are
 * {id, method, args} frames answered by {id, ok, result|error}; events arrive as {event}.
 * The connection comes back by itself after a drop (calls made while down fail at once with
 * a clear message; event listeners stay subscribed).
 */
import { createApiClient } from '../../src-main/api/client';
import type { StudioApi, StudioErrorShape, StudioEvent } from '../../src-main/api/contract';
import type { CallResult } from '../../src-main/api/methods';

export interface WebSocketStudio {
  api: StudioApi;
  /** 'open' | 'connecting' | 'closed', for a connection indicator */
  state(): 'open' | 'connecting' | 'closed';
  onState(listener: (s: 'open' | 'connecting' | 'closed') => void): () => void;
  close(): void;
}

export function connectWebSocketStudio(wsUrl: string): Promise<WebSocketStudio> {
  let socket: WebSocket;
  let nextId = 1;
  let closedByUs = false;
  let state: 'open' | 'connecting' | 'closed' = 'connecting';
  let retryMs = 250;
  const pending = new Map<number, (reply: CallResult) => void>();
  const listeners = new Set<(e: StudioEvent) => void>();
  const stateListeners = new Set<(s: 'open' | 'connecting' | 'closed') => void>();
  const setState = (s: typeof state) => {
    state = s;
    for (const l of stateListeners) l(s);
  };

  const failAll = (message: string) => {
    for (const settle of pending.values()) settle({ ok: false, error: { code: 'internal', message } });
    pending.clear();
  };

  const open = (onFirstOpen?: () => void, onFirstFail?: (e: Error) => void) => {
    setState('connecting');
    socket = new WebSocket(wsUrl);
    let opened = false;
    socket.onopen = () => {
      opened = true;
      retryMs = 250;
      setState('open');
      onFirstOpen?.();
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let msg: { id?: unknown; ok?: boolean; result?: unknown; error?: StudioErrorShape; event?: StudioEvent };
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.event) {
        for (const l of listeners) l(msg.event);
        return;
      }
      if (typeof msg.id !== 'number') return;
      const settle = pending.get(msg.id);
      if (!settle) return;
      pending.delete(msg.id);
      settle(msg.ok ? { ok: true, result: msg.result } : { ok: false, error: msg.error ?? { code: 'internal', message: 'The studio sent an unreadable reply.' } });
    };
    socket.onclose = (ev: CloseEvent) => {
      failAll(ev.code === 1009 ? 'The request was too large for the studio host (over its size limit).' : 'The connection to the studio host was lost; it is reconnecting.');
      if (!opened && onFirstFail) {
        setState('closed');
        onFirstFail(new Error("Could not connect to MLP Studio. Reopen it from where you started it (the app's window, or the address it printed); if it is no longer running, start it again."));
        return;
      }
      if (closedByUs) return setState('closed');
      setState('connecting');
      setTimeout(() => open(), retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };

  const call = (method: string, args: unknown[]): Promise<CallResult> =>
    new Promise((resolve) => {
      if (state !== 'open' || socket.readyState !== WebSocket.OPEN) {
        resolve({ ok: false, error: { code: 'internal', message: 'Not connected to the studio host; it is reconnecting. Try again in a moment.' } });
        return;
      }
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, args }));
    });

  // the remote methods only: the Electron-only members (file paths, dialogs) stay absent
  const api = createApiClient(call, (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  });

  return new Promise((resolve, reject) => {
    open(
      () =>
        resolve({
          api,
          state: () => state,
          onState: (l) => {
            stateListeners.add(l);
            return () => stateListeners.delete(l);
          },
          close: () => {
            closedByUs = true;
            socket.close();
          },
        }),
      reject,
    );
  });
}
