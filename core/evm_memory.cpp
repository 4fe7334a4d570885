// EvmMemory implementation: lazy growth of the backing store, msize, the cap, FNV-1a.
#include "core/evm_memory.hpp"

#include "core/zeroed_array.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace fealloc {

namespace {
constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t pow_mod64(std::uint64_t base, std::uint64_t exponent) {
  std::uint64_t result = 1;
  while (exponent != 0) {
    if ((exponent & 1) != 0) result *= base;
    base *= base;
    exponent >>= 1;
  }
  return result;
}
}  // namespace

EvmMemory::Region::Region(std::uint64_t size)
    : data(static_cast<std::uint8_t*>(detail::allocate_zeroed(static_cast<std::size_t>(size)))), bytes(size) {}
EvmMemory::Region::~Region() { detail::release_zeroed(data, static_cast<std::size_t>(bytes)); }

EvmMemory::EvmMemory(std::uint64_t cap) : cap_(cap), region_(cap) {}

EvmMemory::~EvmMemory() {
  detail::release_zeroed(region_.data, static_cast<std::size_t>(region_.bytes), static_cast<std::size_t>(size_));
  region_.data = nullptr;  // released
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
  // The region is all zero above size_ already: nothing to fill. Rounding the mark up to a page
  // keeps the next accesses on the inline fast path (the extra bytes are zero: still correct).
  if (end > size_) size_ = std::min(cap_, (end + 4095) / 4096 * 4096);
  const std::uint64_t rounded = (end + 31) / 32 * 32;
  msize_ = std::max(msize_, rounded);
  return true;
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
  if (!touch(addr, length)) return;
  std::memset(region_.data + addr, value, length);
  mark_written(addr, length);
}

void EvmMemory::copy(std::uint64_t dst, std::uint64_t src, std::uint64_t length) {
  if (length == 0) return;
  // Both ranges are touched (the source is read, the destination written) before any byte moves,
  // so a refused access changes nothing.
  check_cap(dst, length);
  check_cap(src, length);
  touch(dst, length);
  touch(src, length);
  std::memmove(region_.data + dst, region_.data + src, length);
  mark_written(dst, length);
}

std::uint64_t EvmMemory::fnv1a(std::uint64_t end) const {
  std::uint64_t hash = kFnvBasis;
  const std::uint64_t stored = std::min<std::uint64_t>(end, size_);
  for (std::uint64_t i = 0; i < stored; ++i) {
    hash ^= region_.data[i];
    hash *= kFnvPrime;
  }
  // A zero byte leaves the xor unchanged, so each remaining byte only multiplies by the prime.
  return hash * pow_mod64(kFnvPrime, end - stored);
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
