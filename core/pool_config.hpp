// Pool options as a user writes them (u256, optional) and the validated configuration that every
// implementation is built from. Validation is shared so that all parties reject the same options.
#pragma once

#include "core/layout.hpp"
#include "core/u256.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace fealloc {

struct PoolOptions {
  Layout layout = Layout::evm;
  Semantics semantics = Semantics::seed;
  std::optional<u256> start;
  std::optional<u256> end;
  std::optional<u256> align;
  std::optional<u256> min_split;
  std::optional<bool> compact;
  std::optional<bool> split;
};

struct PoolConfig {
  Layout layout = Layout::evm;
  Semantics semantics = Semantics::seed;
  std::uint64_t start = 0;  // already rounded up (spec §2)
  std::uint64_t end = 0;
  std::uint64_t align = 0;
  std::uint64_t min_split = 0;
  bool compact = true;
  bool split = true;
  std::uint64_t initial_top = 0;
  LayoutParams params{};
};

// Either a valid configuration or a message saying which option is wrong and why.
using PoolConfigResult = std::variant<PoolConfig, std::string>;

PoolConfigResult resolve_pool(const PoolOptions& options, std::uint64_t memory_cap);

// For tests and tools that know their options are valid; throws std::invalid_argument otherwise.
PoolConfig resolve_pool_or_throw(const PoolOptions& options, std::uint64_t memory_cap);

}  // namespace fealloc
