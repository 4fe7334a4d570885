// OptimizedAllocator::check(): the side structures against EVM memory, read through the observers
// only (peek_word32 / peek_le32), so that checking never changes msize.
//   full     every invariant over the whole heap: both lists walked, the free index collected, the
//            blocks tiling [initialTop, top). O(blocks) plus the index's occupied paths.
//   touched  the state words and O(1) cross-checks, then each slot the last mutating operation
//            recorded (at most kTouchedCapacity): its words, its list neighbours both ways, its
//            place in the free list, its index leaf and path, its physical successor. O(recorded
//            slots x index levels), whatever the heap's size; the full check when the record
//            overflowed.
#include "core/optimized_allocator.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fealloc {

namespace {
std::string hex(std::uint64_t v) { return to_hex(u256(v)); }
constexpr const char* kStateNames[7] = {"free", "used", "top", "end", "align", "flags", "minSplit"};
}  // namespace

std::string OptimizedAllocator::check(CheckScope scope) const {
  if (scope == CheckScope::touched && touched_count_ <= kTouchedCapacity) return check_touched();
  return check_full();
}

// The seven state words against the cached values, top's range, and the counters against the
// table and the cached list ends: O(1), shared by both scopes.
std::string OptimizedAllocator::check_state() const {
  const std::uint64_t state[7] = {link_addr(free_head_),
                                  link_addr(used_head_),
                                  top_,
                                  end_,
                                  align_,
                                  (compact_ ? kFlagCompact : 0) | (split_ ? kFlagSplit : 0),
                                  min_split_};
  bool wide = false;
  for (std::uint64_t w = 0; w < 7; ++w) {
    const std::uint64_t stored = peek_word(config_.start + w * word_, wide);
    if (wide || stored != state[w]) {
      return std::string("state word ") + kStateNames[w] + " (at " + hex(config_.start + w * word_) + ") is " +
             (wide ? "wider than 64 bits" : hex(stored)) + ", cached " + hex(state[w]);
    }
  }
  if (top_ < initial_top_ || top_ > end_) return "top " + hex(top_) + " outside [initialTop, end]";
  if (blocks_.live() != free_count_ + used_count_) {
    return "the block table holds " + std::to_string(blocks_.live()) + " blocks, the lists count " +
           std::to_string(free_count_ + used_count_);
  }
  // The cached list ends are blocks of their list, at its end.
  auto end_of_list = [&](Slot s, Kind kind, bool head, const char* what) -> std::string {
    if (s == kNone) return "";
    if (s >= blocks_.slots() || blocks_.kind(s) != kind || (head ? blocks_.prev(s) : blocks_.next(s)) != kNone) {
      return std::string(what) + " " + hex(link_addr(s)) + " is not the end of its list in the block table";
    }
    return "";
  };
  if ((free_head_ == kNone) != (free_count_ == 0) || (free_tail_ == kNone) != (free_count_ == 0)) {
    return "free head/tail disagree with the free count " + std::to_string(free_count_);
  }
  if ((used_head_ == kNone) != (used_count_ == 0)) return "used head disagrees with the used count";
  if (auto e = end_of_list(free_head_, Kind::free, true, "free head"); !e.empty()) return e;
  if (auto e = end_of_list(free_tail_, Kind::free, false, "free tail"); !e.empty()) return e;
  if (auto e = end_of_list(used_head_, Kind::used, true, "used head"); !e.empty()) return e;
  return "";
}

std::string OptimizedAllocator::check_touched() const {
  if (auto e = check_state(); !e.empty()) return e;
  for (std::uint32_t i = 0; i < touched_count_; ++i) {
    if (touched_[i] == kNone) continue;
    if (auto e = check_slot(touched_[i]); !e.empty()) return e;
  }
  return "";
}

// One recorded slot: if a block starts there, everything that ties it to memory, to its list
// neighbours, to the free index and to the block after it; else that no trace of a block is left.
std::string OptimizedAllocator::check_slot(Slot s) const {
  if (s >= blocks_.slots()) return "touched slot " + std::to_string(s) + " outside the block table";
  const Kind kind = blocks_.kind(s);
  const std::uint64_t block = addr(s);
  if (kind == Kind::none) {
    if (free_index_.get(s) != 0) return "no block at " + hex(block) + " but the free index holds it";
    return free_index_.check_path(s);
  }
  const bool is_free = kind == Kind::free;
  // Built only for a message: the touched check runs after every operation.
  auto what = [&] { return std::string(is_free ? "free" : "used") + " block " + hex(block); };
  bool wide = false;

  // Its header against the table.
  const std::uint64_t size = peek_word(block, wide);
  if (wide || size != bytes(s) || size == 0) {
    return what() + " size word " + (wide ? "wider than 64 bits" : hex(size)) + ", table " + hex(bytes(s));
  }
  const Slot next = blocks_.next(s);
  const std::uint64_t next_word = peek_word(block + word_, wide);
  if (wide || next_word != link_addr(next)) {
    return what() + " next word " + (wide ? "wider than 64 bits" : hex(next_word)) + ", table " + hex(link_addr(next));
  }
  if (block >= top_ || block_end(s) > top_) return what() + " reaches past top " + hex(top_);

  // Its list neighbours, both ways, in the table and in memory.
  const Slot prev = blocks_.prev(s);
  if (prev == kNone) {
    if ((is_free ? free_head_ : used_head_) != s) return what() + " has no predecessor but is not its list's head";
  } else {
    if (prev >= blocks_.slots() || blocks_.kind(prev) != kind || blocks_.next(prev) != s) {
      return what() + " has a back link to " + hex(link_addr(prev)) + ", which does not link to it";
    }
    const std::uint64_t prev_next = peek_word(addr(prev) + word_, wide);
    if (wide || prev_next != block) {
      return what() + ": its predecessor " + hex(addr(prev)) + " has next word " + hex(prev_next);
    }
  }
  if (next == kNone) {
    if (is_free && free_tail_ != s) return what() + " ends the free list but is not its cached tail";
  } else if (next >= blocks_.slots() || blocks_.kind(next) != kind || blocks_.prev(next) != s) {
    return what() + " links to " + hex(link_addr(next)) + ", which does not link back";
  }

  // Its place in the free list: address order, and no merge or top absorption left undone.
  if (is_free) {
    if ((prev != kNone && prev >= s) || (next != kNone && next <= s)) return "free list not sorted at " + what();
    if (compact_) {
      if (prev != kNone && block_end(prev) == block) return "adjacent free blocks at " + what() + " and its predecessor";
      if (next != kNone && block_end(s) == addr(next)) return "adjacent free blocks at " + what() + " and its successor";
      if (block_end(s) >= top_) return what() + " touches top";
    } else if (block_end(s) >= top_ && next != kNone) {
      return what() + " touches top but is not the last free block";
    }
  }

  // Its index leaf (its size in units if free, else 0) and the path above it.
  const std::uint32_t leaf = free_index_.get(s);
  if (leaf != (is_free ? blocks_.units(s) : 0U)) {
    return what() + " has free index leaf " + std::to_string(leaf) + ", table units " + std::to_string(blocks_.units(s));
  }
  if (auto e = free_index_.check_path(s); !e.empty()) return e;

  // Tiling: the block after it starts where it ends, unless it ends at top.
  const std::uint64_t end = block_end(s);
  if (end < top_ && blocks_.kind(slot_at(end)) == Kind::none) return "no block starts at " + hex(end) + ", the end of " + what();
  return "";
}

std::string OptimizedAllocator::check_full() const {
  if (auto e = check_state(); !e.empty()) return e;
  bool wide = false;

  // A block address from a list: inside the heap, aligned, and of the expected kind.
  auto block_slot = [&](std::uint64_t block, Kind kind, const char* list, Slot& out) -> std::string {
    if (block < initial_top_ || block >= top_ || ((block - initial_top_) & (align_ - 1)) != 0) {
      return std::string(list) + " block " + hex(block) + " outside [initialTop, top) or unaligned";
    }
    out = slot_at(block);
    if (blocks_.kind(out) != kind) return std::string(list) + " block " + hex(block) + " is not recorded as " + list;
    return "";
  };
  // Header words against the block table.
  auto header = [&](Slot s, const char* list, std::uint64_t& next) -> std::string {
    const std::uint64_t size = peek_word(addr(s), wide);
    if (wide || size != bytes(s) || size == 0)
      return std::string(list) + " block " + hex(addr(s)) + " size word " + hex(size) + ", table " + hex(bytes(s));
    next = peek_word(addr(s) + word_, wide);
    if (wide || next != link_addr(blocks_.next(s)))
      return std::string(list) + " block " + hex(addr(s)) + " next word " + hex(next) + ", table " +
             hex(link_addr(blocks_.next(s)));
    if (block_end(s) > top_) return std::string(list) + " block " + hex(addr(s)) + " reaches past top";
    return "";
  };

  // Free list: sorted, linked both ways, no adjacent pair and nothing touching top when compacting,
  // else only the last block may touch top.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> listed;
  std::uint64_t count = 0;
  std::uint64_t total = 0;
  Slot prev = kNone;
  for (std::uint64_t block = link_addr(free_head_); block != 0;) {
    if (++count > free_count_) return "free list longer than its count " + std::to_string(free_count_);
    Slot s = kNone;
    std::uint64_t next = 0;
    if (auto e = block_slot(block, Kind::free, "free", s); !e.empty()) return e;
    if (auto e = header(s, "free", next); !e.empty()) return e;
    if (blocks_.prev(s) != prev) return "free block " + hex(block) + " has the wrong back link";
    if (prev != kNone && s <= prev) return "free list not sorted at " + hex(block);
    if (compact_ && prev != kNone && block_end(prev) == block) return "adjacent free blocks at " + hex(block);
    if (block_end(s) >= top_ && (compact_ || next != 0)) return "free block " + hex(block) + " touches top";
    listed.emplace_back(s, blocks_.units(s));
    total += bytes(s);
    prev = s;
    block = next;
  }
  if (prev != free_tail_) return "free tail is not the last free block";
  if (count != free_count_ || total != free_bytes_) return "free count/size differ from the free list";
  std::vector<std::pair<std::uint32_t, std::uint32_t>> indexed;
  if (auto e = free_index_.collect(indexed); !e.empty()) return e;
  if (indexed != listed) return "free index differs from the free list";

  // Used list: linked both ways, counted.
  count = total = 0;
  prev = kNone;
  for (std::uint64_t block = link_addr(used_head_); block != 0;) {
    if (++count > used_count_) return "used list longer than its count " + std::to_string(used_count_);
    Slot s = kNone;
    std::uint64_t next = 0;
    if (auto e = block_slot(block, Kind::used, "used", s); !e.empty()) return e;
    if (auto e = header(s, "used", next); !e.empty()) return e;
    if (blocks_.prev(s) != prev) return "used block " + hex(block) + " has the wrong back link";
    total += bytes(s);
    prev = s;
    block = next;
  }
  if (count != used_count_ || total != used_bytes_) return "used count/size differ from the used list";

  // The blocks tile [initialTop, top) exactly, and the table holds nothing else.
  std::uint64_t tiles = 0;
  std::uint64_t at = initial_top_;
  while (at < top_) {
    if (++tiles > free_count_ + used_count_) return "more blocks between initialTop and top than in the lists";
    const Slot s = slot_at(at);
    if (blocks_.kind(s) == Kind::none) return "no block starts at " + hex(at) + " below top";
    at = block_end(s);
  }
  if (at != top_) return "the last block reaches past top";
  if (tiles != free_count_ + used_count_) return "fewer blocks between initialTop and top than in the lists";
  if (blocks_.live() != tiles) return "the block table holds entries that are no block";
  return "";
}

}  // namespace fealloc
