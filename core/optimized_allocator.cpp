// OptimizedAllocator's operations, written as spec/semantics.md §3 reads: malloc, free and
// realloc are sequences of the spec's steps (unlink_free, push_used, unlink_used, set_used_size,
// split, insert_free with its compaction, set_top), and each step writes its EVM words and keeps
// every side structure (block table, free index, cached heads/tail/top, counters) in step itself.
// The words match the port's (ThingPort, seed branches) store for store: the order differs in
// places, but every word the port touches is touched here and ends with the same value, which is
// all that memory and msize see.
#include "core/optimized_allocator.hpp"

#include <bit>
#include <stdexcept>

namespace fealloc {

namespace {

// Boost keeps cpp_int normalized, so one limb means the value is below 2^64.
static_assert(sizeof(boost::multiprecision::limb_type) == 8, "u256 limbs are expected to be 64-bit");
bool narrow(const u256& v, std::uint64_t& out) {
  const auto& backend = v.backend();
  if (backend.size() != 1) return false;
  out = backend.limbs()[0];
  return true;
}

std::uint64_t checked_slots(const PoolConfig& config) {
  if (config.semantics != Semantics::seed) {
    throw std::invalid_argument("the optimized allocator implements seed semantics only");
  }
  const std::uint64_t slots = (config.end - config.initial_top + config.align - 1) / config.align;
  // Slots and sizes in align units are stored as 32-bit numbers, with room for sums of two.
  if (slots >= (std::uint64_t{1} << 31)) {
    throw std::invalid_argument("the optimized allocator supports at most 2^31 - 1 block slots (end / align)");
  }
  return slots;
}

}  // namespace

OptimizedAllocator::OptimizedAllocator(const PoolConfig& config, std::uint64_t memory_cap)
    : config_(config),
      word_(config.params.word),
      header_(config.params.header),
      align_(config.align),
      end_(config.end),
      min_split_(config.min_split),
      initial_top_(config.initial_top),
      shift_(static_cast<unsigned>(std::countr_zero(config.align))),
      evm_(config.layout == Layout::evm),
      compact_(config.compact),
      split_(config.split),
      memory_(memory_cap),
      blocks_(checked_slots(config)),
      free_index_(checked_slots(config)),
      top_(config.initial_top) {
  // MemPool's constructor writes all seven state words.
  store_state(kStateAlign, align_);
  store_state(kStateFlags, (compact_ ? kFlagCompact : 0) | (split_ ? kFlagSplit : 0));
  store_state(kStateMinSplit, min_split_);
  store_state(kStateEnd, end_);
  store_state(kStateTop, top_);
  store_state(kStateFree, 0);
  store_state(kStateUsed, 0);
}

// ---------------------------------------------------------------- lookup

OptimizedAllocator::Slot OptimizedAllocator::find_used(std::uint64_t ptr) const {
  if (ptr < initial_top_ + header_) return kNone;
  const std::uint64_t offset = ptr - header_ - initial_top_;
  if ((offset & (align_ - 1)) != 0) return kNone;
  const std::uint64_t slot = offset >> shift_;
  if (slot >= blocks_.slots()) return kNone;
  return blocks_.kind(static_cast<Slot>(slot)) == Kind::used ? static_cast<Slot>(slot) : kNone;
}

// ---------------------------------------------------------------- the spec's steps

//
// Within a step the side structures are updated before the words are stored: a store is a char
// write that may alias any member, so members read after one are reloaded.
//
// Every step below ends with the EVM words, the block table, the free index, the cached
// heads/tail/top and the counters agreeing, except the private parts of insert_free
// (link_free_by_address, compact_around, merge_free_run), which hand the new block's free index
// leaf on to each other. Where the port writes a word twice (init_block's next = 0, then insert's
// successor) only the last value is written: memory and msize see the same result.

// The steps are small and called from one or two places; inlined, the operations compile to about
// what the hand-fused code did before the steps had names (measured with callgrind: as calls they
// cost up to 15% more instructions on lifo/fifo).
#define FEALLOC_STEP [[gnu::always_inline]] inline

// Free list: the word pointing at b (its predecessor's next, or the free state word) now points
// at b's successor; b leaves the table, the index (if `indexed`) and the counts.
FEALLOC_STEP void OptimizedAllocator::unlink_free(Slot b, bool indexed) {
  const Slot prev = blocks_.prev(b);
  const Slot next = blocks_.next(b);
  if (prev != kNone) {
    blocks_.set_next(prev, next);
  } else {
    free_head_ = next;
  }
  if (next != kNone) {
    blocks_.set_prev(next, prev);
  } else {
    free_tail_ = prev;
  }
  --free_count_;
  free_bytes_ -= bytes(b);
  blocks_.erase(b);
  // Skipped for the block compaction hands to top before it was ever indexed: its leaf is 0
  // already, and reading it would be a cold cache line on the LIFO path.
  if (indexed) free_index_.set(b, 0);
  touch(b, prev, next);  // b; prev's next word and table link; next's table back link
  store_link_to(prev, kStateFree, link_addr(next));
}

// Used list (LIFO): b.next = the old head, the used state word = b; b becomes a used block of
// `units` in the table (its size word is the caller's: already there, or just written).
FEALLOC_STEP void OptimizedAllocator::push_used(Slot b, std::uint32_t units) {
  const Slot head = used_head_;
  const std::uint64_t block = addr(b);
  const std::uint64_t head_block = link_addr(head);
  blocks_.put(b, Kind::used, units, kNone, head);
  if (head != kNone) blocks_.set_prev(head, b);
  used_head_ = b;
  ++used_count_;
  used_bytes_ += std::uint64_t{units} << shift_;
  touch(b, head);  // b; the old head's table back link
  store(block + word_, head_block);
  store_state(kStateUsed, block);
}

// Used list: the word pointing at b now points at b's successor; b leaves the table and counts.
FEALLOC_STEP void OptimizedAllocator::unlink_used(Slot b) {
  const Slot prev = blocks_.prev(b);
  const Slot next = blocks_.next(b);
  if (prev != kNone) {
    blocks_.set_next(prev, next);
  } else {
    used_head_ = next;
  }
  if (next != kNone) blocks_.set_prev(next, prev);
  --used_count_;
  used_bytes_ -= bytes(b);
  blocks_.erase(b);
  touch(b, prev, next);  // b; prev's next word and table link; next's table back link
  store_link_to(prev, kStateUsed, link_addr(next));
}

FEALLOC_STEP void OptimizedAllocator::set_used_size(Slot b, std::uint64_t size) {
  used_bytes_ = used_bytes_ - bytes(b) + size;
  blocks_.set_units(b, units_of(size));
  touch(b);
  store_size(b, size);
}

FEALLOC_STEP void OptimizedAllocator::set_top(std::uint64_t top) {
  top_ = top;
  store_state(kStateTop, top);
}

// split(b, s, excess): size(b) = s; a new block at b + s with size = excess is inserted into the
// free list by address (compacting). b is used. The new block's next word is written once, by the
// insertion: the port's init_block writes 0 there first, the same word.
void OptimizedAllocator::split(Slot b, std::uint64_t size, std::uint64_t excess) {
  set_used_size(b, size);
  const Slot x = b + units_of(size);
  store_size(x, excess);
  insert_free(x, units_of(excess));
}

// The port's insert followed by its compact (every insertion in §3 is followed by compact when
// compact is on): s joins the free list between its address neighbours, then either compaction
// settles what s becomes, or s is indexed as it is.
void OptimizedAllocator::insert_free(Slot s, std::uint32_t units) {
  link_free_by_address(s, units);
  if (compact_) {
    compact_around(s);
  } else {
    free_index_.set(s, units);
  }
}

// insert's words and table links for s; s is not indexed yet (compaction may merge it away or
// hand it to top, and indexing it first would cost two index climbs for nothing).
FEALLOC_STEP void OptimizedAllocator::link_free_by_address(Slot s, std::uint32_t units) {
  Slot prev = kNone;
  Slot next = kNone;
  const Slot after = s + units;  // the block right after s, if any (blocks tile [initialTop, top))
  if (after < blocks_.slots() && blocks_.kind(after) == Kind::free) {
    // Fast path: a free physical neighbour is the successor; no index query needed.
    next = after;
    prev = blocks_.prev(after);
  } else {
    prev = free_index_.predecessor(s);
    next = prev != kNone ? blocks_.next(prev) : free_head_;
  }
  const std::uint64_t block = addr(s);
  const std::uint64_t next_block = link_addr(next);
  blocks_.put(s, Kind::free, units, prev, next);
  if (prev != kNone) {
    blocks_.set_next(prev, s);
  } else {
    free_head_ = s;
  }
  if (next != kNone) {
    blocks_.set_prev(next, s);
  } else {
    free_tail_ = s;
  }
  ++free_count_;
  free_bytes_ += std::uint64_t{units} << shift_;
  touch(s, prev, next);  // s; prev's next word and table link; next's table back link
  store_link_to(prev, kStateFree, block);
  store(block + word_, next_block);
}

// The port's compact, right after s was linked (not indexed). Before the insertion no two free
// blocks were adjacent and none touched top, so the port's walk changes nothing but the run
// through s: s's predecessor, s and s's successor, as far as they are contiguous. The run merges
// into its first block; if that touches top, it becomes top and leaves the free list.
FEALLOC_STEP void OptimizedAllocator::compact_around(Slot s) {
  const Slot prev = blocks_.prev(s);
  const Slot next = blocks_.next(s);
  const bool merge_prev = prev != kNone && prev + blocks_.units(prev) == s;
  const bool merge_next = next != kNone && s + blocks_.units(s) == next;
  const Slot b = merge_prev ? prev : s;
  if (merge_prev || merge_next) merge_free_run(b, merge_next ? next : s, s);
  if (block_end(b) >= top_) {
    set_top(addr(b));
    unlink_free(b, b != s);  // its header stays as it is
  } else {
    free_index_.set(b, blocks_.units(b));
  }
}

// Merge the free blocks b .. last (consecutive in the list and contiguous in memory) into b: b's
// size becomes the run's extent and its next the run's successor; each merged-away block's next
// word becomes 0 and its size word stays; each leaves the index, except `unindexed` (the block
// just linked, never indexed). b keeps its index leaf for compact_around to settle.
FEALLOC_STEP void OptimizedAllocator::merge_free_run(Slot b, Slot last, Slot unindexed) {
  const Slot after = blocks_.next(last);
  const std::uint32_t units = last + blocks_.units(last) - b;
  store_size(b, std::uint64_t{units} << shift_);
  for (Slot x = blocks_.next(b);;) {
    const Slot following = blocks_.next(x);
    store_next(x, 0);
    --free_count_;
    free_bytes_ -= bytes(x);
    blocks_.erase(x);
    if (x != unindexed) free_index_.set(x, 0);
    touch(x);
    if (x == last) break;
    x = following;
  }
  store_next(b, link_addr(after));
  free_bytes_ += (std::uint64_t{units} << shift_) - bytes(b);
  blocks_.set_units(b, units);
  blocks_.set_next(b, after);
  if (after != kNone) {
    blocks_.set_prev(after, b);
  } else {
    free_tail_ = b;
  }
  touch(b, after);  // b; after's table back link
}

// ---------------------------------------------------------------- §3 operations

// malloc(n): the first free block that fits or touches top, else a new block at top.
std::uint64_t OptimizedAllocator::malloc_impl(std::uint64_t n) {
  const std::uint64_t size = padded(n);
  // Only the last free block can touch top (never one, when compacting), so the port's walk
  // takes the first fit, else the last block if it touches top.
  Slot b = free_index_.first_fit(units_of(size));
  if (b == kNone && free_tail_ != kNone && block_end(free_tail_) >= top_) b = free_tail_;
  if (b != kNone) {
    const bool is_top = block_end(b) >= top_;
    if (is_top && addr(b) + size > end_) return 0;
    return take_free_block(b, size, is_top);
  }
  const std::uint64_t block = top_;
  if (block + size > end_) return 0;
  const Slot s = slot_at(block);
  store(block, size);           // header: size = padded(n),
  push_used(s, units_of(size)); // next = old used head; used = block
  set_top(block + size);
  return block + header_;
}

// The port's malloc_top: unlink b from the free list, push it onto the used list, then trim it:
// to padded(n) with top right after it if it touches top, else by a split if the excess allows.
std::uint64_t OptimizedAllocator::take_free_block(Slot b, std::uint64_t size, bool is_top) {
  const std::uint32_t units = blocks_.units(b);
  const std::uint64_t old_size = bytes(b);
  unlink_free(b, true);
  push_used(b, units);
  if (is_top) {
    set_used_size(b, size);
    set_top(addr(b) + size);
  } else if (split_ && old_size - size >= min_split_) {
    split(b, size, old_size - size);
  }
  return addr(b) + header_;
}

// free: unlink from the used list, insert into the free list by address, compact if compact.
void OptimizedAllocator::free_block(Slot s) {
  const std::uint32_t units = blocks_.units(s);
  unlink_used(s);
  insert_free(s, units);
}

// ---------------------------------------------------------------- the API

// Each mutating call starts a new record of touched slots, even one that changes nothing.

u256 OptimizedAllocator::malloc(const u256& size) {
  begin_operation();
  std::uint64_t n = 0;
  if (!narrow(size, n) || n == 0 || n > end_) return 0;
  return malloc_impl(n);
}

u256 OptimizedAllocator::calloc(const u256& size, std::uint8_t fill) {
  begin_operation();
  std::uint64_t n = 0;
  if (!narrow(size, n) || n == 0 || n > end_) return 0;
  const std::uint64_t p = malloc_impl(n);
  if (p != 0) memory_.fill(p, n, fill);  // a seed block always holds n bytes below end
  return p;
}

u256 OptimizedAllocator::realloc(const u256& ptr, const u256& size) {
  begin_operation();
  std::uint64_t n = 0;
  const bool small = narrow(size, n);
  if (small && n == 0) return 0;
  std::uint64_t p = 0;
  if (!narrow(ptr, p)) return 0;
  const Slot b = find_used(p);
  if (b == kNone || !small || n > end_) return 0;
  const std::uint64_t size_p = padded(n);
  const std::uint64_t base = addr(b);
  const std::uint64_t old_size = bytes(b);
  const bool is_top = base + old_size >= top_;
  // Shrink: split off the excess if it is big enough, else trim the top block to size.
  if (size_p <= old_size) {
    if (split_ && old_size - size_p >= min_split_) {
      split(b, size_p, old_size - size_p);
    } else if (is_top) {
      set_top(base + size_p);
      set_used_size(b, size_p);  // seed: thi.ng leaves the stale size (spec §4.2)
    }
    return p;
  }
  // Grow in place at top.
  if (is_top && base + size_p <= end_) {
    set_used_size(b, size_p);
    set_top(base + size_p);
    return p;
  }
  // Move: allocate while b is still used, copy its whole data area, then free it.
  const std::uint64_t q = malloc_impl(n);
  if (q == 0) return 0;
  memory_.copy(q, base + header_, old_size - header_);
  free_block(b);
  return q;
}

bool OptimizedAllocator::free(const u256& ptr) {
  begin_operation();
  std::uint64_t p = 0;
  if (!narrow(ptr, p)) return false;
  const Slot b = find_used(p);
  if (b == kNone) return false;
  free_block(b);
  return true;
}

// freeAll: free = used = 0, top = initialTop; the side structures forget everything in O(1).
void OptimizedAllocator::free_all() {
  begin_operation();
  store_state(kStateFree, 0);
  store_state(kStateUsed, 0);
  set_top(initial_top_);
  blocks_.clear();
  free_index_.clear();
  free_head_ = free_tail_ = used_head_ = kNone;
  free_count_ = free_bytes_ = used_count_ = used_bytes_ = 0;
}

Stats OptimizedAllocator::stats() const {
  Stats s;
  s.free_count = free_count_;
  s.free_size = free_bytes_;
  s.used_count = used_count_;
  s.used_size = used_bytes_;
  s.top = top_;
  s.available = static_cast<std::int64_t>(end_ - top_ + free_bytes_);
  s.total = end_;
  if (evm_) {
    s.msize = memory_.msize();
    s.gas = memory_.expansion_gas();
  }
  return s;
}

void OptimizedAllocator::user_write(std::uint64_t address, std::span<const std::uint8_t> data) {
  begin_operation();  // data bytes only: no block words, nothing to record
  memory_.write_bytes(address, data);
}

}  // namespace fealloc
