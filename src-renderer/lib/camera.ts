/**
 * The camera, for the Capture panel (taking pictures into classes) and Try it's live camera.
 * This file is the pure part (the crop, the burst's timing, the checks of classes, the
 * upload's file names, the words for a camera that cannot be opened), tested under Node
 * without DOM types; camera-device.ts opens the camera and takes a picture from the video.
 *
 * A picture is the centre of the frame with the aspect of the picture size, scaled down on a
 * canvas and stored as PNG. Capture takes it at the size the import gives pictures by default
 * (DEFAULT_LONG_SIDE, colour: 32×32), Try it at the dataset's own size, so the import and
 * prepareImage have nothing left to scale and both see the same pixels.
 */
import { DEFAULT_LONG_SIDE } from '../../src-main/api/contract';

/** [height, width] of a captured picture: the import's default size for colour pictures, square */
export const CAPTURE_SIZE: [number, number] = [DEFAULT_LONG_SIDE[3], DEFAULT_LONG_SIDE[3]];
/** pictures a second while the record button is held */
export const BURST_PER_SECOND = 5;
export const MAX_CLASSES = 20;
export const MAX_PER_CLASS = 1000;
/** the longest class name (a class becomes a folder of the upload) */
export const MAX_CLASS_NAME = 100;

export interface Crop {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
}

/** The largest centred part of a frameW×frameH frame with the aspect outW:outH (whole pixels). */
export function centreCrop(frameW: number, frameH: number, outW: number, outH: number): Crop {
  if (!(frameW > 0 && frameH > 0 && outW > 0 && outH > 0)) throw new Error('the camera gave no picture yet (its size is 0)');
  const scale = Math.min(frameW / outW, frameH / outH);
  const sw = Math.max(1, Math.round(outW * scale));
  const sh = Math.max(1, Math.round(outH * scale));
  return { sx: Math.floor((frameW - sw) / 2), sy: Math.floor((frameH - sh) / 2), sw, sh };
}

/** Where the crop lies on the shown video, in percent of its width and height (for the frame drawn over it). */
export function cropPercent(frameW: number, frameH: number, outW: number, outH: number): { left: string; top: string; width: string; height: string } {
  const c = centreCrop(frameW, frameH, outW, outH);
  const pc = (v: number, of: number) => `${((100 * v) / of).toFixed(2)}%`;
  return { left: pc(c.sx, frameW), top: pc(c.sy, frameH), width: pc(c.sw, frameW), height: pc(c.sh, frameH) };
}

/**
 * Holding the record button: one picture at once (a click takes exactly one), then
 * `perSecond` a second while it is held. `due(now)` says how many pictures to take now.
 */
export class Burst {
  private startedAt: number | null = null;
  private taken = 0;
  constructor(readonly perSecond = BURST_PER_SECOND) {}

  get running(): boolean {
    return this.startedAt !== null;
  }

  start(now: number): number {
    this.startedAt = now;
    this.taken = 0;
    return this.due(now);
  }

  due(now: number): number {
    if (this.startedAt === null) return 0;
    const owed = Math.floor(((now - this.startedAt) * this.perSecond) / 1000) + 1;
    const n = Math.max(0, owed - this.taken);
    this.taken += n;
    return n;
  }

  stop(): void {
    this.startedAt = null;
  }
}

export interface CaptureClass {
  name: string;
  shots: number;
}

/** Why a class name cannot be a class (it becomes a folder of the upload), or null. */
export function classNameProblem(raw: string): string | null {
  const name = raw.trim();
  if (!name) return 'has no name yet: type one';
  if (name.length > MAX_CLASS_NAME) return `has a name of ${name.length} characters: at most ${MAX_CLASS_NAME}`;
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'has invisible control characters in its name: use letters, digits, spaces and punctuation';
  if (/[/\\]/.test(name)) return `is called “${name}”: a class name cannot contain “/” or “\\”`;
  if (name.startsWith('.')) return `is called “${name}”: a class name cannot start with a dot`;
  return null;
}

/**
 * What stops saving, in plain words, or null. A new dataset needs at least two classes, each
 * with pictures; pictures added to a dataset need one class with pictures (empty classes are
 * left out then, as the dataset has the others).
 */
export function saveProblem(classes: CaptureClass[], adding: boolean): string | null {
  for (const [i, c] of classes.entries()) {
    const p = classNameProblem(c.name);
    if (p) return `Class ${i + 1} ${p}.`;
  }
  const seen = new Map<string, string>();
  for (const c of classes) {
    const key = c.name.trim().toLowerCase();
    if (seen.has(key)) return `Two classes are called “${c.name.trim()}”: give each class its own name.`;
    seen.set(key, c.name);
  }
  if (adding) {
    if (!classes.some((c) => c.shots > 0)) return 'No pictures yet: hold “Record” under a class to take some.';
    return null;
  }
  if (classes.length < 2) return 'A network learns to tell classes apart, so it needs at least two: add a second class and take its pictures.';
  const empty = classes.find((c) => c.shots === 0);
  if (empty) return `The class “${empty.name.trim()}” has no pictures yet: hold “Record” under it to take some, or remove the class.`;
  return null;
}

/** The upload's file names: one folder "camera" holding a folder per class (names trimmed), pictures numbered from 1. */
export function capturePaths(className: string, count: number): string[] {
  const digits = String(Math.max(count, 1)).length;
  return Array.from({ length: count }, (_, i) => `camera/${className.trim()}/${String(i + 1).padStart(digits, '0')}.png`);
}

/** Bytes [start, end) of a base64 text, as base64 (a large file's chunk for the upload). */
export function base64Slice(base64: string, start: number, end: number): string {
  return btoa(atob(base64).slice(start, end));
}

/** The bytes a base64 text holds. */
export function base64Bytes(base64: string): number {
  const pad = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - pad;
}

/** Plain words for a camera that could not be opened (the DOMException's name), with what to do. */
export function cameraProblem(err: unknown): string {
  const name = (err as { name?: string } | null)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return 'The camera was not allowed. In a browser, click the camera symbol at the left of the address bar, choose “Allow”, and press “Start the camera” again. In the desktop app, allow MLP Studio to use the camera in your system’s privacy settings (Camera), then try again.';
  }
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') {
    return 'No camera was found. Connect a camera (or switch on the built-in one) and press “Start the camera” again.';
  }
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') {
    return 'The camera could not be started: another program may be using it. Close that program (a video call, for example) and press “Start the camera” again.';
  }
  if (name === 'NoMediaDevices') {
    return 'This window cannot use a camera: browsers allow cameras only on secure pages (https://, or this computer’s own address). Open the studio from the address the studio printed (http://127.0.0.1:…) or use the desktop app.';
  }
  const message = (err as { message?: string } | null)?.message;
  return `The camera could not be started${message ? ` (${message})` : ''}. Check that a camera is connected and allowed, and try again.`;
}

/** The base64 of a data: URL (without its prefix). */
export function dataUrlBase64(url: string): string {
  return url.slice(url.indexOf(',') + 1);
}
