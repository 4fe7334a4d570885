// Replays parsed trace ops one at a time on the real package (thing layout, thing semantics)
// and renders each op's replay output line (trace-format.md). Keeps the write-liveness map of
// decisions.md. Values stay BigInt; they become JS numbers only when handed to the package.

import { CheckedPool, Corrupt } from "./pool.mjs";
import { fnv1a64 } from "./fnv.mjs";

export class OptionsError extends Error {}

const hex = (v) => "0x" + v.toString(16);
const MAX_U256 = (1n << 256n) - 1n;

/** MemPool options for a parsed pool line; throws OptionsError if it can't be replayed here. */
export function poolOptions(keys) {
  const layout = keys.layout ?? "evm";
  const semantics = keys.semantics ?? "seed";
  if (layout !== "thing" || semantics !== "thing") {
    throw new OptionsError(
      `the node replay runs only layout=thing semantics=thing (got layout=${layout} semantics=${semantics})`,
    );
  }
  if (keys.end !== undefined && keys.end % 4n !== 0n) {
    throw new OptionsError(`bad pool options: the thing layout needs end % 4 == 0 (end=${keys.end})`);
  }
  const opts = {};
  const num = (key, name) => keys[key] !== undefined && (opts[name] = Number(keys[key]));
  num("end", "size");
  num("start", "start");
  num("align", "align");
  num("min_split", "minSplit");
  if (keys.compact !== undefined) opts.compact = keys.compact === 1n;
  if (keys.split !== undefined) opts.split = keys.split === 1n;
  num("end", "end");
  return opts;
}

export class Replayer {
  /** keys: the parsed pool line's keys. Throws OptionsError on bad or unsupported options. */
  constructor(keys) {
    const opts = poolOptions(keys);
    try {
      this.pool = new CheckedPool(opts);
    } catch (e) {
      throw new OptionsError(`bad pool options: ${e.message}`);
    }
    this.end = BigInt(this.pool.buf.byteLength);
    this.live = new Map(); // data pointer -> requested size (BigInt -> BigInt)
    this.rets = []; // rets[k-1]: pointer returned by op k (BigInt), for @k
    this.count = 0;
  }

  ptr(p) {
    return p.raw !== undefined ? p.raw : this.rets[p.ref - 1] + p.delta;
  }

  /**
   * Runs the next op. Returns { line, ret, error }: line is the output line (JSON text);
   * error is null, "corrupt" or "write outside a live block". withHeap=false skips the hash.
   */
  step(op, withHeap = true) {
    const k = ++this.count;
    const pool = this.pool;
    pool.resetSteps();
    // @k+d past 2^256-1 is an error of the trace at this op, as in fealloc (decisions.md).
    if (op.ptr !== undefined && this.ptr(op.ptr) > MAX_U256) return this.fail(k, "pointer past 2^256-1");
    let ret = null;
    let text;
    try {
      switch (op.kind) {
        case "malloc":
        case "calloc": {
          const r = op.kind === "malloc" ? pool.malloc(Number(op.size)) : pool.calloc(Number(op.size), op.fill);
          ret = BigInt(r);
          if (ret) this.live.set(ret, op.size);
          text = `"${hex(ret)}"`;
          break;
        }
        case "realloc": {
          const p = this.ptr(op.ptr);
          ret = BigInt(pool.realloc(Number(p), Number(op.size)));
          if (ret) {
            this.live.delete(p);
            this.live.set(ret, op.size);
          }
          text = `"${hex(ret)}"`;
          break;
        }
        case "free": {
          const p = this.ptr(op.ptr);
          const ok = pool.free(Number(p));
          if (ok) this.live.delete(p);
          text = String(ok);
          break;
        }
        case "free_all":
          pool.freeAll();
          this.live.clear();
          text = "null";
          break;
        case "write":
          if (!this.write(this.ptr(op.ptr), op.offset, op.bytes)) {
            return this.fail(k, "write outside a live block");
          }
          text = "null";
          break;
        case "stats":
          text = "null";
          break;
        default:
          throw new Error(`unknown op ${op.kind}`);
      }
      if (ret !== null) this.rets[k - 1] = ret;
      return { line: this.render(k, text, withHeap), ret, error: null };
    } catch (e) {
      if (e instanceof Corrupt) return this.fail(k, "corrupt");
      throw e;
    }
  }

  write(p, offset, bytes) {
    const n = this.live.get(p);
    const len = BigInt(bytes.length);
    if (n === undefined || offset + len > n || p + offset + len > this.end) return false;
    this.pool.u8.set(bytes, Number(p + offset));
    return true;
  }

  fail(k, error) {
    return { line: `{"op":${k},"error":"${error}"}`, ret: null, error };
  }

  render(k, retText, withHeap) {
    const s = this.pool.stats(); // counts toward this op's step budget
    const stats =
      `"free_count":${s.free.count},"free_size":${s.free.size},` +
      `"used_count":${s.used.count},"used_size":${s.used.size},` +
      `"top":"${hex(s.top)}","available":${s.available},"total":${s.total}`;
    const heap = withHeap ? fnv1a64(this.pool.u8) : "";
    return `{"op":${k},"ret":${retText},"stats":{${stats}},"heap":"${heap}"}`;
  }
}
