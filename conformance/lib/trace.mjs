// Trace format v1 parser (shared/spec/trace-format.md + docs/decisions.md "Traces").
// Parses the whole text up front; numbers stay BigInt (up to 2^256-1). A malformed line
// throws TraceError(line, message). Also formats ops back to text (used by the generator).

export const MAX_U256 = (1n << 256n) - 1n;

export class TraceError extends Error {
  constructor(line, message) {
    super(message);
    this.line = line;
  }
}

const POOL_KEYS = ["layout", "semantics", "start", "end", "align", "min_split", "compact", "split"];
const POINTER_OPS = new Set(["malloc", "calloc", "realloc"]);
const ARITY = { malloc: 1, calloc: 2, realloc: 2, free: 1, free_all: 0, stats: 0, write: 3 };

/** Parses a number word (decimal or 0x hex, no sign); null if malformed or > 2^256-1. */
export function parseNumber(word) {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(word)) return null;
  const v = BigInt(word);
  return v <= MAX_U256 ? v : null;
}

function number(word, line, what) {
  const v = parseNumber(word);
  if (v === null) throw new TraceError(line, `bad ${what}: '${word}'`);
  return v;
}

function parsePoolLine(words, line) {
  const keys = {};
  for (const w of words.slice(1)) {
    const eq = w.indexOf("=");
    const key = eq < 0 ? w : w.slice(0, eq);
    const val = eq < 0 ? null : w.slice(eq + 1);
    if (!POOL_KEYS.includes(key)) throw new TraceError(line, `unknown pool key '${key}'`);
    if (key in keys) throw new TraceError(line, `pool key '${key}' given twice`);
    if (val === null) throw new TraceError(line, `pool key '${key}' has no value`);
    if (key === "layout" || key === "semantics") {
      const allowed = key === "layout" ? ["evm", "thing"] : ["seed", "thing"];
      if (!allowed.includes(val)) throw new TraceError(line, `bad ${key}: '${val}'`);
      keys[key] = val;
    } else {
      const v = number(val, line, key);
      if ((key === "compact" || key === "split") && v > 1n) {
        throw new TraceError(line, `${key} must be 0 or 1`);
      }
      keys[key] = v;
    }
  }
  return { line, keys };
}

// PTR: a number, @k or @k+d; k must name an earlier pointer-returning op.
function parsePtr(word, line, ops) {
  if (!word.startsWith("@")) return { raw: number(word, line, "pointer") };
  const m = /^@([^+]+)(?:\+(.+))?$/.exec(word);
  if (!m) throw new TraceError(line, `bad pointer reference '${word}'`);
  const k = number(m[1], line, "operation reference");
  const delta = m[2] === undefined ? 0n : number(m[2], line, "pointer offset");
  if (k < 1n || k > BigInt(ops.length)) {
    throw new TraceError(line, `'${word}' does not name an earlier operation`);
  }
  if (!POINTER_OPS.has(ops[Number(k) - 1].kind)) {
    throw new TraceError(line, `'${word}' names an operation that returns no pointer`);
  }
  return { ref: Number(k), delta };
}

function parseOp(words, line, ops) {
  const kind = words[0];
  if (!(kind in ARITY)) throw new TraceError(line, `unknown operation '${kind}'`);
  if (words.length - 1 !== ARITY[kind]) {
    throw new TraceError(line, `${kind} takes ${ARITY[kind]} argument(s), got ${words.length - 1}`);
  }
  const a = words.slice(1);
  switch (kind) {
    case "malloc":
      return { line, kind, size: number(a[0], line, "size") };
    case "calloc": {
      const fill = number(a[1], line, "fill");
      if (fill > 255n) throw new TraceError(line, `fill must be a byte, got ${a[1]}`);
      return { line, kind, size: number(a[0], line, "size"), fill: Number(fill) };
    }
    case "realloc":
      return { line, kind, ptr: parsePtr(a[0], line, ops), size: number(a[1], line, "size") };
    case "free":
      return { line, kind, ptr: parsePtr(a[0], line, ops) };
    case "write": {
      const ptr = parsePtr(a[0], line, ops);
      const offset = number(a[1], line, "offset");
      if (!/^[0-9a-fA-F]+$/.test(a[2]) || a[2].length % 2) {
        throw new TraceError(line, `bad hex bytes '${a[2]}'`);
      }
      return { line, kind, ptr, offset, bytes: Uint8Array.from(Buffer.from(a[2], "hex")) };
    }
    default:
      return { line, kind };
  }
}

/** Parses a whole trace: { pool: {line, keys}, ops: [{line, kind, ...}] }. */
export function parseTrace(text) {
  let pool = null;
  const ops = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const hash = lines[i].indexOf("#");
    const body = (hash < 0 ? lines[i] : lines[i].slice(0, hash)).trim();
    if (body === "") continue;
    const words = body.split(/[ \t]+/);
    if (pool === null) {
      if (words[0] !== "pool") throw new TraceError(line, "the first statement must be the pool line");
      pool = parsePoolLine(words, line);
    } else if (words[0] === "pool") {
      throw new TraceError(line, "a second pool line");
    } else {
      ops.push(parseOp(words, line, ops));
    }
  }
  if (pool === null) throw new TraceError(lines.length, "no pool line");
  return { pool, ops };
}

function formatPtr(p) {
  if (p.raw !== undefined) return fmtNum(p.raw);
  return p.delta ? `@${p.ref}+${p.delta}` : `@${p.ref}`;
}

// Large values read better in hex; small ones in decimal.
function fmtNum(v) {
  return v >= 0x10000n ? "0x" + v.toString(16) : v.toString();
}

/** Formats one op object (as parseTrace returns) back to its trace text. */
export function formatOp(op) {
  switch (op.kind) {
    case "malloc": return `malloc ${fmtNum(op.size)}`;
    case "calloc": return `calloc ${fmtNum(op.size)} ${op.fill}`;
    case "realloc": return `realloc ${formatPtr(op.ptr)} ${fmtNum(op.size)}`;
    case "free": return `free ${formatPtr(op.ptr)}`;
    case "write": return `write ${formatPtr(op.ptr)} ${op.offset} ${Buffer.from(op.bytes).toString("hex")}`;
    default: return op.kind;
  }
}
