/**
 * A small seeded generator (xoshiro128**) whose whole state is four uint32 numbers, so a
 * checkpoint can store it and a resumed run draws the same permutations.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | number[]) {
    this.s = new Uint32Array(4);
    if (Array.isArray(seed)) {
      if (seed.length !== 4) throw new Error('an RNG state has four numbers');
      this.s.set(seed);
    } else {
      // splitmix32 to spread the seed over the state
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
      if (this.s.every((v) => v === 0)) this.s[0] = 1;
    }
  }

  state(): number[] {
    return Array.from(this.s);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** uniform in [0, 1) with 32 bits */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** uniform integer in [0, n) without modulo bias */
  below(n: number): number {
    if (n <= 0) throw new Error('below(n) needs n > 0');
    const limit = 4294967296 - (4294967296 % n);
    let v: number;
    do v = this.nextUint32();
    while (v >= limit);
    return v % n;
  }

  /** standard normal (Box–Muller) */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** a fresh random permutation of 0..n-1 (Fisher–Yates), written into `out` */
  permutation(n: number, out: Int32Array = new Int32Array(n)): Int32Array {
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
