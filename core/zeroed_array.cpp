// ZeroedArray's memory: anonymous mmap for large arrays (zero pages on first touch), calloc for
// small ones where a syscall would cost more than zeroing.
#include "core/zeroed_array.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

namespace fealloc::detail {

namespace {
constexpr std::size_t kMmapThreshold = std::size_t{64} << 10;

// Released mappings kept for reuse by this thread: a program that makes and drops many
// allocators (fealloc exhaust makes one set per sequence run) would otherwise spend most of its
// time building and tearing down page tables in mmap/munmap. Only a mapping of which at most
// kMaxDirty bytes (at its start) may be nonzero is kept, zeroed again by memset.
struct MappingCache {
  static constexpr std::size_t kKept = 8;
  static constexpr std::size_t kMaxDirty = std::size_t{256} << 10;
  std::size_t count = 0;
  void* memory[kKept] = {};
  std::size_t bytes[kKept] = {};
  ~MappingCache() {
    for (std::size_t i = 0; i < count; ++i) ::munmap(memory[i], bytes[i]);
  }
};
thread_local MappingCache cache;
}  // namespace

void* allocate_zeroed(std::size_t bytes) {
  if (bytes < kMmapThreshold) {
    void* memory = std::calloc(bytes == 0 ? 1 : bytes, 1);
    if (memory == nullptr) throw std::bad_alloc();
    return memory;
  }
  for (std::size_t i = cache.count; i-- > 0;) {
    if (cache.bytes[i] != bytes) continue;
    void* memory = cache.memory[i];
    --cache.count;
    cache.memory[i] = cache.memory[cache.count];
    cache.bytes[i] = cache.bytes[cache.count];
    return memory;
  }
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  return memory;
}

void release_zeroed(void* memory, std::size_t bytes, std::size_t dirty) {
  if (memory == nullptr) return;
  if (bytes < kMmapThreshold) {
    std::free(memory);
  } else if (cache.count < MappingCache::kKept && dirty <= MappingCache::kMaxDirty) {
    std::memset(memory, 0, dirty);
    cache.memory[cache.count] = memory;
    cache.bytes[cache.count] = bytes;
    ++cache.count;
  } else {
    ::munmap(memory, bytes);
  }
}

}  // namespace fealloc::detail
