// EvmMemory: msize, expansion gas, both word encodings, copy semantics, the cap, the hash.
#include "core/evm_memory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
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

// Issue 8: a long fill above the high-water mark marks whole pages uniform instead of writing
// them, a copy from such pages (or from untouched memory) fills, the hash takes runs of one byte
// value in closed form. Against a plain byte array: the bytes (peek, both word encodings, loads,
// reads), msize, the hash and first_difference are exactly the same.
TEST(EvmMemory, UniformPagesRunsAndCopiesMatchAPlainByteArray) {
  constexpr std::uint64_t kCap = std::uint64_t{1} << 21;
  std::mt19937_64 rng(8);
  auto below = [&](std::uint64_t n) { return n == 0 ? 0 : rng() % n; };
  auto plain_fnv = [](const std::vector<std::uint8_t>& bytes, std::uint64_t end) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::uint64_t i = 0; i < end; ++i) h = (h ^ bytes[i]) * 0x100000001b3ULL;
    return h;
  };
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE(round);
    EvmMemory m(kCap);
    std::vector<std::uint8_t> plain(kCap, 0);
    std::uint64_t msize = 0;
    auto touched = [&](std::uint64_t addr, std::uint64_t len) {
      if (len != 0) msize = std::max(msize, (addr + len + 31) / 32 * 32);
    };
    for (int op = 0; op < 16; ++op) {
      SCOPED_TRACE(op);
      // Long fills of a few values (zero above all), short writes and reads, copies either way.
      const std::uint64_t len = below(4) == 0 ? below(64) : below(std::uint64_t{1} << (8 + below(12)));
      const std::uint64_t addr = below(kCap - len - 32);
      switch (below(7)) {
        case 0:
        case 1: {
          const std::uint8_t v = below(3) == 0 ? 0 : std::array<std::uint8_t, 3>{0xff, 0x01, 0xa5}[below(3)];
          m.fill(addr, len, v);
          std::fill(plain.begin() + static_cast<std::ptrdiff_t>(addr), plain.begin() + static_cast<std::ptrdiff_t>(addr + len), v);
          touched(addr, len);
          break;
        }
        case 2: {
          std::vector<std::uint8_t> data(std::min<std::uint64_t>(len, 64));
          for (auto& b : data) b = static_cast<std::uint8_t>(rng());
          m.write_bytes(addr, data);
          std::copy(data.begin(), data.end(), plain.begin() + static_cast<std::ptrdiff_t>(addr));
          touched(addr, data.size());
          break;
        }
        case 3: {
          const std::uint64_t value = rng();
          if (below(2) == 0) {
            m.store_word32(addr, value);
            std::fill_n(plain.begin() + static_cast<std::ptrdiff_t>(addr), 24, std::uint8_t{0});
            for (int i = 0; i < 8; ++i) plain[addr + 31 - static_cast<std::uint64_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
            touched(addr, 32);
          } else {
            m.store_le32(addr, static_cast<std::uint32_t>(value));
            for (int i = 0; i < 4; ++i) plain[addr + static_cast<std::uint64_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
            touched(addr, 4);
          }
          break;
        }
        case 4: {
          std::uint64_t expected = 0;
          for (std::uint64_t i = 24; i < 32; ++i) expected = (expected << 8) | plain[addr + i];
          ASSERT_EQ(m.load_word32(addr), expected);
          touched(addr, 32);
          std::vector<std::uint8_t> out(std::min<std::uint64_t>(len, 256));
          m.read_bytes(addr, out);
          ASSERT_TRUE(std::equal(out.begin(), out.end(), plain.begin() + static_cast<std::ptrdiff_t>(addr)));
          touched(addr, out.size());
          break;
        }
        default: {
          const std::uint64_t src = below(kCap - len);
          m.copy(addr, src, len);
          std::memmove(plain.data() + addr, plain.data() + src, len);
          touched(addr, len);
          touched(src, len);
          break;
        }
      }
      ASSERT_EQ(m.msize(), msize);
    }
    for (std::uint64_t i = 0; i < kCap; i += 1 + below(64)) ASSERT_EQ(m.peek(i), plain[i]) << "byte " << i;
    for (int k = 0; k < 192; ++k) {
      // Anywhere, across a page boundary, or across the end of the backing store.
      const std::uint64_t page_end = (1 + below(kCap / 4096 - 1)) * 4096;
      const std::uint64_t backing_end = std::clamp<std::uint64_t>(m.backing_size(), 32, kCap - 32);
      const std::uint64_t a = std::array<std::uint64_t, 3>{below(kCap - 32), page_end - 1 - below(31), backing_end - 1 - below(31)}[k % 3];
      std::uint64_t word = 0;
      for (std::uint64_t i = 24; i < 32; ++i) word = (word << 8) | plain[a + i];
      ASSERT_EQ(m.peek_word32(a), word) << a;
      std::uint32_t le = 0;
      for (std::uint64_t i = 4; i-- > 0;) le = (le << 8) | plain[a + i];
      ASSERT_EQ(m.peek_le32(a), le) << a;
    }
    for (const std::uint64_t end : {kCap, kCap / 2 + below(kCap / 2), below(4096)}) {
      ASSERT_EQ(m.fnv1a(end), plain_fnv(plain, end)) << "end " << end;
    }
    ASSERT_LE(m.backing_size(), kCap);
    ASSERT_TRUE(std::all_of(plain.begin() + static_cast<std::ptrdiff_t>(m.backing_size()), plain.end(),
                            [](std::uint8_t b) { return b == 0; }));
    // The same bytes written plainly: no difference; then one byte apart.
    EvmMemory same(kCap);
    same.write_bytes(0, plain);
    ASSERT_EQ(EvmMemory::first_difference(m, same, 0, kCap), kCap);
    const std::uint64_t at = below(kCap);
    const std::uint8_t other = static_cast<std::uint8_t>(plain[at] ^ 0x40);
    same.write_bytes(at, std::span<const std::uint8_t>(&other, 1));
    ASSERT_EQ(EvmMemory::first_difference(m, same, 0, kCap), at);
    ASSERT_EQ(EvmMemory::first_difference(same, m, 0, kCap), at);
  }
}

TEST(EvmMemory, ALongFillAboveTheHighWaterMarkCommitsNothing) {
  EvmMemory m;
  m.store_le32(0, 0x01020304);
  const std::uint64_t n = std::uint64_t{200} << 20;
  m.fill(16, n, 0xa5);  // a calloc of 200 MiB
  EXPECT_LE(m.backing_size(), 16 + n + 4096);
  EXPECT_EQ(m.msize(), (n + 16 + 31) / 32 * 32);
  EXPECT_EQ(m.peek(0), 4);
  EXPECT_EQ(m.peek(100 << 20), 0xa5);
  EXPECT_EQ(m.peek(16 + n), 0);
  m.store_le32(100 << 20, 0);  // one page gets its bytes; the rest stays as it was
  EXPECT_EQ(m.peek((100 << 20) + 4), 0xa5);
  EXPECT_EQ(m.peek((100 << 20) + 3), 0);
  EXPECT_EQ(m.load_le32(16 + n - 4), 0xa5a5a5a5U);
}

TEST(EvmMemory, AnAccessFarUpLeavesThePagesBelowItUntouched) {
  EvmMemory m;
  m.store_le32(0, 1);
  const std::uint64_t far = (std::uint64_t{255} << 20) + 12;  // the state words of a pool near the cap
  m.store_le32(far, 0xdeadbeef);
  EXPECT_EQ(m.load_le32(far), 0xdeadbeefU);
  EXPECT_EQ(m.peek(far), 0xef);
  // The observers see the gap as one run of zeros, without reading it.
  const EvmMemory::View gap = m.view(4096, far - 4096);
  EXPECT_EQ(gap.bytes, nullptr);
  EXPECT_EQ(gap.value, 0);
  EvmMemory plain;
  plain.store_le32(0, 1);
  EXPECT_EQ(EvmMemory::first_difference(m, plain, 0, EvmMemory::kDefaultCap), far);
  plain.write_bytes(far, std::array<std::uint8_t, 4>{0xef, 0xbe, 0xad, 0xde});
  EXPECT_EQ(EvmMemory::first_difference(m, plain, 0, EvmMemory::kDefaultCap), EvmMemory::kDefaultCap);
  EXPECT_EQ(m.fnv1a(EvmMemory::kDefaultCap), plain.fnv1a(EvmMemory::kDefaultCap));
}

TEST(EvmMemory, AZeroFillAboveTheHighWaterMarkCommitsNothing) {
  EvmMemory m;
  m.store_le32(0, 0x01020304);
  const std::uint64_t backing = m.backing_size();
  m.fill(16, std::uint64_t{200} << 20, 0);  // a calloc of 200 MiB with fill 0
  EXPECT_EQ(m.backing_size(), backing);
  EXPECT_EQ(m.msize(), ((std::uint64_t{200} << 20) + 16 + 31) / 32 * 32);
  EXPECT_EQ(m.peek(0), 4);
  EXPECT_EQ(m.peek(100 << 20), 0);
  EXPECT_THROW(m.fill(0, EvmMemory::kDefaultCap + 1, 0), MemoryCapExceeded);
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
