// Regenerates findings/NAME.out (the real package's replay output) for every findings/NAME.trace:
// the replay's stdout lines, then "# exit STATUS" and any stderr message.
//   node make_findings.mjs [--check]   (--check: compare instead of writing; exit 1 on a difference)

import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { replayText } from "./replay.mjs";

const dir = join(fileURLToPath(new URL(".", import.meta.url)), "findings");

/** The expected .out text of one finding trace. */
export function findingOutput(name) {
  const r = replayText(readFileSync(join(dir, name), "utf8"), `findings/${name}`);
  return [...r.lines, `# exit ${r.status}${r.stderr ? ": " + r.stderr : ""}`].join("\n") + "\n";
}

export const findingTraces = () => readdirSync(dir).filter((n) => n.endsWith(".trace")).sort();

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv[2] === "--check";
  let bad = 0;
  for (const name of findingTraces()) {
    const outPath = join(dir, name.replace(/\.trace$/, ".out"));
    const text = findingOutput(name);
    if (!check) writeFileSync(outPath, text);
    else if (!existsSync(outPath) || readFileSync(outPath, "utf8") !== text) {
      console.log(`differs: ${outPath}`);
      bad++;
    }
  }
  process.exitCode = bad ? 1 : 0;
}
