// The gas table of the README: real gas of tiny_alloc.yul's operations on @ethereumjs/evm
// (Prague rules), at 10, 100 and 1,000 live blocks, beside a Solidity-style bump allocation in
// the same EVM. Each figure is GAS before minus GAS after the one call (the harness's own
// fetching is outside it), memory expansion included; "+E" gives the expansion part.
//
//   node evm/gas-bench.mjs [--markdown]
import { OPS, Session } from './session.mjs';

const POOL = 0x80n; // the bump's free-memory pointer lives at 0x40, below the pool
const END = 0x400000n; // the default end: 4 MiB
const FLAGS = 3n; // compact, split
let sessionId = 0;

const cost = (msize) => {
  const w = msize / 32n;
  return 3n * w + (w * w) / 512n;
};

class Pool {
  async open() {
    this.s = new Session(String(++sessionId));
    await this.s.start();
    this.msize = 0n;
    await this.op(OPS.init, [POOL, END, 32n, FLAGS, 96n]);
    return this;
  }
  async op(code, args) {
    const line = await this.s.request(code, args);
    const w = line.split(' ');
    if (w[0] !== 'r') throw new Error(line);
    const msize = BigInt('0x' + w[3]);
    const result = { ret: BigInt('0x' + w[1]), gas: BigInt('0x' + w[2]), expansion: cost(msize) - cost(this.msize) };
    this.msize = msize;
    return result;
  }
  malloc(n) { return this.op(OPS.malloc, [BigInt(n)]); }
  calloc(n, fill) { return this.op(OPS.calloc, [BigInt(n), BigInt(fill)]); }
  realloc(p, n) { return this.op(OPS.realloc, [p, BigInt(n)]); }
  free(p) { return this.op(OPS.free, [p]); }
  bump(n) { return this.op(OPS.bump, [BigInt(n)]); }
  async close() { await this.s.request(OPS.stop, []).catch(() => {}); }
}

// n live blocks of 32 bytes (96-byte blocks); returns their pointers, oldest first.
async function live(pool, n) {
  const ptrs = [];
  for (let i = 0; i < n; ++i) ptrs.push((await pool.malloc(32)).ret);
  return ptrs;
}

const scenarios = [
  ['malloc: new block at top', async (p, n) => { await live(p, n); return p.malloc(32); }],
  ['malloc: first fit after k = n free blocks (it splits: insert and compaction walk the list again)', async (p, n) => {
    // used/free pairs: n small free blocks, then a free block big enough, then a used block
    const ptrs = [];
    for (let i = 0; i < n; ++i) ptrs.push((await p.malloc(32)).ret, (await p.malloc(32)).ret);
    const big = (await p.malloc(256)).ret;
    await p.malloc(32);
    for (let i = 0; i < n; ++i) await p.free(ptrs[2 * i + 1]);
    await p.free(big);
    return p.malloc(200);
  }],
  ['malloc: split the first free block', async (p, n) => {
    const first = (await p.malloc(1000)).ret;
    await live(p, n);
    await p.free(first);
    return p.malloc(32);
  }],
  ['free: newest (at top, top moves back)', async (p, n) => {
    const ptrs = await live(p, n);
    return p.free(ptrs[n - 1]);
  }],
  ['free: oldest, merging with a free neighbour', async (p, n) => {
    const ptrs = await live(p, n + 1);
    await p.free(ptrs[1]);
    return p.free(ptrs[0]);
  }],
  ['realloc: grow in place (newest, at top)', async (p, n) => {
    const ptrs = await live(p, n);
    return p.realloc(ptrs[n - 1], 200);
  }],
  ['realloc: move (oldest, 32 -> 200 bytes)', async (p, n) => {
    const ptrs = await live(p, n);
    return p.realloc(ptrs[0], 200);
  }],
  ['calloc 256 bytes at top', async (p, n) => { await live(p, n); return p.calloc(256, 0xaa); }],
  ['bump allocation, 32 bytes (Solidity-style, mload/mstore 0x40)', async (p, n) => {
    await live(p, n);
    return p.bump(32); // mload(0x40), round up, mstore(0x40): no bytes of the block are touched
  }],
  ['bump allocation, 256 bytes', async (p, n) => {
    await live(p, n);
    return p.bump(256);
  }],
];

async function main() {
  const sizes = [10, 100, 1000];
  const rows = [];
  for (const [name, run] of scenarios) {
    const cells = [];
    for (const n of sizes) {
      const pool = await new Pool().open();
      const r = await run(pool, n);
      cells.push(r.expansion > 0n ? `${r.gas} (+${r.expansion})` : `${r.gas}`);
      await pool.close();
    }
    rows.push([name, ...cells]);
  }
  console.log('| operation (n live blocks of 32 bytes) | n = 10 | n = 100 | n = 1,000 |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
