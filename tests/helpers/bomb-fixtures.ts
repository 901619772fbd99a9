/**
 * Hostile inputs for the bomb tests, generated at run time: pictures whose header declares
 * far more pixels than the file holds bytes, zip archives whose entries declare gigabytes,
 * and Python pickles dressed as NumPy files.
 */
import { deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A valid 1-bit grayscale PNG of width×height, all black: the rows are zeros, which deflate
 * shrinks about a thousand times (30000×30000 is about 110 KB on disk, 900 megapixels).
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const rowBytes = 1 + Math.ceil(width / 8);
  const idat = deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** A 24-bit BMP header declaring width×height, with no pixel data behind it. */
export function bmpHeaderOnly(width: number, height: number): Buffer {
  const b = Buffer.alloc(54);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(54, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}

/** A GIF header (logical screen and one image descriptor) declaring width×height. */
export function gifHeaderOnly(width: number, height: number): Buffer {
  const b = Buffer.alloc(6 + 7 + 10 + 4);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  b[13] = 0x2c; // image descriptor
  b.writeUInt16LE(width, 18);
  b.writeUInt16LE(height, 20);
  b[23] = 2; // LZW minimum code size
  b[24] = 0; // no data
  b[25] = 0x3b;
  return b;
}

/** A Python pickle (protocol 4) of a small list, as pickle.dumps would write it. */
export function pickleBytes(): Buffer {
  return Buffer.from([0x80, 0x04, 0x95, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0x5d, 0x94, 0x28, 0x4b, 0x01, 0x4b, 0x02, 0x4b, 0x03, 0x65, 0x2e]);
}

/**
 * A .npz whose entry `x.npy` is a .npy header declaring `shape` of float64 followed by
 * zeros: the declared size in the zip directory is the true size, so only the directory
 * (not the expansion) can tell it is huge. `zeros` is how many zero bytes are really stored.
 */
export function npzBombBytes(shape: number[], y: Buffer): Buffer {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1;
  h.writeUInt16LE(header.length, 8);
  const npyHead = Buffer.concat([h, Buffer.from(header, 'latin1')]);
  // a real zip of a small stand-in, then the directory's declared size of x.npy is raised
  const zip = Buffer.from(zipSync({ 'x.npy': new Uint8Array(Buffer.concat([npyHead, Buffer.alloc(1024)])), 'y.npy': new Uint8Array(y) }, { level: 9 }));
  const declared = npyHead.length + shape.reduce((a, b) => a * b, 1) * 8;
  patchDeclaredSize(zip, 'x.npy', declared);
  return zip;
}

/** Rewrites the uncompressed size of `name` in a zip's local and central headers (32-bit sizes only). */
function patchDeclaredSize(zip: Buffer, name: string, size: number): void {
  if (size > 0xfffffffe) throw new Error('patchDeclaredSize: 32-bit sizes only');
  for (let i = 0; i + 46 < zip.length; i++) {
    const sig = zip.readUInt32LE(i);
    if (sig === 0x04034b50 && zip.toString('latin1', i + 30, i + 30 + zip.readUInt16LE(i + 26)) === name) zip.writeUInt32LE(size, i + 22);
    if (sig === 0x02014b50 && zip.toString('latin1', i + 46, i + 46 + zip.readUInt16LE(i + 28)) === name) zip.writeUInt32LE(size, i + 24);
  }
}

/** A ustar header for a regular file `name` declaring `size` bytes, with no data behind it. */
export function tarHeaderOnly(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}
