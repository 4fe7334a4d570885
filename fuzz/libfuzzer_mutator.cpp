// libFuzzer's custom mutator and crossover (fuzz/mutator.hpp), compiled into the fuzz targets only
// with FEALLOC_CUSTOM_MUTATOR=ON (the same targets without it are the baseline). Part of the calls
// go to libFuzzer's own mutations (LLVMFuzzerMutate: the dictionary, comparison hints, byte
// edits), the rest to one structural mutation over whole operations: FEALLOC_MUTATOR_BYTES (a
// percentage, default 50) says how many go to libFuzzer's own.
#include "fuzz/mutator.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#ifndef FEALLOC_FUZZ_TARGET
#error "define FEALLOC_FUZZ_TARGET as differential or thing"
#endif

// Weak: libFuzzer defines it; an engine of OSS-Fuzz's that links this file without it (its
// LIB_FUZZING_ENGINE) gets the structural mutations alone.
extern "C" __attribute__((weak)) std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size,
                                                              std::size_t max_size);

namespace {
unsigned bytes_percent() {
  const char* value = std::getenv("FEALLOC_MUTATOR_BYTES");
  if (value == nullptr || *value == '\0') return 50;
  const long v = std::strtol(value, nullptr, 10);
  return v < 0 ? 0u : v > 100 ? 100u : static_cast<unsigned>(v);
}
}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  static const unsigned percent = LLVMFuzzerMutate == nullptr ? 0u : bytes_percent();
  if (seed % 100 < percent) return LLVMFuzzerMutate(data, size, max_size);
  return fealloc::fuzz::mutate_operations(data, size, max_size, seed / 100, fealloc::fuzz::Target::FEALLOC_FUZZ_TARGET,
                                          LLVMFuzzerMutate);
}

extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1, const std::uint8_t* data2,
                                                 std::size_t size2, std::uint8_t* out, std::size_t max_out_size,
                                                 unsigned int seed) {
  // libFuzzer picks this as often as LLVMFuzzerCustomMutator and picks again after a 0: splicing
  // three calls in four away leaves it about a fifth of the mutations.
  if (seed % 4 != 0) return 0;
  return fealloc::fuzz::crossover_operations(data1, size1, data2, size2, out, max_out_size, seed / 4,
                                             fealloc::fuzz::Target::FEALLOC_FUZZ_TARGET);
}
