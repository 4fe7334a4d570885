#!/usr/bin/env bash
# The harness's throughput, old code against new, side by side: a benchmark, not a test.
#   1. The engine-free replay driver (release build, no instrumentation): inputs/s over a fixed
#      corpus (the v1 seeds of both targets, read ROUNDS times), old and new one after the other.
#   2. libFuzzer: exec/s and features of fuzz_differential and fuzz_thing, without sanitizers and
#      with ASan+UBSan, from each version's own seeds, -seed=1; old and new at the same time, each
#      pinned to one core (taskset), so that both see the same machine.
#   3. AFL++ (ASan+UBSan, persistent mode, each version's custom mutator): exec/s per instance,
#      old and new at the same time.
# The old code is REV (default: the commit before the harness-core work) checked out with
# `git worktree` into out/bench-fuzz/old; both are built with their own presets. Prints a Markdown
# table (also in out/bench-fuzz/table.md).
#
#   scripts/bench-fuzz.sh [--old REV] [--seconds N] [--rounds R] [--no-afl] [--no-asan]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/afl-sanitizer-env.sh
source "$root/scripts/afl-sanitizer-env.sh"
cd "$root"

old_rev=4c5bbab
seconds=30
rounds=20
afl=1
asan=1
while [ $# -gt 0 ]; do
  case "$1" in
    --old) old_rev=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-afl) afl=0; shift ;;
    --no-asan) asan=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench-fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
out="$root/out/bench-fuzz"
mkdir -p "$out"
old="$out/old"
if [ ! -d "$old/.git" ] && [ ! -f "$old/.git" ]; then
  git worktree add --detach "$old" "$old_rev" >/dev/null
else
  git -C "$old" checkout --detach --quiet "$old_rev"
fi

presets=(release libfuzzer-nosan)
[ "$asan" = 1 ] && presets+=(libfuzzer)
[ "$afl" = 1 ] && presets+=(afl)
for tree in "$old" "$root"; do
  for preset in "${presets[@]}"; do
    echo "=== bench-fuzz: build $preset in $tree" >&2
    targets=(fuzz_differential_replay fuzz_thing_replay)
    [ "$preset" != release ] && targets+=(fuzz_differential fuzz_thing)
    [ "$preset" = afl ] && targets+=(fuzz_mutator_afl)
    (cd "$tree" && cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" --target "${targets[@]}" >/dev/null)
  done
done

table="$out/table.md"
{
  echo "| measure | target | old ($old_rev) | new ($(git rev-parse --short HEAD)) | new/old |"
  echo "|---|---|---|---|---|"
} >"$table"
row() { # measure target old new
  ratio=$(awk -v o="$2" -v n="$3" 'BEGIN { if (o > 0) printf "%.1fx", n / o; else print "-" }')
  echo "| $1 | $4 | $2 | $3 | $ratio |" >>"$table"
}

# --- 1. the engine-free replay driver -------------------------------------------------------
fixed="$out/fixed-corpus"
rm -rf "$fixed"
mkdir -p "$fixed/differential" "$fixed/thing"
for target in differential thing; do
  for f in corpus/seeds/"$target"/*.bin; do
    # v1 files only: the old code reads a v2 file as v1, which would be another input.
    if [ "$(head -c1 "$f" | od -An -tu1 | tr -d ' ')" = 1 ]; then cp "$f" "$fixed/$target/"; fi
  done
done
replay_rate() { # binary dir
  local args=() start end n
  for _ in $(seq "$rounds"); do args+=("$2"); done
  n=$(( $(find "$2" -name '*.bin' | wc -l) * rounds ))
  start=$(date +%s.%N)
  "$1" "${args[@]}" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }'
}
for target in differential thing; do
  echo "=== bench-fuzz: replay driver, $target" >&2
  o=$(replay_rate "$old/build/release/fuzz/fuzz_${target}_replay" "$fixed/$target")
  n=$(replay_rate "$root/build/release/fuzz/fuzz_${target}_replay" "$fixed/$target")
  row "replay driver, inputs/s ($(find "$fixed/$target" -name '*.bin' | wc -l) seeds x $rounds)" "$o" "$n" "$target"
done

# --- 2. libFuzzer ------------------------------------------------------------------------------
libfuzzer_run() { # tree preset target core logfile
  local dir
  dir="$out/run-$(basename "$1")-$2-$3"
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  cp "$1/corpus/seeds/$3"/*.bin "$dir/corpus/"
  (cd "$dir" && env -u FEALLOC_IGNORE FEALLOC_IGNORE="$([ "$3" = thing ] && echo thing-4.1,thing-4.2,thing-4.3,thing-4.4,thing-opt-u32)" \
      taskset -c "$4" "$1/build/$2/fuzz/fuzz_$3" -max_total_time="$seconds" -seed=1 -dict="$1/fuzz/fealloc.dict" \
      -print_final_stats=1 corpus >"$5" 2>&1) || true
}
lf_stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }
lf_ft() { grep -oE 'ft: [0-9]+' "$1" | tail -1 | sed 's/ft: //'; }
lf_presets=(libfuzzer-nosan)
[ "$asan" = 1 ] && lf_presets+=(libfuzzer)
for preset in "${lf_presets[@]}"; do
  for target in differential thing; do
    echo "=== bench-fuzz: libFuzzer $preset fuzz_$target, $seconds s, old and new side by side" >&2
    libfuzzer_run "$old" "$preset" "$target" 0 "$out/lf-old-$preset-$target.log" &
    libfuzzer_run "$root" "$preset" "$target" 1 "$out/lf-new-$preset-$target.log"
    wait
    lo="$out/lf-old-$preset-$target.log"
    ln="$out/lf-new-$preset-$target.log"
    row "libFuzzer $preset, exec/s" "$(lf_stat "$lo" average_exec_per_sec)" "$(lf_stat "$ln" average_exec_per_sec)" "$target"
    row "libFuzzer $preset, features (ft) after ${seconds}s" "$(lf_ft "$lo")" "$(lf_ft "$ln")" "$target"
  done
done

# --- 3. AFL++ -----------------------------------------------------------------------------------
afl_run() { # tree target outdir
  rm -rf "$3"
  mkdir -p "$3/seeds"
  cp "$1/corpus/seeds/$2"/*.bin "$3/seeds/"
  env -u FEALLOC_IGNORE FEALLOC_IGNORE="$([ "$2" = thing ] && echo thing-4.1,thing-4.2,thing-4.3,thing-4.4,thing-opt-u32)" \
    AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_CUSTOM_MUTATOR_LIBRARY="$1/build/afl/fuzz/libfuzz_mutator_afl.so" FEALLOC_MUTATOR_TARGET="$2" \
    "${afl_sanitizer_env[@]}" \
    timeout $((seconds + 120)) afl-fuzz -i "$3/seeds" -o "$3/out" -x "$1/fuzz/fealloc.dict" -V "$seconds" \
    -- "$1/build/afl/fuzz/fuzz_$2" >"$3.log" 2>&1 || true
}
afl_stat() { awk -F' *: *' -v k="$2" '$1 == k {print $2}' "$1/out/default/fuzzer_stats" 2>/dev/null; }
if [ "$afl" = 1 ]; then
  for target in differential thing; do
    echo "=== bench-fuzz: AFL++ (ASan) fuzz_$target, $seconds s, old and new side by side" >&2
    afl_run "$old" "$target" "$out/afl-old-$target" &
    afl_run "$root" "$target" "$out/afl-new-$target"
    wait
    row "AFL++ asan, exec/s per instance" "$(afl_stat "$out/afl-old-$target" execs_per_sec)" \
        "$(afl_stat "$out/afl-new-$target" execs_per_sec)" "$target"
  done
fi

cat "$table"
