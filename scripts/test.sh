#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs every test twice,
# once with g++ (dev preset) and once with clang++ under ASan+UBSan (asan preset). Both builds use
# -Werror. ctest runs the GoogleTest suites, the corpus replay and the conformance check against
# the real @thi.ng/malloc. Then the fuzzing checks: the OSS-Fuzz build script run as OSS-Fuzz
# would (scripts/oss-fuzz-check.sh) and a 2-minute libFuzzer + AFL++ smoke run of
# fuzz_differential from the seeds, plus 30 s of fuzz_trace (scripts/fuzz-smoke.sh); either fails
# on any crash.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
for preset in dev asan; do
  echo "=== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: test"
  ctest --preset "$preset"
done
echo "=== oss-fuzz: build.sh as OSS-Fuzz runs it"
scripts/oss-fuzz-check.sh
echo "=== fuzz smoke: libFuzzer and AFL++"
scripts/fuzz-smoke.sh
