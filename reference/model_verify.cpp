// ReferenceModel's checks: its own invariants (check, over the whole heap or around what the last
// operation changed) and another party's memory against its expectations (verify, everything or
// only given ranges). Kept apart from the operations so that fuzz builds can leave this file out
// of coverage instrumentation.
//
// Why the ranged verify is enough between full ones (the executor's contract): a full verify
// (or a ranged one given [0, end)) establishes that the party's memory matches every expectation.
// During one operation the party's memory changes only inside the ranges it wrote (`written`,
// from EvmMemory's write tracking), and the model's expectations change only inside
// changed_ranges() (every header whose size or next word changed or that was created, the
// state words, the data bytes made known), or disappear (a block leaves both lists, a known byte
// is forgotten), which cannot create a mismatch. An expectation outside both sets therefore
// compares the same bytes with the same value as before the operation and still holds; only
// those inside them need looking at. The executor verifies everything at the first operation and
// every K operations, so a difference is found at the operation that made it or, if the ranges
// were incomplete, at the next full verify.
#include "reference/model.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace fealloc {

namespace {
std::string hex(std::uint64_t v) { return to_hex(u256(v)); }

// The ranges of a and b sorted by start, overlapping and adjacent ones merged, into `out` (a
// buffer the caller keeps, so that verifying allocates nothing once it has grown).
void merge_into(std::vector<EvmMemory::Range>& out, std::span<const EvmMemory::Range> a, std::span<const EvmMemory::Range> b) {
  out.clear();
  for (const auto& r : a) {
    if (r.lo < r.hi) out.push_back(r);
  }
  for (const auto& r : b) {
    if (r.lo < r.hi) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const EvmMemory::Range& x, const EvmMemory::Range& y) { return x.lo < y.lo; });
  std::size_t kept = 0;
  for (const auto& r : out) {
    if (kept != 0 && r.lo <= out[kept - 1].hi) {
      out[kept - 1].hi = std::max(out[kept - 1].hi, r.hi);
    } else {
      out[kept++] = r;
    }
  }
  out.resize(kept);
}
}  // namespace

// ---------------------------------------------------------------- neighbours by address

std::optional<ReferenceModel::BlockView> ReferenceModel::block_below(std::uint64_t addr) const {
  std::optional<BlockView> best;
  if (auto it = used_at_.lower_bound(addr); it != used_at_.begin()) {
    --it;
    best = BlockView{it->first, it->second->size, true};
  }
  if (auto it = free_.lower_bound(addr); it != free_.begin()) {
    --it;
    if (!best || it->first > best->addr) best = BlockView{it->first, it->second, false};
  }
  return best;
}

std::optional<ReferenceModel::BlockView> ReferenceModel::block_at_or_above(std::uint64_t addr) const {
  std::optional<BlockView> best;
  if (auto it = used_at_.lower_bound(addr); it != used_at_.end()) best = BlockView{it->first, it->second->size, true};
  if (auto it = free_.lower_bound(addr); it != free_.end()) {
    if (!best || it->first < best->addr) best = BlockView{it->first, it->second, false};
  }
  return best;
}

// ---------------------------------------------------------------- check

std::string ReferenceModel::check(CheckScope scope) const {
  if (scope == CheckScope::touched) return check_touched();
  if (std::string problem = check_invariants(); !problem.empty()) return problem;
  return check_counters();
}

std::string ReferenceModel::check_invariants() const {
  const std::uint64_t initial_top = config_.initial_top;
  const std::uint64_t align = config_.align;
  if (top_ < initial_top || top_ > config_.end) {
    return "top " + hex(top_) + " outside [initialTop " + hex(initial_top) + ", end " + hex(config_.end) + "]";
  }
  if (used_at_.size() != used_list_.size()) {
    return "the used list has " + std::to_string(used_list_.size()) + " blocks but its index " + std::to_string(used_at_.size());
  }
  for (const auto& [addr, position] : used_at_) {
    if (position->addr != addr) return "the used index names block " + hex(position->addr) + " at " + hex(addr);
  }
  // Every block, used and free, by address.
  struct Entry {
    std::uint64_t size;
    bool used;
  };
  std::map<std::uint64_t, Entry> blocks;
  for (const auto& [addr, size] : free_) blocks.emplace(addr, Entry{size, false});
  for (const UsedBlock& b : used_list_) {
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

std::string ReferenceModel::check_counters() const {
  std::uint64_t used = 0;
  std::uint64_t free = 0;
  for (const UsedBlock& b : used_list_) used += b.size;
  for (const auto& [addr, size] : free_) free += size;
  if (used != used_size_) return "stats used_size " + hex(used_size_) + " but the used blocks add up to " + hex(used);
  if (free != free_size_) return "stats free_size " + hex(free_size_) + " but the free blocks add up to " + hex(free);
  return "";
}

// The invariants of check_invariants() that involve the block at addr: its own shape, and that it
// tiles with the blocks next to it by address (or initialTop, top), with compaction's rules.
std::string ReferenceModel::check_block_here(std::uint64_t addr) const {
  const auto used = used_at_.find(addr);
  const auto free = free_.find(addr);
  if (used != used_at_.end() && free != free_.end()) return "used block " + hex(addr) + " is also in the free list";
  if (used == used_at_.end() && free == free_.end()) return "no block at " + hex(addr);
  const bool is_used = used != used_at_.end();
  const std::uint64_t size = is_used ? used->second->size : free->second;
  auto what = [&] { return std::string(is_used ? "used" : "free") + " block " + hex(addr); };

  if ((addr + header()) % config_.align != 0) return what() + ": data address not aligned to " + hex(config_.align);
  if (size <= header() || size % config_.align != 0) return what() + ": size " + hex(size) + " is not a positive multiple of align past the header";
  if (is_used) {
    const UsedBlock& b = *used->second;
    if (b.addr != addr) return "the used index names block " + hex(b.addr) + " at " + hex(addr);
    const auto padded_n = padded(b.requested);
    if (b.requested == 0 || !padded_n || *padded_n > size) {
      return what() + " of size " + hex(size) + " cannot hold its requested " + hex(b.requested) + " bytes";
    }
    // Runs are disjoint and sorted: the last one reaches furthest.
    if (!b.known.empty() && b.known.rbegin()->first + b.known.rbegin()->second.size() > b.requested) {
      return what() + " knows bytes past its requested size";
    }
  }

  const auto before = block_below(addr);
  const std::uint64_t start = before ? before->addr + before->size : config_.initial_top;
  if (addr < start) return what() + " overlaps the block before it (which ends at " + hex(start) + ")";
  if (addr > start) return what() + " leaves a gap [" + hex(start) + ", " + hex(addr) + ") no block covers";
  const auto after = block_at_or_above(addr + 1);
  const std::uint64_t stop = after ? after->addr : top_;
  if (addr + size > stop) return what() + " of size " + hex(size) + " reaches past " + (after ? "the next block " : "top ") + hex(stop);
  if (addr + size < stop) return what() + " leaves a gap [" + hex(addr + size) + ", " + hex(stop) + ") no block covers";
  if (config_.compact && !is_used) {
    if (before && !before->used) return "free blocks " + hex(before->addr) + " and " + hex(addr) + " are adjacent after compaction";
    if (after && !after->used) return "free blocks " + hex(addr) + " and " + hex(after->addr) + " are adjacent after compaction";
    if (!after) return what() + " touches top after compaction";
  }
  return "";
}

std::string ReferenceModel::check_touched() const {
  if (top_ < config_.initial_top || top_ > config_.end) {
    return "top " + hex(top_) + " outside [initialTop " + hex(config_.initial_top) + ", end " + hex(config_.end) + "]";
  }
  if (used_at_.size() != used_list_.size()) {
    return "the used list has " + std::to_string(used_list_.size()) + " blocks but its index " + std::to_string(used_at_.size());
  }
  // The two ends of the heap (top moves without naming a block): the first block starts at
  // initialTop and the last one ends at top, or there is none and top is initialTop.
  const auto first = block_at_or_above(0);
  if (!first) {
    if (top_ != config_.initial_top) return "no blocks but top is " + hex(top_) + ", not initialTop " + hex(config_.initial_top);
  } else {
    if (std::string problem = check_block_here(first->addr); !problem.empty()) return problem;
    const auto last = block_below(UINT64_MAX);
    if (std::string problem = check_block_here(last->addr); !problem.empty()) return problem;
  }
  // Every block that a changed range reaches into.
  for (const EvmMemory::Range& range : changed_) {
    auto block = block_below(range.lo + 1);  // the block at or below lo, which may reach into the range
    if (!block || block->addr + block->size <= range.lo) block = block_at_or_above(range.lo + 1);
    while (block && block->addr < range.hi) {
      if (std::string problem = check_block_here(block->addr); !problem.empty()) return problem;
      block = block_at_or_above(block->addr + 1);
    }
  }
  return "";
}

// ---------------------------------------------------------------- verify

// Both forms take the model's own invariants as given: the caller runs check() of the same scope
// once (the executor does, for every party), not once per memory verified.
std::string ReferenceModel::verify(const EvmMemory& memory) const {
  const EvmMemory::Range everything{0, UINT64_MAX};
  return verify_ranges(memory, std::span(&everything, 1));
}

std::string ReferenceModel::verify(const EvmMemory& memory, std::span<const EvmMemory::Range> written) const {
  merge_into(verify_scratch_, written, changed_);
  return verify_ranges(memory, verify_scratch_);
}

// KnownRun's comparisons, used only by verify: here, out of coverage instrumentation.
std::uint64_t ReferenceModel::KnownRun::mismatch(std::uint64_t from, const std::uint8_t* found, std::uint64_t n) const {
  if (uniform_) {
    std::uint64_t k = 0;
    // Eight bytes at a time: a 256 MiB fill is compared at memory speed.
    const std::uint64_t pattern = fill_ * 0x0101010101010101ULL;
    for (std::uint64_t word = 0; k + 8 <= n; k += 8) {
      std::memcpy(&word, found + k, 8);
      if (word != pattern) break;
    }
    while (k < n && found[k] == fill_) ++k;
    return k;
  }
  if (std::memcmp(bytes_.data() + from, found, n) == 0) return n;
  std::uint64_t k = 0;
  while (bytes_[from + k] == found[k]) ++k;
  return k;
}

std::uint64_t ReferenceModel::KnownRun::first_not(std::uint64_t from, std::uint64_t n, std::uint8_t value) const {
  if (uniform_) return fill_ == value ? n : 0;
  std::uint64_t k = 0;
  while (k < n && bytes_[from + k] == value) ++k;
  return k;
}

// `ranges` sorted and disjoint. Cost: O(log n) lookups per range, O(1) per header that overlaps a
// range, and a memcmp over each known run's part inside a range.
std::string ReferenceModel::verify_ranges(const EvmMemory& memory, std::span<const EvmMemory::Range> ranges) const {
  const bool evm = config_.layout == Layout::evm;
  // Whether the stored word at addr, as the layout encodes it, is `want` (read with the const
  // observers: no msize change).
  auto word_is = [&](std::uint64_t addr, std::uint64_t want) {
    if (!evm) return memory.peek_le32(addr) == want;
    bool high_nonzero = false;
    const std::uint64_t value = memory.peek_word32(addr, &high_nonzero);
    return !high_nonzero && value == want;
  };
  auto mismatch = [&](const std::string& what, std::uint64_t addr, std::uint64_t want) {
    u256 found = 0;  // the whole stored word, for the message
    if (evm) {
      for (std::uint64_t i = 0; i < 32; ++i) found = (found << 8) | memory.peek(addr + i);
    } else {
      found = memory.peek_le32(addr);
    }
    return what + " (word at " + hex(addr) + "): expected " + hex(want) + ", found " + to_hex(found);
  };

  // "#i" of a used block in the used list, for messages only (O(n)).
  auto used_number = [&](UsedList::const_iterator position) {
    return std::to_string(std::distance(used_list_.begin(), position));
  };

  const std::uint64_t w = word();
  const std::uint64_t flags = (config_.compact ? kFlagCompact : 0) | (config_.split ? kFlagSplit : 0);
  const std::uint64_t free_head = free_.empty() ? 0 : free_.begin()->first;
  const std::uint64_t used_head = used_list_.empty() ? 0 : used_list_.front().addr;
  const std::pair<const char*, std::uint64_t> state[] = {
      {"state word free", free_head},          {"state word used", used_head}, {"state word top", top_},
      {"state word end", config_.end},         {"state word align", config_.align},
      {"state word flags", flags},             {"state word minSplit", config_.min_split},
  };
  for (std::uint64_t i = 0; i < 7; ++i) {
    const std::uint64_t addr = config_.start + i * w;
    if (!word_is(addr, state[i].second)) return mismatch(state[i].first, addr, state[i].second);
  }

  const std::uint64_t h = header();
  std::uint64_t headers_done = 0;  // every header that starts below this was checked already
  for (const EvmMemory::Range& range : ranges) {
    // Headers [b, b + H) that overlap [lo, hi): lo - H < b < hi.
    const std::uint64_t from = std::max(headers_done, range.lo >= h ? range.lo - h + 1 : 0);
    for (auto it = used_at_.lower_bound(from); it != used_at_.end() && it->first < range.hi; ++it) {
      const UsedBlock& b = *it->second;
      const auto after = std::next(it->second);
      const std::uint64_t next = after == used_list_.end() ? 0 : after->addr;
      auto what = [&] {
        return "used block " + hex(b.addr) + " (#" + used_number(it->second) +
               " of the used list)";
      };
      if (!word_is(b.addr, b.size)) return mismatch(what() + " size", b.addr, b.size);
      if (!word_is(b.addr + w, next)) return mismatch(what() + " next", b.addr + w, next);
    }
    for (auto it = free_.lower_bound(from); it != free_.end() && it->first < range.hi; ++it) {
      const auto after = std::next(it);
      const std::uint64_t next = after == free_.end() ? 0 : after->first;
      auto what = [&] {
        return "free block " + hex(it->first) + " (#" + std::to_string(std::distance(free_.begin(), it)) + " of the free list)";
      };
      if (!word_is(it->first, it->second)) return mismatch(what() + " size", it->first, it->second);
      if (!word_is(it->first + w, next)) return mismatch(what() + " next", it->first + w, next);
    }
    headers_done = std::max(headers_done, range.hi);

    // Known bytes in [lo, hi): in the used blocks that reach into the range, the runs that do.
    auto it = used_at_.upper_bound(range.lo);
    if (it != used_at_.begin()) --it;  // the block at or below lo (it may end before lo)
    for (; it != used_at_.end() && it->first < range.hi; ++it) {
      const UsedBlock& b = *it->second;
      const std::uint64_t data = b.addr + h;
      const std::uint64_t lo = std::max(range.lo, data) - data;  // as data offsets
      const std::uint64_t hi = std::min(range.hi - data, b.requested);
      if (range.hi <= data || lo >= hi) continue;
      auto run = b.known.upper_bound(lo);
      if (run != b.known.begin() && std::prev(run)->first + std::prev(run)->second.size() > lo) --run;
      for (; run != b.known.end() && run->first < hi; ++run) {
        const std::uint64_t first = std::max(run->first, lo);
        const std::uint64_t last = std::min(run->first + run->second.size(), hi);
        if (first >= last) continue;
        const ReferenceModel::KnownRun& want = run->second;
        const std::uint64_t offset = first - run->first;  // into the run
        const std::uint64_t addr = data + first;
        const std::uint64_t length = last - first;
        // The memory as it keeps its bytes: plain bytes, or runs of one value (long fills, zeros).
        std::uint64_t k = 0;
        while (k < length) {
          const EvmMemory::View v = memory.view(addr + k, length - k);
          const std::uint64_t same = v.bytes != nullptr ? want.mismatch(offset + k, v.bytes, v.length)
                                                        : want.first_not(offset + k, v.length, v.value);
          k += same;
          if (same < v.length) break;
        }
        if (k < length) {
          const std::uint8_t found = memory.peek(addr + k);
          return "used block " + hex(b.addr) + " (#" + used_number(it->second) +
                 " of the used list) data byte at offset " + hex(first + k) + " (address " + hex(addr + k) +
                 "): expected " + hex(want[offset + k]) + ", found " + hex(found);
        }
      }
    }
  }
  return "";
}

}  // namespace fealloc
