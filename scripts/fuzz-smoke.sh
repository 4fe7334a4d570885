#!/usr/bin/env bash
# CI's fuzzing smoke test: fuzz_differential for a short fixed time with each engine, one after
# the other, from the seeds (corpus/seeds/differential/*.bin) with the dictionary, then fuzz_trace
# (the trace parser; corpus/seeds/trace/*.trace, fuzz/trace.dict) more briefly the same way:
#   libFuzzer (libfuzzer preset, ASan+UBSan): -max_total_time=N
#   AFL++     (afl preset, ASan+UBSan, persistent mode, test cases through shared memory): -V N
# Last, fuzz_differential on optimized against the party evm (tiny_alloc.yul on a real EVM,
# FEALLOC_FUZZ_PARTIES=optimized,evm) with libFuzzer, from three small seeds: each execution drives
# a node process, so this runs at tens of executions a second and only shows that it works.
# Prints each run's executions and exec/s. Fails (exit 1) if any run found a crash, printing
# `fealloc repro` of it (build/dev/fealloc; fuzz_trace: build/dev/fuzz/fuzz_trace_replay), or if
# an engine did not run.
#
#   scripts/fuzz-smoke.sh [--seconds N] [--trace-seconds M] [--evm-seconds E]
#     N: fuzz_differential, per engine, default 60; M: fuzz_trace, per engine, default 15 (0: skip);
#     E: fuzz_differential on optimized,evm, libFuzzer only, default 20 (0: skip)
#     output in out/fuzz-smoke
#
# fuzz_trace checks every property unless the environment sets FEALLOC_TRACE_IGNORE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/afl-sanitizer-env.sh
source "$root/scripts/afl-sanitizer-env.sh"
cd "$root"

seconds=60
trace_seconds=15
evm_seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --trace-seconds) trace_seconds=$2; shift 2 ;;
    --evm-seconds) evm_seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "fuzz-smoke.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
trace_ignore=${FEALLOC_TRACE_IGNORE-}

targets=(differential)
[ "$trace_seconds" -gt 0 ] && targets+=(trace)
scripts/install-deps.sh
echo "=== fuzz-smoke: build (libfuzzer, afl: ${targets[*]/#/fuzz_}; dev: fealloc, fuzz_trace_replay)"
for preset in libfuzzer afl; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target "${targets[@]/#/fuzz_}"
done
cmake --preset dev >/dev/null
cmake --build --preset dev --target fealloc fuzz_trace_replay
fealloc="$root/build/dev/fealloc"
trace_replay="$root/build/dev/fuzz/fuzz_trace_replay"

out="$root/out/fuzz-smoke"
rm -rf "$out"
problems=()
crashes=()  # TARGET:ENGINE:FILE

# The seeds of a target, copied to $out/TARGET/seeds: the differential seed directory keeps each
# binary's readable .trace beside it, and only the .bin files are inputs; fuzz_trace's inputs are
# the traces.
prepare() {  # TARGET
  local ext=bin
  [ "$1" = trace ] && ext=trace
  mkdir -p "$out/$1/seeds" "$out/$1/libfuzzer/corpus" "$out/$1/libfuzzer/crashes"
  cp corpus/seeds/"$1"/*."$ext" "$out/$1/seeds/"
  cp "$out/$1"/seeds/* "$out/$1/libfuzzer/corpus/"
}
dict_of() {  # TARGET
  if [ "$1" = trace ]; then echo "$root/fuzz/trace.dict"; else echo "$root/fuzz/fealloc.dict"; fi
}

# One libFuzzer session in DIR (it holds corpus/, crashes/ and the log): runs the command after
# DICT (environment assignments, then the fuzz target), prints its executions and exec/s, files
# its crash files under KEY and records a problem if it exited without one. Leaves the number of
# executions in `execs` for the caller's own check.
libfuzzer_session() {  # LABEL KEY DIR SECONDS DICT [NAME=VALUE...] TARGET
  local label=$1 key=$2 dir=$3 secs=$4 dict=$5 status=0 start rate cov f
  shift 5
  start=$SECONDS
  (cd "$dir" && env -u FEALLOC_IGNORE "$@" -max_total_time="$secs" -dict="$dict" \
      -artifact_prefix="$dir/crashes/" -print_final_stats=1 corpus) >"$dir/log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  if [ -z "$execs" ]; then
    # No final stats (a crash): the last status line.
    execs=$(grep -oE '^#[0-9]+' "$dir/log" | tail -1 | tr -d '#')
    rate=$(grep -oE 'exec/s: [0-9]+' "$dir/log" | tail -1 | sed 's/exec\/s: //')
  fi
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$dir/log" | tail -1 || true)
  echo "$label: ${execs:-0} executions, ${rate:-0} exec/s, $((SECONDS - start)) s (${cov:-no coverage line}; exit $status)"
  for f in "$dir"/crashes/*; do
    if [ -f "$f" ]; then crashes+=("$key:libFuzzer:$f"); fi
  done
  if [ "$status" != 0 ] && ! compgen -G "$dir/crashes/*" >/dev/null; then
    tail -30 "$dir/log"
    problems+=("$label exited with $status without a crash file")
  fi
}

run_libfuzzer() {  # TARGET SECONDS
  local target=$1 secs=$2 dir="$out/$1/libfuzzer" execs seeds
  echo "=== fuzz-smoke: libFuzzer, fuzz_$target, $secs s"
  libfuzzer_session "libFuzzer (fuzz_$target)" "$target" "$dir" "$secs" "$(dict_of "$target")" \
    FEALLOC_TRACE_IGNORE="$trace_ignore" "$root/build/libfuzzer/fuzz/fuzz_$target"
  seeds=("$out/$target"/seeds/*)
  if [ "${execs:-0}" -le "${#seeds[@]}" ]; then
    problems+=("libFuzzer (fuzz_$target) ran no more than its seeds (${execs:-0} executions)")
  fi
}

run_afl() {  # TARGET SECONDS
  local target=$1 secs=$2 status=0 start stats f
  echo "=== fuzz-smoke: AFL++, fuzz_$target, $secs s"
  start=$SECONDS
  # AFL_NO_AFFINITY: do not ask for a free core (a busy CI machine may have none); the sanitizer
  # options are scripts/afl-sanitizer-env.sh's.
  (env -u FEALLOC_IGNORE FEALLOC_TRACE_IGNORE="$trace_ignore" AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 \
      AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 "${afl_sanitizer_env[@]}" \
      timeout $((secs + 120)) afl-fuzz -i "$out/$target/seeds" -o "$out/$target/afl" -x "$(dict_of "$target")" \
      -V "$secs" -- "$root/build/afl/fuzz/fuzz_$target") >"$out/$target/afl.log" 2>&1 || status=$?
  stats=$out/$target/afl/default/fuzzer_stats
  if [ -f "$stats" ]; then
    afl_stat() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
    # AFL++'s own summary (afl-whatsup), and its coverage line from the instance's stats.
    echo "AFL++: $((SECONDS - start)) s, exit $status"
    afl-whatsup -s -d "$out/$target/afl" 2>/dev/null | grep -E 'Total execs|Cumulative speed|Crashes saved' || true
    echo "  corpus $(afl_stat corpus_count), coverage $(afl_stat bitmap_cvg), hangs $(afl_stat saved_hangs)"
    [ "$(afl_stat execs_done)" -gt 0 ] || problems+=("AFL++ (fuzz_$target) made no executions")
  else
    tail -30 "$out/$target/afl.log"
    problems+=("AFL++ (fuzz_$target) wrote no fuzzer_stats (exit $status)")
  fi
  [ "$status" = 0 ] || { tail -30 "$out/$target/afl.log"; problems+=("afl-fuzz (fuzz_$target) exited with $status"); }
  for f in "$out/$target"/afl/*/crashes/id:*; do
    if [ -f "$f" ]; then crashes+=("$target:AFL++:$f"); fi
  done
}

# How a crash file of TARGET is shown: `fealloc repro` (exits 1 on a divergence) or, for
# fuzz_trace, the replay driver (aborts on a violated property; the subshell keeps the shell's
# "Aborted" notice out of the output).
repro_command() {  # TARGET FILE
  case "$1" in
    trace) echo "$trace_replay '$2'" ;;
    evm) echo "FEALLOC_FUZZ_PARTIES=optimized,evm $fealloc repro --target differential '$2'" ;;
    *) echo "$fealloc repro --target $1 '$2'" ;;
  esac
}
repro() {  # TARGET FILE
  case "$1" in
    trace) ("$trace_replay" "$2" 2>&1; true) 2>/dev/null ;;
    evm) FEALLOC_FUZZ_PARTIES=optimized,evm "$fealloc" repro --target differential "$2" 2>&1 || true ;;
    *) "$fealloc" repro --target "$1" "$2" 2>&1 || true ;;
  esac
}

run_evm() {  # SECONDS
  local secs=$1 dir="$out/evm/libfuzzer" execs
  echo "=== fuzz-smoke: libFuzzer, fuzz_differential on optimized,evm, $secs s"
  mkdir -p "$dir/corpus" "$dir/crashes"
  cp corpus/seeds/differential/{spec-example,split-merge,realloc-paths}.bin "$dir/corpus/"
  libfuzzer_session "libFuzzer (optimized,evm)" evm "$dir" "$secs" "$root/fuzz/fealloc.dict" \
    FEALLOC_FUZZ_PARTIES=optimized,evm "$root/build/libfuzzer/fuzz/fuzz_differential"
  [ "${execs:-0}" -gt 3 ] || problems+=("libFuzzer (optimized,evm) ran no more than its seeds (${execs:-0} executions)")
}

for target in "${targets[@]}"; do
  prepare "$target"
  secs=$seconds
  [ "$target" = trace ] && secs=$trace_seconds
  [ "$target" = trace ] && echo "=== fuzz-smoke: fuzz_trace with FEALLOC_TRACE_IGNORE=$trace_ignore"
  run_libfuzzer "$target" "$secs"
  run_afl "$target" "$secs"
done
[ "$evm_seconds" -gt 0 ] && run_evm "$evm_seconds"

# --- the verdict ------------------------------------------------------------------------------
if [ ${#crashes[@]} -gt 0 ]; then
  # Group the crash files by target and signature, then show the whole reproduction of one file
  # per signature.
  declare -A count example
  order=()
  for c in "${crashes[@]}"; do
    target=${c%%:*}
    file=${c#*:*:}
    sig=$(repro "$target" "$file" | sed -n '/^signature: /{s///p;q}')
    [ -n "$sig" ] || sig="(no divergence on replay)"
    key="fuzz_$target: $sig"
    if [ -z "${count[$key]:-}" ]; then
      count[$key]=0 example[$key]=$c
      order+=("$key")
    fi
    n=${count[$key]}
    count[$key]=$((n + 1))
  done
  echo "=== fuzz-smoke: ${#crashes[@]} crash file(s), ${#order[@]} signature(s)"
  for key in "${order[@]}"; do
    c=${example[$key]#*:}
    echo "  ${count[$key]} x $key   (e.g. ${c%%:*}: ${c#*:})"
  done
  for key in "${order[@]}"; do
    target=${example[$key]%%:*}
    file=${example[$key]#*:*:}
    echo "--- $key"
    echo "\$ $(repro_command "$target" "$file")"
    repro "$target" "$file"
  done
  problems+=("${#crashes[@]} crash file(s) found (${#order[@]} signature(s)); all in $out")
fi
if [ ${#problems[@]} -gt 0 ]; then
  printf 'fuzz-smoke: FAIL: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "=== fuzz-smoke: OK (no crash; output in $out)"
