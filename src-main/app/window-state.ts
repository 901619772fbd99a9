/** Remembers the window's size, position and maximized state between sessions. */
import fs from 'node:fs';
import path from 'node:path';
import { app, screen, type BrowserWindow, type Rectangle } from 'electron';
import { z } from 'zod';

const stateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof stateSchema>;

const DEFAULT: WindowState = { width: 1280, height: 820, maximized: false };
const file = () => path.join(app.getPath('userData'), 'window-state.json');

/** The saved state, if readable and still on a connected display; otherwise the default size. */
export function loadWindowState(): WindowState {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(fs.readFileSync(file(), 'utf8')));
    if (!parsed.success) return DEFAULT;
    const s = parsed.data;
    if (s.x === undefined || s.y === undefined) return { ...s, x: undefined, y: undefined };
    const bounds: Rectangle = { x: s.x, y: s.y, width: s.width, height: s.height };
    const visible = screen.getAllDisplays().some((d) => {
      const a = d.workArea;
      return bounds.x < a.x + a.width - 50 && bounds.x + bounds.width > a.x + 50 && bounds.y >= a.y - 10 && bounds.y < a.y + a.height - 50;
    });
    return visible ? s : { ...s, x: undefined, y: undefined };
  } catch {
    return DEFAULT;
  }
}

export function trackWindowState(win: BrowserWindow): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const save = () => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    const state: WindowState = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
    try {
      fs.mkdirSync(path.dirname(file()), { recursive: true });
      fs.writeFileSync(file(), JSON.stringify(state));
    } catch {
      // not being able to remember the window is not worth bothering anyone about
    }
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('maximize', later);
  win.on('unmaximize', later);
  win.on('close', () => {
    if (timer) clearTimeout(timer);
    save();
  });
}
