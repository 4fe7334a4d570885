#!/usr/bin/env bash
# A divergence that a fuzz target finds is reported whole: fuzz_thing_replay (the engine-free
# driver, the same fuzz_one as libFuzzer and AFL++ call) on each recorded thi.ng finding, with the
# default ignore list off (FEALLOC_IGNORE=), must abort with the finding's recorded signature and
# the trace so far: the pool line and exactly as many operations as the report's "DIVERGENCE at
# operation N". The targets keep no trace while running and run a diverging input again for its
# report, so this also checks that the second run tells the same story as the first.
# usage: fuzz_report_test.sh FUZZ_THING_REPLAY SOURCE_DIR
set -euo pipefail
driver=$1
src=$2
fail() { echo "FAIL: $1"; [ -n "${out:-}" ] && echo "$out"; exit 1; }
n=0
for bin in "$src"/corpus/findings/thing/*.bin; do
  sig=$(cat "${bin%.bin}.signature")
  status=0
  out=$(FEALLOC_IGNORE='' "$driver" "$bin" 2>&1) || status=$?
  [ "$status" != 0 ] || fail "$bin did not diverge"
  grep -qxF "signature: $sig" <<<"$out" || fail "$bin: no line 'signature: $sig'"
  at=$(sed -n 's/^DIVERGENCE at operation \([0-9]*\):.*/\1/p' <<<"$out")
  [ -n "$at" ] || fail "$bin: no DIVERGENCE line"
  trace=$(sed -n '/^trace so far (the last operation diverged):$/,$p' <<<"$out" | tail -n +2)
  [ "$(head -1 <<<"$trace" | cut -d' ' -f1)" = pool ] || fail "$bin: the trace does not start with its pool line"
  ops=$(tail -n +2 <<<"$trace" | grep -cv '^#' || true)
  [ "$ops" = "$at" ] || fail "$bin: the trace holds $ops operations, the divergence is at operation $at"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no findings in $src/corpus/findings/thing"
echo "ok: $n findings reported with their signatures and whole traces"
