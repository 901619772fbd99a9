/** The preload exposes exactly the API's methods (plus events and the Electron-only helpers), never ipcRenderer. */
import { describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../api/methods';

const h = vi.hoisted(() => ({
  exposed: new Map<string, Record<string, (...a: any[]) => any>>(),
  invoked: [] as unknown[][],
  listeners: new Map<string, ((...a: any[]) => void)[]>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, (...a: any[]) => any>) => h.exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => (h.invoked.push(args), { ok: true, result: 'r' }),
    on: (ch: string, fn: (...a: any[]) => void) => h.listeners.set(ch, [...(h.listeners.get(ch) ?? []), fn]),
    removeListener: (ch: string, fn: (...a: any[]) => void) => h.listeners.set(ch, (h.listeners.get(ch) ?? []).filter((f) => f !== fn)),
  },
  webUtils: { getPathForFile: (f: { name: string }) => `/dropped/${f.name}` },
}));

describe('preload bridge', () => {
  it('exposes only studioBridge with the allow-listed members', async () => {
    await import('./preload');
    expect([...h.exposed.keys()]).toEqual(['studioBridge']);
    const bridge = h.exposed.get('studioBridge')!;
    expect(Object.keys(bridge).sort()).toEqual([...METHOD_NAMES, 'onEvent', 'pathsForFiles', 'chooseImportPaths', 'chooseSavePath', 'showInFolder'].sort());
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true);
  });

  it('forwards calls on the call channel and events from the event channel only', async () => {
    const bridge = h.exposed.get('studioBridge')!;
    expect(await bridge.getRun('r1')).toEqual({ ok: true, result: 'r' });
    expect(h.invoked.at(-1)).toEqual(['studio:call', 'getRun', ['r1']]);
    const got: unknown[] = [];
    const off = bridge.onEvent((e: unknown) => got.push(e));
    for (const fn of h.listeners.get('studio:event') ?? []) fn({}, { channel: 'run', runId: 'r1', status: 'running' });
    expect(got).toEqual([{ channel: 'run', runId: 'r1', status: 'running' }]);
    off();
    expect(h.listeners.get('studio:event')).toEqual([]);
    expect(bridge.pathsForFiles([{ name: 'a.csv' }, { name: 'digits' }])).toEqual(['/dropped/a.csv', '/dropped/digits']);
    await bridge.chooseSavePath('m.onnx');
    expect(h.invoked.at(-1)).toEqual(['studio:choose-save-path', 'm.onnx']);
    await bridge.showInFolder('/home/ada/m.onnx');
    expect(h.invoked.at(-1)).toEqual(['studio:show-in-folder', '/home/ada/m.onnx']);
    expect([...h.listeners.keys()]).toEqual(['studio:event']);
  });
});
