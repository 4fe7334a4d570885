// EvmMemory: msize, expansion gas, both word encodings, copy semantics, the cap, the hash.
#include "core/evm_memory.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace fealloc {
namespace {

TEST(EvmMemory, StartsEmptyAndZero) {
  EvmMemory m;
  EXPECT_EQ(m.msize(), 0u);
  EXPECT_EQ(m.expansion_gas(), 0u);
  EXPECT_EQ(m.peek(12345), 0);
}

TEST(EvmMemory, MsizeIsThe32ByteRoundedHighWaterMarkOfReadsAndWrites) {
  EvmMemory m;
  m.store_le32(0, 1);  // bytes 0..3
  EXPECT_EQ(m.msize(), 32u);
  std::array<std::uint8_t, 1> one{};
  m.read_bytes(32, one);  // a read of byte 32 expands like MLOAD does
  EXPECT_EQ(m.msize(), 64u);
  m.load_word32(100);  // bytes 100..131
  EXPECT_EQ(m.msize(), 160u);
  m.store_word32(0, 7);  // lower than the mark: no change
  EXPECT_EQ(m.msize(), 160u);
  m.fill(1000, 0, 0xff);  // zero-length accesses touch nothing
  m.copy(5000, 6000, 0);
  EXPECT_EQ(m.msize(), 160u);
}

TEST(EvmMemory, ExpansionGasAtKnownPoints) {
  // 3w + floor(w*w/512), w = msize/32.
  EXPECT_EQ(EvmMemory::gas_for_msize(0), 0u);
  EXPECT_EQ(EvmMemory::gas_for_msize(32), 3u);
  EXPECT_EQ(EvmMemory::gas_for_msize(288), 27u);           // w = 9: the spec's example line
  EXPECT_EQ(EvmMemory::gas_for_msize(22 * 32), 66u);       // w*w/512 still 0 at w = 22
  EXPECT_EQ(EvmMemory::gas_for_msize(23 * 32), 70u);       // 69 + 529/512
  EXPECT_EQ(EvmMemory::gas_for_msize(1024 * 32), 5120u);   // 3072 + 2048
  EXPECT_EQ(EvmMemory::gas_for_msize(0x400000), 33947648u);  // 4 MiB: w = 131072: 393216 + 33554432
}

TEST(EvmMemory, Word32IsBigEndianAndClearsHighBytes) {
  EvmMemory m;
  m.fill(0, 32, 0xee);
  m.store_word32(0, 0x0102030405060708ULL);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(m.peek(static_cast<std::uint64_t>(i)), 0) << i;
  EXPECT_EQ(m.peek(24), 0x01);
  EXPECT_EQ(m.peek(31), 0x08);
  bool high = true;
  EXPECT_EQ(m.load_word32(0, &high), 0x0102030405060708ULL);
  EXPECT_FALSE(high);
  m.fill(3, 1, 1);
  EXPECT_EQ(m.load_word32(0, &high), 0x0102030405060708ULL);
  EXPECT_TRUE(high);
}

TEST(EvmMemory, Le32IsLittleEndian) {
  EvmMemory m;
  m.store_le32(8, 0xaabbccddU);
  EXPECT_EQ(m.peek(8), 0xdd);
  EXPECT_EQ(m.peek(11), 0xaa);
  EXPECT_EQ(m.load_le32(8), 0xaabbccddU);
}

TEST(EvmMemory, CopyHasMemmoveSemantics) {
  EvmMemory m;
  const std::vector<std::uint8_t> data{1, 2, 3, 4, 5, 6, 7, 8};
  m.write_bytes(0, data);
  m.copy(2, 0, 6);  // overlapping, forward
  std::vector<std::uint8_t> out(8);
  m.read_bytes(0, out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 1, 2, 3, 4, 5, 6}));
  m.copy(0, 2, 6);  // overlapping, backward
  m.read_bytes(0, out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 5, 6}));
}

TEST(EvmMemory, AccessPastTheCapIsRefusedAndChangesNothing) {
  EvmMemory m(1024);
  m.store_le32(0, 5);
  const auto msize = m.msize();
  EXPECT_THROW(m.store_word32(1000, 1), MemoryCapExceeded);
  EXPECT_THROW(m.fill(0, 1025, 1), MemoryCapExceeded);
  EXPECT_THROW(m.copy(0, 1020, 8), MemoryCapExceeded);
  EXPECT_THROW(m.load_le32(UINT64_MAX - 1), MemoryCapExceeded);  // no overflow in addr + length
  EXPECT_EQ(m.msize(), msize);
  EXPECT_EQ(m.load_le32(0), 5u);
  EXPECT_NO_THROW(m.store_word32(992, 1));  // the last word below the cap
}

TEST(EvmMemory, DefaultCapAllowsA64MiBPool) { EXPECT_GE(EvmMemory::kDefaultCap, std::uint64_t{64} << 20); }

TEST(EvmMemory, Fnv1aCountsUntouchedBytesAsZero) {
  EvmMemory a;
  EvmMemory b;
  b.fill(0, 4096, 0);  // same bytes, different backing sizes
  EXPECT_EQ(a.fnv1a(4096), b.fnv1a(4096));
  EXPECT_EQ(a.fnv1a(0), 0xcbf29ce484222325ULL);
  // FNV-1a 64 of one zero byte: (basis ^ 0) * prime.
  EXPECT_EQ(a.fnv1a(1), 0xcbf29ce484222325ULL * 0x100000001b3ULL);
  b.fill(4095, 1, 1);
  EXPECT_NE(a.fnv1a(4096), b.fnv1a(4096));
}

TEST(EvmMemory, WrittenRangesCoverEveryWriteSinceLastTaken) {
  EvmMemory m;
  std::vector<EvmMemory::Range> r;
  m.store_le32(4, 1);  // not tracked yet
  m.set_write_tracking(true);
  m.take_written_ranges(r);
  EXPECT_TRUE(r.empty());
  m.store_le32(100, 1);
  m.store_le32(104, 1);  // merges with the previous range
  m.store_word32(40, 1);
  m.load_word32(4000);  // reads do not count as writes
  m.copy(500, 40, 8);
  m.take_written_ranges(r);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].lo, 100u);
  EXPECT_EQ(r[0].hi, 108u);
  EXPECT_EQ(r[1].lo, 40u);
  EXPECT_EQ(r[1].hi, 72u);
  EXPECT_EQ(r[2].lo, 500u);
  EXPECT_EQ(r[2].hi, 508u);
  m.take_written_ranges(r);
  EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace fealloc
