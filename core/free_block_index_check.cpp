// FreeBlockIndex's read-only checks (collect, check_path): observers, out of coverage
// instrumentation with the other checkers (fuzz/coverage-ignorelist.txt). The touched check runs
// check_path after every operation, so instrumenting it cost a callback per tree level.
#include "core/free_block_index.hpp"

#include <string>

namespace fealloc {

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

std::string FreeBlockIndex::check_path(std::uint32_t slot) const {
  const std::size_t top = level_start_.size() - 1;
  const std::uint64_t leaves = top == 0 ? kFan : level_start_[1];
  if (slot >= leaves) return "free index slot " + std::to_string(slot) + " out of range";
  // The queries start at root_level_, whose group 0 must cover every slot set since the clear.
  if (root_level_ < top && (std::uint64_t{high_slot_} >> (kFanBits * (root_level_ + 1))) != 0) {
    return "free index root level " + std::to_string(root_level_) + " does not cover slot " + std::to_string(high_slot_);
  }
  if (get(slot) != 0 && slot > high_slot_) {
    return "free index slot " + std::to_string(slot) + " is occupied above the high slot " + std::to_string(high_slot_);
  }
  std::uint64_t i = slot;
  for (std::size_t k = 0; k < top; ++k) {
    const std::uint64_t group = level_start_[k] + (i & ~(kFan - 1));
    i >>= kFanBits;
    const std::uint32_t parent = value(nodes_[level_start_[k + 1] + i]);
    const std::uint32_t children = value(group_max(group));
    if (parent != children) {
      return "free index entry " + std::to_string(i) + " of level " + std::to_string(k + 1) + " holds " +
             std::to_string(parent) + ", not the max of its children " + std::to_string(children);
    }
  }
  return "";
}

}  // namespace fealloc
