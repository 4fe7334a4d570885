#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs every test twice,
# once with g++ (dev preset) and once with clang++ under ASan+UBSan (asan preset). Both builds use
# -Werror. ctest runs the GoogleTest suites, the corpus replay and the conformance check against
# the real @thi.ng/malloc.
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
