// thi.ng's own test suite for MemPool (packages/malloc/test/main.test.ts), its expectations
// replayed on ThingPort in the thing layout with thing semantics: the same addresses, stats and
// block sizes. Pools are 0x100 bytes as there. Differences of form: typed-array helpers
// (mallocAs/callocAs) become byte sizes; a JS-only case (a negative size, a foreign array) is left
// out because a u256 cannot express it; the buffer is always `end` bytes (docs/decisions.md).
#include "reference/thing_port.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace fealloc {
namespace {

using testing::make_config;
using testing::PoolView;

constexpr std::uint64_t kBlockOverhead = 8;

ThingPort pool(std::uint64_t align = 0, bool compact = true, bool split = true, std::uint64_t start = 0,
               std::uint64_t end = 0x100) {
  return ThingPort(make_config(Layout::thing, Semantics::thing, end, align, 0, compact, split, start));
}

std::uint64_t p64(const u256& v) { return low_u64(v); }

struct ListStats {
  std::uint64_t count;
  std::uint64_t size;
};
void expect_lists(ThingPort& p, ListStats free, ListStats used) {
  const Stats s = p.stats();
  EXPECT_EQ(s.free_count, free.count);
  EXPECT_EQ(s.free_size, free.size);
  EXPECT_EQ(s.used_count, used.count);
  EXPECT_EQ(s.used_size, used.size);
}

TEST(ThingSuite, Ctor) {
  ThingPort p = pool();
  PoolView v(p);
  EXPECT_EQ(p.config().start, 0u);
  EXPECT_EQ(v.top(), 32u);  // align(7 * 4, 8) + ... = 32
  EXPECT_EQ(v.state(kStateFlags), kFlagCompact | kFlagSplit);
  EXPECT_EQ(v.state(kStateEnd), 0x100u);

  ThingPort q(make_config(Layout::thing, Semantics::thing, 0x80, 0, 0, true, true, 0x0c));
  PoolView w(q);
  EXPECT_EQ(q.config().start, 0x0cu);
  EXPECT_EQ(w.top(), 40u);  // align(0x0c + 28, 8)
  EXPECT_EQ(w.state(kStateEnd), 0x80u);
  // The state words live at start.
  EXPECT_EQ(testing::peek_word(*q.memory(), Layout::thing, 0x0c + 4 * kStateTop), 40u);

  auto bad = [](std::uint64_t start, std::uint64_t end) {
    PoolOptions o;
    o.layout = Layout::thing;
    o.semantics = Semantics::thing;
    o.start = start;
    o.end = end;
    return std::holds_alternative<std::string>(resolve_pool(o, EvmMemory::kDefaultCap));
  };
  EXPECT_TRUE(bad(0, 0));
  EXPECT_TRUE(bad(0x100, 0x100));
  EXPECT_TRUE(bad(0x80, 0));
}

TEST(ThingSuite, MallocFree) {
  ThingPort p = pool();
  PoolView v(p);
  EXPECT_EQ(p.malloc(256), 0);
  EXPECT_EQ(p.malloc(0), 0);

  const std::uint64_t base = p.stats().top;
  std::uint64_t a = p64(p.malloc(12));
  std::uint64_t b = p64(p.malloc(31));
  std::uint64_t c = p64(p.malloc(24));
  EXPECT_EQ(a, base + kBlockOverhead);
  EXPECT_EQ(b, a + 16 + kBlockOverhead);
  EXPECT_EQ(c, b + 32 + kBlockOverhead);
  EXPECT_EQ(p.stats().top, c + 24);
  expect_lists(p, {0, 0}, {3, 16 + 32 + 24 + 3 * kBlockOverhead});

  EXPECT_TRUE(p.free(a));
  EXPECT_TRUE(p.free(c));
  EXPECT_TRUE(p.free(b));
  EXPECT_FALSE(p.free(b));
  EXPECT_EQ(p.stats().top, base);
  expect_lists(p, {0, 0}, {0, 0});

  // allocate, then split a free block
  a = p64(p.malloc(32));
  EXPECT_EQ(a, base + kBlockOverhead);
  expect_lists(p, {0, 0}, {1, 32 + kBlockOverhead});
  EXPECT_EQ(p.stats().top, base + 32 + kBlockOverhead);
  b = p64(p.malloc(12));
  EXPECT_EQ(b, base + 32 + kBlockOverhead * 2);
  EXPECT_TRUE(p.free(a));

  a = p64(p.malloc(8));
  EXPECT_EQ(a, base + kBlockOverhead);
  expect_lists(p, {1, 24}, {2, 24 + 2 * kBlockOverhead});
  EXPECT_EQ(p.stats().top, base + 32 + 16 + 2 * kBlockOverhead);

  EXPECT_TRUE(p.free(b));  // joins both free blocks, which then reach top

  b = p64(p.malloc(64));
  EXPECT_EQ(b, base + 8 + 2 * kBlockOverhead);
  expect_lists(p, {0, 0}, {2, 8 + 64 + 2 * kBlockOverhead});
  EXPECT_EQ(p.stats().top, base + 8 + 64 + 2 * kBlockOverhead);

  c = p64(p.malloc(1));
  EXPECT_TRUE(p.free(c));
  EXPECT_TRUE(p.free(a));
  expect_lists(p, {1, 8 + kBlockOverhead}, {1, 64 + kBlockOverhead});
  EXPECT_EQ(p.stats().top, base + 8 + 64 + 2 * kBlockOverhead);

  // too large for the free block: walks past it and allocates at top
  a = p64(p.malloc(27));
  EXPECT_EQ(a, base + 8 + 64 + 3 * kBlockOverhead);
  expect_lists(p, {1, 8 + kBlockOverhead}, {2, 64 + 32 + 2 * kBlockOverhead});
  EXPECT_EQ(p.stats().top, base + 8 + 64 + 32 + 3 * kBlockOverhead);

  EXPECT_TRUE(p.free(a));
  EXPECT_TRUE(p.free(b));
  expect_lists(p, {0, 0}, {0, 0});
  EXPECT_EQ(p.stats().available, std::int64_t(256 - base));
  EXPECT_EQ(p.stats().top, base);

  p.free_all();
  const Stats s = p.stats();
  EXPECT_EQ(s.available, std::int64_t(256 - base));
  EXPECT_EQ(s.total, 256u);
  EXPECT_EQ(s.top, base);
  expect_lists(p, {0, 0}, {0, 0});
}

TEST(ThingSuite, TypedSizes) {
  ThingPort p = pool();
  EXPECT_EQ(p.malloc(257), 0);      // u8 x 257
  EXPECT_EQ(p.malloc(129 * 2), 0);  // u16 x 129
  EXPECT_EQ(p.malloc(65 * 4), 0);   // u32 x 65
  EXPECT_EQ(p.malloc(33 * 8), 0);   // f64 x 33
  const std::uint64_t base = p.stats().top;
  const std::uint64_t a = p64(p.malloc(3 * 4));  // f32 x 3
  const std::uint64_t b = p64(p.malloc(3 * 8));  // f64 x 3
  EXPECT_EQ(a, base + kBlockOverhead);
  EXPECT_EQ(b, a + 16 + kBlockOverhead);
  // 1.0f, 2.0f, 3.0f and 10.0, 20.0, 30.0 as little-endian bytes.
  p.user_write(a, std::vector<std::uint8_t>{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40});
  p.user_write(b, std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0x24, 0x40, 0, 0, 0, 0, 0, 0, 0x34, 0x40, 0, 0, 0, 0, 0, 0, 0x3e, 0x40});
  const std::vector<std::uint64_t> words_a{0x3f800000, 0x40000000, 0x40400000, 0};
  for (std::uint64_t i = 0; i < words_a.size(); ++i) EXPECT_EQ(testing::peek_word(*p.memory(), Layout::thing, a + 4 * i), words_a[i]);
  const std::vector<std::uint64_t> words_b{0, 0x40240000, 0, 0x40340000, 0, 0x403e0000, 0, 0};
  for (std::uint64_t i = 0; i < words_b.size(); ++i) EXPECT_EQ(testing::peek_word(*p.memory(), Layout::thing, b + 4 * i), words_b[i]);
  EXPECT_TRUE(p.free(a));
  EXPECT_TRUE(p.free(b));
  EXPECT_FALSE(p.free(a));
  EXPECT_FALSE(p.free(b));
}

TEST(ThingSuite, CallocFillsOnlyTheRequestedBytes) {
  ThingPort p = pool();
  const std::uint64_t top = p.stats().top;
  p.memory()->fill(top, 0x100 - top, 0xff);
  const std::uint64_t a = p64(p.calloc(6, 0));
  const std::vector<std::uint8_t> expected{0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff};
  for (std::uint64_t i = 0; i < expected.size(); ++i) EXPECT_EQ(p.memory()->peek(a + i), expected[i]) << i;
}

TEST(ThingSuite, CallocTyped) {
  ThingPort p = pool();
  const std::uint64_t top = p.stats().top;
  p.memory()->fill(top, 0x100 - top, 0xff);
  const std::uint64_t a = p64(p.calloc(3 * 4, 0));
  const std::uint64_t b = p64(p.calloc(3 * 8, 0));
  for (std::uint64_t i = 0; i < 12; ++i) EXPECT_EQ(p.memory()->peek(a + i), 0);
  for (std::uint64_t i = 0; i < 24; ++i) EXPECT_EQ(p.memory()->peek(b + i), 0);
  EXPECT_TRUE(p.free(a));
  EXPECT_TRUE(p.free(b));
  // thi.ng fills u32 elements with 0xaa55aa55; a byte fill is what calloc takes here.
  const std::uint64_t c = p64(p.calloc(12, 0x55));
  for (std::uint64_t i = 0; i < 12; ++i) EXPECT_EQ(p.memory()->peek(c + i), 0x55);
}

TEST(ThingSuite, MallocTop) {
  ThingPort p = pool();
  const u256 a = p.malloc(8);
  const u256 b = p.malloc(8);
  const u256 c = p.malloc(8);
  const u256 d = p.malloc(8);
  p.free(a);
  p.free(b);
  p.free(d);  // a non-contiguous free chain
  EXPECT_EQ(p.malloc(0x100 - d + 1), 0);
  EXPECT_TRUE(p.free(c));
}

TEST(ThingSuite, Realloc) {
  ThingPort p = pool();
  PoolView v(p);
  const std::uint64_t a = p64(p.malloc(8));
  p.memory()->fill(a, 8, 0xff);
  const std::uint64_t block = v.used_head();
  EXPECT_EQ(v.block_size(block), 16u);  // align(8 + 8, 8)
  EXPECT_EQ(p.realloc(a, 0), 0);
  EXPECT_EQ(p.realloc(a, 65), a);  // grows in place at top
  EXPECT_EQ(v.used_head(), block);
  EXPECT_EQ(v.block_size(block), 80u);  // align(65 + 8, 8)

  EXPECT_EQ(p.realloc(a, 31), a);  // shrink, split, the rest merges into top
  EXPECT_EQ(v.block_size(block), 40u);
  EXPECT_EQ(v.free_head(), 0u);
  EXPECT_EQ(v.top(), a + 32);

  const std::uint64_t b = p64(p.malloc(8));
  EXPECT_EQ(b, a + 40);
  const std::uint64_t a2 = p64(p.realloc(a, 65));  // must move past b
  EXPECT_EQ(a2, b + 16);
  for (std::uint64_t i = 0; i < 8; ++i) EXPECT_EQ(p.memory()->peek(a2 + i), 0xff) << i;
  EXPECT_EQ(p.memory()->peek(a2 + 8), 0);
}

TEST(ThingSuite, ReallocArray) {
  ThingPort p = pool();
  const std::uint64_t a = p64(p.calloc(16, 1));
  const std::uint64_t a2 = p64(p.realloc(a, 32));
  ASSERT_NE(a2, 0u);
  for (std::uint64_t i = 0; i < 32; ++i) EXPECT_EQ(p.memory()->peek(a2 + i), i < 16 ? 1 : 0) << i;
  EXPECT_EQ(p.realloc(a2, 40000), 0);
}

TEST(ThingSuite, NoCompact) {
  ThingPort p = pool(0, false);
  PoolView v(p);
  const std::uint64_t a = p64(p.malloc(8));
  const std::uint64_t a1 = p64(p.malloc(8));
  const std::uint64_t a2 = p64(p.malloc(8));
  p.free(a);
  p.free(a1);
  p.free(a2);
  EXPECT_EQ(v.free_head() + kBlockOverhead, a);
  EXPECT_EQ(v.block_next(v.free_head()) + kBlockOverhead, a1);
  EXPECT_EQ(v.block_next(v.block_next(v.free_head())) + kBlockOverhead, a2);
  EXPECT_EQ(v.block_next(v.block_next(v.block_next(v.free_head()))), 0u);
}

TEST(ThingSuite, Split) {
  {
    ThingPort p = pool(0, true, true);
    PoolView v(p);
    const std::uint64_t base = p.stats().top;
    const u256 a = p.malloc(32);
    p.malloc(8);
    p.free(a);
    p.malloc(8);
    EXPECT_EQ(v.used_head(), base);
    EXPECT_EQ(v.block_size(v.used_head()), 8 + kBlockOverhead);
    EXPECT_EQ(v.free_head(), base + 8 + kBlockOverhead);
    EXPECT_EQ(v.block_size(v.free_head()), 24u);
  }
  {
    ThingPort p = pool(0, true, false);
    PoolView v(p);
    const std::uint64_t base = p.stats().top;
    const u256 a = p.malloc(32);
    p.malloc(8);
    p.free(a);
    p.malloc(8);
    EXPECT_EQ(v.used_head(), base);
    EXPECT_EQ(v.block_size(v.used_head()), 32 + kBlockOverhead);
    EXPECT_EQ(v.free_head(), 0u);
  }
}

std::uint64_t align_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }

TEST(ThingSuite, MallocAlign16) {
  ThingPort p = pool(16);
  PoolView v(p);
  const std::uint64_t base = p.stats().top;
  const std::uint64_t a = p64(p.calloc(15, 0));
  const std::uint64_t b = p64(p.calloc(11, 0));
  const std::uint64_t c = p64(p.calloc(7, 0));
  const std::uint64_t d = p64(p.calloc(3, 0));
  const std::uint64_t e = p64(p.calloc(1, 0));
  EXPECT_EQ(a, base + kBlockOverhead);
  EXPECT_EQ(b, align_up(a + kBlockOverhead + 15, 16));
  EXPECT_EQ(c, align_up(b + kBlockOverhead + 11, 16));
  EXPECT_EQ(d, align_up(c + kBlockOverhead + 7, 16));
  EXPECT_EQ(e, align_up(d + kBlockOverhead + 3, 16));
  EXPECT_EQ(p.stats().top, align_up(e + 1, 16) - kBlockOverhead);

  p.free(d);
  EXPECT_EQ(v.free_head(), d - kBlockOverhead);
  p.free(b);
  EXPECT_EQ(v.free_head(), b - kBlockOverhead);
  EXPECT_EQ(v.block_next(v.free_head()), d - kBlockOverhead);
  p.free(c);
  EXPECT_EQ(v.free_head(), b - kBlockOverhead);
  EXPECT_EQ(v.block_size(v.free_head()), e - b);
  p.free(a);
  EXPECT_EQ(v.free_head(), a - kBlockOverhead);
  EXPECT_EQ(v.block_size(v.free_head()), e - a);
  p.free(e);
  EXPECT_EQ(v.free_head(), 0u);
  EXPECT_EQ(v.used_head(), 0u);
  EXPECT_EQ(v.top(), base);
}

TEST(ThingSuite, FreeAllAlign16) {
  ThingPort p = pool(16);
  const std::uint64_t base = p.stats().top;
  p.calloc(15, 0);
  p.calloc(11, 0);
  p.free_all();
  EXPECT_EQ(p.stats().top, base);
}

}  // namespace
}  // namespace fealloc
