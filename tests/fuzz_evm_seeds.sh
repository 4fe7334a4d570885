#!/usr/bin/env bash
# The fuzz target of the party evm (fuzz_differential with FEALLOC_FUZZ_PARTIES=optimized,evm,
# as scripts/fuzz.sh --target evm runs it) on every differential seed, engine-free. Skipped (77)
# without node or the npm packages of evm/.
# usage: fuzz_evm_seeds.sh FUZZ_DIFFERENTIAL_REPLAY SOURCE_DIR
set -euo pipefail
driver=$1
src=$2
if ! command -v node >/dev/null || [ ! -d "$src/evm/node_modules/@ethereumjs/evm" ] || [ ! -d "$src/evm/node_modules/solc" ]; then
  echo "SKIPPED: the party evm needs node and \`npm ci\` in evm/"
  exit 77
fi
FEALLOC_FUZZ_PARTIES=optimized,evm "$driver" "$src/corpus/seeds/differential"
