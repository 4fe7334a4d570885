// FreeBlockIndex: an 8-ary max tree stored level by level in one array. Level k+1 entry i is the
// max of level k entries [8i, 8i + 8); each level is padded to whole groups of eight.
#include "core/free_block_index.hpp"

#include <algorithm>
#include <bit>

namespace fealloc {

namespace {
std::uint64_t whole_groups(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

std::vector<std::uint64_t> level_starts(std::uint64_t slots) {
  std::vector<std::uint64_t> starts{0};
  std::uint64_t size = whole_groups(slots);
  while (size > 8) {
    starts.push_back(starts.back() + size);
    size = whole_groups(size / 8);
  }
  starts.push_back(starts.back() + size);  // one past the end
  return starts;
}
}  // namespace

FreeBlockIndex::FreeBlockIndex(std::uint64_t slots, std::uint32_t max_epoch)
    : level_start_(level_starts(slots)), nodes_(level_start_.back()), max_epoch_(max_epoch) {
  level_start_.pop_back();
}

void FreeBlockIndex::update(std::uint32_t slot, std::uint32_t units) {
  std::uint64_t i = slot;
  std::uint32_t old_value = value(nodes_[i]);
  nodes_[i] = pack(units);
  if (units != 0 && slot > high_slot_) {
    high_slot_ = slot;
    const std::size_t top = level_start_.size() - 1;
    while (root_level_ < top && (std::uint64_t{slot} >> (kFanBits * (root_level_ + 1))) != 0) ++root_level_;
  }
  // Climb while the entry below changed the max of its group: old_value -> new_value at level k.
  std::uint32_t new_value = units;
  const std::size_t top = level_start_.size() - 1;
  for (std::size_t k = 0; k < top && new_value != old_value; ++k) {
    const std::uint64_t group = level_start_[k] + (i & ~(kFan - 1));
    i >>= kFanBits;
    std::uint64_t& parent = nodes_[level_start_[k + 1] + i];
    const std::uint32_t parent_value = value(parent);
    std::uint32_t parent_new;
    if (new_value > old_value) {
      // A raise changes the parent only if it exceeds it.
      if (parent_value >= new_value) break;
      parent_new = new_value;
    } else {
      // A lowering changes the parent only if the child was its max.
      if (parent_value > old_value) break;
      parent_new = value(group_max(group));
    }
    parent = pack(parent_new);
    old_value = parent_value;
    new_value = parent_new;
  }
}

std::uint32_t FreeBlockIndex::first_fit(std::uint32_t min_units) const {
  const std::uint64_t threshold = pack(min_units);
  // Every occupied entry of root_level_ is in its group 0.
  std::size_t k = root_level_;
  unsigned mask = mask_at_least(level_start_[k], threshold);
  if (mask == 0) return kNone;
  std::uint64_t i = static_cast<unsigned>(std::countr_zero(mask));
  while (k > 0) {
    --k;
    mask = mask_at_least(level_start_[k] + (i << kFanBits), threshold);
    if (mask == 0) return kNone;  // unreachable while the tree is consistent (check() verifies it)
    i = (i << kFanBits) + static_cast<unsigned>(std::countr_zero(mask));
  }
  return static_cast<std::uint32_t>(i);
}

std::uint32_t FreeBlockIndex::rightmost_under(std::size_t k, std::uint64_t i) const {
  const std::uint64_t occupied = pack(1);
  while (k > 0) {
    --k;
    const unsigned mask = mask_at_least(level_start_[k] + (i << kFanBits), occupied);
    if (mask == 0) return kNone;  // unreachable while the tree is consistent
    i = (i << kFanBits) + static_cast<unsigned>(31 - std::countl_zero(mask));
  }
  return static_cast<std::uint32_t>(i);
}

std::uint32_t FreeBlockIndex::predecessor(std::uint32_t slot) const {
  const std::uint64_t occupied = pack(1);
  const std::size_t root = root_level_;
  if (slot > high_slot_) {
    // Every occupied slot is below: the rightmost one overall, found from group 0 of the root level.
    const unsigned mask = mask_at_least(level_start_[root], occupied);
    if (mask == 0) return kNone;
    return rightmost_under(root, static_cast<unsigned>(31 - std::countl_zero(mask)));
  }
  std::uint64_t i = slot;
  std::size_t k = 0;
  // Climb until a sibling to the left holds something (at the root level, i is in group 0)...
  for (;;) {
    const unsigned left = (1U << (i & (kFan - 1))) - 1;
    const unsigned mask = mask_at_least(level_start_[k] + (i & ~(kFan - 1)), occupied) & left;
    if (mask != 0) {
      i = (i & ~(kFan - 1)) + static_cast<unsigned>(31 - std::countl_zero(mask));
      break;
    }
    if (k == root) return kNone;
    i >>= kFanBits;
    ++k;
  }
  // ...then descend to its rightmost occupied leaf.
  return rightmost_under(k, i);
}

void FreeBlockIndex::clear() {
  high_slot_ = 0;
  root_level_ = 0;
  if (epoch_ >= max_epoch_) {
    nodes_.reset();
    epoch_ = 1;
  } else {
    ++epoch_;
  }
}

}  // namespace fealloc
