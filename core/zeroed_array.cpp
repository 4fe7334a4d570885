// ZeroedArray's memory: anonymous mmap for large arrays (zero pages on first touch), calloc for
// small ones where a syscall would cost more than zeroing; and a per-thread cache of released
// mappings, so that making and dropping allocators does not map and unmap memory each time.
#include "core/zeroed_array.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

namespace fealloc::detail {

namespace {
constexpr std::size_t kMmapThreshold = std::size_t{64} << 10;
constexpr unsigned kMinChunkShift = 16;  // 64 KiB

// Mappings are made in power-of-two sizes, so a cached one serves every request of its class
// (fuzz inputs differ in their pool sizes; an exact-size cache almost never hit). The address
// space this wastes is not committed (MAP_NORESERVE, untouched pages).
std::size_t mapping_size(std::size_t bytes) {
  const std::size_t size = std::bit_ceil(bytes);
  if (size < bytes) throw std::bad_alloc();  // no power of two that large
  return size;
}

// Released mappings kept for reuse by this thread: a program that makes and drops many
// allocators (a fuzzer: one set per input; fealloc exhaust: one per sequence) would otherwise
// spend most of its time building and tearing down page tables in mmap/munmap. A mapping is kept
// only when at most kMaxDirty bytes of it must be zeroed again; memset then costs less than the
// page faults a fresh mapping takes.
struct MappingCache {
  static constexpr std::size_t kKept = 16;
  static constexpr std::size_t kMaxDirty = std::size_t{2} << 20;
  std::size_t count = 0;
  void* memory[kKept] = {};
  std::size_t size[kKept] = {};  // mapping_size()
  ~MappingCache() {
    for (std::size_t i = 0; i < count; ++i) ::munmap(memory[i], size[i]);
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
  const std::size_t size = mapping_size(bytes);
  for (std::size_t i = cache.count; i-- > 0;) {
    if (cache.size[i] != size) continue;
    void* memory = cache.memory[i];
    std::copy(cache.memory + i + 1, cache.memory + cache.count, cache.memory + i);  // keep the order
    std::copy(cache.size + i + 1, cache.size + cache.count, cache.size + i);
    --cache.count;
    return memory;
  }
  void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  return memory;
}

bool cache_would_keep(std::size_t bytes, std::size_t dirty) {
  return bytes >= kMmapThreshold && dirty <= MappingCache::kMaxDirty;
}

void release_clean(void* memory, std::size_t bytes) {
  if (memory == nullptr) return;
  if (bytes < kMmapThreshold) {
    std::free(memory);
    return;
  }
  if (cache.count == MappingCache::kKept) {
    // Full: the mapping released longest ago goes, so that sizes no longer asked for do not keep
    // the cache from the ones in use.
    ::munmap(cache.memory[0], cache.size[0]);
    std::copy(cache.memory + 1, cache.memory + cache.count, cache.memory);
    std::copy(cache.size + 1, cache.size + cache.count, cache.size);
    --cache.count;
  }
  cache.memory[cache.count] = memory;
  cache.size[cache.count] = mapping_size(bytes);
  ++cache.count;
}

void release_zeroed(void* memory, std::size_t bytes, std::size_t dirty) {
  if (memory == nullptr) return;
  if (cache_would_keep(bytes, dirty)) {
    std::memset(memory, 0, std::min(dirty, bytes));
    release_clean(memory, bytes);
  } else if (bytes < kMmapThreshold) {
    std::free(memory);
  } else {
    ::munmap(memory, mapping_size(bytes));
  }
}

DirtyChunks::DirtyChunks(std::size_t bytes) : bytes_(bytes), shift_(kMinChunkShift) {
  // At most 64 * 64 chunks.
  while ((bytes_ >> shift_) >= 64 * 64) ++shift_;
}

std::size_t DirtyChunks::dirty_bytes() const {
  std::size_t chunks = 0;
  for (const std::uint64_t word : bits_) chunks += static_cast<std::size_t>(std::popcount(word));
  return chunks << shift_;
}

void DirtyChunks::zero(void* memory) {
  auto* bytes = static_cast<std::uint8_t*>(memory);
  const std::size_t chunk_size = std::size_t{1} << shift_;
  for (std::size_t w = 0; w < bits_.size(); ++w) {
    for (std::uint64_t word = bits_[w]; word != 0; word &= word - 1) {
      const std::size_t at = (w * 64 + static_cast<std::size_t>(std::countr_zero(word))) << shift_;
      std::memset(bytes + at, 0, std::min(chunk_size, bytes_ - at));
    }
    bits_[w] = 0;
  }
}

}  // namespace fealloc::detail
