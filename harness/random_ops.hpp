// A seeded generator of operations that keeps to what a real program does most of the time
// (frees and reallocs of live blocks, writes inside them) and sometimes does what it must not
// (freed, interior and garbage pointers, huge sizes). It reads liveness from the executor's
// TraceState, so every write it makes is legal. Used by tests and benchmarks; deterministic.
#pragma once

#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <cstdint>
#include <random>

namespace fealloc {

class RandomOps {
 public:
  RandomOps(std::uint64_t seed, const PoolConfig& config) : rng_(seed), config_(config) {}
  Operation next(const TraceState& state, std::size_t op_count);
  // Random pool options in the given layout and semantics (always valid).
  static PoolOptions random_pool(std::mt19937_64& rng, Layout layout, Semantics semantics);

 private:
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  u256 random_size();
  PtrArg some_pointer(const TraceState& state, std::size_t op_count, bool live_only);

  std::mt19937_64 rng_;
  const PoolConfig& config_;
};

}  // namespace fealloc
