// ZeroedArray: a fixed-size array of trivially copyable T that starts all zero and costs memory
// only for the pages that are touched. The optimized allocator's side tables are indexed by block
// slot up to `end` (millions of slots for a big pool) but a pool typically touches a small prefix;
// anonymous mmap gives zero pages lazily, so construction and reset are O(1) instead of O(end).
#pragma once

#include <cstddef>
#include <type_traits>

namespace fealloc {

namespace detail {
// Zero-filled memory of `bytes` bytes (lazily committed for large sizes); throws std::bad_alloc.
void* allocate_zeroed(std::size_t bytes);
// `dirty`: bytes at the start that may be nonzero (the rest is known to be zero).
void release_zeroed(void* memory, std::size_t bytes, std::size_t dirty);
inline void release_zeroed(void* memory, std::size_t bytes) { release_zeroed(memory, bytes, bytes); }
}  // namespace detail

template <class T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  explicit ZeroedArray(std::size_t count) : count_(count), data_(static_cast<T*>(detail::allocate_zeroed(bytes()))) {}
  ~ZeroedArray() { detail::release_zeroed(data_, bytes()); }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;

  std::size_t size() const { return count_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

  // All zero again: fresh pages instead of a memset over the whole array.
  void reset() {
    T* fresh = static_cast<T*>(detail::allocate_zeroed(bytes()));
    detail::release_zeroed(data_, bytes());
    data_ = fresh;
  }

 private:
  std::size_t bytes() const { return count_ * sizeof(T); }

  std::size_t count_;
  T* data_;
};

}  // namespace fealloc
