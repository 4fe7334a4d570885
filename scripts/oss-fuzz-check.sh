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
# its seeds or in a short run from them, or fuzz_thing's default FEALLOC_IGNORE not working.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep=0
[ "${1:-}" = --keep ] && keep=1

scripts/install-deps.sh

fail() { echo "oss-fuzz-check: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fealloc-oss-fuzz.XXXXXX")
if [ "$keep" = 1 ]; then
  echo "oss-fuzz-check: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
SRC="$tmp/src" WORK="$tmp/work" OUT="$tmp/out"
mkdir -p "$SRC" "$WORK" "$OUT"
ln -s "$root" "$SRC/fealloc"

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
for target in differential thing; do
  name="fuzz_$target"
  bin="$OUT/$name"
  [ -x "$bin" ] || fail "$name is missing from \$OUT"
  grep -q LLVMFuzzerTestOneInput "$bin" || fail "$name has no LLVMFuzzerTestOneInput"
  grep -q __asan_init "$bin" || fail "$name is not built with ASan"

  zip="$OUT/${name}_seed_corpus.zip"
  [ -f "$zip" ] || fail "${name}_seed_corpus.zip is missing"
  mapfile -t entries < <(unzip -Z1 "$zip")
  seeds=(corpus/seeds/"$target"/*.bin)
  [ "${#entries[@]}" -eq "${#seeds[@]}" ] ||
    fail "${name}_seed_corpus.zip has ${#entries[@]} files, corpus/seeds/$target has ${#seeds[@]} .bin files"
  for e in "${entries[@]}"; do
    case "$e" in */*) fail "${name}_seed_corpus.zip: $e is in a directory" ;; *.bin) ;; *) fail "${name}_seed_corpus.zip holds $e (only .bin files are inputs)" ;; esac
  done

  cmp -s "$OUT/$name.dict" fuzz/fealloc.dict || fail "$name.dict is missing or not fuzz/fealloc.dict"
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
  if ! (cd "$OUT" && env -u FEALLOC_IGNORE "./$name" -dict="$dict" -max_len="$max_len" -seed=1 -runs=1000 \
        -max_total_time=10 -artifact_prefix="$tmp/$name-" "$corpus") >"$log" 2>&1; then
    tail -60 "$log"
    fail "$name crashed or failed (artifacts: $tmp/$name-*)"
  fi
  grep -q 'INITED' "$log" || { tail -20 "$log"; fail "$name did not load its seeds"; }
  grep -q 'Dictionary: [1-9][0-9]* entries' "$log" || { tail -20 "$log"; fail "$name did not load its dictionary"; }
  grep -E '^#[0-9]+.*(DONE|INITED)|^Done' "$log" | tail -3
done

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
