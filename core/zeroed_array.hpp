// ZeroedArray: a fixed-size array of trivially copyable T that starts all zero and costs memory
// only for the pages that are touched. The optimized allocator's side tables are indexed by block
// slot up to `end` (millions of slots for a big pool) but a pool typically touches a small prefix;
// anonymous mmap gives zero pages lazily, so construction and reset are O(1) instead of O(end).
//
// A fuzzer makes and drops a set of allocators for every input. Mapping and unmapping their
// tables each time (page faults, page-table teardown, TLB flushes) cost more than the operations
// themselves, so a released mapping goes to a per-thread cache once the bytes it made nonzero are
// zeroed again. To know those bytes, every mutable access marks its chunk in DirtyChunks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace fealloc {

namespace detail {
// Zero-filled memory of `bytes` bytes (lazily committed for large sizes); throws std::bad_alloc.
void* allocate_zeroed(std::size_t bytes);
// `dirty`: bytes at the start that may be nonzero (the rest is known to be zero).
void release_zeroed(void* memory, std::size_t bytes, std::size_t dirty);
// Whether release_clean() would keep a mapping of `bytes` once `dirty` bytes of it are zeroed
// (if not, zeroing them is wasted work: release_zeroed() unmaps it).
bool cache_would_keep(std::size_t bytes, std::size_t dirty);
// Memory from allocate_zeroed() that is all zero again.
void release_clean(void* memory, std::size_t bytes);

// Which chunks of an array of `bytes` bytes may be nonzero: at most 4,096 chunks of at least
// 64 KiB, one bit each, so marking is a shift and an OR.
class DirtyChunks {
 public:
  explicit DirtyChunks(std::size_t bytes);
  void mark(std::size_t byte_offset) {
    const std::size_t chunk = byte_offset >> shift_;
    bits_[chunk >> 6] |= std::uint64_t{1} << (chunk & 63);
  }
  // Bytes in marked chunks (an upper bound of the nonzero bytes).
  std::size_t dirty_bytes() const;
  // Zeroes every marked chunk of `memory` and unmarks it.
  void zero(void* memory);

 private:
  std::size_t bytes_;
  unsigned shift_;
  std::array<std::uint64_t, 64> bits_{};
};
}  // namespace detail

template <class T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  explicit ZeroedArray(std::size_t count)
      : count_(count), data_(static_cast<T*>(detail::allocate_zeroed(bytes()))), dirty_(bytes()) {}
  ~ZeroedArray() { release(); }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;

  std::size_t size() const { return count_; }
  T& operator[](std::size_t i) {
    dirty_.mark(i * sizeof(T));
    return data_[i];
  }
  const T& operator[](std::size_t i) const { return data_[i]; }

  // All zero again: the marked chunks zeroed, or fresh pages when they are too many.
  void reset() {
    if (detail::cache_would_keep(bytes(), dirty_.dirty_bytes())) {
      dirty_.zero(data_);
      return;
    }
    T* fresh = static_cast<T*>(detail::allocate_zeroed(bytes()));
    release();
    data_ = fresh;
    dirty_ = detail::DirtyChunks(bytes());
  }

 private:
  std::size_t bytes() const { return count_ * sizeof(T); }
  void release() {
    if (detail::cache_would_keep(bytes(), dirty_.dirty_bytes())) {
      dirty_.zero(data_);
      detail::release_clean(data_, bytes());
    } else {
      detail::release_zeroed(data_, bytes(), bytes());
    }
  }

  std::size_t count_;
  T* data_;
  detail::DirtyChunks dirty_;
};

}  // namespace fealloc
