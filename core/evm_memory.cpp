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

std::uint64_t fnv_step(std::uint64_t hash, std::uint8_t byte) { return (hash ^ byte) * kFnvPrime; }

// FNV-1a over `count` copies of `byte` from state `hash`, in O(256 + log count) instead of
// O(count). One step h -> (h ^ v) * p changes the low byte by itself, l -> ((l ^ v) * p) mod 256,
// a permutation of the 256 values (xor, then an odd factor), so the low bytes repeat with a period
// T <= 256; and the step is h -> p * h + p * ((l ^ v) - l), affine in h once l is known. One period
// is therefore h -> P * h + S with P = p^T, and q periods are P^q * h + S * (1 + P + ... + P^(q-1)).
std::uint64_t fnv_run(std::uint64_t hash, std::uint8_t byte, std::uint64_t count) {
  if (count < 1024) {
    for (std::uint64_t i = 0; i < count; ++i) hash = fnv_step(hash, byte);
    return hash;
  }
  const auto first = static_cast<std::uint8_t>(hash);
  std::uint8_t low = first;
  std::uint64_t period = 0;
  std::uint64_t factor = 1;  // P
  std::uint64_t offset = 0;  // S
  do {
    const auto changed = static_cast<std::uint8_t>(low ^ byte);
    offset = offset * kFnvPrime + kFnvPrime * (std::uint64_t{changed} - std::uint64_t{low});  // mod 2^64
    factor *= kFnvPrime;
    low = static_cast<std::uint8_t>(changed * kFnvPrime);
    ++period;
  } while (low != first);
  // (P^q, 1 + P + ... + P^(q-1)) by doubling.
  std::uint64_t q = count / period;
  std::uint64_t power = 1, sum = 0;           // of the periods taken so far
  std::uint64_t block_power = factor, block_sum = 1;  // of 2^i periods
  while (q != 0) {
    if ((q & 1) != 0) {
      sum += power * block_sum;
      power *= block_power;
    }
    block_sum += block_power * block_sum;
    block_power *= block_power;
    q >>= 1;
  }
  hash = power * hash + offset * sum;
  for (std::uint64_t i = count % period; i > 0; --i) hash = fnv_step(hash, byte);
  return hash;
}
}  // namespace

EvmMemory::Region::Region(std::uint64_t size)
    : data(static_cast<std::uint8_t*>(detail::allocate_zeroed(static_cast<std::size_t>(size)))), bytes(size) {}
EvmMemory::Region::~Region() { detail::release_zeroed(data, static_cast<std::size_t>(bytes)); }

EvmMemory::EvmMemory(std::uint64_t cap) : cap_(cap), region_(cap) {}

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
  if (length == 0) return;
  if (value == 0 && addr + length > size_) {
    // Everything at or above size_ is zero already: only the part below it is written, and the
    // region is not committed (a calloc of 256 MiB with fill 0 touches no page). Same cap check,
    // msize and written range as the general path.
    check_cap(addr, length);
    msize_ = std::max(msize_, (addr + length + 31) / 32 * 32);
    if (addr < size_) std::memset(region_.data + addr, 0, size_ - addr);
    mark_written(addr, length);
    return;
  }
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
  if (src + length > size_ && (dst >= src + length || src >= dst + length)) {
    // The source's tail lies above size_, where every byte is zero: copy what lies below and fill
    // the rest with zeros, which commits nothing above size_ (a moving realloc of a big block that
    // was never written). Disjoint ranges only, so the order of the two parts does not matter.
    const std::uint64_t stored = src < size_ ? size_ - src : 0;
    msize_ = std::max(msize_, (src + length + 31) / 32 * 32);
    if (stored != 0) {
      touch(dst, stored);
      std::memmove(region_.data + dst, region_.data + src, stored);
    }
    fill(dst + stored, length - stored, 0);
    mark_written(dst, length);
    return;
  }
  touch(dst, length);
  touch(src, length);
  std::memmove(region_.data + dst, region_.data + src, length);
  mark_written(dst, length);
}

std::uint64_t EvmMemory::fnv1a(std::uint64_t end) const {
  std::uint64_t hash = kFnvBasis;
  const std::uint64_t stored = std::min<std::uint64_t>(end, size_);
  const std::uint8_t* data = region_.data;
  // Byte by byte, except that a long run of one byte value (a calloc's fill, zeroed pages) is
  // hashed in closed form (fnv_run): at each 8-aligned position, one 8-byte compare says whether
  // a run starts there, and the run's whole words are hashed at once.
  std::uint64_t i = 0;
  while (i < stored) {
    if ((i & 7) == 0 && stored - i >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, data + i, 8);
      const auto byte = static_cast<std::uint8_t>(word);
      if (word == byte * 0x0101010101010101ULL) {
        std::uint64_t j = i + 8;
        for (std::uint64_t next = 0; j + 8 <= stored; j += 8) {
          std::memcpy(&next, data + j, 8);
          if (next != word) break;
        }
        hash = fnv_run(hash, byte, j - i);
        i = j;
        continue;
      }
      for (const std::uint64_t stop = i + 8; i < stop; ++i) hash = fnv_step(hash, data[i]);
      continue;
    }
    hash = fnv_step(hash, data[i]);
    ++i;
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
