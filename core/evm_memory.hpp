// EvmMemory: the model of EVM memory, and the only way any allocator touches bytes.
// Byte addressed and zero at first; every byte read or written raises msize (32-byte rounded
// high-water mark); a hard cap refuses any access past it so that no input allocates unboundedly.
// Observers (hashing, comparison) use the peek functions, which do not count as EVM accesses.
#pragma once

#include "core/zeroed_array.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

namespace fealloc {

// Thrown when an access would reach past the memory's cap: a refused request, not a crash.
class MemoryCapExceeded : public std::length_error {
 public:
  using std::length_error::length_error;
};

class EvmMemory {
 public:
  static constexpr std::uint64_t kDefaultCap = std::uint64_t{256} << 20;  // 256 MiB

  explicit EvmMemory(std::uint64_t cap = kDefaultCap);
  ~EvmMemory();  // tells the region how much of it was touched, so that it can be reused cheaply
  EvmMemory(const EvmMemory&) = delete;
  EvmMemory& operator=(const EvmMemory&) = delete;

  std::uint64_t cap() const { return cap_; }
  std::uint64_t msize() const { return msize_; }
  // Expansion cost of the memory's current size: 3w + w*w/512 with w = msize/32.
  std::uint64_t expansion_gas() const { return gas_for_msize(msize_); }
  static std::uint64_t gas_for_msize(std::uint64_t msize);

  // 32-byte big-endian words, as MLOAD/MSTORE. The value is the low 64 bits; the store zeroes
  // the rest. load_word32 reports whether any of the high 24 bytes is nonzero.
  void store_word32(std::uint64_t addr, std::uint64_t value) {
    // Fast path: the word lies below the high-water mark, which never exceeds the cap, so the cap
    // check and the growth cannot apply; the 24 zero bytes and the big-endian value are four
    // 8-byte stores. Same bytes, msize and tracking as the general path.
    const std::uint64_t size = size_;
    if (size >= 32 && addr <= size - 32) {
      std::uint8_t* word = region_.data + addr;
      const std::uint64_t zero = 0;
      const std::uint64_t big_endian = to_big_endian(value);
      std::memcpy(word, &zero, 8);
      std::memcpy(word + 8, &zero, 8);
      std::memcpy(word + 16, &zero, 8);
      std::memcpy(word + 24, &big_endian, 8);
      const std::uint64_t rounded = (addr + 32 + 31) / 32 * 32;
      if (rounded > msize_) msize_ = rounded;
      if (track_writes_) mark_written(addr, 32);
      return;
    }
    store_word32_slow(addr, value);
  }
  std::uint64_t load_word32(std::uint64_t addr, bool* high_bytes_nonzero = nullptr) {
    touch(addr, 32);
    return peek_word32(addr, high_bytes_nonzero);
  }
  // 4-byte little-endian words, as thi.ng's Uint32Array.
  void store_le32(std::uint64_t addr, std::uint32_t value);
  std::uint32_t load_le32(std::uint64_t addr) {
    touch(addr, 4);
    return peek_le32(addr);
  }

  void write_bytes(std::uint64_t addr, std::span<const std::uint8_t> bytes);
  void read_bytes(std::uint64_t addr, std::span<std::uint8_t> out);
  void fill(std::uint64_t addr, std::uint64_t length, std::uint8_t value);
  // memmove semantics: overlapping ranges copy as if through a temporary buffer.
  void copy(std::uint64_t dst, std::uint64_t src, std::uint64_t length);

  // --- observers: not EVM accesses, msize does not change ---
  std::uint8_t peek(std::uint64_t addr) const { return addr < size_ ? region_.data[addr] : peek_above(addr); }
  // A stored word as load_word32 / load_le32 would read it, without counting as an access.
  std::uint64_t peek_word32(std::uint64_t addr, bool* high_bytes_nonzero = nullptr) const {
    std::uint64_t parts[4] = {0, 0, 0, 0};
    const std::uint64_t size = size_;
    if (size >= 32 && addr <= size - 32) {
      std::memcpy(parts, region_.data + addr, 32);  // three 8-byte high parts and the value
    } else {
      std::uint8_t bytes[32];
      peek_bytes(addr, bytes, 32);
      std::memcpy(parts, bytes, 32);
    }
    if (high_bytes_nonzero != nullptr) *high_bytes_nonzero = (parts[0] | parts[1] | parts[2]) != 0;
    return from_big_endian(parts[3]);
  }
  std::uint32_t peek_le32(std::uint64_t addr) const {
    std::uint32_t value = 0;
    const std::uint64_t size = size_;
    if (size >= 4 && addr <= size - 4) {
      std::memcpy(&value, region_.data + addr, 4);
      if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap32(value);
      return value;
    }
    std::uint8_t bytes[4];
    peek_bytes(addr, bytes, 4);
    for (std::uint64_t i = 4; i-- > 0;) value = (value << 8) | bytes[i];
    return value;
  }
  // Bytes [0, backing_size()) may be nonzero; everything above is zero.
  std::uint64_t backing_size() const { return high_; }
  // The bytes from addr on as they are kept, for at most max_length (> 0) bytes: `length` bytes
  // at `bytes`, or (bytes == nullptr) `length` copies of `value` (a long fill, or the zeros above
  // backing_size()). Valid until the next non-const call.
  struct View {
    const std::uint8_t* bytes;
    std::uint8_t value;
    std::uint64_t length;
  };
  View view(std::uint64_t addr, std::uint64_t max_length) const;
  // The first address in [from, end) where a and b differ, or end.
  static std::uint64_t first_difference(const EvmMemory& a, const EvmMemory& b, std::uint64_t from, std::uint64_t end);
  // FNV-1a 64 over bytes [0, end), untouched bytes counting as zero.
  std::uint64_t fnv1a(std::uint64_t end) const;

  // Write tracking for cheap exact comparison of two memories: while enabled, every written byte
  // range is recorded (adjacent ranges merged), and a comparison need only look at the union of
  // both memories' ranges since the last take. Off by default so that long replays keep nothing.
  struct Range {
    std::uint64_t lo;
    std::uint64_t hi;  // exclusive
  };
  void set_write_tracking(bool on);
  // Moves the ranges recorded since the last call into `out` (replacing its contents).
  void take_written_ranges(std::vector<Range>& out);

 private:
  static std::uint64_t to_big_endian(std::uint64_t value) {
    if constexpr (std::endian::native == std::endian::little) {
      return __builtin_bswap64(value);
    } else {
      return value;
    }
  }
  static std::uint64_t from_big_endian(std::uint64_t value) { return to_big_endian(value); }
  void store_word32_slow(std::uint64_t addr, std::uint64_t value);
  void check_cap(std::uint64_t addr, std::uint64_t length) const;
  // Checks the cap, grows the backing store, raises msize; returns false for length 0. Inside the
  // backing store (which never exceeds the cap) only msize can change.
  bool touch(std::uint64_t addr, std::uint64_t length) {
    const std::uint64_t size = size_;
    if (length == 0 || length > size || addr > size - length) return touch_slow(addr, length);
    const std::uint64_t rounded = (addr + length + 31) / 32 * 32;
    if (rounded > msize_) msize_ = rounded;
    return true;
  }
  bool touch_slow(std::uint64_t addr, std::uint64_t length);
  void mark_written(std::uint64_t addr, std::uint64_t length);
  // Pages at or above size_ (issue 8), so that neither a long fill nor an access far up costs
  // work or memory for the pages in between. A page there is untouched (all zero: the observers do
  // not even read it), touched (the region holds its bytes) or uniform (every byte is v: a fill of
  // many whole pages marks them instead of writing them, so a calloc of 256 MiB commits nothing;
  // any access to such a page first gives it its bytes, materialize). size_ grows over the
  // accessed pages only when they are near it (kNear), and never over a uniform page.
  static constexpr std::uint64_t kPage = 4096;
  static constexpr std::uint64_t kUniformMin = 16 * kPage;  // shorter fills are written
  static constexpr std::uint64_t kNear = 16 * kPage;
  static constexpr std::uint16_t kTouched = 0x200;
  static constexpr std::uint16_t kUniform = 0x100;  // | v
  std::uint16_t page_code(std::uint64_t page) const { return page < page_count() ? (*pages_)[page] : 0; }
  std::uint64_t page_count() const { return pages_ ? pages_->size() : 0; }
  ZeroedArray<std::uint16_t>& pages();  // allocated on first use
  std::uint8_t peek_above(std::uint64_t addr) const;
  // peek() of [addr, addr + length) into out, built on view() (evm_memory_observers.cpp).
  void peek_bytes(std::uint64_t addr, std::uint8_t* out, std::uint64_t length) const;
  void materialize(std::uint64_t lo, std::uint64_t hi);
  void mark_touched(std::uint64_t lo, std::uint64_t hi);
  std::uint64_t first_uniform_from(std::uint64_t addr) const;  // its address, or cap_
  void write_region(std::uint64_t lo, std::uint64_t hi, std::uint8_t value);
  void fill_above(std::uint64_t at, std::uint64_t end, std::uint8_t value);

  std::uint64_t cap_;
  std::uint64_t msize_ = 0;
  // The bytes: one region of cap_ bytes that reads as zero until written (anonymous memory,
  // committed page by page on first touch), so that growing costs nothing and a big pool with a
  // few blocks far apart costs only the pages they touch. size_ is the high-water mark of the
  // accessed bytes, except that it stops at the first uniform page: below it the region holds
  // every byte and accesses take the inline fast paths; above it, see high_ and uniform_.
  struct Region {
    explicit Region(std::uint64_t bytes);
    ~Region();
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;
    std::uint8_t* data;
    std::uint64_t bytes;
  };
  Region region_;
  std::uint64_t size_ = 0;
  // Everything at or above high_ is zero (high_ >= size_): the region there, and no uniform page.
  std::uint64_t high_ = 0;
  // Per page at or above size_: 0, kTouched or kUniform | v. Lazily zeroed, so that a memory
  // with a big cap does not pay for filling it.
  std::optional<ZeroedArray<std::uint16_t>> pages_;
  // The pages ever marked kTouched: with [0, size_) they hold every nonzero byte of the region, so
  // the destructor can zero just those and hand the mapping back for reuse.
  std::vector<std::uint64_t> touched_pages_;
  std::uint64_t uniform_pages_ = 0;
  bool track_writes_ = false;
  std::vector<Range> written_;
};

}  // namespace fealloc
