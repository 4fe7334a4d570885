#!/usr/bin/env bash
# CI's fuzzing smoke test: fuzz_differential for a short fixed time with each engine, one after
# the other, from the seeds (corpus/seeds/differential/*.bin) with the dictionary:
#   libFuzzer (libfuzzer preset, ASan+UBSan): -max_total_time=60
#   AFL++     (afl preset, ASan+UBSan, persistent mode, test cases through shared memory): -V 60
# Prints each engine's executions and exec/s. Fails (exit 1) if either engine found a crash,
# printing `fealloc repro` of it (build/dev/fealloc), or if an engine did not run.
#
#   scripts/fuzz-smoke.sh [--seconds N]      (N per engine, default 60; output in out/fuzz-smoke)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=60
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "fuzz-smoke.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
echo "=== fuzz-smoke: build (libfuzzer, afl: fuzz_differential; dev: fealloc)"
for preset in libfuzzer afl; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target fuzz_differential
done
cmake --preset dev >/dev/null
cmake --build --preset dev --target fealloc
fealloc="$root/build/dev/fealloc"
dict="$root/fuzz/fealloc.dict"

out="$root/out/fuzz-smoke"
rm -rf "$out"
mkdir -p "$out/seeds" "$out/libfuzzer/corpus" "$out/libfuzzer/crashes"
# The seed directory keeps each binary's readable .trace beside it: only the .bin files are inputs.
cp corpus/seeds/differential/*.bin "$out/seeds/"
cp "$out"/seeds/*.bin "$out/libfuzzer/corpus/"
problems=()
crashes=()

# --- libFuzzer --------------------------------------------------------------------------------
echo "=== fuzz-smoke: libFuzzer, fuzz_differential, $seconds s"
start=$SECONDS
lf_status=0
(cd "$out/libfuzzer" && env -u FEALLOC_IGNORE "$root/build/libfuzzer/fuzz/fuzz_differential" \
    -max_total_time="$seconds" -dict="$dict" -artifact_prefix="$out/libfuzzer/crashes/" \
    -print_final_stats=1 corpus) >"$out/libfuzzer/log" 2>&1 || lf_status=$?
lf_time=$((SECONDS - start))
lf_execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/libfuzzer/log" | tail -1)
lf_rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/libfuzzer/log" | tail -1)
if [ -z "$lf_execs" ]; then
  # No final stats (a crash): the last status line.
  lf_execs=$(grep -oE '^#[0-9]+' "$out/libfuzzer/log" | tail -1 | tr -d '#')
  lf_rate=$(grep -oE 'exec/s: [0-9]+' "$out/libfuzzer/log" | tail -1 | sed 's/exec\/s: //')
fi
lf_cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$out/libfuzzer/log" | tail -1 || true)
echo "libFuzzer: ${lf_execs:-0} executions, ${lf_rate:-0} exec/s, ${lf_time} s (${lf_cov:-no coverage line}; exit $lf_status)"
for f in "$out"/libfuzzer/crashes/*; do
  if [ -f "$f" ]; then crashes+=("libFuzzer:$f"); fi
done
if [ "$lf_status" != 0 ] && ! compgen -G "$out/libfuzzer/crashes/*" >/dev/null; then
  tail -30 "$out/libfuzzer/log"
  problems+=("libFuzzer exited with $lf_status without a crash file")
fi
seeds=("$out"/seeds/*.bin)
if [ "${lf_execs:-0}" -le "${#seeds[@]}" ]; then
  problems+=("libFuzzer ran no more than its seeds (${lf_execs:-0} executions)")
fi

# --- AFL++ ------------------------------------------------------------------------------------
echo "=== fuzz-smoke: AFL++, fuzz_differential, $seconds s"
start=$SECONDS
afl_status=0
# AFL_NO_AFFINITY: do not ask for a free core (a busy CI machine may have none). ASan/UBSan must
# abort (not exit) on an error for afl-fuzz to see a crash; no symbolizing in the fuzzed process.
(env -u FEALLOC_IGNORE AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 \
    UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:symbolize=0 \
    timeout $((seconds + 120)) afl-fuzz -i "$out/seeds" -o "$out/afl" -x "$dict" -V "$seconds" \
    -- "$root/build/afl/fuzz/fuzz_differential") >"$out/afl.log" 2>&1 || afl_status=$?
afl_time=$((SECONDS - start))
stats=$out/afl/default/fuzzer_stats
if [ -f "$stats" ]; then
  afl_stat() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
  echo "AFL++: $(afl_stat execs_done) executions, $(afl_stat execs_per_sec) exec/s, ${afl_time} s" \
       "(corpus $(afl_stat corpus_count), coverage $(afl_stat bitmap_cvg), crashes $(afl_stat saved_crashes)," \
       "hangs $(afl_stat saved_hangs); exit $afl_status)"
  [ "$(afl_stat execs_done)" -gt 0 ] || problems+=("AFL++ made no executions")
else
  tail -30 "$out/afl.log"
  problems+=("AFL++ wrote no fuzzer_stats (exit $afl_status)")
fi
[ "$afl_status" = 0 ] || { tail -30 "$out/afl.log"; problems+=("afl-fuzz exited with $afl_status"); }
for f in "$out"/afl/*/crashes/id:*; do
  if [ -f "$f" ]; then crashes+=("AFL++:$f"); fi
done

# --- the verdict ------------------------------------------------------------------------------
if [ ${#crashes[@]} -gt 0 ]; then
  # Group the crash files by divergence signature (`fealloc repro` exits 1 on a divergence), then
  # show the whole `fealloc repro` of one file per signature.
  declare -A count example
  order=()
  for c in "${crashes[@]}"; do
    file=${c#*:}
    sig=$({ "$fealloc" repro --target differential "$file" 2>/dev/null || true; } | sed -n '/^signature: /{s///p;q}')
    [ -n "$sig" ] || sig="(no divergence on replay)"
    if [ -z "${count[$sig]:-}" ]; then
      count[$sig]=0 example[$sig]=$c
      order+=("$sig")
    fi
    n=${count[$sig]}
    count[$sig]=$((n + 1))
  done
  echo "=== fuzz-smoke: ${#crashes[@]} crash file(s), ${#order[@]} signature(s)"
  for sig in "${order[@]}"; do
    echo "  ${count[$sig]} x $sig   (e.g. ${example[$sig]%%:*}: ${example[$sig]#*:})"
  done
  for sig in "${order[@]}"; do
    file=${example[$sig]#*:}
    echo "--- $sig"
    echo "\$ $fealloc repro --target differential '$file'"
    "$fealloc" repro --target differential "$file" 2>&1 || true
  done
  problems+=("${#crashes[@]} crash file(s) found (${#order[@]} signature(s)); all in $out")
fi
if [ ${#problems[@]} -gt 0 ]; then
  printf 'fuzz-smoke: FAIL: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "=== fuzz-smoke: OK (no crash; output in $out)"
