#!/usr/bin/env bash
# The README's main command: builds what is needed and fuzzes a target on all cores for a bounded
# time, then prints a summary: executions, coverage, divergences grouped by signature, and for
# each the exact command that reproduces it.
#
#   scripts/fuzz.sh [--minutes N | --seconds N] [--engine libfuzzer|afl] [--target differential|thing|trace|evm]
#                   [--jobs N] [--sanitizers on|off] [--out DIR] [--ignore SIG,...] [--merge | --triage]
#
# Defaults: 10 minutes, libFuzzer, fuzz_differential, all cores, sanitizers on, out/fuzz.
# --ignore: fuzz_differential/fuzz_thing: signatures or known ids (thing-4.1 ...) that are not
# crashes (FEALLOC_IGNORE; fuzz_thing ignores the known deviations when it is not given);
# fuzz_trace: property ids to leave unchecked (FEALLOC_TRACE_IGNORE, e.g. messages).
# --target evm: fuzz_differential on optimized against the party evm (tiny_alloc.yul on a real
# EVM, FEALLOC_FUZZ_PARTIES=optimized,evm), libFuzzer only, 1 job by default (each job runs a node
# process); about 16 exec/s with ASan+UBSan.
# The campaign's results go back into the repository with (no fuzzing; the campaign directory
# OUT/ENGINE-TARGET of an earlier run, e.g. after `--seconds 60`):
#   --merge [--counters]  its corpus distilled into corpus/seeds/TARGET/: only inputs that add coverage
#             (libFuzzer -merge=1: new edges, or any new feature with --counters; an AFL++ queue
#             through afl-cmin first), canonical, each with its .trace; prints the seeds' count
#             and libFuzzer's cov/ft before and after
#   --triage  its crashes grouped by signature; each signature not yet in corpus/findings/TARGET/
#             goes there minimized, with its .trace and .signature
# (scripts/corpus-merge.sh and scripts/triage.sh do the work; a run at a terminal offers both.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

minutes=10
engine=libfuzzer
target=differential
jobs=$(nproc)
sanitizers=on
out="$root/out/fuzz"
ignore=""
action=run
merge_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --seconds) seconds_override=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --jobs) jobs=$2; jobs_override=$2; shift 2 ;;
    --sanitizers) sanitizers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --ignore) ignore=$2; shift 2 ;;
    --merge) action=merge; shift ;;
    --triage) action=triage; shift ;;
    --counters) merge_args+=(--counters); shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$engine" in libfuzzer|afl) ;; *) echo "fuzz.sh: --engine is libfuzzer or afl" >&2; exit 2 ;; esac
case "$target" in differential|thing|trace|evm) ;; *) echo "fuzz.sh: --target is differential, thing, trace or evm" >&2; exit 2 ;; esac
if [ "$target" = evm ]; then
  [ "$engine" = libfuzzer ] || { echo "fuzz.sh: --target evm runs with --engine libfuzzer only" >&2; exit 2; }
  # the same binary as differential, other parties; repro and minimize read the same variable
  export FEALLOC_FUZZ_PARTIES=optimized,evm
  target=differential
  run_name=evm
  jobs=${jobs_override:-1}
fi
run_name=${run_name:-$target}
seconds=${seconds_override:-$((minutes * 60))}
case "$sanitizers" in on|off) ;; *) echo "fuzz.sh: --sanitizers is on or off" >&2; exit 2 ;; esac
if [ "$action" != run ]; then
  # The campaign directory of an earlier run with the same --out, --engine and --target.
  campaign="$out/$engine-$run_name"
  preset_args=("${merge_args[@]}")
  [ "$sanitizers" = off ] && preset_args+=(--preset libfuzzer-nosan)
  if [ "$action" = merge ]; then
    exec "$root/scripts/corpus-merge.sh" --target "$target" "${preset_args[@]}" "$campaign"
  fi
  exec "$root/scripts/triage.sh" --target "$target" "$campaign"
fi

scripts/install-deps.sh
preset=$engine
[ "$engine" = libfuzzer ] && [ "$sanitizers" = off ] && preset=libfuzzer-nosan
# fuzz_trace's inputs are traces (corpus/seeds/trace/*.trace) with a dictionary of their own;
# its crashes are grouped by the engine-free replay driver's `signature: trace|PROPERTY` line.
# The differential targets fuzz binaries (the .trace beside each is its readable form), with the
# structure-aware AFL++ mutator, and `fealloc repro` groups their crashes.
seed_ext=bin
dict="$root/fuzz/fealloc.dict"
dev_target=fealloc
extra_flags=()
if [ "$target" = trace ]; then
  seed_ext=trace
  dict="$root/fuzz/trace.dict"
  dev_target=fuzz_trace_replay
  extra_flags=(-max_len=4096)
fi
echo "=== building ($preset, and dev for $dev_target)"
build_targets=("fuzz_$target")
[ "$engine" = afl ] && [ "$target" != trace ] && build_targets+=(fuzz_mutator_afl)
cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" --target "${build_targets[@]}" >/dev/null
cmake --preset dev >/dev/null && cmake --build --preset dev --target "$dev_target" >/dev/null
binary="$root/build/$preset/fuzz/fuzz_$target"
fealloc="$root/build/dev/fealloc"

run_dir="$out/$engine-$run_name"
corpus_dir="$run_dir/corpus"
crash_dir="$run_dir/crashes"
mkdir -p "$corpus_dir" "$crash_dir"
# The seed directories keep each binary's readable trace beside it: only the binaries are inputs
# (fuzz_trace: the traces are).
cp -n "$root/corpus/seeds/$target"/*."$seed_ext" "$corpus_dir/"
if [ "$target" = trace ]; then
  export FEALLOC_TRACE_IGNORE="$ignore"
else
  export FEALLOC_IGNORE="$ignore"
fi
echo "=== fuzzing fuzz_$target with $engine on $jobs job(s) for $seconds s (output in $run_dir)"

if [ "$engine" = libfuzzer ]; then
  # -fork keeps going after a crash (-ignore_crashes) so one run can find several divergences.
  log="$run_dir/libfuzzer.log"
  (
    cd "$run_dir"
    "$binary" -fork="$jobs" -ignore_crashes=1 -max_total_time="$seconds" \
      -dict="$dict" -artifact_prefix="$crash_dir/" -print_final_stats=1 -print_funcs=0 "${extra_flags[@]}" \
      "$corpus_dir" 2>&1 | tee "$log" |
      grep --line-buffered -E '#[0-9]+: cov:|INFO: fuzzed|==ERROR|DIVERGENCE|property .* violated' || true
  )
  summary_execs=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  echo "=== summary"
  echo "last status: ${summary_execs:-none}"
else
  export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
  # The structure-aware mutator (fuzz/mutator.hpp) next to AFL++'s own mutations.
  mutator_lib="$root/build/$preset/fuzz/libfuzz_mutator_afl.so"
  if [ "$target" != trace ] && [ -f "$mutator_lib" ]; then
    export AFL_CUSTOM_MUTATOR_LIBRARY="$mutator_lib" FEALLOC_MUTATOR_TARGET="$target"
  fi
  seeds="$run_dir/seeds"
  mkdir -p "$seeds"
  cp "$corpus_dir"/* "$seeds/"
  pids=()
  for i in $(seq 1 "$jobs"); do
    role="-S s$i"
    [ "$i" = 1 ] && role="-M main"
    # shellcheck disable=SC2086
    afl-fuzz $role -i "$seeds" -o "$run_dir/afl" -x "$dict" -V "$seconds" -- "$binary" \
      >"$run_dir/afl-$i.log" 2>&1 &
    pids+=($!)
  done
  # Progress every 30 s until all instances stop: AFL++'s own summary of the instances.
  while kill -0 "${pids[@]}" 2>/dev/null; do
    sleep 30
    afl-whatsup -s -d "$run_dir/afl" 2>/dev/null | grep -E 'Fuzzers alive|Total execs|Cumulative speed|Crashes saved|Coverage reached' || true
  done
  wait || true
  find "$run_dir/afl" -path '*/crashes/id:*' -exec cp {} "$crash_dir/" \; 2>/dev/null || true
  echo "=== summary"
  afl-whatsup -s -d "$run_dir/afl" 2>/dev/null || true
fi

# Group every crash file by its divergence signature, with one reproduction command each.
replay="$root/build/dev/fuzz/fuzz_trace_replay"
signature_of() {
  if [ "$target" = trace ]; then
    # The replay driver aborts on a violated property, which is the point here, not an error (the
    # subshell keeps the shell's "Aborted" notice out of the output).
    { ("$replay" "$1" 2>&1; true) 2>/dev/null; } | sed -n 's/^signature: //p' | head -1
  else
    # repro exits 1 when the file diverges, which is the point here, not an error.
    { "$fealloc" repro --target "$target" "$1" 2>/dev/null || true; } | sed -n 's/^signature: //p' | head -1
  fi
}
declare -A count=() example=()
for f in "$crash_dir"/*; do
  [ -f "$f" ] || continue
  sig=$(signature_of "$f")
  [ -n "$sig" ] || sig="(no divergence on replay: $(basename "$f"))"
  count[$sig]=$(( ${count[$sig]:-0} + 1 ))
  [ -n "${example[$sig]:-}" ] || example[$sig]=$f
done
# Bringing the results home: offered at a terminal, else printed.
offer() {  # ACTION WHAT
  local command="scripts/fuzz.sh --$1 --engine $engine --target $target --out $out"
  [ "$sanitizers" = off ] && command="$command --sanitizers off"
  if [ -t 0 ] && [ -t 1 ]; then
    local answer=""
    read -r -p "$2 now ($command)? [y/N] " answer || true
    case "$answer" in y|Y|yes) "$root/scripts/fuzz.sh" "--$1" --engine "$engine" --target "$target" --out "$out" --sanitizers "$sanitizers" || true ;; esac
  else
    echo "$2: $command"
  fi
}
offer merge "distill the corpus into corpus/seeds/$target"
if [ ${#count[@]} -eq 0 ]; then
  echo "divergences: none"
  exit 0
fi
echo "divergences by signature:"
for sig in "${!count[@]}"; do
  echo "  ${count[$sig]} x $sig"
  if [ "$target" = trace ]; then
    echo "     reproduce: $replay ${example[$sig]}"
    echo "     minimize:  FEALLOC_TRACE_IGNORE=$ignore $binary -minimize_crash=1 -max_total_time=30 ${example[$sig]}   (libFuzzer build)"
  else
    echo "     reproduce: $fealloc repro --target $target ${example[$sig]}"
    echo "     minimize:  $fealloc minimize --target $target ${example[$sig]}"
  fi
done
offer triage "minimize each new signature into corpus/findings/$target"
exit 1
