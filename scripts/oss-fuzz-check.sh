#!/usr/bin/env bash
# Runs the OSS-Fuzz / ClusterFuzzLite build (oss-fuzz/build.sh, which hands over to
# .clusterfuzzlite/build.sh) the way OSS-Fuzz's `compile` does for libFuzzer + ASan/UBSan, on this machine
# and without docker, then checks what it left in $OUT and runs each fuzz target for a few seconds.
#
#   scripts/oss-fuzz-check.sh [--keep]      (--keep: leave the temporary SRC/WORK/OUT in place)
#
# SRC is a temporary directory with $SRC/fealloc a link to this repository and $SRC/build.sh a
# copy of the script; WORK and OUT are temporary directories. The environment is what OSS-Fuzz
# sets (and nothing of the caller's, e.g. no CXXFLAGS or FEALLOC_IGNORE). Fails (exit 1) on any
# problem: a build error or warning, a missing or malformed file in $OUT, a target that crashes on
# its seeds or in a short run from them (fuzz_trace: with FEALLOC_TRACE_IGNORE, see below), the
# trace parser not instrumented in fuzz_trace or its oracle instrumented, or fuzz_thing's default
# FEALLOC_IGNORE not working.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep=0
[ "${1:-}" = --keep ] && keep=1

scripts/install-deps.sh

fail() { echo "oss-fuzz-check: FAIL: $*" >&2; exit 1; }

# fuzz_trace checks every property; the caller's FEALLOC_TRACE_IGNORE may turn some off.
trace_ignore=${FEALLOC_TRACE_IGNORE-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fealloc-oss-fuzz.XXXXXX")
if [ "$keep" = 1 ]; then
  echo "oss-fuzz-check: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
SRC="$tmp/src" WORK="$tmp/work" OUT="$tmp/out"
mkdir -p "$SRC" "$WORK" "$OUT"
ln -s "$root" "$SRC/fealloc"

# shellcheck disable=SC2016  # the line's literal text, $SRC unexpanded
grep -q 'exec bash "$SRC/fealloc/.clusterfuzzlite/build.sh"' oss-fuzz/build.sh ||
  fail "oss-fuzz/build.sh must hand over to .clusterfuzzlite/build.sh"
# OSS-Fuzz copies oss-fuzz/build.sh to $SRC/build.sh and runs it: so does this check.
cp oss-fuzz/build.sh "$SRC/build.sh"

# OSS-Fuzz's flags for FUZZING_ENGINE=libfuzzer SANITIZER=address plus undefined, with the
# system clang (the image's own clang is newer and adds -stdlib=libc++).
sanflags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
echo "=== oss-fuzz: build.sh (SRC=$SRC WORK=$WORK OUT=$OUT)"
start=$SECONDS
if ! (cd "$SRC/fealloc" && env -i PATH="$PATH" HOME="${HOME:-/root}" \
      CC=clang CXX=clang++ CFLAGS="$sanflags" CXXFLAGS="$sanflags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
      FUZZING_ENGINE=libfuzzer SANITIZER=address FUZZING_LANGUAGE=c++ ARCHITECTURE=x86_64 \
      SRC="$SRC" WORK="$WORK" OUT="$OUT" bash -eu "$SRC/build.sh") >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log"
  fail "build.sh failed"
fi
if grep -q 'warning:' "$tmp/build.log"; then
  grep -B2 -A6 'warning:' "$tmp/build.log"
  fail "build.sh compiled with warnings"
fi
echo "built in $((SECONDS - start)) s"

echo "=== oss-fuzz: \$OUT"
ls -l "$OUT"
for target in differential thing trace; do
  name="fuzz_$target"
  bin="$OUT/$name"
  [ -x "$bin" ] || fail "$name is missing from \$OUT"
  grep -q LLVMFuzzerTestOneInput "$bin" || fail "$name has no LLVMFuzzerTestOneInput"
  grep -q __asan_init "$bin" || fail "$name is not built with ASan"

  # The differential targets' inputs are the .bin files (a .trace beside each is its readable
  # form); fuzz_trace's inputs are the traces themselves, with a dictionary of its own.
  ext=bin
  source_dict=fuzz/fealloc.dict
  if [ "$target" = trace ]; then
    ext=trace
    source_dict=fuzz/trace.dict
  fi
  zip="$OUT/${name}_seed_corpus.zip"
  [ -f "$zip" ] || fail "${name}_seed_corpus.zip is missing"
  mapfile -t entries < <(unzip -Z1 "$zip")
  seeds=(corpus/seeds/"$target"/*."$ext")
  [ "${#entries[@]}" -eq "${#seeds[@]}" ] ||
    fail "${name}_seed_corpus.zip has ${#entries[@]} files, corpus/seeds/$target has ${#seeds[@]} .$ext files"
  for e in "${entries[@]}"; do
    case "$e" in */*) fail "${name}_seed_corpus.zip: $e is in a directory" ;; *."$ext") ;; *) fail "${name}_seed_corpus.zip holds $e (only .$ext files are inputs)" ;; esac
  done

  cmp -s "$OUT/$name.dict" "$source_dict" || fail "$name.dict is missing or not $source_dict"
  options="$OUT/$name.options"
  [ -f "$options" ] || fail "$name.options is missing"
  [ "$(head -1 "$options")" = "[libfuzzer]" ] || fail "$name.options does not start with [libfuzzer]"
  dict=$(sed -n 's/^dict *= *//p' "$options")
  max_len=$(sed -n 's/^max_len *= *//p' "$options")
  [ "$dict" = "$name.dict" ] || fail "$name.options: dict is '$dict', not $name.dict"
  [[ "$max_len" =~ ^[0-9]+$ ]] || fail "$name.options: max_len '$max_len' is not a number"

  # Run the way ClusterFuzz does: from $OUT, with the options as flags, on the unzipped seeds
  # (the first pass executes every seed, then it fuzzes from them: at most 1000 runs or 10 s).
  corpus="$tmp/corpus/$target"
  mkdir -p "$corpus"
  unzip -q "$zip" -d "$corpus"
  log="$tmp/$name.log"
  echo "=== oss-fuzz: $name -dict=$dict -max_len=$max_len -runs=1000 -max_total_time=10 (${#entries[@]} seeds)"
  if ! (cd "$OUT" && env -u FEALLOC_IGNORE FEALLOC_TRACE_IGNORE="$trace_ignore" "./$name" -dict="$dict" -max_len="$max_len" -seed=1 -runs=1000 \
        -max_total_time=10 -artifact_prefix="$tmp/$name-" "$corpus") >"$log" 2>&1; then
    tail -60 "$log"
    fail "$name crashed or failed (artifacts: $tmp/$name-*)"
  fi
  grep -q 'INITED' "$log" || { tail -20 "$log"; fail "$name did not load its seeds"; }
  grep -q 'Dictionary: [1-9][0-9]* entries' "$log" || { tail -20 "$log"; fail "$name did not load its dictionary"; }
  grep -E '^#[0-9]+.*(DONE|INITED)|^Done' "$log" | tail -3
done

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
parser=$(coverage_calls "$OUT/fuzz_trace" parse_trace)
oracle=$(coverage_calls "$OUT/fuzz_trace" check_trace_input)
echo "=== oss-fuzz: fuzz_trace coverage calls: parse_trace $parser, check_trace_input (oracle) $oracle"
[[ "$parser" =~ ^[0-9]+$ && "$parser" -gt 0 ]] || fail "fuzz_trace: the trace parser is not instrumented ($parser)"
[ "$oracle" = 0 ] || fail "fuzz_trace: its oracle is instrumented ($oracle)"

# fuzz_thing's default FEALLOC_IGNORE (build.sh): a spec §4 finding does not crash it, and does
# once FEALLOC_IGNORE is set to an empty list (so the target still crashes on what it finds).
findings=(corpus/findings/thing/thing-4.1-*.bin)
finding=${findings[0]}
[ -f "$finding" ] || fail "no corpus/findings/thing/thing-4.1-*.bin"
echo "=== oss-fuzz: fuzz_thing default FEALLOC_IGNORE on $(basename "$finding")"
(cd "$OUT" && env -u FEALLOC_IGNORE ./fuzz_thing "$root/$finding") >"$tmp/ignore.log" 2>&1 ||
  { cat "$tmp/ignore.log"; fail "fuzz_thing crashed on a spec §4 deviation (default FEALLOC_IGNORE not applied)"; }
if (cd "$OUT" && FEALLOC_IGNORE="" ./fuzz_thing "$root/$finding") >"$tmp/noignore.log" 2>&1; then
  cat "$tmp/noignore.log"
  fail "fuzz_thing did not crash on $(basename "$finding") with FEALLOC_IGNORE empty"
fi
grep -q '^signature: .*thing-4.1' "$tmp/noignore.log" || { cat "$tmp/noignore.log"; fail "fuzz_thing: unexpected report"; }
echo "ok: ignored by default, crashes with FEALLOC_IGNORE="

echo "=== oss-fuzz: OK"
