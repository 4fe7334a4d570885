// Replays a trace v1 file on the REAL @thi.ng/malloc and prints the replay output of
// shared/spec/trace-format.md (one JSON line per op), the reference side of conformance.
//   node replay.mjs [--final] TRACE
// Exit 0: replayed; 2: malformed trace, bad or unsupported pool options; 3: runtime error
// ({"op":K,"error":...} printed as the last line). Also usable in-process: replayText().

import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseTrace, TraceError } from "./lib/trace.mjs";
import { Replayer, OptionsError } from "./lib/replayer.mjs";

/**
 * Replays trace text. name is the trace's path as it should appear in messages.
 * Returns { lines, status, stderr }: lines without newlines, status 0, 2 or 3. With final, only
 * the last op's line (or the error line) is kept; with onLine, lines go to it instead of lines.
 */
export function replayText(text, name = "TRACE", { final = false, onLine = null } = {}) {
  let trace, replayer;
  try {
    trace = parseTrace(text);
  } catch (e) {
    if (e instanceof TraceError) return { lines: [], status: 2, stderr: `${name}:${e.line}: ${e.message}` };
    throw e;
  }
  try {
    replayer = new Replayer(trace.pool.keys);
  } catch (e) {
    if (e instanceof OptionsError) return { lines: [], status: 2, stderr: `${name}:${trace.pool.line}: ${e.message}` };
    throw e;
  }
  const lines = [];
  const emit = onLine ?? ((line) => lines.push(line));
  const ops = trace.ops;
  for (let i = 0; i < ops.length; i++) {
    const last = i === ops.length - 1;
    const r = replayer.step(ops[i], !final || last);
    if (!final || r.error || last) emit(r.line);
    if (r.error) return { lines, status: 3, stderr: "" };
  }
  return { lines, status: 0, stderr: "" };
}

// Writes lines to stdout in large chunks (long traces print millions of lines).
function stdoutWriter() {
  process.stdout.on("error", (e) => process.exit(e.code === "EPIPE" ? 0 : 1)); // e.g. piped into head
  let buf = [];
  let size = 0;
  const flush = () => {
    if (buf.length) process.stdout.write(buf.join(""));
    buf = [];
    size = 0;
  };
  const write = (line) => {
    buf.push(line, "\n");
    if ((size += line.length) > 1 << 16) flush();
  };
  return { write, flush };
}

function main(argv) {
  const args = argv.slice(2);
  const final = args[0] === "--final";
  if (final) args.shift();
  if (args.length !== 1 || args[0].startsWith("--")) {
    process.stderr.write("usage: node replay.mjs [--final] TRACE\n");
    return 2;
  }
  let text;
  try {
    text = readFileSync(args[0], "utf8");
  } catch (e) {
    process.stderr.write(`${args[0]}: ${e.message}\n`);
    return 2;
  }
  const out = stdoutWriter();
  const r = replayText(text, args[0], { final, onLine: out.write });
  out.flush();
  if (r.stderr) process.stderr.write(r.stderr + "\n");
  return r.status;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv);
