// OptimizedAllocator::check(): every invariant of the side indexes, verified against EVM memory
// through the observers only (peek), so that checking never changes msize. O(n) in blocks plus the
// free index's occupied paths; meant for tests and fuzzing, not for the hot path.
#include "core/optimized_allocator.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fealloc {

namespace {
std::string hex(std::uint64_t v) { return to_hex(u256(v)); }
}  // namespace

std::string OptimizedAllocator::check(CheckScope /*scope*/) const {
  // A stored word as the allocator would load it; `wide` reports a value beyond 64 bits.
  auto peek_word = [&](std::uint64_t address, bool& wide) {
    std::uint64_t value = 0;
    wide = false;
    if (evm_) {
      for (std::uint64_t i = 0; i < 24; ++i) wide = wide || memory_.peek(address + i) != 0;
      for (std::uint64_t i = 24; i < 32; ++i) value = (value << 8) | memory_.peek(address + i);
    } else {
      for (std::uint64_t i = 4; i-- > 0;) value = (value << 8) | memory_.peek(address + i);
    }
    return value;
  };
  bool wide = false;

  // State words against the cached values.
  const std::uint64_t state[7] = {link_addr(free_head_),
                                  link_addr(used_head_),
                                  top_,
                                  end_,
                                  align_,
                                  (compact_ ? kFlagCompact : 0) | (split_ ? kFlagSplit : 0),
                                  min_split_};
  for (std::uint64_t w = 0; w < 7; ++w) {
    const std::uint64_t stored = peek_word(config_.start + w * word_, wide);
    if (wide || stored != state[w])
      return "state word " + std::to_string(w) + " is " + hex(stored) + ", cached " + hex(state[w]);
  }
  if (top_ < initial_top_ || top_ > end_) return "top " + hex(top_) + " outside [initialTop, end]";

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
  for (std::uint64_t block = state[kStateFree]; block != 0;) {
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
  for (std::uint64_t block = state[kStateUsed]; block != 0;) {
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
