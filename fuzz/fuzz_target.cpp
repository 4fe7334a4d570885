// The fuzz targets' entry point, one source for every engine: libFuzzer (clang -fsanitize=fuzzer),
// AFL++ (afl-clang-fast++ -fsanitize=fuzzer: its libFuzzer-compatible driver, persistent mode)
// and the engine-free replay driver (standalone_main.cpp). FEALLOC_FUZZ_TARGET names the target:
// differential (optimized vs port-seed vs model), thing (port-thing vs model) or trace (the trace
// parser, fuzz/trace_target.hpp). On a divergence or a violated property the report goes to
// stderr and the process aborts, unless FEALLOC_IGNORE (FEALLOC_TRACE_IGNORE for trace) lists it.
// fuzz_thing without FEALLOC_IGNORE ignores the known deviations (IgnoreList::defaults), the same
// in every build.
#include "fuzz/target_kind.hpp"

#include <cstddef>
#include <cstdint>

#if FEALLOC_FUZZ_TARGET_KIND == 2
#include "fuzz/trace_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fealloc::fuzz::TraceChecks checks = fealloc::fuzz::TraceChecks::from_env();
  fealloc::fuzz::fuzz_trace_one({data, size}, checks);
  return 0;
}
#else
#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fealloc::fuzz::IgnoreList ignore = fealloc::fuzz::IgnoreList::from_env(fealloc::fuzz::Target::FEALLOC_FUZZ_TARGET);
  fealloc::fuzz::fuzz_one({data, size}, fealloc::fuzz::Target::FEALLOC_FUZZ_TARGET, ignore);
  return 0;
}
#endif
