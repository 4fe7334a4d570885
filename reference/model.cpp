// ReferenceModel implementation. Each public operation follows the paragraph of spec/semantics.md
// §3 of the same name, seed rules only. Memory is never stored: the model only records which
// addresses the algorithm touches (for msize) and which data bytes the program may rely on.
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
  for (auto it = known.begin(); it != known.end();) {
    const std::uint64_t start = it->first;
    const std::uint64_t stop = start + it->second.size();
    if (stop <= lo || start >= hi) {
      ++it;
      continue;
    }
    const std::vector<std::uint8_t> run = std::move(it->second);
    it = known.erase(it);
    if (start < lo) known.emplace(start, std::vector<std::uint8_t>(run.begin(), run.begin() + std::ptrdiff_t(lo - start)));
    if (stop > hi) known.emplace(hi, std::vector<std::uint8_t>(run.begin() + std::ptrdiff_t(hi - start), run.end()));
  }
}

void remember(KnownBytes& known, std::uint64_t offset, std::vector<std::uint8_t> bytes) {
  forget(known, offset, offset + bytes.size());
  known.emplace(offset, std::move(bytes));
}
}  // namespace

ReferenceModel::ReferenceModel(const PoolConfig& config) : config_(config) {
  if (config_.semantics != Semantics::seed) {
    throw std::invalid_argument("the reference model implements seed semantics only");
  }
  top_ = config_.initial_top;
  touch(config_.start, config_.params.state);  // the seven state words are written at construction
}

// ---------------------------------------------------------------- helpers

void ReferenceModel::touch(std::uint64_t addr, std::uint64_t length) {
  if (length == 0) return;
  const std::uint64_t high = (addr + length + 31) / 32 * 32;
  msize_ = std::max(msize_, high);
}

std::optional<std::uint64_t> ReferenceModel::padded(const u256& n) const {
  if (n > config_.end) return std::nullopt;
  const std::uint64_t a = config_.align;
  return (low_u64(n) + header() + a - 1) / a * a;
}

std::vector<ReferenceModel::UsedBlock>::iterator ReferenceModel::find_used(const u256& ptr) {
  return std::find_if(used_.begin(), used_.end(), [&](const UsedBlock& b) { return u256(b.addr + header()) == ptr; });
}

void ReferenceModel::insert_free(std::uint64_t addr, std::uint64_t size) {
  const bool inserted = free_.emplace(addr, size).second;
  if (!inserted) throw std::logic_error("model: free block " + hex(addr) + " inserted twice");
}

// split(b, s, excess): b keeps the first `keep` bytes; the rest becomes a new free block.
void ReferenceModel::split(UsedBlock& block, std::uint64_t keep) {
  const std::uint64_t rest = block.addr + keep;
  const std::uint64_t excess = block.size - keep;
  block.size = keep;
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
      block->second += next->second;
      next = free_.erase(next);
    }
    if (block->first + block->second >= top_) {
      top_ = block->first;
      block = free_.erase(block);
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
    free_.erase(it);
    used_.insert(used_.begin(), UsedBlock{b, size, n, {}});
    UsedBlock& block = used_.front();
    if (touches_top) {
      block.size = padded_n;
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
  used_.insert(used_.begin(), UsedBlock{b, padded_n, n, {}});
  top_ = b + padded_n;
  return b;
}

void ReferenceModel::release(std::vector<UsedBlock>::iterator block) {
  const std::uint64_t addr = block->addr;
  const std::uint64_t size = block->size;
  used_.erase(block);
  insert_free(addr, size);
  if (config_.compact) compact();
}

// ---------------------------------------------------------------- operations

u256 ReferenceModel::malloc(const u256& size) {
  if (size == 0) return 0;
  const auto padded_n = padded(size);
  if (!padded_n) return 0;
  const auto b = allocate(low_u64(size), *padded_n);
  return b ? u256(*b + header()) : u256(0);
}

u256 ReferenceModel::calloc(const u256& size, std::uint8_t fill) {
  const u256 p = malloc(size);
  if (p == 0) return 0;
  const std::uint64_t n = low_u64(size);
  touch(low_u64(p), n);
  remember(used_.front().known, 0, std::vector<std::uint8_t>(n, fill));  // every requested byte
  return p;
}

bool ReferenceModel::free(const u256& ptr) {
  const auto block = find_used(ptr);
  if (block == used_.end()) return false;
  release(block);
  return true;
}

u256 ReferenceModel::realloc(const u256& ptr, const u256& size) {
  if (size == 0) return 0;
  const auto block = find_used(ptr);
  if (block == used_.end()) return 0;
  // A size past end cannot shrink, grow in place (b + padded(n) > end) or be allocated: 0.
  const auto padded_n = padded(size);
  if (!padded_n) return 0;
  const std::uint64_t n = low_u64(size);
  const std::uint64_t b = block->addr;
  const std::uint64_t s = block->size;
  const bool is_top = b + s >= top_;
  // What the program may rely on afterwards: its bytes below both requested sizes.
  const std::uint64_t keep = std::min(block->requested, n);
  KnownBytes known = block->known;
  forget(known, keep, UINT64_MAX);

  if (*padded_n <= s) {  // shrink
    block->requested = n;
    block->known = known;
    if (config_.split && s - *padded_n >= config_.min_split) {
      split(*block, *padded_n);
    } else if (is_top) {
      top_ = b + *padded_n;
      block->size = *padded_n;
    }
    return ptr;
  }
  if (is_top && b + *padded_n <= config_.end) {  // grow in place
    block->requested = n;
    block->known = known;
    block->size = *padded_n;
    top_ = b + *padded_n;
    return ptr;
  }
  // Move: allocate while b is still used, copy b's whole data region, then free b.
  const auto q = allocate(n, *padded_n);  // invalidates `block`
  if (!q) return 0;
  touch(b + header(), s - header());   // the copy reads the old data region
  touch(*q + header(), s - header());  // and writes as many bytes at the new data address
  used_.front().known = std::move(known);
  release(std::find_if(used_.begin(), used_.end(), [&](const UsedBlock& u) { return u.addr == b; }));
  return u256(*q + header());
}

void ReferenceModel::free_all() {
  used_.clear();
  free_.clear();
  top_ = config_.initial_top;
}

Stats ReferenceModel::stats() const {
  Stats s;
  for (const auto& [addr, size] : free_) {
    ++s.free_count;
    s.free_size += size;
  }
  for (const UsedBlock& b : used_) {
    ++s.used_count;
    s.used_size += b.size;
  }
  s.top = top_;
  s.available = std::int64_t(config_.end) - std::int64_t(top_) + std::int64_t(s.free_size);
  s.total = config_.end;
  if (config_.layout == Layout::evm) {
    s.msize = msize_;
    s.gas = EvmMemory::gas_for_msize(msize_);
  }
  return s;
}

void ReferenceModel::user_write(std::uint64_t addr, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  for (UsedBlock& b : used_) {
    const std::uint64_t data = b.addr + header();
    if (addr < data || addr - data > b.requested || bytes.size() > b.requested - (addr - data)) continue;
    const std::uint64_t offset = addr - data;
    touch(addr, bytes.size());
    remember(b.known, offset, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    return;
  }
  throw std::logic_error("model: user_write of " + std::to_string(bytes.size()) + " bytes at " + hex(addr) +
                         " is not inside a live block's requested size");
}

// ---------------------------------------------------------------- checks

std::string ReferenceModel::check_invariants() const {
  const std::uint64_t initial_top = config_.initial_top;
  const std::uint64_t align = config_.align;
  if (top_ < initial_top || top_ > config_.end) {
    return "top " + hex(top_) + " outside [initialTop " + hex(initial_top) + ", end " + hex(config_.end) + "]";
  }
  // Every block, used and free, by address.
  struct Entry {
    std::uint64_t size;
    bool used;
  };
  std::map<std::uint64_t, Entry> blocks;
  for (const auto& [addr, size] : free_) blocks.emplace(addr, Entry{size, false});
  for (const UsedBlock& b : used_) {
    if (!blocks.emplace(b.addr, Entry{b.size, true}).second) {
      return "used block " + hex(b.addr) + " is also in the free list or twice in the used list";
    }
    const auto padded_n = padded(b.requested);
    if (b.requested == 0 || !padded_n || *padded_n > b.size) {
      return "used block " + hex(b.addr) + " of size " + hex(b.size) + " cannot hold its requested " + hex(b.requested) + " bytes";
    }
    for (const auto& [offset, run] : b.known) {
      if (offset + run.size() > b.requested) return "used block " + hex(b.addr) + " knows bytes past its requested size";
    }
  }
  std::uint64_t expected = initial_top;  // the blocks tile [initialTop, top) exactly
  for (const auto& [addr, e] : blocks) {
    auto what = [&, addr = addr, used = e.used] { return std::string(used ? "used" : "free") + " block " + hex(addr); };
    if ((addr + header()) % align != 0) return what() + ": data address not aligned to " + hex(align);
    if (e.size <= header() || e.size % align != 0) return what() + ": size " + hex(e.size) + " is not a positive multiple of align past the header";
    if (addr < expected) return what() + " overlaps the block before it (which ends at " + hex(expected) + ")";
    if (addr > expected) return what() + " leaves a gap [" + hex(expected) + ", " + hex(addr) + ") no block covers";
    if (addr + e.size > top_) return what() + " of size " + hex(e.size) + " reaches past top " + hex(top_);
    expected = addr + e.size;
  }
  if (expected != top_) return "blocks end at " + hex(expected) + " but top is " + hex(top_);
  if (config_.compact) {
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      const auto next = std::next(it);
      if (next != free_.end() && it->first + it->second == next->first) {
        return "free blocks " + hex(it->first) + " and " + hex(next->first) + " are adjacent after compaction";
      }
      if (it->first + it->second >= top_) return "free block " + hex(it->first) + " touches top after compaction";
    }
  }
  return "";
}

std::string ReferenceModel::verify(const EvmMemory& memory) const {
  if (std::string problem = check_invariants(); !problem.empty()) return "model: " + problem;

  // A stored word as the layout encodes it, read without touching the memory.
  auto read_word = [&](std::uint64_t addr) {
    u256 value = 0;
    if (config_.layout == Layout::evm) {
      for (std::uint64_t i = 0; i < 32; ++i) value = (value << 8) | memory.peek(addr + i);
    } else {
      for (std::uint64_t i = 4; i-- > 0;) value = (value << 8) | memory.peek(addr + i);
    }
    return value;
  };
  // The same comparison without u256 arithmetic (verify runs after every operation of a fuzz run).
  auto word_is = [&](std::uint64_t addr, std::uint64_t want) {
    if (config_.layout == Layout::thing) {
      std::uint64_t value = 0;
      for (std::uint64_t i = 4; i-- > 0;) value = (value << 8) | memory.peek(addr + i);
      return value == want;
    }
    for (std::uint64_t i = 0; i < 24; ++i) {
      if (memory.peek(addr + i) != 0) return false;
    }
    std::uint64_t value = 0;
    for (std::uint64_t i = 24; i < 32; ++i) value = (value << 8) | memory.peek(addr + i);
    return value == want;
  };
  auto mismatch = [&](const std::string& what, std::uint64_t addr, std::uint64_t want) {
    return what + " (word at " + hex(addr) + "): expected " + hex(want) + ", found " + to_hex(read_word(addr));
  };

  const std::uint64_t w = word();
  const std::uint64_t flags = (config_.compact ? kFlagCompact : 0) | (config_.split ? kFlagSplit : 0);
  const std::uint64_t free_head = free_.empty() ? 0 : free_.begin()->first;
  const std::uint64_t used_head = used_.empty() ? 0 : used_.front().addr;
  const std::pair<const char*, std::uint64_t> state[] = {
      {"state word free", free_head},          {"state word used", used_head}, {"state word top", top_},
      {"state word end", config_.end},         {"state word align", config_.align},
      {"state word flags", flags},             {"state word minSplit", config_.min_split},
  };
  for (std::uint64_t i = 0; i < 7; ++i) {
    const std::uint64_t addr = config_.start + i * w;
    if (!word_is(addr, state[i].second)) return mismatch(state[i].first, addr, state[i].second);
  }

  for (std::size_t i = 0; i < used_.size(); ++i) {
    const UsedBlock& b = used_[i];
    const std::uint64_t next = i + 1 < used_.size() ? used_[i + 1].addr : 0;
    auto what = [&] { return "used block " + hex(b.addr) + " (#" + std::to_string(i) + " of the used list)"; };
    if (!word_is(b.addr, b.size)) return mismatch(what() + " size", b.addr, b.size);
    if (!word_is(b.addr + w, next)) return mismatch(what() + " next", b.addr + w, next);
    const std::uint64_t data = b.addr + header();
    const std::uint8_t* bytes = memory.backing_data();
    const std::uint64_t stored = memory.backing_size();  // everything above is zero
    for (const auto& [offset, run] : b.known) {
      const std::uint64_t addr = data + offset;
      if (addr + run.size() <= stored && std::memcmp(bytes + addr, run.data(), run.size()) == 0) continue;
      for (std::uint64_t k = 0; k < run.size(); ++k) {
        const std::uint8_t found = addr + k < stored ? bytes[addr + k] : 0;
        if (found != run[k]) {
          return what() + " data byte at offset " + hex(offset + k) + " (address " + hex(addr + k) + "): expected " +
                 hex(run[k]) + ", found " + hex(found);
        }
      }
    }
  }

  std::size_t index = 0;
  for (auto it = free_.begin(); it != free_.end(); ++it, ++index) {
    const auto next_it = std::next(it);
    const std::uint64_t next = next_it == free_.end() ? 0 : next_it->first;
    auto what = [&] { return "free block " + hex(it->first) + " (#" + std::to_string(index) + " of the free list)"; };
    if (!word_is(it->first, it->second)) return mismatch(what() + " size", it->first, it->second);
    if (!word_is(it->first + w, next)) return mismatch(what() + " next", it->first + w, next);
  }
  return "";
}

}  // namespace fealloc
