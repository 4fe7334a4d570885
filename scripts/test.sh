#!/usr/bin/env bash
# The README's test command: installs what is missing, runs shellcheck over every shell script,
# then builds and runs every test twice, once with g++ and once with clang++ under ASan+UBSan (the
# CMake workflow presets dev and asan: configure, build, test). Both builds use -Werror. ctest
# runs the GoogleTest suites, the corpus replay, the conformance check against the real
# @thi.ng/malloc and the workflow checks (actionlint; targets and sanitizers). Then the fuzzing
# checks: the OSS-Fuzz build script run as OSS-Fuzz would for libFuzzer and AFL++
# (scripts/oss-fuzz-check.sh) and a 2-minute libFuzzer + AFL++ smoke run of fuzz_differential
# from the seeds, plus 30 s of fuzz_trace and 20 s of fuzz_differential on optimized against the
# party evm (scripts/fuzz-smoke.sh); either fails on any crash.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "=== shellcheck"
shellcheck scripts/*.sh tests/*.sh .ci/run oss-fuzz/build.sh .clusterfuzzlite/build.sh
echo "shellcheck: clean"
for preset in dev asan; do
  echo "=== $preset: configure, build, test (cmake --workflow)"
  cmake --workflow --preset "$preset"
done
echo "=== oss-fuzz: build.sh as OSS-Fuzz runs it"
scripts/oss-fuzz-check.sh
echo "=== fuzz smoke: libFuzzer and AFL++"
scripts/fuzz-smoke.sh
