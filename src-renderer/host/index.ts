/**
 * Sets `window.studio`: the preload's bridge inside Electron, or a WebSocket client when the
 * UI is served by the web host in a browser. The rest of the UI sees only StudioApi.
 *
 * The web host's token comes in the address (`/?token=…`); it is kept in sessionStorage and
 * removed from the visible address so it does not end up in bookmarks or screenshots. The
 * host also set a session cookie on that visit (HttpOnly: this script never sees it), so a new
 * tab at the bare address, or one opened from history, connects without the token: the
 * browser sends the cookie with the WebSocket upgrade.
 */
import { createApiClient } from '../../src-main/api/client';
import type { StudioApi } from '../../src-main/api/contract';
import type { CallResult } from '../../src-main/api/methods';
import { connectWebSocketStudio, type WebSocketStudio } from './ws-client';

declare global {
  interface Window {
    studio: StudioApi;
  }
}

const TOKEN_KEY = 'mlp-studio-token';

export type StudioTransport = 'electron' | 'websocket';

export interface StudioConnection {
  api: StudioApi;
  transport: StudioTransport;
  /** present for the web host: connection state for an indicator */
  socket?: WebSocketStudio;
}

function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/**
 * The preload's bridge answers every call with {ok, result | error} (an Error crossing the
 * context bridge would lose its code); this turns it back into StudioApi with typed errors.
 */
function fromBridge(bridge: Record<string, unknown>): StudioApi {
  const call = async (method: string, args: unknown[]): Promise<CallResult> => {
    const reply = (await (bridge[method] as (...a: unknown[]) => Promise<CallResult | undefined>)(...args)) ?? null;
    return reply && typeof reply === 'object' && 'ok' in reply ? reply : { ok: false, error: { code: 'internal', message: 'The studio sent an unreadable reply.' } };
  };
  const api = createApiClient(call, bridge.onEvent as StudioApi['onEvent']) as unknown as Record<string, unknown>;
  // Electron-only members, called directly
  for (const name of ['pathsForFiles', 'chooseImportPaths', 'chooseSavePath', 'showInFolder']) if (typeof bridge[name] === 'function') api[name] = bridge[name];
  return api as unknown as StudioApi;
}

/** Connects once; later calls return the same connection. */
let connecting: Promise<StudioConnection> | null = null;

export function connectStudio(): Promise<StudioConnection> {
  if (connecting) return connecting;
  connecting = (async (): Promise<StudioConnection> => {
    // The preload (Electron) exposes the bridge before any page script runs.
    const bridge = (window as unknown as { studioBridge?: Record<string, unknown> }).studioBridge;
    if (bridge) {
      const api = fromBridge(bridge);
      window.studio = api;
      return { api, transport: 'electron' };
    }
    const token = takeToken();
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = token ? `?token=${encodeURIComponent(token)}` : ''; // none: the session cookie
    const socket = await connectWebSocketStudio(`${scheme}//${window.location.host}/api${query}`);
    window.studio = socket.api;
    return { api: socket.api, transport: 'websocket', socket };
  })();
  connecting.catch(() => (connecting = null));
  return connecting;
}

// Importing this module connects (main.ts imports it first; the UI waits for window.studio).
if (typeof window !== 'undefined') {
  connectStudio().catch((err: unknown) => {
    console.error('[studio host]', err instanceof Error ? err.message : err);
  });
}
