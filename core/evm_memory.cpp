// EvmMemory implementation: lazy growth of the backing store, msize, the cap, uniform and touched
// pages. The observers (view, comparison, hashing) are in evm_memory_observers.cpp.
#include "core/evm_memory.hpp"

#include "core/zeroed_array.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace fealloc {

EvmMemory::Region::Region(std::uint64_t size)
    : data(static_cast<std::uint8_t*>(detail::allocate_zeroed(static_cast<std::size_t>(size)))), bytes(size) {}
EvmMemory::Region::~Region() { detail::release_zeroed(data, static_cast<std::size_t>(bytes), static_cast<std::size_t>(bytes)); }

EvmMemory::EvmMemory(std::uint64_t cap) : cap_(cap), region_(cap) {}

EvmMemory::~EvmMemory() {
  // Every nonzero byte of the region lies below size_ or in a page marked touched (uniform pages
  // are marked, not written): zeroing those is cheaper than the page faults of a fresh mapping.
  const auto bytes = static_cast<std::size_t>(region_.bytes);
  if (detail::cache_would_keep(bytes, static_cast<std::size_t>(size_ + touched_pages_.size() * kPage))) {
    std::memset(region_.data, 0, static_cast<std::size_t>(size_));
    for (const std::uint64_t p : touched_pages_) {
      if (p * kPage >= size_) std::memset(region_.data + p * kPage, 0, static_cast<std::size_t>(std::min(kPage, cap_ - p * kPage)));
    }
    detail::release_clean(region_.data, bytes);
  } else {
    detail::release_zeroed(region_.data, bytes, bytes);
  }
  region_.data = nullptr;  // released
}

ZeroedArray<std::uint16_t>& EvmMemory::pages() {
  if (!pages_) pages_.emplace(static_cast<std::size_t>((cap_ + kPage - 1) / kPage));
  return *pages_;
}

std::uint64_t EvmMemory::gas_for_msize(std::uint64_t msize) {
  const std::uint64_t words = msize / 32;
  return 3 * words + words * words / 512;
}

void EvmMemory::check_cap(std::uint64_t addr, std::uint64_t length) const {
  if (length > cap_ || addr > cap_ - length) {
    throw MemoryCapExceeded("memory access [" + std::to_string(addr) + ", +" + std::to_string(length) +
                            ") is past the memory cap of " + std::to_string(cap_) + " bytes");
  }
}

bool EvmMemory::touch_slow(std::uint64_t addr, std::uint64_t length) {
  if (length == 0) return false;
  check_cap(addr, length);
  const std::uint64_t end = addr + length;
  materialize(addr, end);  // the accessed bytes are the region's from now on
  if (end > size_) {
    // Near size_, rounding the mark up to a page keeps the next accesses on the inline fast path
    // (the pages it grows over are zero unless touched: still correct); it stops at the first
    // uniform page, which must stay above it. Far above it, the pages are marked touched instead,
    // so that the observers never read the untouched ones in between.
    if (addr <= size_ + kNear) {
      const std::uint64_t rounded = std::min(cap_, (end + kPage - 1) / kPage * kPage);
      size_ = std::max(size_, uniform_pages_ == 0 ? rounded : std::min(rounded, first_uniform_from(size_)));
    }
    if (end > size_) mark_touched(std::max(addr, size_), end);
    high_ = std::max({high_, size_, end});
  }
  const std::uint64_t rounded = (end + 31) / 32 * 32;
  msize_ = std::max(msize_, rounded);
  return true;
}

void EvmMemory::materialize(std::uint64_t lo, std::uint64_t hi) {
  if (uniform_pages_ == 0 || lo >= hi) return;
  const std::uint64_t last = std::min<std::uint64_t>((hi - 1) / kPage + 1, page_count());
  for (std::uint64_t p = lo / kPage; p < last && uniform_pages_ != 0; ++p) {
    const std::uint16_t code = page_code(p);
    if ((code & kUniform) == 0) continue;
    const std::uint64_t at = p * kPage;
    std::memset(region_.data + at, code & 0xff, std::min(kPage, cap_ - at));
    pages()[p] = kTouched;
    touched_pages_.push_back(p);
    --uniform_pages_;
  }
}

void EvmMemory::mark_touched(std::uint64_t lo, std::uint64_t hi) {
  if (lo >= hi) return;
  ZeroedArray<std::uint16_t>& codes = pages();
  for (std::uint64_t p = lo / kPage, last = (hi - 1) / kPage; p <= last; ++p) {
    if (page_code(p) != 0) continue;
    codes[p] = kTouched;
    touched_pages_.push_back(p);
  }
}

std::uint64_t EvmMemory::first_uniform_from(std::uint64_t addr) const {
  for (std::uint64_t p = addr / kPage; p < page_count(); ++p) {
    if ((page_code(p) & kUniform) != 0) return p * kPage;
  }
  return cap_;
}

// Bytes [lo, hi) at or above size_ become `value` in the region.
void EvmMemory::write_region(std::uint64_t lo, std::uint64_t hi, std::uint8_t value) {
  if (lo >= hi) return;
  materialize(lo, hi);
  std::memset(region_.data + lo, value, hi - lo);
  mark_touched(lo, hi);
  high_ = std::max(high_, hi);
}

// A fill of [at, end) at or above size_: the whole pages of a long fill become uniform, the rest
// is written. Zeros at or above high_ are there already.
void EvmMemory::fill_above(std::uint64_t at, std::uint64_t end, std::uint8_t value) {
  if (value == 0) end = std::min(end, high_);
  if (at >= end) return;
  const std::uint64_t first_whole = (at + kPage - 1) / kPage;
  const std::uint64_t end_whole = end / kPage;
  if (end_whole <= first_whole || (end_whole - first_whole) * kPage < kUniformMin) {
    write_region(at, end, value);
    return;
  }
  write_region(at, first_whole * kPage, value);
  ZeroedArray<std::uint16_t>& codes = pages();
  const auto marked = static_cast<std::uint16_t>(kUniform | value);
  for (std::uint64_t p = first_whole; p < end_whole; ++p) {
    if ((page_code(p) & kUniform) == 0) ++uniform_pages_;
    codes[p] = marked;
  }
  high_ = std::max(high_, end_whole * kPage);
  write_region(end_whole * kPage, end, value);
}

void EvmMemory::mark_written(std::uint64_t addr, std::uint64_t length) {
  if (!track_writes_) return;
  // Merging with the last range only keeps the common case (a header's two words, a state word
  // rewritten) to one entry; a comparison tolerates overlapping ranges.
  if (!written_.empty() && addr <= written_.back().hi && addr + length >= written_.back().lo) {
    written_.back().lo = std::min(written_.back().lo, addr);
    written_.back().hi = std::max(written_.back().hi, addr + length);
    return;
  }
  written_.push_back({addr, addr + length});
}

void EvmMemory::store_word32_slow(std::uint64_t addr, std::uint64_t value) {
  touch(addr, 32);
  std::uint8_t* word = region_.data + addr;
  std::memset(word, 0, 24);
  for (int i = 0; i < 8; ++i) word[31 - i] = static_cast<std::uint8_t>(value >> (8 * i));
  mark_written(addr, 32);
}

void EvmMemory::store_le32(std::uint64_t addr, std::uint32_t value) {
  touch(addr, 4);
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap32(value);
  std::memcpy(region_.data + addr, &value, 4);
  mark_written(addr, 4);
}

void EvmMemory::write_bytes(std::uint64_t addr, std::span<const std::uint8_t> bytes) {
  if (!touch(addr, bytes.size())) return;
  std::memcpy(region_.data + addr, bytes.data(), bytes.size());
  mark_written(addr, bytes.size());
}

void EvmMemory::read_bytes(std::uint64_t addr, std::span<std::uint8_t> out) {
  if (!touch(addr, out.size())) return;
  std::memcpy(out.data(), region_.data + addr, out.size());
}

void EvmMemory::fill(std::uint64_t addr, std::uint64_t length, std::uint8_t value) {
  if (length == 0) return;
  const std::uint64_t end = addr + length;
  if (end <= size_) {
    touch(addr, length);
    std::memset(region_.data + addr, value, length);
    mark_written(addr, length);
    return;
  }
  // Above size_ a long fill commits no memory: its whole pages become uniform (a calloc of 256 MiB
  // costs nothing until its bytes are accessed), and zeros above high_ are there already. Same cap
  // check, msize and written range as any write.
  check_cap(addr, length);
  std::uint64_t at = addr;
  if (at < size_) {
    std::memset(region_.data + at, value, size_ - at);
    at = size_;
  }
  fill_above(at, end, value);
  msize_ = std::max(msize_, (end + 31) / 32 * 32);
  mark_written(addr, length);
}

void EvmMemory::copy(std::uint64_t dst, std::uint64_t src, std::uint64_t length) {
  if (length == 0) return;
  // Both ranges are touched (the source is read, the destination written) before any byte moves,
  // so a refused access changes nothing.
  check_cap(dst, length);
  check_cap(src, length);
  if (src + length > size_ && (dst >= src + length || src >= dst + length)) {
    // The source reaches above size_ (uniform pages, zeros above high_), and the ranges are
    // disjoint: copied run by run as view() sees it, a uniform or zero run as a fill, so a moving
    // realloc of a big calloc'd (or never written) block commits nothing either.
    msize_ = std::max(msize_, (src + length + 31) / 32 * 32);  // the read
    for (std::uint64_t done = 0; done < length;) {
      const View from = view(src + done, length - done);
      if (from.bytes == nullptr) {
        fill(dst + done, from.length, from.value);
      } else {
        touch(dst + done, from.length);  // changes no byte of the source: the ranges are disjoint
        std::memcpy(region_.data + dst + done, from.bytes, from.length);
        mark_written(dst + done, from.length);
      }
      done += from.length;
    }
    return;
  }
  touch(dst, length);
  touch(src, length);
  std::memmove(region_.data + dst, region_.data + src, length);
  mark_written(dst, length);
}

void EvmMemory::set_write_tracking(bool on) {
  track_writes_ = on;
  written_.clear();
}

void EvmMemory::take_written_ranges(std::vector<Range>& out) {
  out.clear();
  out.swap(written_);
}

}  // namespace fealloc
