// The four deviations of thi.ng from the seed contract (spec §4), each shown on ThingPort in thing
// semantics against the same operations in seed semantics, in both layouts where they apply.
#include "reference/thing_port.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace fealloc {
namespace {

using testing::make_config;
using testing::PoolView;

ThingPort port(Semantics s, Layout l = Layout::thing, std::uint64_t end = 0x100) {
  return ThingPort(make_config(l, s, end));
}

class BothLayouts : public ::testing::TestWithParam<Layout> {};

// §4.1: the move path frees the header address, so the old block stays used and valid.
TEST_P(BothLayouts, ReallocMoveLeaksTheOldBlockInThingOnly) {
  const std::uint64_t end = GetParam() == Layout::evm ? 0x1000 : 0x100;
  for (Semantics s : {Semantics::thing, Semantics::seed}) {
    ThingPort p = port(s, GetParam(), end);
    const u256 a = p.malloc(8);
    p.malloc(8);
    const u256 moved = p.realloc(a, 64);
    ASSERT_NE(moved, 0);
    ASSERT_NE(moved, a);
    if (s == Semantics::thing) {
      EXPECT_EQ(p.stats().used_count, 3u);
      EXPECT_TRUE(p.free(a));  // the "old" pointer is still live
    } else {
      EXPECT_EQ(p.stats().used_count, 2u);
      EXPECT_FALSE(p.free(a));
    }
  }
}

// §4.2: shrinking the top block without a split moves top but leaves the size word.
TEST_P(BothLayouts, ShrinkAtTopLeavesAStaleSizeInThingOnly) {
  const Layout l = GetParam();
  const std::uint64_t end = l == Layout::evm ? 0x1000 : 0x100;
  // thing layout: padded(16) = 24, padded(8) = 16, excess 8 < minSplit 16.
  // evm layout: padded(64) = 128, padded(32) = 96, excess 32 < minSplit 96.
  const std::uint64_t big = l == Layout::evm ? 64 : 16;
  const std::uint64_t small = l == Layout::evm ? 32 : 8;
  const std::uint64_t big_padded = l == Layout::evm ? 128 : 24;
  const std::uint64_t small_padded = l == Layout::evm ? 96 : 16;
  for (Semantics s : {Semantics::thing, Semantics::seed}) {
    ThingPort p = port(s, l, end);
    PoolView v(p);
    const u256 a = p.malloc(big);
    const std::uint64_t block = v.used_head();
    EXPECT_EQ(p.realloc(a, small), a);
    EXPECT_EQ(v.top(), block + small_padded);
    EXPECT_EQ(v.block_size(block), s == Semantics::thing ? big_padded : small_padded);
    // The next block starts at the new top: inside the stale block in thing semantics.
    const u256 b = p.malloc(1);
    EXPECT_EQ(b, block + small_padded + p.config().params.header);
    EXPECT_EQ(p.stats().used_size, (s == Semantics::thing ? big_padded : small_padded) + v.block_size(v.used_head()));
  }
}

// §4.3: growth in place needs b + padded < end in thing semantics, <= end in seed.
TEST_P(BothLayouts, GrowToExactlyEndOnlyInSeed) {
  const Layout l = GetParam();
  const std::uint64_t end = l == Layout::evm ? 0x1000 : 0x100;
  for (Semantics s : {Semantics::thing, Semantics::seed}) {
    ThingPort p = port(s, l, end);
    PoolView v(p);
    const u256 a = p.malloc(8);
    const std::uint64_t block = v.used_head();
    const std::uint64_t exact = end - block - p.config().params.header;  // padded == end - block
    EXPECT_EQ(p.realloc(a, exact), s == Semantics::thing ? u256(0) : a);
    EXPECT_EQ(v.top(), s == Semantics::thing ? block + v.block_size(block) : end);
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, BothLayouts, ::testing::Values(Layout::thing, Layout::evm),
                         [](const auto& param_info) { return std::string(layout_name(param_info.param)); });

// §4.4: sizes are ToInt32'd; 0xfffffff8 pads to 0 and 0x80000000 to a negative size.
TEST(ThingDeviation, HugeSizesWrapInThingAndFailInSeed) {
  ThingPort seed = port(Semantics::seed);
  EXPECT_EQ(seed.malloc(0xfffffff8ULL), 0);
  EXPECT_EQ(seed.malloc(0x80000000ULL), 0);
  EXPECT_EQ(seed.stats().used_count, 0u);

  ThingPort thing = port(Semantics::thing);
  const std::uint64_t base = thing.stats().top;
  EXPECT_EQ(thing.malloc(0xfffffff8ULL), base + 8);  // a zero-size block at top
  EXPECT_EQ(thing.stats().top, base);
  EXPECT_EQ(thing.stats().used_count, 1u);
  EXPECT_EQ(thing.stats().used_size, 0u);
  // Another one lands on the same address and links the used list to itself: the package would
  // loop forever in stats(); the port reports a corrupted heap instead.
  EXPECT_EQ(thing.malloc(0xfffffff8ULL), base + 8);
  EXPECT_THROW(thing.stats(), CorruptHeap);
  EXPECT_NE(thing.check(), "");

  ThingPort negative = port(Semantics::thing);
  EXPECT_EQ(negative.malloc(0x80000000ULL), base + 8);
  // The block's size word holds ToUint32(-2147483640) and top wrapped past the buffer.
  EXPECT_EQ(PoolView(negative).block_size(base), 0x80000008u);
  EXPECT_EQ(negative.stats().top, base + 0x80000008ULL);
}

// In thing semantics sizes only matter modulo 2^32; 2^32 + 8 behaves as 8.
TEST(ThingDeviation, SizesAreTakenModulo2To32) {
  ThingPort a = port(Semantics::thing);
  ThingPort b = port(Semantics::thing);
  EXPECT_EQ(a.malloc((u256(1) << 32) + 8), b.malloc(8));
  EXPECT_EQ(a.stats(), b.stats());
  EXPECT_EQ(a.malloc((u256(1) << 255) + 8), b.malloc(8));
}

}  // namespace
}  // namespace fealloc
