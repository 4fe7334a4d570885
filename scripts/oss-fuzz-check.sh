#!/usr/bin/env bash
# Runs the OSS-Fuzz / ClusterFuzzLite build (oss-fuzz/build.sh = .clusterfuzzlite/build.sh: the
# CMake build with FEALLOC_FUZZ_ENGINE=external) the way OSS-Fuzz's `compile` does, on this
# machine and without docker, for each engine and sanitizer it is given, then checks what it left
# in $OUT and runs each fuzz target briefly from its seeds, with its options, as ClusterFuzz would.
#
#   scripts/oss-fuzz-check.sh [--keep] [--only ENGINE/SANITIZER,...]
#     builds (default all): libfuzzer/address libfuzzer/undefined afl/address
#     --keep: leave the temporary SRC/WORK/OUT directories in place
#
# honggfuzz, the third engine of oss-fuzz/project.yaml, is not checked: Debian bookworm has no
# honggfuzz package (docs/decisions.md, "OSS-Fuzz through CMake").
#
# Each build gets only what OSS-Fuzz sets (nothing of the caller's environment): CC, CXX, CFLAGS
# and CXXFLAGS with OSS-Fuzz's flags for the sanitizer ($SANITIZER_FLAGS_*) and the engine
# ($COVERAGE_FLAGS), LIB_FUZZING_ENGINE, FUZZING_ENGINE, SANITIZER, SRC, WORK, OUT. SRC is a
# temporary directory with $SRC/fealloc a link to this repository and $SRC/build.sh a copy of
# oss-fuzz/build.sh. Fails (exit 1) on any problem: a build error or warning, a missing or
# malformed file in $OUT, a target without the custom mutator (libFuzzer), a target that crashes
# on its seeds or in a short run from them, the trace parser not instrumented in fuzz_trace or its
# oracle instrumented, fuzz_thing not ignoring the known deviations by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/afl-sanitizer-env.sh
source "$root/scripts/afl-sanitizer-env.sh"
cd "$root"

keep=0
only="libfuzzer/address,libfuzzer/undefined,afl/address"
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --only) [ $# -ge 2 ] || { echo "oss-fuzz-check: --only needs ENGINE/SANITIZER,..." >&2; exit 2; }
            only=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "oss-fuzz-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
IFS=, read -r -a builds <<<"$only"
for b in "${builds[@]}"; do
  case "$b" in
    libfuzzer/address|libfuzzer/undefined|afl/address|afl/undefined) ;;
    *) echo "oss-fuzz-check: unknown build '$b' (libfuzzer|afl)/(address|undefined)" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh

fail() { echo "oss-fuzz-check: FAIL: $*" >&2; exit 1; }

cmp -s oss-fuzz/build.sh .clusterfuzzlite/build.sh ||
  fail "oss-fuzz/build.sh and .clusterfuzzlite/build.sh differ (they are one script)"
grep -q 'FEALLOC_FUZZ_ENGINE=external' oss-fuzz/build.sh || fail "oss-fuzz/build.sh does not use the CMake build"

# fuzz_trace checks every property; the caller's FEALLOC_TRACE_IGNORE may turn some off.
trace_ignore=${FEALLOC_TRACE_IGNORE-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fealloc-oss-fuzz.XXXXXX")
if [ "$keep" = 1 ]; then
  echo "oss-fuzz-check: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

# OSS-Fuzz's flags (infra/base-images/base-clang: CFLAGS, SANITIZER_FLAGS_address,
# SANITIZER_FLAGS_undefined, COVERAGE_FLAGS for libFuzzer; AFL++ instruments by its compiler
# wrapper and adds no coverage flag), with the system clang (the image's own is newer and adds
# -stdlib=libc++).
base_flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
ubsan_checks="array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr"
declare -A sanitizer_flags=(
  [address]="-fsanitize=address -fsanitize-address-use-after-scope"
  [undefined]="-fsanitize=$ubsan_checks,unsigned-integer-overflow -fno-sanitize-recover=$ubsan_checks"
)
# The run-time options ClusterFuzz uses (the parts that matter here).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:halt_on_error=1:abort_on_error=1

# build ENGINE SANITIZER OUT: oss-fuzz/build.sh as OSS-Fuzz's `compile` runs it.
build() {
  local engine=$1 sanitizer=$2 out=$3 src="$tmp/$1-$2/src" work="$tmp/$1-$2/work" flags cc cxx lib
  mkdir -p "$src" "$work" "$out"
  ln -s "$root" "$src/fealloc"
  cp oss-fuzz/build.sh "$src/build.sh"
  flags="$base_flags ${sanitizer_flags[$sanitizer]}"
  if [ "$engine" = libfuzzer ]; then
    cc=clang cxx=clang++ lib=-fsanitize=fuzzer
    flags="$flags -fsanitize=fuzzer-no-link"
  else
    cc=afl-clang-fast cxx=afl-clang-fast++ lib=/usr/lib/afl/libAFLDriver.a
    [ -f "$lib" ] || fail "$lib (AFL++'s libFuzzer-compatible driver) is missing"
  fi
  echo "=== oss-fuzz: $engine/$sanitizer: build.sh (OUT=$out)"
  local start=$SECONDS
  if ! (cd "$src/fealloc" && env -i PATH="$PATH" HOME="${HOME:-/root}" \
        CC="$cc" CXX="$cxx" CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE="$lib" \
        FUZZING_ENGINE="$engine" SANITIZER="$sanitizer" FUZZING_LANGUAGE=c++ ARCHITECTURE=x86_64 \
        AFL_QUIET=1 SRC="$src" WORK="$work" OUT="$out" nice -n 10 bash -eu "$src/build.sh") \
        >"$tmp/$engine-$sanitizer-build.log" 2>&1; then
    tail -60 "$tmp/$engine-$sanitizer-build.log"
    fail "$engine/$sanitizer: build.sh failed"
  fi
  if grep -q 'warning:' "$tmp/$engine-$sanitizer-build.log"; then
    grep -B2 -A6 'warning:' "$tmp/$engine-$sanitizer-build.log" | head -60
    fail "$engine/$sanitizer: build.sh compiled with warnings"
  fi
  echo "built in $((SECONDS - start)) s"
}

# check_out ENGINE SANITIZER OUT: the files of each target, then a short run from its seeds.
check_out() {
  local engine=$1 sanitizer=$2 out=$3 target name bin ext source_dict zip entries seeds e options dict max_len corpus log
  mapfile -t targets < <(sed 's/^fuzz_//' "$tmp/$engine-$sanitizer/work/fealloc-build/fuzz/fuzz-targets.txt")
  [ "${#targets[@]}" -gt 0 ] || fail "no fuzz targets listed by the build"
  for target in "${targets[@]}"; do
    name="fuzz_$target"
    bin="$out/$name"
    [ -x "$bin" ] || fail "$name is missing from \$OUT"
    grep -q LLVMFuzzerTestOneInput "$bin" || fail "$name has no LLVMFuzzerTestOneInput"
    if [ "$sanitizer" = address ]; then
      grep -q __asan_init "$bin" || fail "$name is not built with ASan"
    else
      grep -q __ubsan_handle "$bin" || fail "$name is not built with UBSan"
    fi
    if [ "$target" != trace ] && [ "$engine" = libfuzzer ]; then
      # (Not nm | grep -q: with pipefail, grep stopping early fails the pipeline.)
      nm "$bin" >"$tmp/symbols"
      grep -q ' T LLVMFuzzerCustomMutator$' "$tmp/symbols" || fail "$name does not link the custom mutator"
    fi

    # The differential targets' inputs are the .bin files (a .trace beside each is its readable
    # form); fuzz_trace's inputs are the traces themselves, with a dictionary of its own.
    ext=bin source_dict=fuzz/fealloc.dict
    if [ "$target" = trace ]; then ext=trace source_dict=fuzz/trace.dict; fi
    zip="$out/${name}_seed_corpus.zip"
    [ -f "$zip" ] || fail "${name}_seed_corpus.zip is missing"
    mapfile -t entries < <(unzip -Z1 "$zip")
    seeds=(corpus/seeds/"$target"/*."$ext")
    [ "${#entries[@]}" -eq "${#seeds[@]}" ] ||
      fail "${name}_seed_corpus.zip has ${#entries[@]} files, corpus/seeds/$target has ${#seeds[@]} .$ext files"
    for e in "${entries[@]}"; do
      case "$e" in */*) fail "${name}_seed_corpus.zip: $e is in a directory" ;; *."$ext") ;; *) fail "${name}_seed_corpus.zip holds $e (only .$ext files are inputs)" ;; esac
    done
    cmp -s "$out/$name.dict" "$source_dict" || fail "$name.dict is missing or not $source_dict"
    options="$out/$name.options"
    [ -f "$options" ] || fail "$name.options is missing"
    [ "$(head -1 "$options")" = "[libfuzzer]" ] || fail "$name.options does not start with [libfuzzer]"
    dict=$(sed -n 's/^dict *= *//p' "$options")
    max_len=$(sed -n 's/^max_len *= *//p' "$options")
    [ "$dict" = "$name.dict" ] || fail "$name.options: dict is '$dict', not $name.dict"
    [[ "$max_len" =~ ^[0-9]+$ ]] || fail "$name.options: max_len '$max_len' is not a number"

    corpus="$tmp/$engine-$sanitizer/corpus/$target"
    mkdir -p "$corpus"
    unzip -q "$zip" -d "$corpus"
    log="$tmp/$engine-$sanitizer-$name.log"
    if [ "$engine" = libfuzzer ]; then
      # As ClusterFuzz runs it: from $OUT, the options as flags, on the unzipped seeds (the first
      # pass executes every seed, then it fuzzes from them: at most 1000 runs or 10 s).
      echo "=== oss-fuzz: $engine/$sanitizer: $name -dict=$dict -max_len=$max_len -runs=1000 -max_total_time=10 (${#entries[@]} seeds)"
      if ! (cd "$out" && env -u FEALLOC_IGNORE FEALLOC_TRACE_IGNORE="$trace_ignore" "./$name" -dict="$dict" -max_len="$max_len" \
            -seed=1 -runs=1000 -max_total_time=10 -artifact_prefix="$tmp/$engine-$sanitizer-$name-" "$corpus") >"$log" 2>&1; then
        tail -60 "$log"
        fail "$engine/$sanitizer: $name crashed or failed (artifacts: $tmp/$engine-$sanitizer-$name-*)"
      fi
      grep -q 'INITED' "$log" || { tail -20 "$log"; fail "$name did not load its seeds"; }
      grep -q 'Dictionary: [1-9][0-9]* entries' "$log" || { tail -20 "$log"; fail "$name did not load its dictionary"; }
      grep -E '^#[0-9]+.*(DONE|INITED)|^Done' "$log" | tail -2
    else
      # AFL++ with the dictionary, 5 s from the seeds; afl-fuzz's own summary line.
      echo "=== oss-fuzz: $engine/$sanitizer: afl-fuzz -x $dict -V 5 $name (${#entries[@]} seeds)"
      if ! (cd "$out" && env -u FEALLOC_IGNORE FEALLOC_TRACE_IGNORE="$trace_ignore" AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 \
            AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 "${afl_sanitizer_env[@]}" \
            timeout 120 afl-fuzz -i "$corpus" -o "$tmp/$engine-$sanitizer/afl-$target" -x "$dict" -V 5 -- "./$name") >"$log" 2>&1; then
        tail -30 "$log"
        fail "$engine/$sanitizer: afl-fuzz $name failed"
      fi
      local stats="$tmp/$engine-$sanitizer/afl-$target/default/fuzzer_stats" crashes
      [ -f "$stats" ] || { tail -30 "$log"; fail "afl-fuzz $name wrote no fuzzer_stats"; }
      crashes=$(awk -F' *: *' '$1 == "saved_crashes" {print $2}' "$stats")
      [ "$crashes" = 0 ] || fail "$engine/$sanitizer: afl-fuzz $name saved $crashes crash(es) in $tmp/$engine-$sanitizer/afl-$target"
      afl-whatsup -s -d "$tmp/$engine-$sanitizer/afl-$target" 2>/dev/null | grep -E 'Total execs|Crashes saved|Cumulative speed' || true
    fi
  done
}

# fuzz_trace's coverage: the trace parser instrumented (unlike in the differential targets), its
# oracle not (fuzz/coverage-ignorelist-trace.txt). Counted as the coverage callbacks in the code
# of one function of each.
coverage_calls() {  # BINARY FUNCTION
  local addr="" size=""
  read -r addr size _ < <(nm -S -C "$1" | grep -E " T fealloc::(fuzz::)?$2\(" | head -1) || true
  if [ -z "$addr" ]; then
    echo missing
    return
  fi
  objdump -d --start-address=$((16#$addr)) --stop-address=$((16#$addr + 16#$size)) "$1" |
    grep -cE '__sanitizer_cov|__sancov|__afl' || true
}
check_ignorelists() {  # OUT
  local parser oracle
  parser=$(coverage_calls "$1/fuzz_trace" parse_trace)
  oracle=$(coverage_calls "$1/fuzz_trace" check_trace_input)
  echo "fuzz_trace coverage calls: parse_trace $parser, check_trace_input (oracle) $oracle"
  [[ "$parser" =~ ^[0-9]+$ && "$parser" -gt 0 ]] || fail "fuzz_trace: the trace parser is not instrumented ($parser)"
  [ "$oracle" = 0 ] || fail "fuzz_trace: its oracle is instrumented ($oracle)"
}

# fuzz_thing ignores the known deviations by default (IgnoreList::defaults, the same in every
# build): a spec §4 finding does not crash it, and does once FEALLOC_IGNORE is set to an empty
# list (so the target still crashes on what it finds).
check_thing_default() {  # OUT
  local findings=(corpus/findings/thing/thing-4.1-*.bin) finding
  finding=${findings[0]}
  [ -f "$finding" ] || fail "no corpus/findings/thing/thing-4.1-*.bin"
  (cd "$1" && env -u FEALLOC_IGNORE ./fuzz_thing "$root/$finding") >"$tmp/ignore.log" 2>&1 ||
    { cat "$tmp/ignore.log"; fail "fuzz_thing crashed on a spec §4 deviation (known ids not ignored by default)"; }
  # (The outer braces keep the shell's "Aborted" notice out of the output: aborting is the point.)
  if { (cd "$1" && FEALLOC_IGNORE="" ./fuzz_thing "$root/$finding") >"$tmp/noignore.log" 2>&1; } 2>/dev/null; then
    cat "$tmp/noignore.log"
    fail "fuzz_thing did not crash on $(basename "$finding") with FEALLOC_IGNORE empty"
  fi
  grep -q '^signature: .*thing-4.1' "$tmp/noignore.log" || { cat "$tmp/noignore.log"; fail "fuzz_thing: unexpected report"; }
  echo "fuzz_thing on $(basename "$finding"): ignored by default, crashes with FEALLOC_IGNORE="
}

for b in "${builds[@]}"; do
  engine=${b%/*} sanitizer=${b#*/}
  out="$tmp/$engine-$sanitizer/out"
  build "$engine" "$sanitizer" "$out"
  check_out "$engine" "$sanitizer" "$out"
  check_ignorelists "$out"
  check_thing_default "$out"
done
echo "=== oss-fuzz: OK (${builds[*]})"
