// The fuzz targets' entry point, one source for every engine: libFuzzer (clang -fsanitize=fuzzer),
// AFL++ (afl-clang-fast++ -fsanitize=fuzzer: its libFuzzer-compatible driver, persistent mode)
// and the engine-free replay driver (standalone_main.cpp). FEALLOC_FUZZ_TARGET names the target:
// differential (optimized vs port-seed vs model) or thing (port-thing vs model). On a divergence
// the report goes to stderr and the process aborts, unless FEALLOC_IGNORE lists it.
#include "fuzz/targets.hpp"

#include <cstddef>
#include <cstdint>

#ifndef FEALLOC_FUZZ_TARGET
#error "define FEALLOC_FUZZ_TARGET as differential or thing"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fealloc::fuzz::IgnoreList ignore = fealloc::fuzz::IgnoreList::from_env();
  fealloc::fuzz::fuzz_one({data, size}, fealloc::fuzz::Target::FEALLOC_FUZZ_TARGET, ignore);
  return 0;
}
