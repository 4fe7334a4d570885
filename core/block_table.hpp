// BlockTable: the optimized allocator's per-slot record of every block in the heap (slot =
// (block - initialTop) / align): whether a used or free block starts there, its size in align
// units, and its neighbours in its list (used list: LIFO order; free list: address order). The
// links make both lists doubly linked so that unlinking is O(1) where the port walks; the size
// mirrors the header so the hot path never reads EVM memory. Entries carry an epoch; an entry of
// an older epoch reads as "no block", so clear() (free_all) is O(1).
#pragma once

#include "core/zeroed_array.hpp"

#include <cstdint>

namespace fealloc {

class BlockTable {
 public:
  enum class Kind : std::uint8_t { none = 0, used = 1, free = 2 };
  static constexpr std::uint32_t kNone = UINT32_MAX;

  static constexpr std::uint32_t kMaxEpoch = UINT32_MAX >> 2;  // the stamp keeps 2 bits for the kind

  // Precondition: 0 < slots < 2^31. max_epoch (at most kMaxEpoch) exists so that tests can reach
  // the epoch wrap, where the table is reset for real.
  explicit BlockTable(std::uint64_t slots, std::uint32_t max_epoch = kMaxEpoch)
      : entries_(slots), max_epoch_(max_epoch) {}

  std::uint64_t slots() const { return entries_.size(); }
  Kind kind(std::uint32_t slot) const {
    const Entry& e = entries_[slot];
    return (e.stamp >> 2) == epoch_ ? static_cast<Kind>(e.stamp & 3) : Kind::none;
  }
  // Only meaningful while kind(slot) != none.
  std::uint32_t units(std::uint32_t slot) const { return entries_[slot].units; }
  std::uint32_t prev(std::uint32_t slot) const { return entries_[slot].prev; }
  std::uint32_t next(std::uint32_t slot) const { return entries_[slot].next; }

  void put(std::uint32_t slot, Kind kind, std::uint32_t units, std::uint32_t prev, std::uint32_t next) {
    if (this->kind(slot) == Kind::none) ++live_;
    entries_[slot] = Entry{(epoch_ << 2) | static_cast<std::uint32_t>(kind), units, prev, next};
  }
  void erase(std::uint32_t slot) {
    --live_;
    entries_[slot].stamp = 0;
  }
  void set_units(std::uint32_t slot, std::uint32_t units) { entries_[slot].units = units; }
  void set_prev(std::uint32_t slot, std::uint32_t prev) { entries_[slot].prev = prev; }
  void set_next(std::uint32_t slot, std::uint32_t next) { entries_[slot].next = next; }

  // How many slots hold a block (check() compares it with the lists).
  std::uint64_t live() const { return live_; }

  void clear() {
    live_ = 0;
    if (epoch_ >= max_epoch_) {
      entries_.reset();
      epoch_ = 1;
    } else {
      ++epoch_;
    }
  }

 private:
  struct Entry {
    std::uint32_t stamp;  // epoch << 2 | kind
    std::uint32_t units;
    std::uint32_t prev;
    std::uint32_t next;
  };
  ZeroedArray<Entry> entries_;
  std::uint32_t max_epoch_;
  std::uint32_t epoch_ = 1;  // zeroed entries have epoch 0, so they read as "no block"
  std::uint64_t live_ = 0;
};

}  // namespace fealloc
