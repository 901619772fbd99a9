import type { StudioApi } from '../src-main/api/contract';
import { forPeople } from './lib/messages';

export { forPeople };

/**
 * The one door to the host. The host code (src-renderer/host/, Electron preload or the web
 * host's WebSocket client) sets `window.studio`; the UI never knows which transport carries it.
 */
export function studio(): StudioApi {
  const api = (window as unknown as { studio?: StudioApi }).studio;
  if (!api) throw new Error('The studio is not connected to its host yet. Reload the window; if this persists, restart MLP Studio.');
  return api;
}

/** A plain message from anything thrown by the API (StudioError shape or Error). */
export function messageOf(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof (err as { message: unknown }).message === 'string') {
    return forPeople((err as { message: string }).message);
  }
  return forPeople(String(err));
}
