// ThingPort: a line-by-line port of thi.ng's MemPool (@thi.ng/malloc 6.1.150, pool.js) over
// EvmMemory. Thing semantics reproduces the package exactly, bugs included (spec §4), with JS
// numbers emulated as exact int64 plus ToInt32/ToUint32 where JS applies them; seed semantics
// applies the spec's rules. State words are read from memory every time, as the package's getters
// do, so a corrupted heap behaves as it would in JS. See docs/decisions.md for the details.
#pragma once

#include "core/allocator.hpp"

#include <cstdint>
#include <optional>

namespace fealloc {

class ThingPort final : public Allocator {
 public:
  explicit ThingPort(const PoolConfig& config, std::uint64_t memory_cap = EvmMemory::kDefaultCap);

  std::string_view name() const override;
  const PoolConfig& config() const override { return config_; }

  u256 malloc(const u256& size) override;
  u256 calloc(const u256& size, std::uint8_t fill) override;
  u256 realloc(const u256& ptr, const u256& size) override;
  bool free(const u256& ptr) override;
  void free_all() override;
  Stats stats() const override;
  void user_write(std::uint64_t addr, std::span<const std::uint8_t> bytes) override;
  EvmMemory* memory() override { return &memory_; }
  std::string check(CheckScope scope = CheckScope::full) const override;

 private:
  using Num = std::int64_t;  // a JS number; every value here is an exact integer

  bool thing() const { return config_.semantics == Semantics::thing; }

  // --- words ---
  // A word's value; corrupt when it cannot be a JS number (thing) or a sane seed value, except
  // that allow_u64 takes any 64-bit seed value (minSplit).
  std::uint64_t load_word(std::uint64_t addr, bool allow_u64 = false);
  // The same word read as an observer (stats, check): peek, no msize change, same corruption rules.
  std::uint64_t peek_word(std::uint64_t addr, bool allow_u64 = false) const;
  std::uint64_t checked_word(std::uint64_t addr, std::uint64_t value, bool high_nonzero, bool allow_u64) const;
  bool may_split(Num excess);
  void store_word(std::uint64_t addr, Num value);
  std::optional<std::uint64_t> field_addr(Num block, int field, bool unsigned_index) const;
  Num state(StateWord word);
  // Brent's cycle detection for one list walk. Every walk is deterministic: what it does next
  // depends only on its state at the head of an iteration (the block it is at; in check's walk also
  // the block before it; in compact's outer loop, which stores as it goes, also the previous block
  // and the memory). A state seen twice means thi.ng would loop forever, so the heap is corrupt
  // (spec §4). Each state is compared with one saved at power-of-two intervals, so the repetition
  // is found within a few times (tail + cycle) steps: the list's real length, not `end`.
  class WalkCycle {
   public:
    // Throws CorruptHeap when this state repeats the saved one.
    void visit(Num block, Num prev = 0, std::uint64_t memory = 0) {
      if (saved_ && block == block_ && prev == prev_ && memory == memory_) throw_cycle();
      if (++length_ == power_) {
        block_ = block;
        prev_ = prev;
        memory_ = memory;
        saved_ = true;
        power_ *= 2;
        length_ = 0;
      }
    }

   private:
    [[noreturn]] void throw_cycle() const;
    Num block_ = 0;
    Num prev_ = 0;
    std::uint64_t memory_ = 0;
    bool saved_ = false;
    std::uint64_t power_ = 1;
    std::uint64_t length_ = 0;
  };

  // The observers' reads: state words, and one list step (counted against `steps`, the backstop
  // budget; the walks find loops with WalkCycle) returning the block's size and next word.
  Num peek_state(StateWord word) const;
  struct ListStep {
    Num size;
    Num next;
  };
  ListStep peek_list_step(Num block, std::uint64_t& steps) const;
  void set_state(StateWord word, Num value);

  // --- MemPool's private methods, same names and order as pool.js ---
  Num block_size(Num block);
  Num set_block_size(Num block, Num size);
  Num block_next(Num block);
  void set_block_next(Num block, Num next);
  Num init_block(Num block, Num size, Num next);
  void unlink_block(Num prev, Num block);
  void split_block(Num block, Num block_size, Num excess);
  void compact();
  void insert(Num block);
  Num malloc_impl(const u256& bytes);
  Num malloc_top(Num block, Num prev, Num block_size, Num padded, bool is_top);
  bool free_impl(Num ptr);
  struct ReallocResult {
    Num block;
    Num old_block_end;
  };
  ReallocResult realloc_block(Num block, const u256& bytes, Num padded);

  // padded(n), or nullopt when (seed) it cannot fit below end at all.
  std::optional<Num> padded_size(const u256& bytes);
  Num data_address(Num block) const { return block > 0 ? block + Num(config_.params.header) : 0; }
  Num self_address(Num data) const { return data > 0 ? data - Num(config_.params.header) : 0; }
  static Num to_num(const u256& v);

  // Counts list steps in one public operation; past the budget the heap is corrupt. The budget
  // (it grows with end) is only a backstop: WalkCycle finds every loop long before it.
  void begin_operation() { steps_ = 0; }
  void count_step();
  // compact()'s outer loop stores as it walks, so its state includes the memory: while
  // hash_stores_ is on, store_word keeps store_hash_ a function of the words stored so far
  // (xor of a key of each word's old and new value: it returns to the same value when the
  // memory does).
  static std::uint64_t word_key(std::uint64_t addr, std::uint64_t value, bool high_nonzero);

  PoolConfig config_;
  EvmMemory memory_;
  std::uint64_t step_budget_;
  std::uint64_t steps_ = 0;
  bool hash_stores_ = false;
  std::uint64_t store_hash_ = 0;
};

}  // namespace fealloc
