// Deterministic generator of random thing-layout / thing-semantics traces for conformance.
//   node gen_traces.mjs --seed S --count N --out DIR
// Trace i of seed S is always the same (seeded PRNG only). While generating, every op is run
// on the real package (lib/replayer.mjs) as the oracle, so writes go only into live blocks and
// frees/reallocs can aim at live, freed, interior or top blocks. A trace ends early at a
// `corrupt` op. A few traces are malformed or have bad pool options on purpose.

import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "./lib/prng.mjs";
import { formatOp, parseTrace } from "./lib/trace.mjs";
import { Replayer } from "./lib/replayer.mjs";

const H = 8;
const alignUp = (x, a) => Math.ceil(x / a) * a;

// Malformed last lines (both sides must exit 2).
const BAD_LINES = [
  "malloc -1", "malloc 0x", "calloc 4 256", "free @999", "write @1 0 abc", "frobnicate 3",
  "realloc @1", "malloc 0x1" + "0".repeat(64), "pool layout=thing", "stats 1", "write @1 0 0xab",
];
// Pool lines with bad options (both sides must exit 2).
const BAD_POOLS = ["end=32", "end=258", "min_split=8", "align=4", "start=5000 end=4096", "end=0", "compact=2"];

function poolKeys(rng) {
  const keys = { layout: "thing", semantics: "thing" };
  const r = () => rng.u32() / 4294967296;
  if (r() < 0.9) keys.align = r() < 0.05 ? 0 : rng.pick([8, 16, 32, 64]);
  if (r() < 0.9) keys.min_split = r() < 0.05 ? 0 : rng.int(9, 128);
  if (r() < 0.85) keys.start = rng.int(0, 200);
  const endKind = rng.weighted({ tiny: 15, small: 30, medium: 33, large: 15, none: 7 });
  if (endKind === "tiny") keys.end = 4 * rng.int(16, 128);
  if (endKind === "small") keys.end = 4 * rng.int(128, 1024);
  if (endKind === "medium") keys.end = 4 * rng.int(1024, 16384);
  if (endKind === "large") keys.end = rng.chance(0.5) ? 1 << 20 : 4 * rng.int(16384, 1 << 18);
  for (const flag of ["compact", "split"]) if (r() < 0.85) keys[flag] = rng.chance(0.6) ? 1 : 0;
  // Keep the options valid: initial top below end, with some room.
  const align = keys.align || 8;
  const initialTop = alignUp(alignUp(keys.start ?? 0, 4) + 28 + H, align) - H;
  if (keys.end !== undefined && keys.end < initialTop + 2 * align) keys.end = alignUp(initialTop + 2 * align + 64, 4);
  return keys;
}

const poolLine = (keys) =>
  "pool " + Object.entries(keys).map(([k, v]) => `${k}=${v}`).join(" ");

class Generator {
  constructor(rng, keys) {
    this.rng = rng;
    this.rep = new Replayer(Object.fromEntries(
      Object.entries(keys).map(([k, v]) => [k, typeof v === "number" ? BigInt(v) : v]),
    ));
    this.pool = this.rep.pool;
    this.end = this.pool.buf.byteLength;
    this.ops = [];
    this.refOf = new Map(); // live or dead pointer value -> op index that returned it (1-based)
    this.huge = rng.chance(0.3) ? 3 : 0; // weight of sizes >= 2^31 (which mostly corrupt thi.ng)
  }

  liveList() {
    return [...this.rep.live.entries()].filter(([p]) => this.refOf.has(p));
  }

  deadRefs() {
    const out = [];
    this.rep.rets.forEach((r, i) => r && !this.rep.live.has(r) && out.push(i + 1));
    return out;
  }

  isTop(p) {
    const i = (Number(p) - H) >> 2;
    const size = i >= 0 && i < this.pool.u32.length ? this.pool.u32[i] : 0;
    return Number(p) - H + size >= this.pool.top;
  }

  size() {
    const rng = this.rng;
    const room = this.end - this.pool.top - H;
    switch (rng.weighted({ tiny: 25, split: 15, room: 10, medium: 25, large: 10, huge: this.huge, zero: 1 })) {
      case "tiny": return BigInt(rng.int(1, 16));
      case "split": return BigInt(Math.max(1, this.pool.minSplit + rng.int(-24, 24)));
      case "room": return BigInt(Math.max(1, room + rng.pick([0, 0, 0, 1, -1, -H, H, -this.pool.align])));
      case "medium": return BigInt(rng.int(1, 600));
      case "large": return BigInt(rng.int(1, this.end));
      case "zero": return 0n;
      default: return this.hugeSize();
    }
  }

  hugeSize() {
    const rng = this.rng;
    const near = rng.pick([2 ** 31, 2 ** 32, 2 ** 32 * rng.int(1, 255), 2 ** 40]);
    return BigInt(near) + BigInt(rng.int(-48, 48));
  }

  ptrOf(p) {
    return { ref: this.refOf.get(p), delta: 0n };
  }

  // A pointer for free/realloc: live, top, freed, interior, header, garbage or 0.
  target(preferTop) {
    const rng = this.rng;
    const live = this.liveList();
    const dead = this.deadRefs();
    const kind = rng.weighted({ live: 60, freed: 10, interior: 8, header: 4, garbage: 8, zero: 4 });
    if (live.length && (kind === "live" || (kind === "freed" && !dead.length))) {
      let pool = live;
      if (preferTop !== undefined) {
        const matching = live.filter(([p]) => this.isTop(p) === preferTop);
        if (matching.length) pool = matching;
      }
      const [p, n] = rng.pick(pool);
      return { ptr: this.ptrOf(p), n };
    }
    if (kind === "freed" && dead.length) return { ptr: { ref: rng.pick(dead), delta: 0n } };
    if (live.length && kind === "interior") {
      const [p, n] = rng.pick(live);
      const past = n < 4096n ? Number(n) : 4096; // just past the requested size
      return { ptr: { ref: this.refOf.get(p), delta: BigInt(rng.pick([1, 4, 7, H, 16, this.pool.align, past || 1])) } };
    }
    if (live.length && kind === "header") return { ptr: { raw: rng.pick(live)[0] - BigInt(H) } };
    if (kind === "garbage") return { ptr: { raw: BigInt(rng.int(1, this.end + 64)) } };
    return { ptr: { raw: 0n } };
  }

  nextOp() {
    const rng = this.rng;
    const kind = rng.weighted({ malloc: 30, calloc: 8, free: 22, realloc: 16, write: 16, stats: 4, free_all: 1 });
    switch (kind) {
      case "malloc": return { kind, size: this.size() };
      case "calloc": return { kind, size: this.size(), fill: rng.chance(0.3) ? 0 : rng.int(1, 255) };
      case "free": return { kind, ptr: this.target().ptr };
      case "realloc": return this.realloc();
      case "write": return this.write() ?? { kind: "stats" };
      default: return { kind };
    }
  }

  realloc() {
    const rng = this.rng;
    const { ptr, n } = this.target(rng.chance(0.5));
    if (n === undefined || rng.chance(0.1)) return { kind: "realloc", ptr, size: this.size() };
    const p = this.rep.ptr(ptr);
    const toEnd = BigInt(this.end) - p; // requesting this many bytes makes the block end exactly at end
    const sizes = {
      grow: () => n + BigInt(rng.int(1, 64)),
      double: () => 2n * n + 1n,
      toEnd: () => {
        const size = toEnd + BigInt(rng.pick([0, 0, -1, 1, -H, -this.pool.align]));
        return size > 0n ? size : 1n;
      },
      shrink: () => BigInt(rng.int(1, Math.max(1, Number(n)))),
      same: () => n,
      zero: () => 0n,
      huge: () => this.hugeSize(),
    };
    const how = rng.weighted({ grow: 25, double: 10, toEnd: 10, shrink: 35, same: 8, zero: 4, huge: this.huge });
    return { kind: "realloc", ptr, size: sizes[how]() };
  }

  write() {
    const rng = this.rng;
    const live = this.liveList();
    if (!live.length) return null;
    const [p, n] = rng.pick(live);
    const space = Math.min(Number(n < 1n << 40n ? n : 1n << 40n), this.end - Number(p));
    if (space <= 0) return null;
    const len = rng.int(1, Math.min(space, 32));
    return { kind: "write", ptr: this.ptrOf(p), offset: BigInt(rng.int(0, space - len)), bytes: rng.bytes(len) };
  }

  /** Generates up to count ops; stops after an op that corrupts the heap. */
  run(count) {
    for (let i = 0; i < count; i++) {
      const op = this.nextOp();
      this.ops.push(op);
      const r = this.rep.step(op, false);
      if (r.error) {
        if (r.error !== "corrupt") throw new Error(`generator made a bad write: ${formatOp(op)}`);
        break;
      }
      if (r.ret) this.refOf.set(r.ret, this.ops.length);
    }
    return this.ops.map(formatOp);
  }
}

/** Trace `index` of `seed`, as text. */
export function generateTrace(seed, index) {
  const rng = new Rng(seed, index);
  const header = `# gen_traces.mjs --seed ${seed}: trace ${index}`;
  if (rng.chance(0.02)) {
    return `${header} (bad pool options)\npool layout=thing semantics=thing ${rng.pick(BAD_POOLS)}\nmalloc 8\n`;
  }
  const keys = poolKeys(rng);
  const ops = new Generator(rng, keys).run(rng.int(5, 120));
  if (rng.chance(0.02)) ops.push(rng.pick(BAD_LINES));
  const text = [header, poolLine(keys), ...ops].join("\n") + "\n";
  if (!ops.some((l) => BAD_LINES.includes(l))) parseTrace(text); // self-check: it must parse
  return text;
}

/** Writes traces 0..count-1 of seed into dir; returns their paths. */
export function writeTraces(seed, count, dir) {
  mkdirSync(dir, { recursive: true });
  const paths = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `gen-${seed}-${String(i).padStart(5, "0")}.trace`);
    writeFileSync(path, generateTrace(seed, i));
    paths.push(path);
  }
  return paths;
}

/** Parses `--name value` flags into an object; throws on anything else. */
export function parseFlags(argv, names) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, "");
    if (!argv[i]?.startsWith("--") || !names.includes(name) || argv[i + 1] === undefined) {
      throw new Error(`bad argument '${argv[i]}'`);
    }
    out[name] = argv[i + 1];
  }
  return out;
}

function main() {
  let f;
  try {
    f = parseFlags(process.argv.slice(2), ["seed", "count", "out"]);
    if (!f.out || !/^\d+$/.test(f.seed ?? "1") || !/^\d+$/.test(f.count ?? "100")) throw new Error("bad arguments");
  } catch (e) {
    process.stderr.write(`${e.message}\nusage: node gen_traces.mjs --seed S --count N --out DIR\n`);
    return 2;
  }
  const paths = writeTraces(Number(f.seed ?? 1), Number(f.count ?? 100), f.out);
  process.stdout.write(`wrote ${paths.length} traces to ${f.out}\n`);
  return 0;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
