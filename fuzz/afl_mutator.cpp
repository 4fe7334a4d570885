// AFL++'s custom mutator API (AFL_CUSTOM_MUTATOR_LIBRARY=.../libfuzz_mutator_afl.so) over the
// structure-aware mutator (fuzz/mutator.hpp). AFL++ keeps its own mutations too unless
// AFL_CUSTOM_MUTATOR_ONLY=1. FEALLOC_MUTATOR_TARGET (differential, the default, or thing) must name
// the target being fuzzed: an input's meaning depends on it. Built uninstrumented and without
// sanitizers (afl-fuzz loads it), see fuzz/CMakeLists.txt.
#include "fuzz/mutator.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace {

struct State {
  unsigned seed = 0;
  fealloc::fuzz::Target target = fealloc::fuzz::Target::differential;
  std::vector<std::uint8_t> buf;  // the last output, valid until the next call
};

unsigned next_seed(State& s) {
  s.seed = s.seed * 1103515245u + 12345u;
  return s.seed;
}

}  // namespace

extern "C" {

void* afl_custom_init(void* /*afl*/, unsigned int seed) {
  auto* s = new (std::nothrow) State;
  if (s == nullptr) return nullptr;
  s->seed = seed;
  if (const char* name = std::getenv("FEALLOC_MUTATOR_TARGET"); name != nullptr && *name != '\0') {
    if (auto t = fealloc::fuzz::parse_target(name)) s->target = *t;
  }
  return s;
}

std::size_t afl_custom_fuzz(void* data, std::uint8_t* buf, std::size_t buf_size, std::uint8_t** out_buf,
                            std::uint8_t* add_buf, std::size_t add_buf_size, std::size_t max_size) {
  auto* s = static_cast<State*>(data);
  if (max_size == 0) {
    *out_buf = buf;
    return 0;
  }
  s->buf.resize(max_size);
  const unsigned seed = next_seed(*s);
  if (add_buf != nullptr && add_buf_size != 0 && seed % 4 == 0) {
    const std::size_t n = fealloc::fuzz::crossover_operations(buf, buf_size, add_buf, add_buf_size, s->buf.data(),
                                                              max_size, seed >> 2, s->target);
    if (n != 0) {
      *out_buf = s->buf.data();
      return n;
    }
  }
  const std::size_t size = buf_size < max_size ? buf_size : max_size;
  if (size != 0) std::memcpy(s->buf.data(), buf, size);
  *out_buf = s->buf.data();
  return fealloc::fuzz::mutate_operations(s->buf.data(), size, max_size, seed >> 2, s->target);
}

void afl_custom_deinit(void* data) { delete static_cast<State*>(data); }

}  // extern "C"
