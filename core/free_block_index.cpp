// FreeBlockIndex: an implicit binary max tree (root 1, children 2i and 2i+1, leaves from leaves_).
#include "core/free_block_index.hpp"

#include <algorithm>

namespace fealloc {

namespace {
std::uint64_t round_up_pow2(std::uint64_t n) {
  std::uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

FreeBlockIndex::FreeBlockIndex(std::uint64_t slots) : leaves_(round_up_pow2(slots)), nodes_(2 * leaves_) {}

void FreeBlockIndex::set(std::uint32_t slot, std::uint32_t units) {
  std::uint64_t node = leaves_ + slot;
  nodes_[node] = pack(units);
  for (node >>= 1; node != 0; node >>= 1) {
    const std::uint64_t packed = pack(std::max(value(2 * node), value(2 * node + 1)));
    // An unchanged node leaves every ancestor unchanged too.
    if (nodes_[node] == packed) break;
    nodes_[node] = packed;
  }
}

std::uint32_t FreeBlockIndex::first_fit(std::uint32_t min_units) const {
  if (value(1) < min_units) return kNone;
  std::uint64_t node = 1;
  while (node < leaves_) node = value(2 * node) >= min_units ? 2 * node : 2 * node + 1;
  return static_cast<std::uint32_t>(node - leaves_);
}

std::uint32_t FreeBlockIndex::predecessor(std::uint32_t slot) const {
  std::uint64_t node = leaves_ + slot;
  // Climb until a left sibling holds something, then descend to its rightmost occupied leaf.
  while (node > 1) {
    if ((node & 1) != 0 && value(node - 1) != 0) {
      node -= 1;
      while (node < leaves_) node = value(2 * node + 1) != 0 ? 2 * node + 1 : 2 * node;
      return static_cast<std::uint32_t>(node - leaves_);
    }
    node >>= 1;
  }
  return kNone;
}

void FreeBlockIndex::clear() {
  if (epoch_ == UINT32_MAX) {
    nodes_.reset();
    epoch_ = 1;
  } else {
    ++epoch_;
  }
}

std::string FreeBlockIndex::collect(std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const {
  out.clear();
  if (value(1) == 0) return "";
  std::vector<std::uint64_t> stack{1};
  while (!stack.empty()) {
    const std::uint64_t node = stack.back();
    stack.pop_back();
    if (node >= leaves_) {
      out.emplace_back(static_cast<std::uint32_t>(node - leaves_), value(node));
      continue;
    }
    const std::uint32_t left = value(2 * node);
    const std::uint32_t right = value(2 * node + 1);
    if (value(node) != std::max(left, right)) {
      return "free index node " + std::to_string(node) + " holds " + std::to_string(value(node)) + ", not the max of its children";
    }
    // Right first so that leaves come out in slot order.
    if (right != 0) stack.push_back(2 * node + 1);
    if (left != 0) stack.push_back(2 * node);
  }
  return "";
}

}  // namespace fealloc
