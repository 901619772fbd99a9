/**
 * MNIST's own preparation of a drawing: the ink's bounding box fitted into 20×20 and its
 * centre of mass put at the centre of 28×28. Only for drawings on digit datasets (Try it).
 */

/** Fit the drawing's bounding box into 20×20 and centre its mass in 28×28, as MNIST was made. */
export function mnistCentered(src: HTMLCanvasElement): Float32Array {
  const c = src.getContext('2d', { willReadFrequently: true })!;
  const { data } = c.getImageData(0, 0, src.width, src.height);
  let x0 = src.width, y0 = src.height, x1 = -1, y1 = -1;
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      if (data[(y * src.width + x) * 4] > 20) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return new Float32Array(28 * 28);
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  const box = document.createElement('canvas');
  box.width = tw;
  box.height = th;
  const bctx = box.getContext('2d', { willReadFrequently: true })!;
  bctx.imageSmoothingQuality = 'high';
  bctx.drawImage(src, x0, y0, bw, bh, 0, 0, tw, th);
  const small = bctx.getImageData(0, 0, tw, th).data;
  let mx = 0, my = 0, mass = 0;
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const v = small[(y * tw + x) * 4];
    mx += v * x; my += v * y; mass += v;
  }
  const cx = mass ? mx / mass : tw / 2, cy = mass ? my / mass : th / 2;
  const ox = Math.round(14 - cx), oy = Math.round(14 - cy);
  const out = new Float32Array(28 * 28);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const tx = x + ox, ty = y + oy;
    if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = small[(y * tw + x) * 4];
  }
  return out;
}
