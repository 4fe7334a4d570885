// ThingPort implementation (its observers, stats() and check(), are in thing_port_observers.cpp). Each method mirrors the pool.js method of the same name; the comments
// mark where seed semantics departs from it (spec §3 **seed**) and where JS number rules matter.
#include "reference/thing_port.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace fealloc {

namespace {
std::int32_t to_int32(std::int64_t x) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(x)); }
std::uint32_t to_uint32(std::int64_t x) { return static_cast<std::uint32_t>(x); }
int log2_of(std::uint64_t power_of_two) {
  int shift = 0;
  while ((std::uint64_t{1} << shift) < power_of_two) ++shift;
  return shift;
}
}  // namespace

ThingPort::ThingPort(const PoolConfig& config, std::uint64_t memory_cap)
    : config_(config), memory_(memory_cap), step_budget_(32 * (config.end / 4) + 1024) {
  // The constructor's stores, as MemPool's constructor makes them (order does not matter: each
  // word is written once).
  set_state(kStateAlign, Num(config_.align));
  set_state(kStateFlags, Num((config_.compact ? kFlagCompact : 0) | (config_.split ? kFlagSplit : 0)));
  set_state(kStateMinSplit, Num(config_.min_split));
  set_state(kStateEnd, Num(config_.end));
  set_state(kStateTop, Num(config_.initial_top));
  set_state(kStateFree, 0);
  set_state(kStateUsed, 0);
}

std::string_view ThingPort::name() const { return thing() ? "port-thing" : "port-seed"; }

ThingPort::Num ThingPort::to_num(const u256& v) {
  // JS would round values above 2^53; those only matter in that they match no block, which a
  // value far above any u32 address reproduces.
  constexpr std::uint64_t kFar = std::uint64_t{1} << 60;
  return v >= kFar ? Num(kFar) : Num(low_u64(v));
}

void ThingPort::count_step() {
  if (++steps_ > step_budget_) throw CorruptHeap("a list walk exceeded " + std::to_string(step_budget_) + " steps (a cycle)");
}

void ThingPort::WalkCycle::throw_cycle() const {
  throw CorruptHeap("a list walk came back to block " + std::to_string(block_) + " in the same state (a cycle)");
}

std::uint64_t ThingPort::word_key(std::uint64_t addr, std::uint64_t value, bool high_nonzero) {
  // splitmix64's finalizer over the address and the value: distinct words give unrelated keys.
  std::uint64_t z = addr * 0x9e3779b97f4a7c15ULL + value + (high_nonzero ? 0x5851f42d4c957f2dULL : 0);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (z ^ value) * 0xd6e8feb86659fd93ULL + addr;
}

// ---------------------------------------------------------------- words

std::uint64_t ThingPort::load_word(std::uint64_t addr, bool allow_u64) {
  if (config_.layout == Layout::thing) return memory_.load_le32(addr);
  bool high_nonzero = false;
  const std::uint64_t value = memory_.load_word32(addr, &high_nonzero);
  return checked_word(addr, value, high_nonzero, allow_u64);
}

std::uint64_t ThingPort::checked_word(std::uint64_t addr, std::uint64_t value, bool high_nonzero, bool allow_u64) const {
  // Thing semantics only ever stores u32 values; seed semantics stores 64-bit ones (spec §5), of
  // which a sane heap holds none above 2^63.
  const std::uint64_t limit = thing() ? std::numeric_limits<std::uint32_t>::max() : std::uint64_t(INT64_MAX);
  if (high_nonzero || (value > limit && !(allow_u64 && !thing()))) {
    throw CorruptHeap("a header word at " + std::to_string(addr) + " holds a value out of range");
  }
  return value;
}

void ThingPort::store_word(std::uint64_t addr, Num value) {
  // JS stores into a Uint32Array apply ToUint32; seed semantics stores the exact (non-negative)
  // value, which in the thing layout always fits 32 bits (resolve_pool sees to that).
  const std::uint64_t stored = thing() ? std::uint64_t{to_uint32(value)} : static_cast<std::uint64_t>(value);
  if (hash_stores_) {
    bool high_nonzero = false;
    const std::uint64_t old = config_.layout == Layout::thing ? std::uint64_t{memory_.peek_le32(addr)}
                                                              : memory_.peek_word32(addr, &high_nonzero);
    store_hash_ ^= word_key(addr, old, high_nonzero) ^ word_key(addr, stored, false);
  }
  if (config_.layout == Layout::thing) {
    memory_.store_le32(addr, static_cast<std::uint32_t>(stored));
  } else {
    memory_.store_word32(addr, stored);
  }
}

// The address of a block's field, computed as the package indexes its Uint32Array:
// `(block >> 2) + field` (signed) in most methods, `(block >>> 2) + field` in initBlock.
std::optional<std::uint64_t> ThingPort::field_addr(Num block, int field, bool unsigned_index) const {
  const int shift = log2_of(config_.params.word);
  const Num index = (unsigned_index ? Num(to_uint32(block) >> shift) : Num(to_int32(block) >> shift)) + field;
  const Num words = Num(config_.end / config_.params.word);
  if (index < 0 || index >= words) return std::nullopt;
  return std::uint64_t(index) * config_.params.word;
}

bool ThingPort::may_split(Num excess) {
  // minSplit is the one state word that seed semantics lets exceed 2^63 (any u64 option): compare
  // it unsigned. A negative excess (thing semantics only) never reaches a u32 minSplit either.
  const std::uint64_t min_split = load_word(config_.start + kStateMinSplit * config_.params.word, true);
  return excess >= 0 && std::uint64_t(excess) >= min_split;
}

ThingPort::Num ThingPort::state(StateWord word) { return Num(load_word(config_.start + word * config_.params.word)); }

void ThingPort::set_state(StateWord word, Num value) { store_word(config_.start + word * config_.params.word, value); }

// ---------------------------------------------------------------- block helpers

ThingPort::Num ThingPort::block_size(Num block) {
  const auto addr = field_addr(block, 0, false);
  if (!addr) throw CorruptHeap("read of a block size outside the buffer at block " + std::to_string(block));
  return Num(load_word(*addr));
}

ThingPort::Num ThingPort::set_block_size(Num block, Num size) {
  if (const auto addr = field_addr(block, 0, false)) store_word(*addr, size);
  return size;  // the argument, not the stored value, as in pool.js
}

ThingPort::Num ThingPort::block_next(Num block) {
  count_step();
  const auto addr = field_addr(block, 1, false);
  if (!addr) throw CorruptHeap("read of a block link outside the buffer at block " + std::to_string(block));
  return Num(load_word(*addr));
}

void ThingPort::set_block_next(Num block, Num next) {
  if (const auto addr = field_addr(block, 1, false)) store_word(*addr, next);
}

ThingPort::Num ThingPort::init_block(Num block, Num size, Num next) {
  if (const auto addr = field_addr(block, 0, true)) store_word(*addr, size);
  if (const auto addr = field_addr(block, 1, true)) store_word(*addr, next);
  return block;
}

void ThingPort::unlink_block(Num prev, Num block) { set_block_next(prev, block_next(block)); }

void ThingPort::split_block(Num block, Num block_size, Num excess) {
  const Num split_at = block + set_block_size(block, block_size);
  insert(init_block(split_at, excess, 0));
  if ((state(kStateFlags) & kFlagCompact) != 0) compact();
}

void ThingPort::compact() {
  // The outer loop stores as it goes: its state is the block, the previous block and the memory
  // (what this call has stored so far). Not reentrant: nothing below calls compact().
  struct HashStores {
    explicit HashStores(ThingPort& port) : port_(port) {
      port_.hash_stores_ = true;
      port_.store_hash_ = 0;
    }
    ~HashStores() { port_.hash_stores_ = false; }
    HashStores(const HashStores&) = delete;
    HashStores& operator=(const HashStores&) = delete;
    ThingPort& port_;
  } hashing(*this);
  WalkCycle outer;
  Num block = state(kStateFree);
  Num prev = 0;
  while (block != 0) {
    outer.visit(block, prev, store_hash_);
    Num scan_prev = block;
    Num scan = block_next(block);
    WalkCycle run;
    while (scan != 0 && scan_prev + block_size(scan_prev) == scan) {
      run.visit(scan);
      scan_prev = scan;
      scan = block_next(scan);
    }
    if (scan_prev != block) {
      const Num new_size = scan_prev - block + block_size(scan_prev);
      set_block_size(block, new_size);
      const Num next = block_next(scan_prev);
      Num tmp = block_next(block);
      // No cycle check needed: each step zeroes the next word it has just read (the read would
      // have thrown outside the buffer, so the store lands), so coming back to a block reads 0.
      while (tmp != 0 && tmp != next) {
        const Num tn = block_next(tmp);
        set_block_next(tmp, 0);
        tmp = tn;
      }
      set_block_next(block, next);
    }
    if (block + block_size(block) >= state(kStateTop)) {
      set_state(kStateTop, block);
      if (prev != 0) {
        unlink_block(prev, block);
      } else {
        set_state(kStateFree, block_next(block));
      }
    }
    prev = block;
    block = block_next(block);
  }
}

void ThingPort::insert(Num block) {
  Num ptr = state(kStateFree);
  Num prev = 0;
  WalkCycle cycle;
  while (ptr != 0) {
    cycle.visit(ptr);
    if (block <= ptr) break;
    prev = ptr;
    ptr = block_next(ptr);
  }
  if (prev != 0) {
    set_block_next(prev, block);
  } else {
    set_state(kStateFree, block);
  }
  set_block_next(block, ptr);
}

// ---------------------------------------------------------------- sizes

std::optional<ThingPort::Num> ThingPort::padded_size(const u256& bytes) {
  const Num align = state(kStateAlign);
  const Num header = Num(config_.params.header);
  if (thing()) {
    // align(bytes + H, a) = ToInt32(bytes + H + a - 1) & ~(a - 1): only bytes mod 2^32 matters.
    const Num low = Num(low_u64(bytes & 0xffffffffULL));
    return Num(to_int32(low + header + align - 1) & to_int32(~(align - 1)));
  }
  if (bytes > config_.end) return std::nullopt;  // seed: a size past end never fits
  const Num n = Num(low_u64(bytes));
  return (n + header + align - 1) / align * align;
}

// ---------------------------------------------------------------- malloc

u256 ThingPort::malloc(const u256& size) {
  begin_operation();
  return u256(malloc_impl(size));
}

ThingPort::Num ThingPort::malloc_impl(const u256& bytes) {
  if (bytes == 0) return 0;
  const auto padded = padded_size(bytes);
  if (!padded) return 0;
  const Num end = state(kStateEnd);
  Num top = state(kStateTop);
  Num block = state(kStateFree);
  Num prev = 0;
  WalkCycle cycle;
  while (block != 0) {
    cycle.visit(block);
    const Num size = block_size(block);
    const bool is_top = block + size >= top;
    if (is_top || size >= *padded) return malloc_top(block, prev, size, *padded, is_top);
    prev = block;
    block = block_next(block);
  }
  block = top;
  top = block + *padded;
  if (top <= end) {
    init_block(block, *padded, state(kStateUsed));
    set_state(kStateUsed, block);
    set_state(kStateTop, top);
    return data_address(block);
  }
  return 0;
}

ThingPort::Num ThingPort::malloc_top(Num block, Num prev, Num block_size, Num padded, bool is_top) {
  if (is_top && block + padded > state(kStateEnd)) return 0;
  if (prev != 0) {
    unlink_block(prev, block);
  } else {
    set_state(kStateFree, block_next(block));
  }
  set_block_next(block, state(kStateUsed));
  set_state(kStateUsed, block);
  if (is_top) {
    set_state(kStateTop, block + set_block_size(block, padded));
  } else if ((state(kStateFlags) & kFlagSplit) != 0) {
    const Num excess = block_size - padded;
    if (may_split(excess)) split_block(block, padded, excess);
  }
  return data_address(block);
}

u256 ThingPort::calloc(const u256& size, std::uint8_t fill) {
  begin_operation();
  const Num addr = malloc_impl(size);
  if (addr != 0) {
    // u8.fill(fill, addr, addr + bytes) clips to the buffer; seed blocks always hold n bytes.
    const u256 fill_end = std::min<u256>(u256(addr) + size, u256(config_.end));
    if (u256(addr) < fill_end) memory_.fill(std::uint64_t(addr), low_u64(fill_end) - std::uint64_t(addr), fill);
  }
  return u256(addr);
}

// ---------------------------------------------------------------- realloc

u256 ThingPort::realloc(const u256& ptr, const u256& size) {
  begin_operation();
  if (size == 0) return 0;
  const Num old_addr = self_address(to_num(ptr));
  const auto padded = padded_size(size);
  Num new_addr = 0;
  Num block_end = 0;
  Num block = state(kStateUsed);
  WalkCycle cycle;
  while (block != 0) {
    cycle.visit(block);
    if (block == old_addr) {
      if (!padded) return 0;  // seed: cannot fit, nothing changes
      const ReallocResult r = realloc_block(block, size, *padded);
      new_addr = r.block;
      block_end = r.old_block_end;
      break;
    }
    block = block_next(block);
  }
  if (new_addr != 0 && new_addr != old_addr) {
    if (thing()) {
      // u8.copyWithin(target, start, end) with every index clipped to the buffer.
      const Num len = Num(config_.end);
      const Num target = std::min(data_address(new_addr), len);
      const Num from = std::min(data_address(old_addr), len);
      const Num to = std::min(block_end, len);
      const Num count = std::min(to - from, len - target);
      if (count > 0) memory_.copy(std::uint64_t(target), std::uint64_t(from), std::uint64_t(count));
    }
    // seed: realloc_block has already copied and freed.
  }
  return u256(data_address(new_addr));
}

ThingPort::ReallocResult ThingPort::realloc_block(Num block, const u256& bytes, Num padded) {
  const Num size = block_size(block);
  const Num block_end = block + size;
  const bool is_top = block_end >= state(kStateTop);
  if (padded <= size) {
    const bool split = (state(kStateFlags) & kFlagSplit) != 0;
    const Num excess = size - padded;
    if (split && may_split(excess)) {
      split_block(block, padded, excess);
    } else if (is_top) {
      set_state(kStateTop, block + padded);
      if (!thing()) set_block_size(block, padded);  // seed: thi.ng leaves the stale size (§4.2)
    }
    return {block, block_end};
  }
  // thi.ng grows in place only strictly below end (§4.3); seed allows reaching end exactly.
  const Num end = state(kStateEnd);
  if (is_top && (thing() ? block + padded < end : block + padded <= end)) {
    set_state(kStateTop, block + set_block_size(block, padded));
    return {block, block_end};
  }
  if (thing()) {
    free_impl(block);  // §4.1: the header address, so nothing is freed
    return {self_address(malloc_impl(bytes)), block_end};
  }
  // seed: allocate while the old block is still used, copy its data, then free it.
  const Num moved = malloc_impl(bytes);
  if (moved == 0) return {0, block_end};
  const Num header = Num(config_.params.header);
  memory_.copy(std::uint64_t(moved), std::uint64_t(block + header), std::uint64_t(size - header));
  free_impl(data_address(block));
  return {self_address(moved), block_end};
}

// ---------------------------------------------------------------- free

bool ThingPort::free(const u256& ptr) {
  begin_operation();
  return free_impl(to_num(ptr));
}

bool ThingPort::free_impl(Num ptr) {
  const Num addr = self_address(ptr);
  Num block = state(kStateUsed);
  Num prev = 0;
  WalkCycle cycle;
  while (block != 0) {
    cycle.visit(block);
    if (block == addr) {
      if (prev != 0) {
        unlink_block(prev, block);
      } else {
        set_state(kStateUsed, block_next(block));
      }
      insert(block);
      if ((state(kStateFlags) & kFlagCompact) != 0) compact();
      return true;
    }
    prev = block;
    block = block_next(block);
  }
  return false;
}

void ThingPort::free_all() {
  begin_operation();
  set_state(kStateFree, 0);
  set_state(kStateUsed, 0);
  set_state(kStateTop, Num(config_.initial_top));
}

// ---------------------------------------------------------------- writes

void ThingPort::user_write(std::uint64_t addr, std::span<const std::uint8_t> bytes) { memory_.write_bytes(addr, bytes); }

}  // namespace fealloc
