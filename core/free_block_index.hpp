// FreeBlockIndex: the optimized allocator's index of free blocks by address. A max tree over
// block slots (slot = (block - initialTop) / align) whose leaf holds the size of the free block
// starting at that slot in align units (0: no free block). It answers the two questions that the
// port answers by walking the free list: the first fit (leftmost block of at least n units) and the
// free-list predecessor of a new free block (rightmost free block below it), in O(log slots).
//
// The tree is 8-ary: a node's eight children are one 64-byte cache line, so a query touches about
// log8(slots) lines (7 for 2M slots) instead of a binary tree's log2 nodes. Every entry is
// (epoch << 32 | units); because epochs only grow, an entry of an older epoch compares below every
// current one and reads as 0, so clear() (free_all) is O(1) and "value >= n" is one u64 compare.
//
// Two shortcuts keep the common operations to a few levels: set() stops climbing as soon as an
// ancestor is unaffected (a raise that does not exceed it, a lowering of a child that was not its
// max), and the queries start at the lowest level whose group 0 covers every slot ever occupied
// since the last clear (the heap's prefix below top), not at the root of the whole pool.
#pragma once

#include "core/zeroed_array.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fealloc {

class FreeBlockIndex {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // Precondition: 0 < slots < 2^31. max_epoch exists so that tests can reach the epoch wrap,
  // where the tree is reset for real.
  explicit FreeBlockIndex(std::uint64_t slots, std::uint32_t max_epoch = UINT32_MAX);

  std::uint32_t get(std::uint32_t slot) const { return value(nodes_[slot]); }
  // units == 0 removes the slot's block. Setting the value a leaf already holds (clearing a slot
  // that was never indexed, as the allocator's unlink does for a block compaction hands to top) is
  // an inline no-op: no ancestor can change, and an occupied leaf is already below high_slot_.
  void set(std::uint32_t slot, std::uint32_t units) {
    if (value(nodes_[slot]) != units) update(slot, units);
  }
  // The leftmost slot holding at least min_units (> 0), or kNone.
  std::uint32_t first_fit(std::uint32_t min_units) const;
  // The rightmost occupied slot below `slot`, or kNone.
  std::uint32_t predecessor(std::uint32_t slot) const;
  void clear();

  // For check(): every occupied leaf in slot order as (slot, units), verifying on the way that each
  // occupied inner entry is the max of its children. Returns "" or what is wrong.
  std::string collect(std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const;
  // For check(touched): the path from `slot`'s leaf to the top level, in O(levels): each ancestor
  // equals the max of its eight children, and an occupied leaf lies within the query range
  // (high_slot_, root_level_). Returns "" or what is wrong.
  std::string check_path(std::uint32_t slot) const;

 private:
  static constexpr unsigned kFanBits = 3;
  static constexpr std::uint64_t kFan = std::uint64_t{1} << kFanBits;

  std::uint32_t value(std::uint64_t packed) const {
    return packed >= current_floor() ? static_cast<std::uint32_t>(packed) : 0;
  }
  std::uint64_t current_floor() const { return std::uint64_t{epoch_} << 32; }
  std::uint64_t pack(std::uint32_t units) const { return current_floor() | units; }
  // Bit j set when child j of the group at `first` holds a packed value >= threshold.
  unsigned mask_at_least(std::uint64_t first, std::uint64_t threshold) const {
    // Written out for the eight children: -O2 does not unroll the loop, and the unrolled form is
    // branch-free compares on one cache line.
    const std::uint64_t* g = &nodes_[first];
    return static_cast<unsigned>(g[0] >= threshold) | static_cast<unsigned>(g[1] >= threshold) << 1 |
           static_cast<unsigned>(g[2] >= threshold) << 2 | static_cast<unsigned>(g[3] >= threshold) << 3 |
           static_cast<unsigned>(g[4] >= threshold) << 4 | static_cast<unsigned>(g[5] >= threshold) << 5 |
           static_cast<unsigned>(g[6] >= threshold) << 6 | static_cast<unsigned>(g[7] >= threshold) << 7;
  }
  std::uint64_t group_max(std::uint64_t first) const {
    const std::uint64_t* g = &nodes_[first];
    const std::uint64_t a = g[0] > g[1] ? g[0] : g[1];
    const std::uint64_t b = g[2] > g[3] ? g[2] : g[3];
    const std::uint64_t c = g[4] > g[5] ? g[4] : g[5];
    const std::uint64_t d = g[6] > g[7] ? g[6] : g[7];
    const std::uint64_t ab = a > b ? a : b;
    const std::uint64_t cd = c > d ? c : d;
    return ab > cd ? ab : cd;
  }
  // set() for a leaf whose value changes.
  void update(std::uint32_t slot, std::uint32_t units);
  // The rightmost occupied leaf under entry i of level k (which must hold something), or kNone.
  std::uint32_t rightmost_under(std::size_t k, std::uint64_t i) const;

  std::vector<std::uint64_t> level_start_;  // level 0 = leaves; the last level is one group
  ZeroedArray<std::uint64_t> nodes_;
  std::uint32_t max_epoch_;
  std::uint32_t epoch_ = 1;  // zeroed entries have epoch 0, so they read as empty
  // Every slot set nonzero since the last clear is <= high_slot_; root_level_ is the lowest level
  // whose group 0 covers slot high_slot_ (so all occupied entries of that level lie in group 0).
  std::uint32_t high_slot_ = 0;
  std::size_t root_level_ = 0;
};

}  // namespace fealloc
