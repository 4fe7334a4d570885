// FNV-1a 64 of a byte buffer (the replay output's "heap"), fast enough to run after every op.
// The 64-bit state is four 16-bit limbs in plain numbers (no BigInt per byte). Runs of zero
// words are skipped: k zero bytes only multiply the state by P^k, taken from a table of P^(2^i).

const P = 0x100000001b3n;
const BASIS = 0xcbf29ce484222325n;
const MASK64 = (1n << 64n) - 1n;

const limbs = (v) => [0, 1, 2, 3].map((i) => Number((v >> BigInt(16 * i)) & 0xffffn));

// POW[i] = P^(2^i) mod 2^64, as limbs.
const POW = [];
for (let i = 0, p = P; i < 53; i++, p = (p * p) & MASK64) POW.push(limbs(p));

// h = h * c mod 2^64 (h, c: limb arrays; h updated in place).
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

// h = h * P^k mod 2^64.
function mulZeros(h, k) {
  for (let i = 0; k > 0; i++, k = Math.floor(k / 2)) if (k % 2) mulInto(h, POW[i]);
}

/** FNV-1a 64 of all of u8, as 16 lowercase hex digits. */
export function fnv1a64(u8) {
  const n = u8.length;
  const nw = u8.byteOffset % 4 === 0 ? n >>> 2 : 0;
  const words = new Uint32Array(u8.buffer, u8.byteOffset, nw);
  const h = limbs(BASIS);
  let zeros = 0;
  const bytes = (from, to) => {
    if (zeros) {
      mulZeros(h, zeros);
      zeros = 0;
    }
    let [h0, h1, h2, h3] = h;
    for (let i = from; i < to; i++) {
      h0 ^= u8[i];
      // h * P = h * 0x1b3 + (h << 40)
      const t0 = h0 * 0x1b3;
      const t1 = h1 * 0x1b3 + (t0 >>> 16);
      const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
      const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
      h3 = t3 & 0xffff;
    }
    h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3;
  };
  for (let w = 0; w < nw; w++) {
    if (words[w] === 0) zeros += 4;
    else bytes(4 * w, 4 * w + 4);
  }
  bytes(4 * nw, n); // tail bytes (and any pending zero run)
  return h.map((x) => x.toString(16).padStart(4, "0")).reverse().join("");
}

/** Reference implementation (BigInt per byte), for tests only. */
export function fnv1a64Slow(u8) {
  let h = BASIS;
  for (const b of u8) h = ((h ^ BigInt(b)) * P) & MASK64;
  return h.toString(16).padStart(16, "0");
}
