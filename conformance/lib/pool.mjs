// The real @thi.ng/malloc MemPool, instrumented to detect heap corruption (decisions.md,
// "Thing semantics"): a block header read outside the word array, or more list steps
// (blockNext reads) in one operation than the budget 32*(end/4)+1024, throws Corrupt.
// Nothing else about the package's behaviour changes.

// The package's asserts (align >= 8, minSplit > 8) vanish under NODE_ENV=production unless
// UMBRELLA_ASSERTS is set; force them on, before the package is first loaded.
process.env.UMBRELLA_ASSERTS = "1";
const { MemPool } = await import("@thi.ng/malloc");

export { MemPool };

export class Corrupt extends Error {}

export class CheckedPool extends MemPool {
  constructor(opts) {
    super(opts);
    this.steps = 0;
    this.budget = 32 * (this.buf.byteLength / 4) + 1024;
  }

  /** Starts a new operation's step budget. */
  resetSteps() {
    this.steps = 0;
  }

  blockSize(block) {
    return this.readWord((block >> 2) + 0);
  }

  blockNext(block) {
    if (++this.steps > this.budget) throw new Corrupt("list walk over budget");
    return this.readWord((block >> 2) + 1);
  }

  readWord(i) {
    if (i < 0 || i >= this.u32.length) throw new Corrupt("header read outside the buffer");
    return this.u32[i];
  }
}
