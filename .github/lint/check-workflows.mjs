// Checks that the ClusterFuzzLite workflows (.github/workflows/cflite_*.yml) name the fuzz targets
// and sanitizers the build really produces, and that they are laid out as ClusterFuzzLite's
// documentation lays them out. Prints every problem and exits 1 if there is any (2: bad usage).
//
//   node .github/lint/check-workflows.mjs --targets BUILD/fuzz/fuzz-targets.txt
//
// --targets: the list the CMake build writes (fuzz/CMakeLists.txt, FEALLOC_FUZZ_TARGETS).
// Sanitizers: each one a workflow builds with must be in the `sanitizers` of oss-fuzz/project.yaml
// and .clusterfuzzlite/project.yaml, and be one that scripts/oss-fuzz-check.sh builds and runs by
// default (libfuzzer/SANITIZER), except `coverage`, which only the coverage task uses.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const usage = "usage: node .github/lint/check-workflows.mjs --targets BUILD/fuzz/fuzz-targets.txt";
const args = process.argv.slice(2);
if (args.length !== 2 || args[0] !== "--targets") {
  console.error(usage);
  process.exit(2);
}
let targets;
try {
  targets = readFileSync(args[1], "utf8").split("\n").map((s) => s.trim()).filter(Boolean);
} catch (e) {
  console.error(`check-workflows: cannot read the target list ${args[1]} (configure a build first): ${e.message}`);
  process.exit(2);
}
if (targets.length === 0) {
  console.error(`check-workflows: ${args[1]} lists no fuzz target`);
  process.exit(2);
}

const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);
const read = (rel) => readFileSync(path.join(root, rel), "utf8");

// What the build produces.
const projects = ["oss-fuzz/project.yaml", ".clusterfuzzlite/project.yaml"].map((rel) => ({ rel, yaml: parse(read(rel)) }));
for (const p of projects) {
  if (p.yaml?.language !== "c++") problem(p.rel, `language is ${JSON.stringify(p.yaml?.language)}, not c++`);
  if (!Array.isArray(p.yaml?.sanitizers)) problem(p.rel, "no sanitizers list");
}
const projectSanitizers = projects.map((p) => new Set(p.yaml?.sanitizers ?? []));
const checkDefault = /^only="([^"]*)"/m.exec(read("scripts/oss-fuzz-check.sh"));
const checked = new Set((checkDefault?.[1] ?? "").split(",").filter((b) => b.startsWith("libfuzzer/")).map((b) => b.slice(10)));
if (checked.size === 0) problem("scripts/oss-fuzz-check.sh", "no default libfuzzer/SANITIZER builds found (only=\"...\")");
for (const [i, p] of projects.entries()) {
  for (const s of projectSanitizers[i]) {
    if (!checked.has(s)) problem(p.rel, `sanitizer ${s} is not built by scripts/oss-fuzz-check.sh`);
  }
}

// The workflows.
const dir = path.join(root, ".github", "workflows");
const files = readdirSync(dir).filter((n) => /^cflite_.*\.ya?ml$/.test(n)).sort();
if (files.length === 0) problem(".github/workflows", "no cflite_*.yml workflow");
const modes = new Map(); // mode -> [file]
const buildAction = "google/clusterfuzzlite/actions/build_fuzzers@v1";
const runAction = "google/clusterfuzzlite/actions/run_fuzzers@v1";
const knownModes = new Set(["code-change", "batch", "prune", "coverage"]);

// The sanitizers a step's `sanitizer:` stands for (the matrix values for ${{ matrix.sanitizer }}).
function sanitizersOf(value, job) {
  if (value === undefined) return ["address"]; // the actions' default
  const m = /^\$\{\{\s*matrix\.sanitizer\s*\}\}$/.exec(String(value));
  if (m) return job.strategy?.matrix?.sanitizer ?? [];
  return [String(value)];
}

for (const file of files) {
  const rel = `.github/workflows/${file}`;
  const wf = parse(read(rel));
  const named = String(wf.env?.FUZZ_TARGETS ?? "").split(/\s+/).filter(Boolean);
  if (named.length === 0) {
    problem(rel, "env.FUZZ_TARGETS does not name the fuzz targets");
  } else {
    for (const t of named) if (!targets.includes(t)) problem(rel, `FUZZ_TARGETS names ${t}, which the build does not produce (${targets.join(" ")})`);
    for (const t of targets) if (!named.includes(t)) problem(rel, `FUZZ_TARGETS leaves out ${t}, which the build produces`);
  }
  const onPr = wf.on && typeof wf.on === "object" && "pull_request" in wf.on;
  for (const [jobName, job] of Object.entries(wf.jobs ?? {})) {
    const where = `${rel} (job ${jobName})`;
    const steps = job.steps ?? [];
    const builds = steps.filter((s) => s.uses === buildAction);
    const runs = steps.filter((s) => s.uses === runAction);
    for (const s of steps) {
      if (typeof s.uses === "string" && s.uses.startsWith("google/clusterfuzzlite/") && s.uses !== buildAction && s.uses !== runAction) {
        problem(where, `uses ${s.uses}: expected ${buildAction} or ${runAction}`);
      }
    }
    if (builds.length !== 1) { problem(where, `${builds.length} build_fuzzers steps, expected 1`); continue; }
    const build = builds[0].with ?? {};
    if (build.language !== "c++") problem(where, `build_fuzzers language is ${JSON.stringify(build.language)}, not c++`);
    const buildSan = sanitizersOf(build.sanitizer, job);
    if (buildSan.length === 0) problem(where, "the sanitizer matrix is empty");
    for (const s of buildSan) {
      if (s === "coverage") continue;
      for (const [i, p] of projects.entries()) {
        if (!projectSanitizers[i].has(s)) problem(where, `sanitizer ${s} is not in ${p.rel}`);
      }
      if (!checked.has(s)) problem(where, `sanitizer ${s} is not built by scripts/oss-fuzz-check.sh`);
    }
    const checkStep = steps.find((s) => typeof s.run === "string" && s.run.includes("$FUZZ_TARGETS"));
    if (!checkStep) problem(where, "no step checks $FUZZ_TARGETS in build-out/");
    for (const r of runs) {
      const w = r.with ?? {};
      const mode = w.mode;
      if (!knownModes.has(mode)) { problem(where, `run_fuzzers mode ${JSON.stringify(mode)} is not one of ${[...knownModes].join(", ")}`); continue; }
      modes.set(mode, [...(modes.get(mode) ?? []), rel]);
      if (String(w.sanitizer) !== String(build.sanitizer)) problem(where, `run_fuzzers sanitizer ${w.sanitizer} is not the build's (${build.sanitizer})`);
      if ((mode === "coverage") !== (buildSan.length === 1 && buildSan[0] === "coverage")) {
        problem(where, `mode ${mode} with sanitizer ${buildSan.join(",")}: the coverage task and only it uses sanitizer coverage`);
      }
      if (!(Number(w["fuzz-seconds"]) > 0)) problem(where, `fuzz-seconds ${JSON.stringify(w["fuzz-seconds"])} is not a positive number`);
      if (mode === "code-change") {
        if (!onPr) problem(where, "code-change fuzzing runs on something other than pull_request");
        if (Number(w["fuzz-seconds"]) > 600) problem(where, `code-change fuzz-seconds ${w["fuzz-seconds"]}: keep pull requests short (at most 600)`);
        for (const s of ["address", "undefined"]) if (!buildSan.includes(s)) problem(where, `code-change fuzzing without the ${s} sanitizer`);
        if (String(w["report-unreproducible-crashes"]) !== "false") problem(where, "code-change fuzzing must not report unreproducible crashes");
      }
      if (mode !== "code-change" && !wf.on?.schedule) problem(where, `${mode} runs without a schedule`);
      if (!w["github-token"]) problem(where, "run_fuzzers without github-token");
      if (mode !== "code-change" && !w["storage-repo"]) problem(where, `${mode} without storage-repo (corpora and crashes need a place)`);
    }
    if (runs.length === 0 && build["upload-build"] !== true) problem(where, "build_fuzzers without run_fuzzers or upload-build");
  }
}
for (const m of knownModes) if (!modes.has(m)) problem(".github/workflows", `no workflow runs mode ${m}`);

for (const p of problems) console.log(`check-workflows: ${p}`);
console.log(`check-workflows: ${files.length} workflow(s), targets ${targets.join(" ")}, sanitizers ${[...checked].join(" ")}: ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
