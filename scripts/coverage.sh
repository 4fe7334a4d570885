#!/usr/bin/env bash
# Replays the whole corpus (seeds and findings, both targets) on a coverage build and writes an
# llvm-cov HTML report to out/coverage/html plus a one-line summary of core/ on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
cmake --preset coverage >/dev/null
cmake --build --preset coverage --target fuzz_differential_replay fuzz_thing_replay >/dev/null
out="$root/out/coverage"
rm -rf "$out" && mkdir -p "$out"
build="$root/build/coverage/fuzz"
for target in differential thing; do
  # Findings of a target are expected divergences; replaying them may "crash" by design, so each
  # file runs on its own and its exit status is not what this script measures.
  find "$root/corpus/seeds/$target" "$root/corpus/findings/$target" -name '*.bin' 2>/dev/null | sort | while read -r f; do
    LLVM_PROFILE_FILE="$out/%p-$target.profraw" FEALLOC_IGNORE='*|*|*|*,*|*|*|*|*' "$build/fuzz_${target}_replay" "$f" >/dev/null 2>&1 || true
  done
done
extra=()
for dir in "${@}"; do extra+=("$dir"); done
if [ ${#extra[@]} -gt 0 ]; then
  LLVM_PROFILE_FILE="$out/%p-extra.profraw" "$build/fuzz_differential_replay" "${extra[@]}" >/dev/null 2>&1 || true
fi
llvm-profdata merge -sparse "$out"/*.profraw -o "$out/fealloc.profdata"
objects=("$build/fuzz_differential_replay" -object "$build/fuzz_thing_replay")
llvm-cov show "${objects[@]}" -instr-profile="$out/fealloc.profdata" -format=html -output-dir="$out/html" \
  "$root/core" "$root/reference" "$root/harness" "$root/fuzz" >/dev/null
llvm-cov report "${objects[@]}" -instr-profile="$out/fealloc.profdata" "$root/core" > "$out/core-report.txt"
summary=$(tail -1 "$out/core-report.txt" | awk '{print "regions " $4 ", functions " $7 ", lines " $10}')
echo "coverage of core/ by the corpus: $summary (HTML: $out/html/index.html)"
