// Small deterministic PRNG (sfc32 seeded through splitmix32) for the trace generator:
// the same (seed, stream) always gives the same numbers, on every machine.

function splitmix32(x) {
  return () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  constructor(seed, stream = 0) {
    const mix = splitmix32(Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x632be5ab));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform u32. */
  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [lo, hi] (hi - lo < 2^32). */
  int(lo, hi) {
    return lo + Math.floor((this.u32() / 4294967296) * (hi - lo + 1));
  }

  chance(p) {
    return this.u32() / 4294967296 < p;
  }

  pick(list) {
    return list[this.int(0, list.length - 1)];
  }

  /** Picks a key of {key: weight}. */
  weighted(weights) {
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    let r = this.int(0, total - 1);
    for (const [key, w] of Object.entries(weights)) if ((r -= w) < 0) return key;
    throw new Error("unreachable");
  }

  bytes(n) {
    return Uint8Array.from({ length: n }, () => this.u32() & 255);
  }
}
