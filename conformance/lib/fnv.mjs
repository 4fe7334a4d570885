// FNV-1a 64 of a byte buffer (the replay output's "heap"), fast enough to run after every op.
// The 64-bit state is two int32 halves (no BigInt per byte): h * P = h * 0x1b3 + (h << 40).
// Zero bytes are skipped: k zero bytes only multiply the state by P^k (table of P^(2^i));
// zero blocks are found by memcmp against a zero buffer (4 KiB, then 64 B).

const P = 0x100000001b3n;
const BASIS = 0xcbf29ce484222325n;
const MASK64 = (1n << 64n) - 1n;
const BIG = 4096;
const SMALL = 64;
const ZERO = Buffer.alloc(BIG);

const limbs = (v) => [0, 1, 2, 3].map((i) => Number((v >> BigInt(16 * i)) & 0xffffn));

// POW[i] = P^(2^i) mod 2^64, as four 16-bit limbs.
const POW = [];
for (let i = 0, p = P; i < 53; i++, p = (p * p) & MASK64) POW.push(limbs(p));

// h = h * c mod 2^64 (four 16-bit limbs each; h updated in place).
function mulInto(h, c) {
  const [h0, h1, h2, h3] = h;
  const t0 = h0 * c[0];
  const t1 = h0 * c[1] + h1 * c[0] + Math.floor(t0 / 65536);
  const t2 = h0 * c[2] + h1 * c[1] + h2 * c[0] + Math.floor(t1 / 65536);
  const t3 = h0 * c[3] + h1 * c[2] + h2 * c[1] + h3 * c[0] + Math.floor(t2 / 65536);
  h[0] = t0 & 0xffff;
  h[1] = t1 & 0xffff;
  h[2] = t2 & 0xffff;
  h[3] = t3 & 0xffff;
}

// [hi, lo] * P^k mod 2^64, as [hi, lo] (int32 halves).
function mulZeros(hi, lo, k) {
  const h = [lo & 0xffff, lo >>> 16, hi & 0xffff, hi >>> 16];
  for (let i = 0; k > 0; i++, k = Math.floor(k / 2)) if (k % 2) mulInto(h, POW[i]);
  return [(h[2] | (h[3] << 16)) | 0, (h[0] | (h[1] << 16)) | 0];
}

/** FNV-1a 64 of all of u8, as 16 lowercase hex digits. */
export function fnv1a64(u8) {
  const n = u8.length;
  let hi = Number(BASIS >> 32n) | 0;
  let lo = Number(BASIS & 0xffffffffn) | 0;
  let zeros = 0;
  let i = 0; // next byte to hash
  while (i < n) {
    if (i % SMALL === 0) {
      if (i % BIG === 0 && i + BIG <= n && ZERO.compare(u8, i, i + BIG, 0, BIG) === 0) {
        zeros += BIG;
        i += BIG;
        continue;
      }
      if (i + SMALL <= n && ZERO.compare(u8, i, i + SMALL, 0, SMALL) === 0) {
        zeros += SMALL;
        i += SMALL;
        continue;
      }
    }
    if (zeros) {
      [hi, lo] = mulZeros(hi, lo, zeros);
      zeros = 0;
    }
    const to = Math.min(n, i + SMALL - (i % SMALL));
    for (; i < to; i++) {
      lo ^= u8[i];
      const carry = ((lo >>> 16) * 0x1b3 + (((lo & 0xffff) * 0x1b3) >>> 16)) >>> 16;
      hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) | 0;
      lo = Math.imul(lo, 0x1b3);
    }
  }
  if (zeros) [hi, lo] = mulZeros(hi, lo, zeros);
  return (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}

/** Reference implementation (BigInt per byte), for tests only. */
export function fnv1a64Slow(u8) {
  let h = BASIS;
  for (const b of u8) h = ((h ^ BigInt(b)) * P) & MASK64;
  return h.toString(16).padStart(16, "0");
}
