// ZeroedArray's memory: anonymous mmap for large arrays (zero pages on first touch), calloc for
// small ones where a syscall would cost more than zeroing.
#include "core/zeroed_array.hpp"

#include <cstdlib>
#include <new>

#include <sys/mman.h>

namespace fealloc::detail {

namespace {
constexpr std::size_t kMmapThreshold = std::size_t{64} << 10;
}

void* allocate_zeroed(std::size_t bytes) {
  if (bytes < kMmapThreshold) {
    void* memory = std::calloc(bytes == 0 ? 1 : bytes, 1);
    if (memory == nullptr) throw std::bad_alloc();
    return memory;
  }
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  return memory;
}

void release_zeroed(void* memory, std::size_t bytes) {
  if (memory == nullptr) return;
  if (bytes < kMmapThreshold) {
    std::free(memory);
  } else {
    ::munmap(memory, bytes);
  }
}

}  // namespace fealloc::detail
