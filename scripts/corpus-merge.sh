#!/usr/bin/env bash
# Distills a fuzzing campaign's corpus into corpus/seeds/TARGET/: only inputs that add coverage to
# the seeds already there are added, each in canonical form with its readable .trace beside it
# (fuzz_trace: the input is the trace). scripts/fuzz.sh --merge runs it on a campaign of its own.
#
#   scripts/corpus-merge.sh --target differential|thing|trace [--preset libfuzzer|libfuzzer-nosan]
#                           [--counters] [--dry-run] CAMPAIGN
#
# CAMPAIGN: a campaign directory of scripts/fuzz.sh (out/fuzz/ENGINE-TARGET: libFuzzer's corpus/,
# AFL++'s afl/*/queue/), or any directory of inputs.
#   1. AFL++ queues are first reduced with afl-cmin (build/afl/fuzz/fuzz_TARGET).
#   2. libFuzzer -merge=1 (build/PRESET/fuzz/fuzz_TARGET) picks the inputs that add coverage to
#      the existing seeds: new edges (-use_counters=0), or with --counters any new feature
#      (an edge's hit-count bucket too: many more inputs, each a little different).
#   3. Each is made canonical (fealloc decode, then encode: the seed test wants
#      encode(decode(file)) == file) and kept only if it runs clean: no divergence on its target
#      (thing seeds: on differential too) or no violated property (fuzz_trace, at most 4096 bytes).
#   4. libFuzzer -merge=1 again over those canonical inputs: what still adds coverage is written
#      as corpus/seeds/TARGET/merged-SHA.bin + merged-SHA.trace (fuzz_trace: merged-SHA.trace).
# Prints the seeds' count and libFuzzer's cov/ft (INITED line of -runs=0) before and after.
# --dry-run: everything but writing into corpus/seeds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/afl-sanitizer-env.sh
source "$root/scripts/afl-sanitizer-env.sh"
cd "$root"

target="" preset=libfuzzer campaign="" dry=0 counters=0
usage() { sed -n '5,7p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || usage; target=$2; shift 2 ;;
    --preset) [ $# -ge 2 ] || usage; preset=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --counters) counters=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) echo "corpus-merge: unknown option $1" >&2; usage ;;
    *) [ -z "$campaign" ] || { echo "corpus-merge: one campaign directory only" >&2; usage; }; campaign=$1; shift ;;
  esac
done
case "$target" in differential|thing|trace) ;; *) echo "corpus-merge: --target is differential, thing or trace" >&2; usage ;; esac
case "$preset" in libfuzzer|libfuzzer-nosan) ;; *) echo "corpus-merge: --preset is libfuzzer or libfuzzer-nosan" >&2; usage ;; esac
[ -n "$campaign" ] || { echo "corpus-merge: no campaign directory given" >&2; usage; }
if [ ! -d "$campaign" ]; then
  echo "corpus-merge: $campaign is not a directory: run a campaign first (scripts/fuzz.sh --target $target --seconds 60)" >&2
  exit 2
fi
campaign=$(cd "$campaign" && pwd)

ext=bin
[ "$target" = trace ] && ext=trace
seeds_dir="$root/corpus/seeds/$target"

# The campaign's inputs: libFuzzer's corpus/ and AFL++'s queues, or the directory itself.
inputs=()
[ -d "$campaign/corpus" ] && inputs+=("$campaign/corpus")
mapfile -t queues < <(find "$campaign" -mindepth 1 -maxdepth 4 -type d -name queue -path '*/afl/*' | sort)
if [ ${#inputs[@]} -eq 0 ] && [ ${#queues[@]} -eq 0 ]; then inputs+=("$campaign"); fi
count_files() { find "$@" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l; }

scripts/install-deps.sh
echo "=== corpus-merge: building ($preset: fuzz_$target; dev: fealloc, fuzz_trace_replay)"
cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" --target "fuzz_$target" >/dev/null
cmake --preset dev >/dev/null && cmake --build --preset dev --target fealloc fuzz_trace_replay >/dev/null
fuzzer="$root/build/$preset/fuzz/fuzz_$target"
fealloc="$root/build/dev/fealloc"
trace_replay="$root/build/dev/fuzz/fuzz_trace_replay"

# Scratch space under out/ (gitignored): afl-cmin refuses to work in /tmp.
mkdir -p "$root/out"
tmp=$(mktemp -d "$root/out/corpus-merge.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# AFL++: every instance's queue, flat, reduced by afl-cmin to the inputs that keep its coverage.
if [ ${#queues[@]} -gt 0 ]; then
  mkdir -p "$tmp/queue" "$tmp/cmin"
  for q in "${queues[@]}"; do
    find "$q" -maxdepth 1 -type f -name 'id:*' -exec sh -c 'for f; do cp "$f" "$0/$(basename "$(dirname "$(dirname "$f")")")-${f##*/id:}"; done' "$tmp/queue" {} +
  done
  echo "=== corpus-merge: afl-cmin over $(count_files "$tmp/queue") AFL++ queue entries"
  cmake --preset afl >/dev/null && cmake --build --preset afl --target "fuzz_$target" >/dev/null
  env AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 "${afl_sanitizer_env[@]}" \
    afl-cmin -i "$tmp/queue" -o "$tmp/cmin" -- "$root/build/afl/fuzz/fuzz_$target" >"$tmp/afl-cmin.log" 2>&1 ||
    { tail -20 "$tmp/afl-cmin.log"; echo "corpus-merge: afl-cmin failed" >&2; exit 1; }
  grep -E 'Found [0-9]+ unique tuples|Narrowed down to' "$tmp/afl-cmin.log" || true
  inputs+=("$tmp/cmin")
fi
candidates=$(count_files "${inputs[@]}")
echo "=== corpus-merge: ${inputs[*]}: $candidates input(s) against $(count_files "$seeds_dir"/*."$ext" | tr -d ' ') seed(s)"
[ "$candidates" -gt 0 ] || { echo "corpus-merge: the campaign has no inputs (${inputs[*]})" >&2; exit 2; }

# libFuzzer's own numbers for a directory: the INITED line of a run that only executes it.
coverage() {  # DIR -> "cov: N ft: N corp: N/SIZE"
  (cd "$tmp" && env -u FEALLOC_IGNORE -u FEALLOC_TRACE_IGNORE "$fuzzer" -runs=0 -max_len=4096 "$1" 2>&1) |
    grep -oE 'INITED cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' | sed 's/^INITED //' | tail -1
}
# libFuzzer -merge=1 BASE CANDIDATES...: copies into BASE each candidate that adds a feature.
merge_into() {  # BASE CANDIDATE_DIR...
  (cd "$tmp" && "$fuzzer" -merge=1 -use_counters="$counters" -max_len=4096 "$@" >"$tmp/merge.log" 2>&1) ||
    { tail -20 "$tmp/merge.log"; echo "corpus-merge: libFuzzer -merge=1 failed" >&2; exit 1; }
  grep -E 'MERGE-OUTER: [0-9]+ new files' "$tmp/merge.log" || true
}
fresh_base() {  # DIR: a copy of the seeds (the inputs only)
  rm -rf "$1"
  mkdir -p "$1"
  cp "$seeds_dir"/*."$ext" "$1/"
}

fresh_base "$tmp/before"
before_count=$(count_files "$tmp/before")
before_cov=$(coverage "$tmp/before")

# 2. The inputs that add coverage, as found.
fresh_base "$tmp/base1"
merge_into "$tmp/base1" "${inputs[@]}"
mkdir -p "$tmp/new" "$tmp/canonical"
for f in "$tmp/base1"/*; do
  [ -e "$seeds_dir/$(basename "$f")" ] || cp "$f" "$tmp/new/"
done

# 3. Canonical and clean. FEALLOC_IGNORE and FEALLOC_TRACE_IGNORE are unset: a seed that needs
# them would fail the seed test.
kept=0 dropped=0
for f in "$tmp/new"/*; do
  [ -f "$f" ] || continue
  if [ "$target" = trace ]; then
    size=$(wc -c <"$f")
    if [ "$size" -le 4096 ] && (env -u FEALLOC_TRACE_IGNORE "$trace_replay" "$f" >/dev/null 2>&1); then
      cp "$f" "$tmp/canonical/$(sha1sum "$f" | cut -c1-12).trace"
      kept=$((kept + 1))
    else
      dropped=$((dropped + 1))
    fi
    continue
  fi
  if "$fealloc" decode --target "$target" "$f" >"$tmp/t.trace" 2>/dev/null &&
     "$fealloc" encode -o "$tmp/c.bin" "$tmp/t.trace" >/dev/null 2>&1 &&
     env -u FEALLOC_IGNORE "$fealloc" repro --target "$target" "$tmp/c.bin" >/dev/null 2>&1 &&
     { [ "$target" != thing ] || env -u FEALLOC_IGNORE "$fealloc" repro --target differential "$tmp/c.bin" >/dev/null 2>&1; }; then
    name=$(sha1sum "$tmp/c.bin" | cut -c1-12)
    cp "$tmp/c.bin" "$tmp/canonical/$name.bin"
    kept=$((kept + 1))
  else
    dropped=$((dropped + 1))
  fi
done
echo "canonical and clean: $kept, dropped: $dropped (a divergence, a violated property or no canonical form)"

# 4. What still adds coverage in canonical form.
fresh_base "$tmp/base2"
if [ "$kept" -gt 0 ]; then merge_into "$tmp/base2" "$tmp/canonical"; fi
added=()
for f in "$tmp/base2"/*; do
  [ -e "$seeds_dir/$(basename "$f")" ] && continue
  # libFuzzer names what it copies by its SHA-1; ours by the first 12 hex digits of the same.
  name="merged-$(sha1sum "$f" | cut -c1-12)"
  added+=("$name")
  cp "$f" "$tmp/before/$name.$ext"  # for the coverage after
  if [ "$dry" = 0 ]; then
    cp "$f" "$seeds_dir/$name.$ext"
    if [ "$target" != trace ]; then
      { echo "# added by scripts/corpus-merge.sh from $(basename "$campaign"): new coverage for fuzz_$target"
        "$fealloc" decode --target "$target" "$f"; } >"$seeds_dir/$name.trace"
    fi
  fi
done
after_count=$(count_files "$tmp/before")
after_cov=$(coverage "$tmp/before")

echo "=== corpus-merge: corpus/seeds/$target"
echo "seeds: $before_count before, $after_count after (${#added[@]} added$([ "$dry" = 1 ] && echo ', dry run: nothing written'))"
echo "coverage before: $before_cov"
echo "coverage after:  $after_cov"
for name in "${added[@]}"; do echo "  + corpus/seeds/$target/$name.$ext"; done
