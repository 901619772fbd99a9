/** Drawing raw samples (C×H×W, values 0-255) as images, in the browser. */

export function sampleToCanvas(shape: number[], values: ArrayLike<number>, scale = 1): HTMLCanvasElement {
  const [c, h, w] = shape.length === 3 ? shape : shape.length === 2 ? [1, shape[0], shape[1]] : [1, 1, shape[0]];
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  const plane = h * w;
  for (let i = 0; i < plane; i++) {
    const r = values[i];
    const g = c >= 3 ? values[plane + i] : r;
    const b = c >= 3 ? values[2 * plane + i] : r;
    img.data[i * 4] = r;
    img.data[i * 4 + 1] = g;
    img.data[i * 4 + 2] = b;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  if (scale === 1) return canvas;
  const big = document.createElement('canvas');
  big.width = w * scale;
  big.height = h * scale;
  const bctx = big.getContext('2d')!;
  bctx.imageSmoothingEnabled = false;
  bctx.drawImage(canvas, 0, 0, big.width, big.height);
  return big;
}

export function sampleToDataUrl(shape: number[], values: ArrayLike<number>): string {
  return sampleToCanvas(shape, values).toDataURL('image/png');
}

/**
 * Reads a canvas into the data's layout: C×H×W values 0-255, resized to (h, w) with
 * smoothing (as the dataset importer resizes), grey when c = 1.
 */
export function canvasToSample(src: CanvasImageSource & { width: number; height: number }, c: number, h: number, w: number): Float32Array {
  const tmp = document.createElement('canvas');
  tmp.width = w;
  tmp.height = h;
  const ctx = tmp.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(src, 0, 0, w, h);
  const { data } = ctx.getImageData(0, 0, w, h);
  const plane = h * w;
  const out = new Float32Array(c * plane);
  for (let i = 0; i < plane; i++) {
    const r = data[i * 4], g = data[i * 4 + 1], b = data[i * 4 + 2];
    if (c === 1) out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[i] = r;
      out[plane + i] = g;
      out[2 * plane + i] = b;
    }
  }
  return out;
}
