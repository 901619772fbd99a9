/**
 * The camera itself (DOM): opening it, closing it, and taking one picture from its video as
 * camera.ts's centreCrop says (the middle of the view at the asked size, as PNG).
 */
import { centreCrop } from './camera';

/** Opens the camera (video only); throws an error whose name cameraProblem explains. */
export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('navigator.mediaDevices is missing'), { name: 'NoMediaDevices' });
  return navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
}

export function stopCamera(stream: MediaStream | null): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}

/** The centre of the video's current frame at [height, width], as a PNG data: URL; null before the first frame. */
export function grabFrame(video: HTMLVideoElement, [height, width]: [number, number], canvas = document.createElement('canvas')): string | null {
  if (!video.videoWidth || !video.videoHeight) return null;
  const c = centreCrop(video.videoWidth, video.videoHeight, width, height);
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  if (!g) return null;
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = 'high';
  g.drawImage(video, c.sx, c.sy, c.sw, c.sh, 0, 0, width, height);
  return canvas.toDataURL('image/png');
}
