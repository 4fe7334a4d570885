// thi.ng's test scenarios redone in the evm layout with seed semantics, run on every party that
// implements seed semantics (port, optimized, model). The values are derived by hand from
// spec/semantics.md: W = 32, H = 64, S = 224, align 32, minSplit 96, end 0x1000, so the first
// block is at initialTop = alignUp(0 + 224 + 64, 32) - 64 = 224 and padded(n) = alignUp(n + 64, 32).
#include "harness/parties.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace fealloc {
namespace {

using testing::make_config;

std::vector<std::string> seed_party_names() {
  std::vector<std::string> names;
  for (const PartyInfo& p : party_registry()) {
    if (p.semantics == Semantics::seed && !p.can.opt_in) names.emplace_back(p.impl);  // evm: evm_party_test
  }
  return names;
}

// One fixture for every seed party of the registry: each test makes its allocators through make(),
// which keeps them, and TearDown checks every invariant of each (check(full) and check(touched))
// after the test, and that checking changed neither msize nor stats.
class SeedScenario : public ::testing::TestWithParam<std::string> {
 protected:
  Allocator* make(std::uint64_t align = 0, bool compact = true, bool split = true, std::uint64_t end = 0x1000) {
    auto party = make_party(GetParam(), make_config(Layout::evm, Semantics::seed, end, align, 0, compact, split));
    EXPECT_NE(party, nullptr);
    made_.push_back(std::move(party));
    return made_.back().get();
  }
  void TearDown() override {
    for (const auto& party : made_) {
      if (party == nullptr) continue;
      const Stats before = party->stats();
      EXPECT_EQ(party->check(CheckScope::touched), "") << GetParam();
      EXPECT_EQ(party->check(CheckScope::full), "") << GetParam();
      EXPECT_EQ(party->stats(), before) << GetParam() << ": a check changed what stats() says (msize?)";
    }
  }

  std::vector<std::unique_ptr<Allocator>> made_;
  static void expect_stats(Allocator& a, std::uint64_t free_count, std::uint64_t free_size, std::uint64_t used_count,
                           std::uint64_t used_size, std::uint64_t top) {
    const Stats s = a.stats();
    EXPECT_EQ(s.free_count, free_count);
    EXPECT_EQ(s.free_size, free_size);
    EXPECT_EQ(s.used_count, used_count);
    EXPECT_EQ(s.used_size, used_size);
    EXPECT_EQ(s.top, top);
    EXPECT_EQ(s.available, std::int64_t(a.config().end - top + free_size));
    EXPECT_EQ(a.check(), "");
  }
  // Header words, checked only on parties that keep memory.
  static void expect_header(Allocator& a, std::uint64_t block, std::uint64_t size, std::uint64_t next) {
    if (a.memory() == nullptr) return;
    testing::PoolView v(a);
    EXPECT_EQ(v.block_size(block), size) << "size of block " << block;
    EXPECT_EQ(v.block_next(block), next) << "next of block " << block;
  }
};

TEST_P(SeedScenario, MallocFree) {
  auto a = make();
  EXPECT_EQ(a->malloc(0x1000), 0);  // padded 0x1040 > end
  EXPECT_EQ(a->malloc(0), 0);
  EXPECT_EQ(a->malloc(std::numeric_limits<u256>::max()), 0);
  EXPECT_EQ(a->malloc(u256(1) << 64), 0);
  EXPECT_EQ(a->malloc(u256(1) << 255), 0);
  const u256 x = a->malloc(12);   // block 224, padded 96
  const u256 y = a->malloc(31);   // block 320, padded 96
  const u256 z = a->malloc(100);  // block 416, padded 192
  EXPECT_EQ(x, 288);
  EXPECT_EQ(y, 384);
  EXPECT_EQ(z, 480);
  expect_stats(*a, 0, 0, 3, 384, 608);
  EXPECT_EQ(a->stats().msize, 480u);  // z's next word at 448..480 is the highest byte touched
  EXPECT_EQ(a->stats().gas, 45u);     // w = 15
  expect_header(*a, 416, 192, 320);   // the used list is LIFO: z -> y -> x
  expect_header(*a, 320, 96, 224);
  expect_header(*a, 224, 96, 0);

  EXPECT_TRUE(a->free(x));
  expect_stats(*a, 1, 96, 2, 288, 608);
  EXPECT_TRUE(a->free(z));  // touches top: top falls back to 416
  expect_stats(*a, 1, 96, 1, 96, 416);
  EXPECT_TRUE(a->free(y));  // merges with x, and the merged block reaches top
  EXPECT_FALSE(a->free(y));
  expect_stats(*a, 0, 0, 0, 0, 224);
}

TEST_P(SeedScenario, SplitAndMerge) {
  auto a = make();
  u256 x = a->malloc(200);       // padded 288: block 224..512
  const u256 y = a->malloc(10);  // block 512, padded 96, top 608
  EXPECT_TRUE(a->free(x));
  expect_stats(*a, 1, 288, 1, 96, 608);
  x = a->malloc(50);  // padded 128, excess 160 >= 96: split at 352
  EXPECT_EQ(x, 288);
  expect_stats(*a, 1, 160, 2, 224, 608);
  expect_header(*a, 224, 128, 512);  // pushed in front of y's block
  expect_header(*a, 352, 160, 0);
  EXPECT_TRUE(a->free(y));  // 352 + 160 = 512: merges, then reaches top
  expect_stats(*a, 0, 0, 1, 128, 352);
  expect_header(*a, 352, 256, 0);  // the merged block's words stay behind
  expect_header(*a, 512, 96, 0);   // merged away: next zeroed, size left as it was
}

TEST_P(SeedScenario, SplitThresholdIsInclusive) {
  auto a = make();
  const u256 x = a->malloc(224);  // padded 288: block 224..512
  a->malloc(1);                   // keeps 512.. used so the free block cannot reach top
  EXPECT_TRUE(a->free(x));
  const u256 s = a->malloc(128);  // padded 192, excess 96 == minSplit: splits
  EXPECT_EQ(s, 288);
  expect_stats(*a, 1, 96, 2, 192 + 96, 608);
  EXPECT_TRUE(a->free(s));  // merges back into one 288-byte block
  expect_stats(*a, 1, 288, 1, 96, 608);
  const u256 t = a->malloc(129);  // padded 224, excess 64 < 96: the whole block is used
  EXPECT_EQ(t, 288);
  expect_stats(*a, 0, 0, 2, 288 + 96, 608);
}

TEST_P(SeedScenario, Realloc) {
  auto a = make();
  const u256 x = a->malloc(8);  // block 224, padded 96, top 320
  a->user_write(low_u64(x), std::vector<std::uint8_t>(8, 0xff));
  EXPECT_EQ(a->realloc(x, 0), 0);
  EXPECT_EQ(a->realloc(x, 65), x);  // top block grows in place to padded 160
  expect_stats(*a, 0, 0, 1, 160, 384);
  EXPECT_EQ(a->realloc(x, 31), x);  // padded 96, excess 64 < 96: no split; top block: top and size shrink
  expect_stats(*a, 0, 0, 1, 96, 320);
  expect_header(*a, 224, 96, 0);
  const u256 y = a->malloc(8);  // block 320
  EXPECT_EQ(y, 384);
  const u256 x2 = a->realloc(x, 65);  // not at top: moves to 416, copies 32 bytes, frees 224
  EXPECT_EQ(x2, 480);
  expect_stats(*a, 1, 96, 2, 96 + 160, 576);
  if (a->memory() != nullptr) {
    for (std::uint64_t i = 0; i < 8; ++i) EXPECT_EQ(a->memory()->peek(low_u64(x2) + i), 0xff);
    EXPECT_EQ(a->memory()->peek(low_u64(x2) + 8), 0);
  }
  EXPECT_EQ(a->realloc(x, 8), 0);  // the old pointer is dead
  // Growing the top block to exactly end is allowed in seed semantics (thi.ng needs < end).
  EXPECT_EQ(a->realloc(x2, 0x1000 - 416 - 64), x2);
  expect_stats(*a, 1, 96, 2, 96 + (0x1000 - 416), 0x1000);
  EXPECT_EQ(a->stats().available, 96);
  EXPECT_EQ(a->realloc(x2, std::numeric_limits<u256>::max()), 0);
  EXPECT_EQ(a->realloc(x2 + 32, 8), 0);  // interior pointer
}

TEST_P(SeedScenario, NoCompact) {
  auto a = make(0, false);
  const u256 x = a->malloc(8);
  const u256 y = a->malloc(8);
  const u256 z = a->malloc(8);
  a->free(x);
  a->free(y);
  a->free(z);  // nothing merges and top stays: the last free block touches top
  expect_stats(*a, 3, 288, 0, 0, 512);
  expect_header(*a, 224, 96, 320);
  expect_header(*a, 320, 96, 416);
  expect_header(*a, 416, 96, 0);
  // First fit takes the lowest block; a larger request takes the block touching top and grows it.
  EXPECT_EQ(a->malloc(8), 288);
  EXPECT_EQ(a->malloc(100), 480);  // padded 192 > 96: 320 is too small, 416 touches top
  expect_stats(*a, 1, 96, 2, 96 + 192, 608);
}

TEST_P(SeedScenario, NoSplit) {
  auto a = make(0, true, false);
  const u256 x = a->malloc(200);  // padded 288
  a->malloc(8);
  a->free(x);
  EXPECT_EQ(a->malloc(8), 288);  // takes the whole 288-byte block
  expect_stats(*a, 0, 0, 2, 288 + 96, 608);
  expect_header(*a, 224, 288, 512);
}

TEST_P(SeedScenario, Align64) {
  auto a = make(64);
  // initialTop = alignUp(288, 64) - 64 = 256; padded(1) = alignUp(65, 64) = 128.
  EXPECT_EQ(a->malloc(1), 320);
  EXPECT_EQ(a->malloc(64), 448);  // padded 128
  expect_stats(*a, 0, 0, 2, 256, 512);
  a->free_all();
  expect_stats(*a, 0, 0, 0, 0, 256);
  EXPECT_EQ(a->malloc(1), 320);
}

TEST_P(SeedScenario, BadPointersChangeNothing) {
  auto a = make();
  const u256 x = a->malloc(8);
  a->malloc(8);
  const Stats before = a->stats();
  const std::uint64_t heap_before = a->memory() ? a->memory()->fnv1a(0x1000) : 0;
  for (const u256& p : {u256(0), u256(1), x - 64, x + 1, x + 32, u256(0x1000), u256(1) << 64,
                        std::numeric_limits<u256>::max()}) {
    EXPECT_FALSE(a->free(p));
    EXPECT_EQ(a->realloc(p, 8), 0);
  }
  EXPECT_EQ(a->stats(), before);
  if (a->memory() != nullptr) {
    EXPECT_EQ(a->memory()->fnv1a(0x1000), heap_before);
  }
  EXPECT_TRUE(a->free(x));
  EXPECT_FALSE(a->free(x));  // double free
  EXPECT_EQ(a->check(), "");
}

INSTANTIATE_TEST_SUITE_P(AllSeedParties, SeedScenario, ::testing::ValuesIn(seed_party_names()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace fealloc
