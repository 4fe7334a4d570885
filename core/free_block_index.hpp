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
  // units == 0 removes the slot's block.
  void set(std::uint32_t slot, std::uint32_t units);
  // The leftmost slot holding at least min_units (> 0), or kNone.
  std::uint32_t first_fit(std::uint32_t min_units) const;
  // The rightmost occupied slot below `slot`, or kNone.
  std::uint32_t predecessor(std::uint32_t slot) const;
  void clear();

  // For check(): every occupied leaf in slot order as (slot, units), verifying on the way that each
  // occupied inner entry is the max of its children. Returns "" or what is wrong.
  std::string collect(std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const;

 private:
  static constexpr unsigned kFanBits = 3;
  static constexpr std::uint64_t kFan = std::uint64_t{1} << kFanBits;

  std::uint32_t value(std::uint64_t packed) const {
    return packed >= current_floor() ? static_cast<std::uint32_t>(packed) : 0;
  }
  std::uint64_t current_floor() const { return std::uint64_t{epoch_} << 32; }
  std::uint64_t pack(std::uint32_t units) const { return current_floor() | units; }
  // Bit j set when child j of the group at `first` holds a packed value >= threshold.
  unsigned mask_at_least(std::uint64_t first, std::uint64_t threshold) const;
  std::uint64_t group_max(std::uint64_t first) const;

  std::vector<std::uint64_t> level_start_;  // level 0 = leaves; the last level is one group
  ZeroedArray<std::uint64_t> nodes_;
  std::uint32_t max_epoch_;
  std::uint32_t epoch_ = 1;  // zeroed entries have epoch 0, so they read as empty
};

}  // namespace fealloc
