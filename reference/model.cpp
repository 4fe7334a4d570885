// ReferenceModel implementation: the operations. Each public operation follows the paragraph of
// spec/semantics.md §3 of the same name, seed rules only. Memory is never stored: the model only
// records which addresses the algorithm touches (for msize), which data bytes the program may
// rely on, and which of its expectations each operation changed (changed_ranges()). The checks
// (check, verify) are in model_verify.cpp.
#include "reference/model.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace fealloc {

namespace {
std::string hex(std::uint64_t v) { return to_hex(u256(v)); }

using KnownBytes = ReferenceModel::KnownBytes;

// Forgets the known bytes at offsets [lo, hi), cutting the runs that straddle either end.
void forget(KnownBytes& known, std::uint64_t lo, std::uint64_t hi) {
  if (lo >= hi) return;
  // Runs are disjoint and keyed by their first offset: only the run that starts at or below lo
  // can reach into [lo, hi) from the left.
  auto it = known.upper_bound(lo);
  if (it != known.begin() && std::prev(it)->first + std::prev(it)->second.size() > lo) --it;
  while (it != known.end() && it->first < hi) {
    const std::uint64_t start = it->first;
    const std::uint64_t stop = start + it->second.size();
    const ReferenceModel::KnownRun run = std::move(it->second);
    it = known.erase(it);
    if (start < lo) known.emplace(start, run.slice(0, lo - start));
    if (stop > hi) known.emplace(hi, run.slice(hi - start, stop - start));
  }
}

void remember(KnownBytes& known, std::uint64_t offset, ReferenceModel::KnownRun bytes) {
  forget(known, offset, offset + bytes.size());
  known.emplace(offset, std::move(bytes));
}
}  // namespace

ReferenceModel::KnownRun ReferenceModel::KnownRun::slice(std::uint64_t from, std::uint64_t to) const {
  if (uniform_) return KnownRun(to - from, fill_);
  return KnownRun(std::vector<std::uint8_t>(bytes_.begin() + std::ptrdiff_t(from), bytes_.begin() + std::ptrdiff_t(to)));
}

// Starts the record of one public mutating operation: clears changed_ and, when the operation
// ends, adds the state words if the free head, the used head or top moved.
class ReferenceModel::Recording {
 public:
  explicit Recording(ReferenceModel& model) : model_(model), before_(heads()) { model_.changed_.clear(); }
  ~Recording() {
    if (heads() != before_) model_.mark(model_.config_.start, model_.config_.start + model_.config_.params.state);
  }
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

 private:
  struct Heads {
    std::uint64_t free, used, top;
    bool operator==(const Heads&) const = default;
  };
  Heads heads() const {
    return {model_.free_.empty() ? 0 : model_.free_.begin()->first,
            model_.used_list_.empty() ? 0 : model_.used_list_.front().addr, model_.top_};
  }
  ReferenceModel& model_;
  Heads before_;
};

ReferenceModel::ReferenceModel(const PoolConfig& config) : config_(config) {
  if (config_.semantics != Semantics::seed) {
    throw std::invalid_argument("the reference model implements seed semantics only");
  }
  top_ = config_.initial_top;
  touch(config_.start, config_.params.state);  // the seven state words are written at construction
  mark(config_.start, config_.start + config_.params.state);
}

// ---------------------------------------------------------------- helpers

void ReferenceModel::touch(std::uint64_t addr, std::uint64_t length) {
  if (length == 0) return;
  const std::uint64_t high = (addr + length + 31) / 32 * 32;
  msize_ = std::max(msize_, high);
}

void ReferenceModel::mark(std::uint64_t lo, std::uint64_t hi) {
  if (lo >= hi) return;
  if (!changed_.empty() && lo <= changed_.back().hi && hi >= changed_.back().lo) {
    changed_.back().lo = std::min(changed_.back().lo, lo);
    changed_.back().hi = std::max(changed_.back().hi, hi);
    return;
  }
  changed_.push_back({lo, hi});
}

std::optional<std::uint64_t> ReferenceModel::padded(const u256& n) const {
  if (n > config_.end) return std::nullopt;
  const std::uint64_t a = config_.align;
  return (low_u64(n) + header() + a - 1) / a * a;
}

ReferenceModel::UsedIndex::iterator ReferenceModel::find_used(const u256& ptr) {
  // A data address is b + H for a block b below end; anything else names no block.
  if (ptr > config_.end || ptr < header()) return used_at_.end();
  return used_at_.find(low_u64(ptr) - header());
}

const ReferenceModel::UsedBlock* ReferenceModel::used_block_at(std::uint64_t addr) const {
  const auto it = used_at_.find(addr);
  return it == used_at_.end() ? nullptr : &*it->second;
}

// ---------------------------------------------------------------- the lists

ReferenceModel::UsedBlock& ReferenceModel::push_used(std::uint64_t addr, std::uint64_t size, std::uint64_t requested) {
  used_list_.push_front(UsedBlock{addr, size, requested, {}});
  if (!used_at_.emplace(addr, used_list_.begin()).second) {
    throw std::logic_error("model: used block " + hex(addr) + " pushed twice");
  }
  used_size_ += size;
  mark_header(addr);  // size, and next = the old head
  return used_list_.front();
}

void ReferenceModel::unlink_used(UsedIndex::iterator block) {
  const UsedList::iterator position = block->second;
  // The block before it in the list now points past it (or the used head moves: a state word).
  if (position != used_list_.begin()) mark_header(std::prev(position)->addr);
  used_size_ -= position->size;
  used_list_.erase(position);
  used_at_.erase(block);
}

void ReferenceModel::resize_used(UsedBlock& block, std::uint64_t size) {
  used_size_ = used_size_ - block.size + size;
  block.size = size;
  mark_header(block.addr);
}

void ReferenceModel::insert_free(std::uint64_t addr, std::uint64_t size) {
  const auto [it, inserted] = free_.emplace(addr, size);
  if (!inserted) throw std::logic_error("model: free block " + hex(addr) + " inserted twice");
  free_size_ += size;
  mark_header(addr);                                        // size, and next = the block after it
  if (it != free_.begin()) mark_header(std::prev(it)->first);  // the block before now points to it
}

ReferenceModel::FreeList::iterator ReferenceModel::erase_free(FreeList::iterator block) {
  if (block != free_.begin()) mark_header(std::prev(block)->first);  // now points past it
  free_size_ -= block->second;
  return free_.erase(block);
}

void ReferenceModel::resize_free(FreeList::iterator block, std::uint64_t size) {
  free_size_ = free_size_ - block->second + size;
  block->second = size;
  mark_header(block->first);
}

// ---------------------------------------------------------------- the spec's steps

// split(b, s, excess): b keeps the first `keep` bytes; the rest becomes a new free block.
void ReferenceModel::split(UsedBlock& block, std::uint64_t keep) {
  const std::uint64_t rest = block.addr + keep;
  const std::uint64_t excess = block.size - keep;
  resize_used(block, keep);
  touch_header(rest);  // its header: size = excess, next = 0
  insert_free(rest, excess);
  if (config_.compact) compact();
}

void ReferenceModel::compact() {
  auto block = free_.begin();
  while (block != free_.end()) {
    // Merge the run of free blocks that follow this one contiguously.
    auto next = std::next(block);
    while (next != free_.end() && block->first + block->second == next->first) {
      const std::uint64_t merged = next->second;
      next = erase_free(next);
      resize_free(block, block->second + merged);
    }
    if (block->first + block->second >= top_) {
      top_ = block->first;
      block = erase_free(block);
    } else {
      block = next;
    }
  }
}

std::optional<std::uint64_t> ReferenceModel::allocate(std::uint64_t n, std::uint64_t padded_n) {
  // First free block in address order that touches top or is big enough.
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const std::uint64_t b = it->first;
    const std::uint64_t size = it->second;
    const bool touches_top = b + size >= top_;
    if (!touches_top && size < padded_n) continue;
    if (touches_top && b + padded_n > config_.end) return std::nullopt;
    erase_free(it);
    UsedBlock& block = push_used(b, size, n);
    if (touches_top) {
      resize_used(block, padded_n);
      top_ = b + padded_n;
    } else if (config_.split && size - padded_n >= config_.min_split) {
      split(block, padded_n);
    }
    return b;
  }
  // A new block at top.
  const std::uint64_t b = top_;
  if (b + padded_n > config_.end) return std::nullopt;
  touch_header(b);
  push_used(b, padded_n, n);
  top_ = b + padded_n;
  return b;
}

void ReferenceModel::release(UsedIndex::iterator block) {
  const std::uint64_t addr = block->second->addr;
  const std::uint64_t size = block->second->size;
  unlink_used(block);
  insert_free(addr, size);
  if (config_.compact) compact();
}

// ---------------------------------------------------------------- operations

u256 ReferenceModel::malloc_block(const u256& size) {
  if (size == 0) return 0;
  const auto padded_n = padded(size);
  if (!padded_n) return 0;
  const auto b = allocate(low_u64(size), *padded_n);
  return b ? u256(*b + header()) : u256(0);
}

u256 ReferenceModel::malloc(const u256& size) {
  const Recording record(*this);
  return malloc_block(size);
}

u256 ReferenceModel::calloc(const u256& size, std::uint8_t fill) {
  const Recording record(*this);
  const u256 p = malloc_block(size);
  if (p == 0) return 0;
  const std::uint64_t data = low_u64(p);
  const std::uint64_t n = low_u64(size);
  touch(data, n);
  // malloc pushed the new block at the head of the used list: every requested byte is known.
  remember(used_list_.front().known, 0, KnownRun(n, fill));
  mark(data, data + n);
  return p;
}

bool ReferenceModel::free(const u256& ptr) {
  const Recording record(*this);
  const auto block = find_used(ptr);
  if (block == used_at_.end()) return false;
  release(block);
  return true;
}

u256 ReferenceModel::realloc(const u256& ptr, const u256& size) {
  const Recording record(*this);
  if (size == 0) return 0;
  const auto found = find_used(ptr);
  if (found == used_at_.end()) return 0;
  // A size past end cannot shrink, grow in place (b + padded(n) > end) or be allocated: 0.
  const auto padded_n = padded(size);
  if (!padded_n) return 0;
  UsedBlock& block = *found->second;  // list nodes stay where they are while the lists change
  const std::uint64_t n = low_u64(size);
  const std::uint64_t b = block.addr;
  const std::uint64_t s = block.size;
  const bool is_top = b + s >= top_;
  // What the program may rely on afterwards: its bytes below both requested sizes.
  const std::uint64_t keep = std::min(block.requested, n);

  if (*padded_n <= s) {  // shrink
    block.requested = n;
    forget(block.known, keep, UINT64_MAX);
    mark_header(b);  // the block changed (requested), even where its header words do not
    if (config_.split && s - *padded_n >= config_.min_split) {
      split(block, *padded_n);
    } else if (is_top) {
      top_ = b + *padded_n;
      resize_used(block, *padded_n);
    }
    return ptr;
  }
  if (is_top && b + *padded_n <= config_.end) {  // grow in place
    block.requested = n;
    forget(block.known, keep, UINT64_MAX);
    resize_used(block, *padded_n);
    top_ = b + *padded_n;
    return ptr;
  }
  // Move: allocate while b is still used, copy b's whole data region, then free b.
  const auto q = allocate(n, *padded_n);
  if (!q) return 0;
  touch(b + header(), s - header());   // the copy reads the old data region
  touch(*q + header(), s - header());  // and writes as many bytes at the new data address
  KnownBytes known = std::move(block.known);
  forget(known, keep, UINT64_MAX);
  for (const auto& [offset, run] : known) mark(*q + header() + offset, *q + header() + offset + run.size());
  used_list_.front().known = std::move(known);  // allocate pushed q at the head of the used list
  release(used_at_.find(b));
  return u256(*q + header());
}

void ReferenceModel::free_all() {
  const Recording record(*this);
  used_list_.clear();
  used_at_.clear();
  free_.clear();
  used_size_ = 0;
  free_size_ = 0;
  top_ = config_.initial_top;
}

Stats ReferenceModel::stats() const {
  Stats s;
  s.free_count = free_.size();
  s.free_size = free_size_;
  s.used_count = used_list_.size();
  s.used_size = used_size_;
  s.top = top_;
  s.available = std::int64_t(config_.end) - std::int64_t(top_) + std::int64_t(free_size_);
  s.total = config_.end;
  if (config_.layout == Layout::evm) {
    s.msize = msize_;
    s.gas = EvmMemory::gas_for_msize(msize_);
  }
  return s;
}

void ReferenceModel::user_write(std::uint64_t addr, std::span<const std::uint8_t> bytes) {
  const Recording record(*this);
  if (bytes.empty()) return;
  // Blocks are disjoint: only the one with the highest header address at or below addr can hold it.
  auto it = used_at_.upper_bound(addr);
  if (it != used_at_.begin()) {
    UsedBlock& b = *std::prev(it)->second;
    const std::uint64_t data = b.addr + header();
    if (addr >= data && addr - data <= b.requested && bytes.size() <= b.requested - (addr - data)) {
      touch(addr, bytes.size());
      remember(b.known, addr - data, KnownRun(std::vector<std::uint8_t>(bytes.begin(), bytes.end())));
      mark(addr, addr + bytes.size());
      return;
    }
  }
  throw std::logic_error("model: user_write of " + std::to_string(bytes.size()) + " bytes at " + hex(addr) +
                         " is not inside a live block's requested size");
}

}  // namespace fealloc
