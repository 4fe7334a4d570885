// EvmMemory's observers: the views, the peeks above size_, the byte comparison of two memories
// and FNV-1a. They check rather than are checked, so fuzz builds leave this file out of coverage
// instrumentation (fuzz/coverage-ignorelist.txt); the accesses the allocators make are in
// evm_memory.cpp.
#include "core/evm_memory.hpp"

#include <algorithm>
#include <cstring>

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
// Byte by byte, except that a long run of one byte value (a calloc's fill, zeroed pages) is
// hashed in closed form (fnv_run): at each 8-aligned position, one 8-byte compare says whether a
// run starts there, and the run's whole words are hashed at once.
std::uint64_t fnv_bytes(std::uint64_t hash, const std::uint8_t* data, std::uint64_t n) {
  std::uint64_t i = 0;
  while (i < n) {
    if ((i & 7) == 0 && n - i >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, data + i, 8);
      const auto byte = static_cast<std::uint8_t>(word);
      if (word == byte * 0x0101010101010101ULL) {
        std::uint64_t j = i + 8;
        for (std::uint64_t next = 0; j + 8 <= n; j += 8) {
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
  return hash;
}
}  // namespace

EvmMemory::View EvmMemory::view(std::uint64_t addr, std::uint64_t max_length) const {
  if (addr < size_) return {region_.data + addr, 0, std::min(max_length, size_ - addr)};
  if (addr >= high_) return {nullptr, 0, max_length};
  // Between size_ and high_, page by page: a run of pages of one kind (untouched: zeros; touched:
  // the region's bytes; uniform of one value).
  const std::uint64_t page = addr / kPage;
  const std::uint16_t code = page_code(page);
  std::uint64_t stop = (page + 1) * kPage;
  while (stop < high_ && stop - addr < max_length && page_code(stop / kPage) == code) stop += kPage;
  const std::uint64_t length = std::min(max_length, std::min(stop, high_) - addr);
  if (code == kTouched) return {region_.data + addr, 0, length};
  return {nullptr, static_cast<std::uint8_t>(code & 0xff), length};  // untouched: 0
}

std::uint8_t EvmMemory::peek_above(std::uint64_t addr) const {
  const View v = view(addr, 1);
  return v.bytes != nullptr ? *v.bytes : v.value;
}

void EvmMemory::peek_bytes(std::uint64_t addr, std::uint8_t* out, std::uint64_t length) const {
  // A run of view() at a time: a word above size_ (blocks spread over a big pool) is at most two
  // runs, not 32 byte peeks.
  while (length > 0) {
    const View v = view(addr, length);
    if (v.bytes != nullptr) {
      std::memcpy(out, v.bytes, v.length);
    } else {
      std::memset(out, v.value, v.length);
    }
    out += v.length;
    addr += v.length;
    length -= v.length;
  }
}

std::uint64_t EvmMemory::first_difference(const EvmMemory& a, const EvmMemory& b, std::uint64_t from, std::uint64_t end) {
  // The position of the first byte of bytes[0, n) that is not `value`, or n.
  auto first_not = [](const std::uint8_t* bytes, std::uint8_t value, std::uint64_t n) {
    const std::uint64_t pattern = value * 0x0101010101010101ULL;
    std::uint64_t k = 0;
    for (std::uint64_t word = 0; k + 8 <= n; k += 8) {
      std::memcpy(&word, bytes + k, 8);
      if (word != pattern) break;
    }
    while (k < n && bytes[k] == value) ++k;
    return k;
  };
  for (std::uint64_t at = from; at < end;) {
    const View va = a.view(at, end - at);
    const View vb = b.view(at, end - at);
    const std::uint64_t n = std::min(va.length, vb.length);
    std::uint64_t k = n;
    if (va.bytes != nullptr && vb.bytes != nullptr) {
      if (std::memcmp(va.bytes, vb.bytes, n) != 0) {
        k = 0;
        while (va.bytes[k] == vb.bytes[k]) ++k;
      }
    } else if (va.bytes == nullptr && vb.bytes == nullptr) {
      if (va.value != vb.value) k = 0;
    } else {
      k = va.bytes != nullptr ? first_not(va.bytes, vb.value, n) : first_not(vb.bytes, va.value, n);
    }
    if (k < n) return at + k;
    at += n;
  }
  return end;
}

std::uint64_t EvmMemory::fnv1a(std::uint64_t end) const {
  std::uint64_t hash = kFnvBasis;
  for (std::uint64_t at = 0; at < end;) {
    const View v = view(at, end - at);
    if (v.bytes != nullptr) {
      hash = fnv_bytes(hash, v.bytes, v.length);
    } else if (v.value == 0) {
      // A zero byte leaves the xor unchanged, so each byte only multiplies by the prime.
      hash *= pow_mod64(kFnvPrime, v.length);
    } else {
      hash = fnv_run(hash, v.value, v.length);
    }
    at += v.length;
  }
  return hash;
}

}  // namespace fealloc
