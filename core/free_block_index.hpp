// FreeBlockIndex: the optimized allocator's index of free blocks by address. A max segment tree
// over block slots (slot = (block - initialTop) / align) whose leaf holds the size of the free block
// starting at that slot in align units (0: no free block). It answers the two questions that the
// port answers by walking the free list: the first fit (leftmost block of at least n units) and the
// free-list predecessor of a new free block (rightmost free block below it), both in O(log slots).
// Every node carries the epoch of its last write; a node of an older epoch reads as 0, so clear()
// (free_all) is O(1).
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

  // Precondition: 0 < slots < 2^31.
  explicit FreeBlockIndex(std::uint64_t slots);

  std::uint32_t get(std::uint32_t slot) const { return value(leaves_ + slot); }
  // units == 0 removes the slot's block.
  void set(std::uint32_t slot, std::uint32_t units);
  // The leftmost slot holding at least min_units (> 0), or kNone.
  std::uint32_t first_fit(std::uint32_t min_units) const;
  // The rightmost occupied slot below `slot`, or kNone.
  std::uint32_t predecessor(std::uint32_t slot) const;
  void clear();

  // For check(): every occupied leaf in slot order as (slot, units), verifying on the way that each
  // nonzero node is the max of its children. Returns "" or what is wrong.
  std::string collect(std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const;

 private:
  std::uint32_t value(std::uint64_t node) const {
    const std::uint64_t packed = nodes_[node];
    return (packed >> 32) == epoch_ ? static_cast<std::uint32_t>(packed) : 0;
  }
  std::uint64_t pack(std::uint32_t units) const { return (std::uint64_t{epoch_} << 32) | units; }

  std::uint64_t leaves_;  // a power of two; leaf i is node leaves_ + i, the root is node 1
  ZeroedArray<std::uint64_t> nodes_;
  std::uint32_t epoch_ = 1;  // zeroed nodes have epoch 0, so they read as empty
};

}  // namespace fealloc
