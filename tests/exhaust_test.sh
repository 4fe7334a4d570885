#!/usr/bin/env bash
# fealloc exhaust in CI: the seed parties agree on every sequence up to DEPTH on the tiny pools;
# the thing run prints a shortest trace for each of spec §4.1-4.4 and writes corpus files that
# decode back to those traces.
# usage: tests/exhaust_test.sh FEALLOC DEPTH
set -uo pipefail
fealloc=$1
depth=$2
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

"$fealloc" exhaust --depth "$depth" --jobs 2 >"$tmp/seed.out" 2>&1
status=$?
cat "$tmp/seed.out"
[ "$status" -eq 0 ] || fail "exhaust --depth $depth: exit $status"
grep -q "^agree: every sequence up to depth $depth on every pool" "$tmp/seed.out" || fail "no agreement to depth $depth"

"$fealloc" exhaust --target thing --depth 3 --jobs 2 -o "$tmp/thing" >"$tmp/thing.out" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "exhaust --target thing: exit $status (an unknown divergence?)"
for id in 4.1 4.2 4.3 4.4; do
  grep -q "^known deviation thing-$id at depth" "$tmp/thing.out" || fail "thing-$id not found"
  ls "$tmp/thing/exhaust-thing-$id"-*.bin >/dev/null 2>&1 || fail "no corpus file for thing-$id"
done
for bin in "$tmp"/thing/*.bin; do
  base=${bin%.bin}
  "$fealloc" decode --target thing "$bin" >"$tmp/decoded" || fail "decode $bin"
  grep -v '^#' "$base.trace" | diff - "$tmp/decoded" >/dev/null || fail "$bin does not decode to its trace"
  "$fealloc" repro "$bin" --target thing >"$tmp/repro" 2>&1
  grep -qF "$(cat "$base.signature")" "$tmp/repro" || fail "$bin: repro shows another signature"
done
grep "^known deviation" "$tmp/thing.out"

"$fealloc" exhaust --shard 3/2 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--shard 3/2 is not an error"

finish "exhaust"
