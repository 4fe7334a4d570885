// ZeroedArray and the mapping cache behind it and EvmMemory: whatever a released array or memory
// made nonzero, the next one made from the same mapping reads as zero everywhere.
#include "core/evm_memory.hpp"
#include "core/zeroed_array.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace fealloc {
namespace {

// Scattered indices over an array of `count`: both ends, chunk edges and a stride.
std::vector<std::size_t> spots(std::size_t count) {
  std::vector<std::size_t> out = {0, 1, count / 2, count - 1};
  for (std::size_t i = 8191; i < count; i += 65537) out.push_back(i);
  return out;
}

TEST(ZeroedArray, AReusedMappingReadsZeroWhereTheLastOneWrote) {
  constexpr std::size_t kCount = std::size_t{1} << 20;  // 8 MiB of u64: a mapping, not calloc
  const std::uint64_t* first_data = nullptr;
  {
    ZeroedArray<std::uint64_t> a(kCount);
    for (const std::size_t i : spots(kCount)) a[i] = 0xdeadbeef00000000ULL | i;
    first_data = &static_cast<const ZeroedArray<std::uint64_t>&>(a)[0];
  }
  const ZeroedArray<std::uint64_t> b(kCount);
  // Few chunks were dirty, so the cache kept the mapping and this array got it back.
  EXPECT_EQ(&b[0], first_data);
  for (const std::size_t i : spots(kCount)) EXPECT_EQ(b[i], 0U) << "index " << i;
}

TEST(ZeroedArray, AMappingWithManyDirtyChunksStillComesBackZero) {
  constexpr std::size_t kCount = std::size_t{1} << 20;
  {
    ZeroedArray<std::uint64_t> a(kCount);
    for (std::size_t i = 0; i < kCount; i += 512) a[i] = i + 1;  // every 4 KiB page: all chunks
  }
  const ZeroedArray<std::uint64_t> b(kCount);
  for (std::size_t i = 0; i < kCount; i += 512) ASSERT_EQ(b[i], 0U) << "index " << i;
}

TEST(ZeroedArray, ResetZeroesWhatWasWritten) {
  for (const std::size_t count : {std::size_t{100}, std::size_t{1} << 20}) {
    ZeroedArray<std::uint32_t> a(count);
    for (const std::size_t i : spots(count)) a[i] = 7;
    a.reset();
    for (const std::size_t i : spots(count)) EXPECT_EQ(std::as_const(a)[i], 0U) << count << " " << i;
    a[count - 1] = 9;
    EXPECT_EQ(std::as_const(a)[count - 1], 9U);
  }
}

TEST(DirtyChunks, CountsMarkedChunksOnce) {
  detail::DirtyChunks chunks(std::size_t{1} << 24);  // 16 MiB: 256 chunks of the 64 KiB minimum
  EXPECT_EQ(chunks.dirty_bytes(), 0U);
  chunks.mark(0);
  chunks.mark(100);
  EXPECT_EQ(chunks.dirty_bytes(), std::size_t{64} << 10);
  chunks.mark((std::size_t{1} << 24) - 1);
  EXPECT_EQ(chunks.dirty_bytes(), std::size_t{128} << 10);
}

TEST(EvmMemoryReuse, ANewMemoryReadsZeroWhereTheLastOneWroteNearAndFar) {
  const std::uint64_t far = EvmMemory::kDefaultCap - 4096;
  {
    EvmMemory m(EvmMemory::kDefaultCap);
    m.store_word32(0, 0x1122334455667788ULL);
    m.fill(70000, 300, 0xab);        // near: grows the fast region
    m.store_word32(far, 42);          // far: a touched page
    m.fill(far - (64 << 12), 32 << 12, 0xcd);  // a uniform run, then read so it is materialized
    EXPECT_EQ(m.load_word32(far - (64 << 12) + 4096) >> 56, 0xcdU);
  }
  // Loads, not peeks: a fresh memory's peek answers zero above its own high-water mark without
  // looking, while a load makes the region's bytes its own.
  EvmMemory fresh(EvmMemory::kDefaultCap);
  EXPECT_EQ(fresh.backing_size(), 0U);
  for (const std::uint64_t addr : {std::uint64_t{0}, std::uint64_t{70000 - 16}, std::uint64_t{70300 - 16},
                                   far - (64 << 12), far - (64 << 12) + 4096, far - 32, far}) {
    bool high = true;
    EXPECT_EQ(fresh.load_word32(addr, &high), 0U) << addr;
    EXPECT_FALSE(high) << addr;
  }
}

}  // namespace
}  // namespace fealloc
