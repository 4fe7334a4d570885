#!/usr/bin/env bash
# The corpus lifecycle scripts: clear errors on bad usage (exit 2, nothing built), and triage of
# crashes whose signatures are already recorded (corpus/findings/thing) adds nothing, while one
# not recorded (in a scratch findings copy) is reported as new.
# usage: tests/corpus_scripts_test.sh SOURCE_DIR BUILD_DIR   (BUILD_DIR: where fealloc is)
set -uo pipefail
src=$1
build=$2
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

expect_usage_error() {  # MESSAGE_PART COMMAND...
  local want=$1 out status
  shift
  out=$("$@" 2>&1)
  status=$?
  [ "$status" -eq 2 ] || fail "$*: exit $status, not 2"
  grep -qF -- "$want" <<<"$out" || fail "$*: no '$want' in: $out"
}
expect_usage_error "no campaign directory" "$src/scripts/corpus-merge.sh" --target differential
expect_usage_error "is not a directory: run a campaign first" "$src/scripts/corpus-merge.sh" --target thing "$tmp/none"
expect_usage_error "--target is differential, thing or trace" "$src/scripts/corpus-merge.sh" --target nope "$tmp"
expect_usage_error "--target is differential, thing or trace" "$src/scripts/corpus-merge.sh" "$tmp"
expect_usage_error "unknown option --frobnicate" "$src/scripts/corpus-merge.sh" --frobnicate
expect_usage_error "no campaign directory or crash file" "$src/scripts/triage.sh" --target thing
expect_usage_error "is neither a file nor a directory" "$src/scripts/triage.sh" --target thing --build "$build" "$tmp/none"
expect_usage_error "is not a directory: run a campaign first" "$src/scripts/fuzz.sh" --merge --out "$tmp/no-campaigns"
expect_usage_error "neither a file nor a directory" "$src/scripts/fuzz.sh" --triage --target thing --out "$tmp/no-campaigns"

# A campaign whose crashes are two known findings: both already recorded, nothing written.
mkdir -p "$tmp/campaign/crashes"
cp "$src"/corpus/findings/thing/thing-4.1-*.bin "$tmp/campaign/crashes/crash-a"
cp "$src"/corpus/findings/thing/thing-4.2-*.bin "$tmp/campaign/crashes/crash-b"
before=$(find "$src/corpus/findings/thing" -type f | wc -l)
out=$("$src/scripts/triage.sh" --target thing --build "$build" "$tmp/campaign" 2>&1)
status=$?
echo "$out"
[ "$status" -eq 0 ] || fail "triage of known findings: exit $status"
grep -q '^=== triage: 2 crash file(s), 2 signature(s)' <<<"$out" || fail "triage did not group 2 signatures"
grep -q '=== triage: 0 new signature(s)' <<<"$out" || fail "known signatures reported as new"
[ "$(find "$src/corpus/findings/thing" -type f | wc -l)" -eq "$before" ] || fail "triage wrote into corpus/findings"

# The same crashes with --dry-run against a finding set without them: both new, nothing written.
out=$("$src/scripts/triage.sh" --target differential --dry-run --build "$build" "$tmp/campaign" 2>&1)
grep -q '=== triage: 2 crash file(s), 0 signature(s), 2 without a divergence' <<<"$out" ||
  fail "thing findings on the differential target should not diverge: $out"

finish corpus_scripts
