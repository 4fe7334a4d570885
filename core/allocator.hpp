// The one interface that every implementation stands behind: the optimized allocator (core/),
// the thi.ng port and the reference model (reference/). Tests, the replay CLI and the fuzz
// targets only ever talk to this.
#pragma once

#include "core/evm_memory.hpp"
#include "core/pool_config.hpp"
#include "core/u256.hpp"

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fealloc {

struct Stats {
  std::uint64_t free_count = 0;
  std::uint64_t free_size = 0;
  std::uint64_t used_count = 0;
  std::uint64_t used_size = 0;
  std::uint64_t top = 0;
  std::int64_t available = 0;  // thi.ng's corrupted heaps can make it negative
  std::uint64_t total = 0;
  std::uint64_t msize = 0;  // evm layout only
  std::uint64_t gas = 0;    // evm layout only

  bool operator==(const Stats&) const = default;
};

// Thrown by thing semantics when the heap is so corrupted that the real package would read outside
// its buffer or loop forever (spec §4). Seed semantics throws it only on an internal bug.
class CorruptHeap : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How much a check() covers. `full`: every invariant over the whole heap (O(blocks)). `touched`:
// only what the last mutating operation (malloc, calloc, realloc, free, free_all, user_write)
// changed, at a cost proportional to the blocks and words it touched, not to the heap; the
// executor runs it after every operation and a full check every K operations and at the end.
enum class CheckScope : std::uint8_t { touched, full };

class Allocator {
 public:
  virtual ~Allocator() = default;
  Allocator() = default;
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  virtual std::string_view name() const = 0;
  virtual const PoolConfig& config() const = 0;

  virtual u256 malloc(const u256& size) = 0;
  virtual u256 calloc(const u256& size, std::uint8_t fill) = 0;
  virtual u256 realloc(const u256& ptr, const u256& size) = 0;
  virtual bool free(const u256& ptr) = 0;
  virtual void free_all() = 0;
  // An observer: const and read-only (peek), so asking never changes memory, msize or gas.
  virtual Stats stats() const = 0;

  // A program's store into a live block's data. The caller (replay driver, executor) has checked
  // that [addr, addr + bytes.size()) lies in a live block's requested size.
  virtual void user_write(std::uint64_t addr, std::span<const std::uint8_t> bytes) = 0;

  // The EVM memory this party keeps, or nullptr for a party that keeps no bytes (the model).
  virtual EvmMemory* memory() = 0;

  // Verifies the invariants this party can check within `scope`; returns "" when all hold, else
  // what failed. Read-only, like stats(): a check never raises msize.
  virtual std::string check(CheckScope scope = CheckScope::full) const = 0;
};

// An oracle's view (the reference model): checks a party's memory against what it expects.
// verify(memory) checks everything; the ranged form only what lies in `written` (what that memory
// changed since the last verify) or in what the oracle's own last operation changed, at a cost
// proportional to those. Both read with peek only.
class MemoryVerifier {
 public:
  virtual ~MemoryVerifier() = default;
  virtual std::string verify(const EvmMemory& memory) const = 0;
  virtual std::string verify(const EvmMemory& memory, std::span<const EvmMemory::Range> written) const = 0;
};

}  // namespace fealloc
