// OptimizedAllocator's operations. Each mirrors the port's method of the same role (ThingPort,
// seed branches) store for store: the order of stores differs in places, but every word the port
// touches is touched here and ends with the same value, which is all that memory and msize see.
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

// ---------------------------------------------------------------- words and side lists

OptimizedAllocator::Slot OptimizedAllocator::find_used(std::uint64_t ptr) const {
  if (ptr < initial_top_ + header_) return kNone;
  const std::uint64_t offset = ptr - header_ - initial_top_;
  if ((offset & (align_ - 1)) != 0) return kNone;
  const std::uint64_t slot = offset >> shift_;
  if (slot >= blocks_.slots()) return kNone;
  return blocks_.kind(static_cast<Slot>(slot)) == Kind::used ? static_cast<Slot>(slot) : kNone;
}

void OptimizedAllocator::used_push(Slot s, std::uint32_t units) {
  blocks_.put(s, Kind::used, units, kNone, used_head_);
  if (used_head_ != kNone) blocks_.set_prev(used_head_, s);
  used_head_ = s;
  ++used_count_;
  used_bytes_ += std::uint64_t{units} << shift_;
}

void OptimizedAllocator::used_unlink(Slot s) {
  const Slot prev = blocks_.prev(s);
  const Slot next = blocks_.next(s);
  if (prev != kNone) {
    blocks_.set_next(prev, next);
  } else {
    used_head_ = next;
  }
  if (next != kNone) blocks_.set_prev(next, prev);
  --used_count_;
  used_bytes_ -= bytes(s);
  blocks_.erase(s);
}

void OptimizedAllocator::set_used_units(Slot s, std::uint32_t units) {
  used_bytes_ = used_bytes_ - bytes(s) + (std::uint64_t{units} << shift_);
  blocks_.set_units(s, units);
}

void OptimizedAllocator::free_link(Slot s, std::uint32_t units, Slot prev, Slot next) {
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
}

void OptimizedAllocator::free_unlink(Slot s) {
  const Slot prev = blocks_.prev(s);
  const Slot next = blocks_.next(s);
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
  free_bytes_ -= bytes(s);
  blocks_.erase(s);
}

void OptimizedAllocator::set_free_units(Slot s, std::uint32_t units) {
  free_bytes_ = free_bytes_ - bytes(s) + (std::uint64_t{units} << shift_);
  blocks_.set_units(s, units);
}

void OptimizedAllocator::set_top(std::uint64_t top) {
  top_ = top;
  store_state(kStateTop, top);
}

// ---------------------------------------------------------------- the port's operations

std::uint64_t OptimizedAllocator::malloc_impl(std::uint64_t n) {
  const std::uint64_t size = padded(n);
  // The port takes the first free block that fits or touches top. Only the last free block can
  // touch top (never one, when compacting), so that is the first fit, else the last block if it
  // touches top.
  Slot b = free_index_.first_fit(units_of(size));
  if (b == kNone && free_tail_ != kNone && block_end(free_tail_) >= top_) b = free_tail_;
  if (b != kNone) {
    const bool is_top = block_end(b) >= top_;
    if (is_top && addr(b) + size > end_) return 0;
    return take_free_block(b, size, is_top);
  }
  const std::uint64_t block = top_;
  if (block + size > end_) return 0;
  store(block, size);
  store(block + word_, link_addr(used_head_));
  store_state(kStateUsed, block);
  used_push(slot_at(block), units_of(size));
  set_top(block + size);
  return block + header_;
}

// The port's malloc_top: unlink b from the free list, push it onto the used list, then trim it.
std::uint64_t OptimizedAllocator::take_free_block(Slot b, std::uint64_t size, bool is_top) {
  const std::uint64_t old_size = bytes(b);
  store_link_to(blocks_.prev(b), kStateFree, link_addr(blocks_.next(b)));
  free_unlink(b);
  free_index_.set(b, 0);
  store_next(b, link_addr(used_head_));
  store_state(kStateUsed, addr(b));
  used_push(b, units_of(old_size));
  if (is_top) {
    store_size(b, size);
    set_used_units(b, units_of(size));
    set_top(addr(b) + size);
  } else if (split_ && old_size - size >= min_split_) {
    split_block(b, size, old_size - size);
  }
  return addr(b) + header_;
}

// b is a used block; its tail [size, size + excess) becomes a free block.
void OptimizedAllocator::split_block(Slot b, std::uint64_t size, std::uint64_t excess) {
  store_size(b, size);
  set_used_units(b, units_of(size));
  const Slot x = b + units_of(size);
  // init_block's size word; its next word is written by insert_free (the port writes 0 first,
  // then the successor: the same word, so only the last value shows).
  store_size(x, excess);
  insert_free(x, units_of(excess));
  index_new_free(x);
}

// The port's insert: link s into the free list between its address neighbours (the index is
// updated by the caller, once compaction has settled what s becomes).
void OptimizedAllocator::insert_free(Slot s, std::uint32_t units) {
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
  store_link_to(prev, kStateFree, addr(s));
  store_next(s, link_addr(next));
  free_link(s, units, prev, next);
}

// A block just linked by insert_free: compact (which indexes what survives), or just index it.
void OptimizedAllocator::index_new_free(Slot s) {
  if (compact_) {
    compact_around(s);
  } else {
    free_index_.set(s, blocks_.units(s));
  }
}

// The port's compact, right after s was inserted (s is linked, not yet indexed). Before the
// insertion no two free blocks were adjacent and none touched top, so the port's walk changes
// nothing but the run through s: s's predecessor, s and s's successor, as far as they are
// contiguous. The run's first block takes the whole extent, each merged-away block's next word
// becomes 0 (its size word stays), and if the result touches top it becomes top and leaves the
// free list with its header as it is.
void OptimizedAllocator::compact_around(Slot s) {
  const Slot prev = blocks_.prev(s);
  const Slot next = blocks_.next(s);
  const bool merge_prev = prev != kNone && prev + blocks_.units(prev) == s;
  const bool merge_next = next != kNone && s + blocks_.units(s) == next;
  const Slot b = merge_prev ? prev : s;
  if (merge_prev || merge_next) {
    const Slot last = merge_next ? next : s;
    const Slot after = blocks_.next(last);
    const std::uint32_t units = last + blocks_.units(last) - b;
    store_size(b, std::uint64_t{units} << shift_);
    if (merge_prev) store_next(s, 0);
    if (merge_next) store_next(next, 0);
    store_next(b, link_addr(after));
    if (merge_next) {
      free_unlink(next);
      free_index_.set(next, 0);
    }
    if (merge_prev) free_unlink(s);
    set_free_units(b, units);
  }
  if (block_end(b) >= top_) {
    set_top(addr(b));
    store_link_to(blocks_.prev(b), kStateFree, link_addr(blocks_.next(b)));
    free_unlink(b);
    if (b != s) free_index_.set(b, 0);
  } else {
    free_index_.set(b, blocks_.units(b));
  }
}

void OptimizedAllocator::free_block(Slot s) {
  store_link_to(blocks_.prev(s), kStateUsed, link_addr(blocks_.next(s)));
  const std::uint32_t units = blocks_.units(s);
  used_unlink(s);
  insert_free(s, units);
  index_new_free(s);
}

// ---------------------------------------------------------------- the API

u256 OptimizedAllocator::malloc(const u256& size) {
  std::uint64_t n = 0;
  if (!narrow(size, n) || n == 0 || n > end_) return 0;
  return malloc_impl(n);
}

u256 OptimizedAllocator::calloc(const u256& size, std::uint8_t fill) {
  std::uint64_t n = 0;
  if (!narrow(size, n) || n == 0 || n > end_) return 0;
  const std::uint64_t p = malloc_impl(n);
  if (p != 0) memory_.fill(p, n, fill);  // a seed block always holds n bytes below end
  return p;
}

u256 OptimizedAllocator::realloc(const u256& ptr, const u256& size) {
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
  if (size_p <= old_size) {
    if (split_ && old_size - size_p >= min_split_) {
      split_block(b, size_p, old_size - size_p);
    } else if (is_top) {
      set_top(base + size_p);
      store_size(b, size_p);  // seed: thi.ng leaves the stale size (spec §4.2)
      set_used_units(b, units_of(size_p));
    }
    return p;
  }
  if (is_top && base + size_p <= end_) {
    store_size(b, size_p);
    set_used_units(b, units_of(size_p));
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
  std::uint64_t p = 0;
  if (!narrow(ptr, p)) return false;
  const Slot b = find_used(p);
  if (b == kNone) return false;
  free_block(b);
  return true;
}

void OptimizedAllocator::free_all() {
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
  memory_.write_bytes(address, data);
}

}  // namespace fealloc
