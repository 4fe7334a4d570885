// Self-tests of the conformance tools (node --test test.mjs): trace parsing and its errors,
// the replay's liveness and runtime errors, the heap hash, the generator, the comparison, the
// harness end to end (with fake_fealloc.sh) and the recorded findings/*.out.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { replayText } from "./replay.mjs";
import { fnv1a64, fnv1a64Slow } from "./lib/fnv.mjs";
import { generateTrace } from "./gen_traces.mjs";
import { compare } from "./run_conformance.mjs";
import { findingOutput, findingTraces } from "./make_findings.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const POOL = "pool layout=thing semantics=thing end=256";
const run = (text) => replayText(text, "t.trace");
const parsed = (line) => JSON.parse(line);

test("heap hash matches the BigInt FNV-1a 64", () => {
  assert.equal(fnv1a64(new Uint8Array(0)), "cbf29ce484222325");
  assert.equal(fnv1a64(Buffer.from("a")), "af63dc4c8601ec8c");
  let s = 7;
  const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
  for (let t = 0; t < 100; t++) {
    const b = new Uint8Array(r() % 10000);
    const density = 1 + (r() % 300);
    for (let i = 0; i < b.length; i++) if (r() % density === 0) b[i] = r() & 255;
    assert.equal(fnv1a64(b), fnv1a64Slow(b));
  }
});

test("malformed traces: TRACE:LINE: message, exit 2, no output", () => {
  const cases = [
    ["", 1], ["malloc 8\n", 1], [`${POOL}\nmalloc\n`, 2], [`${POOL}\nmalloc -1\n`, 2],
    [`${POOL}\nmalloc +1\n`, 2], [`${POOL}\nmalloc 0x\n`, 2], [`${POOL}\nmalloc 1.5\n`, 2],
    [`${POOL}\nmalloc 0x1${"0".repeat(64)}\n`, 2], [`${POOL}\nmalloc 8 8\n`, 2],
    [`${POOL}\nfrobnicate\n`, 2], [`${POOL}\nstats 1\n`, 2], [`${POOL}\ncalloc 4 256\n`, 2],
    [`${POOL}\nmalloc 8\nwrite @1 0 abc\n`, 3], [`${POOL}\nmalloc 8\nwrite @1 0 0xab\n`, 3],
    [`${POOL}\nmalloc 8\nwrite @1 0\n`, 3], [`${POOL}\nfree @1\n`, 2], [`${POOL}\nmalloc 8\nfree @2\n`, 3],
    [`${POOL}\nfree 0\nfree @1\n`, 3], [`${POOL}\nmalloc 8\nfree @1+\n`, 3], [`${POOL}\nmalloc 8\nfree @x\n`, 3],
    [`${POOL} foo=1\n`, 1], [`${POOL} end=512\n`, 1], [`${POOL} compact=2\n`, 1], [`${POOL} layout\n`, 1],
    [`pool layout=thong\n`, 1], [`${POOL}\n\n# c\nmalloc 8\npool\n`, 5],
  ];
  for (const [text, line] of cases) {
    const r = run(text);
    assert.equal(r.status, 2, text);
    assert.deepEqual(r.lines, [], text);
    assert.match(r.stderr, new RegExp(`^t\\.trace:${line}: `), text);
  }
  assert.equal(run(`${POOL}\nmalloc 0x${"f".repeat(64)}\n`).status, 0); // 2^256-1 is a number
  assert.equal(run(`${POOL}  # comment\n\n  malloc\t8 # c\r\nfree @1+0x0\n`).status, 0);
});

test("bad or unsupported pool options: exit 2 naming the pool line", () => {
  for (const opts of ["end=258", "end=32", "end=0", "min_split=8", "align=4", "start=5000", "end=0x1" + "0".repeat(20)]) {
    const r = run(`# x\npool layout=thing semantics=thing ${opts}\nmalloc 8\n`);
    assert.equal(r.status, 2, opts);
    assert.match(r.stderr, /^t\.trace:2: bad pool options/, opts);
  }
  for (const pool of ["pool", "pool layout=evm semantics=thing", "pool layout=thing", "pool layout=thing semantics=seed"]) {
    assert.equal(run(`${pool}\nmalloc 8\n`).status, 2, pool);
  }
});

test("output shape and defaults", () => {
  const r = run("pool layout=thing semantics=thing\nmalloc 24\nfree @1\nfree @1\nstats\nfree_all\n");
  assert.equal(r.status, 0);
  assert.equal(r.lines[0],
    '{"op":1,"ret":"0x28","stats":{"free_count":0,"free_size":0,"used_count":1,"used_size":32,' +
    `"top":"0x40","available":4032,"total":4096},"heap":"${parsed(r.lines[0]).heap}"}`);
  assert.deepEqual(r.lines.map((l) => parsed(l).ret), ["0x28", true, false, null, null]);
  assert.match(parsed(r.lines[0]).heap, /^[0-9a-f]{16}$/);
  const f = replayText("pool layout=thing semantics=thing\nmalloc 24\nmalloc 8\n", "t", { final: true });
  assert.deepEqual(f.lines, [run("pool layout=thing semantics=thing\nmalloc 24\nmalloc 8\n").lines[1]]);
});

test("writes: only into live blocks, within the requested size and the buffer", () => {
  const ok = run(`${POOL}\nmalloc 8\nwrite @1 4 01020304\nwrite @1 0 ff\n`);
  assert.equal(ok.status, 0);
  assert.notEqual(parsed(ok.lines[0]).heap, parsed(ok.lines[1]).heap);
  const bad = [
    "malloc 8\nwrite @1 4 0102030405",          // past the requested size
    "malloc 8\nfree @1\nwrite @1 0 00",         // freed
    "malloc 8\nwrite @1+1 0 00",                // interior pointer is not a key
    "malloc 8\nmalloc 8\nrealloc @1 100\nwrite @1 0 00", // moved: the old pointer is dead (though thi.ng leaks it)
    "malloc 8\nfree_all\nwrite @1 0 00",
    "malloc 0x100000008\nwrite @1 300 00",      // within the requested size but past end
    "write 0x28 0 00",
  ];
  for (const ops of bad) {
    const r = run(`${POOL}\n${ops}\n`);
    const k = ops.split("\n").length;
    assert.equal(r.status, 3, ops);
    assert.equal(r.lines.length, k, ops);
    assert.equal(r.lines[k - 1], `{"op":${k},"error":"write outside a live block"}`, ops);
  }
  assert.equal(run(`${POOL}\nmalloc 8\nrealloc @1 100\nwrite @2 99 00\n`).status, 0);
});

test("a reference past 2^256-1 is an error of the trace at that op", () => {
  const wraps = "0x" + ((1n << 256n) - 0x10n).toString(16); // @2 + this would wrap to @1
  for (const op of [`free @2+${wraps}`, `realloc @2+${wraps} 8`, `write @2+${wraps} 0 00`]) {
    const r = run(`${POOL}\nmalloc 8\nmalloc 8\n${op}\nfree @1\n`);
    assert.equal(r.status, 3, op);
    assert.deepEqual(r.lines.slice(2), ['{"op":3,"error":"pointer past 2^256-1"}'], op);
  }
});

test("corruption: out-of-buffer header reads and endless list walks", () => {
  const r = run(`${POOL}\nmalloc 0x10000000000000011\nmalloc 0x100000011\nmalloc 8\n`);
  assert.equal(r.status, 3);
  assert.deepEqual(r.lines.slice(1), ['{"op":2,"error":"corrupt"}']);
});

test("generator is deterministic and its traces parse", () => {
  for (let i = 0; i < 30; i++) {
    const text = generateTrace(11, i);
    assert.equal(text, generateTrace(11, i));
    assert.notEqual(run(text).stderr.includes("write outside"), true);
  }
  assert.notEqual(generateTrace(11, 0), generateTrace(12, 0));
});

test("compare: lines up to the first error of either side", () => {
  const want = { status: 0, lines: ["a", "b"], stderr: "" };
  assert.equal(compare(want, { status: 0, stdout: "a\nb\n", stderr: "" }), null);
  assert.deepEqual(compare(want, { status: 0, stdout: "a\nc\n", stderr: "" }), { expected: "b", actual: "c" });
  assert.notEqual(compare(want, { status: 0, stdout: "a\n", stderr: "" }), null);
  assert.notEqual(compare(want, { status: 1, stdout: "a\nb\n", stderr: "" }), null);
  assert.notEqual(compare(want, { status: 2, stdout: "", stderr: "x" }), null);
  const err = '{"op":2,"error":"corrupt"}';
  assert.equal(compare({ status: 3, lines: ["a", err], stderr: "" }, { status: 0, stdout: "a\nb\n", stderr: "" }), null);
  assert.equal(compare(want, { status: 3, stdout: `a\n${err}\n`, stderr: "" }), null);
  assert.notEqual(compare(want, { status: 0, stdout: `a\n${err}\n`, stderr: "" }), null);
  assert.equal(compare({ status: 2, lines: [], stderr: "t:1: x" }, { status: 2, stdout: "", stderr: "y" }), null);
});

test("harness end to end with the fake binary", () => {
  const dir = mkdtempSync(join(tmpdir(), "conf-test-"));
  const args = ["run_conformance.mjs", "--seed", "5", "--count", "6", "--out", dir];
  const good = spawnSync("node", [...args, "--fealloc", join(here, "fake_fealloc.sh")], { cwd: here, encoding: "utf8" });
  assert.equal(good.status, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /\n6 passed, 0 failed\n$/);
  const liar = join(dir, "liar.sh"); // a port that gets the first op's heap wrong
  writeFileSync(liar, `#!/bin/sh\n"${join(here, "fake_fealloc.sh")}" "$@" | sed '1s/"heap":"./"heap":"X/'\n`);
  chmodSync(liar, 0o755);
  const bad = spawnSync("node", [...args, "--fealloc", liar], { cwd: here, encoding: "utf8" });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /FAIL .*gen-5-0000\d\.trace\n {2}expected: \{"op":1/);
  assert.match(bad.stdout, /\n\d passed, [1-6] failed\n$/);
});

test("findings/*.out are the package's current output", () => {
  for (const name of findingTraces()) {
    const out = readFileSync(join(here, "findings", name.replace(/\.trace$/, ".out")), "utf8");
    assert.equal(findingOutput(name), out, name);
  }
});

test("replay.mjs CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "conf-test-"));
  const t = join(dir, "a.trace");
  writeFileSync(t, `${POOL}\nmalloc 8\nmalloc 8\n`);
  assert.equal(execFileSync("node", ["replay.mjs", "--final", t], { cwd: here, encoding: "utf8" }).split("\n").length, 2);
  const r = spawnSync("node", ["replay.mjs", join(dir, "missing.trace")], { cwd: here, encoding: "utf8" });
  assert.equal(r.status, 2);
});
