// OptimizedAllocator: the product. Seed semantics (spec §3) in either layout, identical to the
// port (ThingPort, seed mode) after every operation: same pointers, same Stats (msize and gas
// included) and the same bytes of memory, because it makes the same stores, fills and copies.
// What it does not do is walk lists: side indexes outside EVM memory (BlockTable, FreeBlockIndex)
// answer first fit, free-list neighbours and pointer lookup, and the state words are cached, so
// malloc/free/realloc cost O(log8(end / align)) index steps (about 7 cache lines for a 64 MiB
// pool; plus a move's copy) whatever the number of blocks, and stats and free_all are O(1).
// The operations are written in the spec's steps (§3); each step is one private primitive that
// writes its EVM words and updates every side structure with them, so no caller keeps a mirror in
// step by hand, and each records the slots it changed so that check(CheckScope::touched) costs
// what the last operation touched. Inside, addresses and sizes are 64-bit; u256 only at the API.
#pragma once

#include "core/allocator.hpp"
#include "core/block_table.hpp"
#include "core/free_block_index.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace fealloc {

class OptimizedAllocator final : public Allocator {
 public:
  // Throws std::invalid_argument for thing semantics (the port alone reproduces thi.ng's bugs) and
  // for a pool with 2^31 or more block slots.
  explicit OptimizedAllocator(const PoolConfig& config, std::uint64_t memory_cap = EvmMemory::kDefaultCap);

  std::string_view name() const override { return "optimized"; }
  const PoolConfig& config() const override { return config_; }

  u256 malloc(const u256& size) override;
  u256 calloc(const u256& size, std::uint8_t fill) override;
  u256 realloc(const u256& ptr, const u256& size) override;
  bool free(const u256& ptr) override;
  void free_all() override;
  Stats stats() const override;
  void user_write(std::uint64_t address, std::span<const std::uint8_t> data) override;
  EvmMemory* memory() override { return &memory_; }
  std::string check(CheckScope scope = CheckScope::full) const override;

 private:
  using Slot = std::uint32_t;  // (block - initialTop) >> shift_
  static constexpr Slot kNone = BlockTable::kNone;
  using Kind = BlockTable::Kind;

  // --- addresses ---
  std::uint64_t addr(Slot s) const { return initial_top_ + (std::uint64_t{s} << shift_); }
  std::uint64_t link_addr(Slot s) const { return s == kNone ? 0 : addr(s); }
  std::uint64_t bytes(Slot s) const { return std::uint64_t{blocks_.units(s)} << shift_; }
  std::uint64_t block_end(Slot s) const { return addr(s) + bytes(s); }
  Slot slot_at(std::uint64_t block) const { return static_cast<Slot>((block - initial_top_) >> shift_); }
  std::uint32_t units_of(std::uint64_t size) const { return static_cast<std::uint32_t>(size >> shift_); }
  std::uint64_t padded(std::uint64_t n) const { return (n + header_ + align_ - 1) & ~(align_ - 1); }
  // The used block whose data address is ptr, or kNone (garbage, interior, freed, 0).
  Slot find_used(std::uint64_t ptr) const;

  // --- raw EVM stores (the same words the port writes); only the primitives below call them ---
  void store(std::uint64_t address, std::uint64_t value) {
    if (evm_) {
      memory_.store_word32(address, value);
    } else {
      memory_.store_le32(address, static_cast<std::uint32_t>(value));
    }
  }
  void store_size(Slot s, std::uint64_t size) { store(addr(s), size); }
  void store_next(Slot s, std::uint64_t next) { store(addr(s) + word_, next); }
  void store_state(StateWord w, std::uint64_t value) { store(config_.start + w * word_, value); }
  // The word that points at a block in its list: prev's next word, or the list's state word.
  void store_link_to(Slot prev, StateWord head_word, std::uint64_t target) {
    if (prev != kNone) {
      store_next(prev, target);
    } else {
      store_state(head_word, target);
    }
  }

  // --- the spec's steps (§3). Each writes its EVM words and, in the same call, brings every
  // side structure in step: the block table (kind, units, links), the free index leaf, the cached
  // heads/tail/top and the stats counters. Each records the slots it changed for check(touched).
  void unlink_free(Slot b, bool indexed);         // free list: prev.next = b.next; b leaves the index
  void push_used(Slot b, std::uint32_t units);    // b.next = used head; used = b
  void unlink_used(Slot b);                       // used list: prev.next = b.next
  void set_used_size(Slot b, std::uint64_t size); // size(b) of a used block
  void insert_free(Slot s, std::uint32_t units);  // insert by address, then compact if compact
  void split(Slot b, std::uint64_t size, std::uint64_t excess);
  void set_top(std::uint64_t top);
  // Halves of insert_free, private to it (each leaves the free index leaf of s to the next).
  void link_free_by_address(Slot s, std::uint32_t units);
  void compact_around(Slot s);
  void merge_free_run(Slot b, Slot last, Slot unindexed);

  // --- the operations of §3 in terms of the steps ---
  std::uint64_t malloc_impl(std::uint64_t n);  // 0 < n <= end
  std::uint64_t take_free_block(Slot b, std::uint64_t padded_size, bool is_top);
  void free_block(Slot s);

  // --- what the last public mutating operation touched (check(CheckScope::touched)) ---
  // Each primitive records every slot whose words or table entry it changed: the blocks it wrote,
  // the slots it emptied, and the list neighbours whose links it rewired (kNone and duplicates
  // included, so recording stays two stores on the hot path). The most one operation recorded in
  // the random test runs is 21 (a moving realloc that merges); past the capacity the touched
  // check falls back to the full one.
  static constexpr std::uint32_t kTouchedCapacity = 32;  // a power of two
  void begin_operation() { touched_count_ = 0; }
  // Branch-free: past the capacity entries wrap around, and the count says they did. A step
  // records its slots in one call: the count is read and written once (an EVM store may alias it,
  // so the compiler reloads it after each).
  void touch(Slot a) {
    touched_[touched_count_ & (kTouchedCapacity - 1)] = a;
    ++touched_count_;
  }
  void touch(Slot a, Slot b) {
    const std::uint32_t n = touched_count_;
    touched_[n & (kTouchedCapacity - 1)] = a;
    touched_[(n + 1) & (kTouchedCapacity - 1)] = b;
    touched_count_ = n + 2;
  }
  void touch(Slot a, Slot b, Slot c) {
    const std::uint32_t n = touched_count_;
    touched_[n & (kTouchedCapacity - 1)] = a;
    touched_[(n + 1) & (kTouchedCapacity - 1)] = b;
    touched_[(n + 2) & (kTouchedCapacity - 1)] = c;
    touched_count_ = n + 3;
  }
  std::string check_full() const;
  std::string check_touched() const;
  std::string check_state() const;
  std::string check_slot(Slot s) const;
  // A stored word as the allocator would load it, through the observers (no msize change);
  // `wide` reports a value beyond 64 bits.
  std::uint64_t peek_word(std::uint64_t address, bool& wide) const {
    if (evm_) return memory_.peek_word32(address, &wide);
    wide = false;
    return memory_.peek_le32(address);
  }

  PoolConfig config_;
  std::uint64_t word_, header_, align_, end_, min_split_, initial_top_;
  unsigned shift_;  // log2(align)
  bool evm_, compact_, split_;
  EvmMemory memory_;
  BlockTable blocks_;
  FreeBlockIndex free_index_;

  // Cached state words and list ends.
  Slot free_head_ = kNone;
  Slot free_tail_ = kNone;
  Slot used_head_ = kNone;
  std::uint64_t top_;
  // Stats, kept as the lists change.
  std::uint64_t free_count_ = 0, free_bytes_ = 0, used_count_ = 0, used_bytes_ = 0;

  std::uint32_t touched_count_ = 0;  // > kTouchedCapacity: overflowed
  std::array<Slot, kTouchedCapacity> touched_{};
};

}  // namespace fealloc
