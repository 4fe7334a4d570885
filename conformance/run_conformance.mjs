// Conformance of the fealloc port (thing semantics) with the real @thi.ng/malloc.
//   node run_conformance.mjs --fealloc BINARY [--seed S] [--count N] [--dir DIR] [--out DIR]
// Takes every *.trace in --dir, or generates --count traces of --seed (into --out, default a new
// temp dir). Each trace is replayed in-process on the real package and by
// `BINARY replay --impl port TRACE`, compared as docs/decisions.md "Conformance" says.
// Prints each failure (trace, first differing pair), then "N passed, M failed"; exit 1 on failure.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { replayText } from "./replay.mjs";
import { parseFlags, writeTraces } from "./gen_traces.mjs";

const isError = (line) => line.startsWith('{"op":') && line.includes(',"error":');

function runBinary(bin, trace) {
  return new Promise((resolve) => {
    const child = spawn(bin, ["replay", "--impl", "port", trace], { stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", (e) => resolve({ status: -1, stdout: "", stderr: e.message }));
    child.on("close", (code, signal) =>
      resolve({ status: code ?? `signal ${signal}`, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** Compares the package's replay (want) with the binary's (got); null if they conform. */
export function compare(want, got) {
  if ((want.status === 2) !== (got.status === 2)) {
    return { expected: `exit ${want.status} ${want.stderr}`.trim(), actual: `exit ${got.status} ${got.stderr.trim()}` };
  }
  if (want.status === 2) return null;
  const a = want.lines;
  const b = got.stdout === "" ? [] : got.stdout.replace(/\n$/, "").split("\n");
  for (let i = 0; ; i++) {
    if (i < a.length && isError(a[i])) return null;
    if (i < b.length && isError(b[i])) return got.status === 3 ? null : { expected: "exit 3", actual: `exit ${got.status}` };
    if (i >= a.length && i >= b.length) {
      return got.status === 0 ? null : { expected: "exit 0", actual: `exit ${got.status} ${got.stderr.trim()}` };
    }
    if (a[i] !== b[i]) return { expected: a[i] ?? "(no line)", actual: b[i] ?? "(no line)" };
  }
}

async function checkAll(bin, traces) {
  const results = new Array(traces.length);
  let next = 0;
  const worker = async () => {
    while (next < traces.length) {
      const i = next++;
      const pending = runBinary(bin, traces[i]);
      const want = replayText(readFileSync(traces[i], "utf8"), traces[i]);
      const got = await pending;
      results[i] = { trace: traces[i], diff: compare(want, got), corrupt: want.lines.some((l) => l.endsWith('"error":"corrupt"}')) };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cpus().length) }, worker));
  return results;
}

async function main() {
  let f;
  try {
    f = parseFlags(process.argv.slice(2), ["fealloc", "seed", "count", "dir", "out"]);
    if (!f.fealloc) throw new Error("--fealloc is required");
  } catch (e) {
    process.stderr.write(`${e.message}\nusage: node run_conformance.mjs --fealloc BINARY [--seed S] [--count N] [--dir DIR] [--out DIR]\n`);
    return 2;
  }
  let traces;
  if (f.dir) {
    traces = readdirSync(f.dir).filter((n) => n.endsWith(".trace")).sort().map((n) => join(f.dir, n));
  } else {
    const out = f.out ?? mkdtempSync(join(tmpdir(), "fealloc-conformance-"));
    traces = writeTraces(Number(f.seed ?? 1), Number(f.count ?? 100), out);
    process.stdout.write(`generated ${traces.length} traces in ${out}\n`);
  }
  const start = Date.now();
  const results = await checkAll(f.fealloc, traces);
  const failed = results.filter((r) => r.diff);
  for (const r of failed) {
    process.stdout.write(`FAIL ${r.trace}\n  expected: ${r.diff.expected}\n  actual:   ${r.diff.actual}\n`);
  }
  const corrupt = results.filter((r) => r.corrupt).length;
  process.stdout.write(`${corrupt} traces reached a corrupt line; ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${results.length - failed.length} passed, ${failed.length} failed\n`);
  return failed.length ? 1 : 0;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main();
