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

// Both are written out for the eight children: -O2 does not unroll the loop, and the unrolled
// form is branch-free compares on one cache line.
unsigned FreeBlockIndex::mask_at_least(std::uint64_t first, std::uint64_t threshold) const {
  const std::uint64_t* g = &nodes_[first];
  return static_cast<unsigned>(g[0] >= threshold) | static_cast<unsigned>(g[1] >= threshold) << 1 |
         static_cast<unsigned>(g[2] >= threshold) << 2 | static_cast<unsigned>(g[3] >= threshold) << 3 |
         static_cast<unsigned>(g[4] >= threshold) << 4 | static_cast<unsigned>(g[5] >= threshold) << 5 |
         static_cast<unsigned>(g[6] >= threshold) << 6 | static_cast<unsigned>(g[7] >= threshold) << 7;
}

std::uint64_t FreeBlockIndex::group_max(std::uint64_t first) const {
  const std::uint64_t* g = &nodes_[first];
  return std::max(std::max(std::max(g[0], g[1]), std::max(g[2], g[3])),
                  std::max(std::max(g[4], g[5]), std::max(g[6], g[7])));
}

void FreeBlockIndex::set(std::uint32_t slot, std::uint32_t units) {
  std::uint64_t i = slot;
  nodes_[i] = pack(units);
  const std::size_t top = level_start_.size() - 1;
  for (std::size_t k = 0; k < top; ++k) {
    const std::uint64_t packed = pack(value(group_max(level_start_[k] + (i & ~(kFan - 1)))));
    i >>= kFanBits;
    std::uint64_t& parent = nodes_[level_start_[k + 1] + i];
    // An unchanged entry leaves every ancestor unchanged too.
    if (parent == packed) break;
    parent = packed;
  }
}

std::uint32_t FreeBlockIndex::first_fit(std::uint32_t min_units) const {
  const std::uint64_t threshold = pack(min_units);
  std::size_t k = level_start_.size() - 1;
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

std::uint32_t FreeBlockIndex::predecessor(std::uint32_t slot) const {
  const std::uint64_t occupied = pack(1);
  const std::size_t top = level_start_.size() - 1;
  std::uint64_t i = slot;
  std::size_t k = 0;
  // Climb until a sibling to the left holds something...
  for (;;) {
    const unsigned left = (1U << (i & (kFan - 1))) - 1;
    const unsigned mask = mask_at_least(level_start_[k] + (i & ~(kFan - 1)), occupied) & left;
    if (mask != 0) {
      i = (i & ~(kFan - 1)) + static_cast<unsigned>(31 - std::countl_zero(mask));
      break;
    }
    if (k == top) return kNone;
    i >>= kFanBits;
    ++k;
  }
  // ...then descend to its rightmost occupied leaf.
  while (k > 0) {
    --k;
    const unsigned mask = mask_at_least(level_start_[k] + (i << kFanBits), occupied);
    if (mask == 0) return kNone;  // unreachable while the tree is consistent
    i = (i << kFanBits) + static_cast<unsigned>(31 - std::countl_zero(mask));
  }
  return static_cast<std::uint32_t>(i);
}

void FreeBlockIndex::clear() {
  if (epoch_ >= max_epoch_) {
    nodes_.reset();
    epoch_ = 1;
  } else {
    ++epoch_;
  }
}

std::string FreeBlockIndex::collect(std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const {
  out.clear();
  struct Entry {
    std::size_t level;
    std::uint64_t index;
  };
  const std::size_t top = level_start_.size() - 1;
  std::vector<Entry> stack;
  // Push a group's occupied entries right to left so that leaves come out in slot order.
  auto push_group = [&](std::size_t level, std::uint64_t first_index) {
    for (std::uint64_t j = kFan; j-- > 0;) {
      if (value(nodes_[level_start_[level] + first_index + j]) != 0) stack.push_back({level, first_index + j});
    }
  };
  push_group(top, 0);
  while (!stack.empty()) {
    const Entry e = stack.back();
    stack.pop_back();
    const std::uint32_t units = value(nodes_[level_start_[e.level] + e.index]);
    if (e.level == 0) {
      out.emplace_back(static_cast<std::uint32_t>(e.index), units);
      continue;
    }
    const std::uint64_t children = e.index << kFanBits;
    if (units != value(group_max(level_start_[e.level - 1] + children))) {
      return "free index entry " + std::to_string(e.index) + " of level " + std::to_string(e.level) + " holds " +
             std::to_string(units) + ", not the max of its children";
    }
    push_group(e.level - 1, children);
  }
  return "";
}

}  // namespace fealloc
