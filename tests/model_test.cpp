// The reference model: unit cases of the spec's rules (spec/semantics.md §3, seed), with the
// numbers worked out by hand from the spec, and a differential run against ThingPort in seed
// semantics through the Executor (same returns, same Stats, the model's invariants and ThingPort's
// memory as the model says after every operation), with bytes planted to test verify's contract.
#include "harness/executor.hpp"
#include "reference/model.hpp"
#include "reference/thing_port.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace fealloc {
namespace {

PoolConfig pool(Layout layout, std::uint64_t end, bool compact = true, bool split = true, std::uint64_t align = 0,
                std::uint64_t min_split = 0, std::uint64_t start = 0, Semantics semantics = Semantics::seed) {
  return testing::make_config(layout, semantics, end, align, min_split, compact, split, start);
}

const u256 kMaxU256 = std::numeric_limits<u256>::max();

void write(Allocator& a, std::uint64_t addr, std::vector<std::uint8_t> bytes) { a.user_write(addr, bytes); }

// The i-th block of the used list, counted from its head (the most recently used block).
const ReferenceModel::UsedBlock& used(const ReferenceModel& m, std::size_t i) {
  return *std::next(m.used_blocks().begin(), std::ptrdiff_t(i));
}

// The free list as a plain map (address -> size), to compare with literals.
std::map<std::uint64_t, std::uint64_t> free_list(const ReferenceModel& m) {
  return {m.free_blocks().begin(), m.free_blocks().end()};
}

// A block's known bytes as data offset -> byte.
std::map<std::uint64_t, int> known_bytes(const ReferenceModel::UsedBlock& block) {
  std::map<std::uint64_t, int> out;
  for (const auto& [offset, run] : block.known) {
    for (std::uint64_t i = 0; i < run.size(); ++i) out[offset + i] = run[i];
  }
  return out;
}

// ---------------------------------------------------------------- unit cases (evm layout: W 32,
// H 64, S 224, align 32, minSplit 96, start 0, so initialTop = alignUp(288, 32) - 64 = 224)

TEST(ReferenceModel, RejectsThingSemantics) {
  EXPECT_THROW(ReferenceModel(pool(Layout::thing, 0x1000, true, true, 0, 0, 0, Semantics::thing)), std::invalid_argument);
  EXPECT_THROW(ReferenceModel(pool(Layout::evm, 0x10000, true, true, 0, 0, 0, Semantics::thing)), std::invalid_argument);
}

TEST(ReferenceModel, FreshPoolTouchesOnlyTheStateWords) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const Stats s = m.stats();
  EXPECT_EQ(s.top, 224u);
  EXPECT_EQ(s.available, 0x10000 - 224);
  EXPECT_EQ(s.total, 0x10000u);
  EXPECT_EQ(s.msize, 224u);
  EXPECT_EQ(s.gas, 21u);  // w = 7
  EXPECT_EQ(m.check(), "");
  EXPECT_EQ(m.memory(), nullptr);
}

TEST(ReferenceModel, TraceFormatExample) {
  // spec/trace-format.md: `malloc 24` on `pool layout=evm end=0x10000`.
  ReferenceModel m(pool(Layout::evm, 0x10000));
  EXPECT_EQ(m.malloc(24), u256(0x120));
  const Stats s = m.stats();
  EXPECT_EQ(s, (Stats{0, 0, 1, 96, 0x140, 65216, 65536, 288, 27}));
}

TEST(ReferenceModel, FirstFitSplitLifoAndCompaction) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const u256 p1 = m.malloc(24);   // block 224, size 96
  const u256 p2 = m.malloc(200);  // block 320, size alignUp(264) = 288
  const u256 p3 = m.malloc(24);   // block 608, size 96, top 704
  EXPECT_EQ(p1, u256(288));
  EXPECT_EQ(p2, u256(384));
  EXPECT_EQ(p3, u256(672));
  ASSERT_EQ(m.used_blocks().size(), 3u);
  EXPECT_EQ(used(m, 0).addr, 608u);  // LIFO: newest first
  EXPECT_EQ(used(m, 2).addr, 224u);

  EXPECT_TRUE(m.free(p2));
  EXPECT_EQ(free_list(m), (std::map<std::uint64_t, std::uint64_t>{{320, 288}}));
  // First fit: 288 >= 96, not at top; 288 - 96 = 192 >= minSplit, so split at 96.
  EXPECT_EQ(m.malloc(24), u256(384));
  EXPECT_EQ(free_list(m), (std::map<std::uint64_t, std::uint64_t>{{416, 192}}));
  EXPECT_EQ(used(m, 0).addr, 320u);
  EXPECT_EQ(used(m, 0).size, 96u);

  EXPECT_TRUE(m.free(p1));
  EXPECT_EQ(free_list(m), (std::map<std::uint64_t, std::uint64_t>{{224, 96}, {416, 192}}));
  EXPECT_TRUE(m.free(u256(384)));  // merges 224, 320, 416 into one block of 384
  EXPECT_EQ(free_list(m), (std::map<std::uint64_t, std::uint64_t>{{224, 384}}));
  EXPECT_TRUE(m.free(p3));  // merges up to top: the block leaves the list and top drops to 224
  EXPECT_TRUE(m.free_blocks().empty());
  const Stats s = m.stats();
  EXPECT_EQ(s.top, 224u);
  EXPECT_EQ(s.used_count + s.free_count, 0u);
  EXPECT_EQ(s.msize, 672u);  // the highest header written was [608, 672)
  EXPECT_EQ(s.gas, 63u);
  EXPECT_EQ(m.check(), "");
}

TEST(ReferenceModel, NoCompactReusesAFreeBlockAtTopWithItsNewSize) {
  ReferenceModel m(pool(Layout::evm, 0x10000, /*compact=*/false));
  const u256 p = m.malloc(200);  // block 224, size 288, top 512
  EXPECT_TRUE(m.free(p));
  EXPECT_EQ(m.stats().top, 512u);  // no compaction: top stays
  EXPECT_EQ(free_list(m), (std::map<std::uint64_t, std::uint64_t>{{224, 288}}));
  EXPECT_EQ(m.malloc(24), u256(288));  // it touches top: size = padded(24) = 96, top = 320
  EXPECT_EQ(m.stats().top, 320u);
  EXPECT_TRUE(m.free_blocks().empty());
  EXPECT_EQ(m.check(), "");
}

TEST(ReferenceModel, NoCompactFreeBlockAtTopThatCannotReachFails) {
  // end 0x400: initialTop 224. A free block at top is taken first; if b + padded(n) > end: 0.
  ReferenceModel m(pool(Layout::evm, 0x400, /*compact=*/false));
  const u256 p = m.malloc(24);  // 224..320
  EXPECT_TRUE(m.free(p));
  const Stats before = m.stats();
  EXPECT_EQ(m.malloc(1024 - 224 - 64 + 1), u256(0));
  EXPECT_EQ(m.stats(), before);
  EXPECT_EQ(m.malloc(1024 - 224 - 64), u256(288));  // exactly to end
  EXPECT_EQ(m.stats().top, 1024u);
  EXPECT_EQ(m.stats().available, 0);
}

TEST(ReferenceModel, ShrinkWithSplitMergesTheRestForward) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const u256 p1 = m.malloc(200);  // 224, size 288
  const u256 p2 = m.malloc(24);   // 512
  m.malloc(24);                   // 608, top 704
  EXPECT_TRUE(m.free(p2));
  EXPECT_EQ(m.realloc(p1, 24), p1);  // 288 - 96 = 192 >= 96: split at 320, merged with 512
  EXPECT_EQ(free_list(m), (std::map<std::uint64_t, std::uint64_t>{{320, 288}}));
  EXPECT_EQ(m.used_blocks().back().size, 96u);
  EXPECT_EQ(m.check(), "");
}

TEST(ReferenceModel, ShrinkAtTopWithoutSplitSetsTheSize) {
  // Seed: the size word follows top (thi.ng leaves it stale, spec §4.2).
  ReferenceModel m(pool(Layout::evm, 0x10000, true, /*split=*/false));
  const u256 p = m.malloc(200);  // 224, size 288, top 512
  EXPECT_EQ(m.realloc(p, 10), p);
  EXPECT_EQ(used(m, 0).size, 96u);
  EXPECT_EQ(m.stats().top, 320u);
  EXPECT_EQ(m.malloc(24), u256(384));  // the next block really starts at 320
  EXPECT_EQ(m.check(), "");
}

TEST(ReferenceModel, ShrinkBelowTopWithoutSplitKeepsTheSize) {
  ReferenceModel m(pool(Layout::evm, 0x10000, true, /*split=*/false));
  const u256 p = m.malloc(200);  // 224, size 288
  m.malloc(24);
  EXPECT_EQ(m.realloc(p, 10), p);
  EXPECT_EQ(used(m, 1).size, 288u);
  EXPECT_EQ(m.stats().top, 608u);
}

TEST(ReferenceModel, GrowInPlaceReachesEndExactly) {
  ReferenceModel m(pool(Layout::evm, 0x1000));
  const u256 p = m.malloc(24);
  // padded(3808) = 3872 and 224 + 3872 = 4096 = end: seed allows it (thi.ng needs < end, §4.3).
  EXPECT_EQ(m.realloc(p, 3808), p);
  Stats s = m.stats();
  EXPECT_EQ(s.top, 4096u);
  EXPECT_EQ(s.available, 0);
  EXPECT_EQ(s.msize, 288u);  // growth writes only the size word
  // One byte more cannot grow in place and cannot move: 0, nothing changed.
  EXPECT_EQ(m.realloc(p, 3809), u256(0));
  EXPECT_EQ(m.stats(), s);
  EXPECT_EQ(used(m, 0).size, 3872u);
}

TEST(ReferenceModel, MoveCopiesThenFreesTheOldBlock) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const u256 p1 = m.malloc(24);  // 224, size 96
  m.malloc(24);                  // 320, top 416
  write(m, 288, {0xab, 0xcd, 0xef});
  // padded(100) = 192 > 96 and p1 is not at top: move to a new block at 416 (size 192, top 608).
  EXPECT_EQ(m.realloc(p1, 100), u256(480));
  EXPECT_EQ(used(m, 0).addr, 416u);
  EXPECT_EQ(known_bytes(used(m, 0)), (std::map<std::uint64_t, int>{{0, 0xab}, {1, 0xcd}, {2, 0xef}}));
  EXPECT_EQ(free_list(m), (std::map<std::uint64_t, std::uint64_t>{{224, 96}}));
  EXPECT_FALSE(m.free(p1));  // the old pointer is dead
  // msize: header [416, 480) and the copy's write [480, 512) of s - H = 32 bytes.
  EXPECT_EQ(m.stats().msize, 512u);
  EXPECT_EQ(m.check(), "");
}

TEST(ReferenceModel, MoveCopyReadsTheWholeOldDataRegion) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const u256 p1 = m.malloc(1000);  // 224, size alignUp(1064) = 1088, only its header touched
  m.malloc(24);                    // 1312, top 1408
  EXPECT_EQ(m.stats().msize, 1376u);
  // Move: new block at 1408, size alignUp(2064) = 2080; the copy reads [288, 1312) and writes
  // [1472, 1472 + 1024).
  EXPECT_EQ(m.realloc(p1, 2000), u256(1472));
  EXPECT_EQ(m.stats().msize, 2496u);
}

TEST(ReferenceModel, ReallocKeepsOnlyBytesBelowBothRequestedSizes) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const u256 p = m.malloc(40);  // size 128
  write(m, 288, std::vector<std::uint8_t>(40, 7));
  write(m, 288 + 4, {1, 2, 3});  // overwrites part of the first run
  EXPECT_EQ(m.realloc(p, 10), p);  // padded 96, 128 - 96 < minSplit: nothing moves
  std::map<std::uint64_t, int> expected;
  for (std::uint64_t i = 0; i < 10; ++i) expected[i] = 7;
  expected[4] = 1;
  expected[5] = 2;
  expected[6] = 3;
  EXPECT_EQ(known_bytes(used(m, 0)), expected);
  EXPECT_EQ(m.realloc(p, 60), p);  // padded 128 > 96 at top: grows in place
  EXPECT_EQ(known_bytes(used(m, 0)), expected);
  EXPECT_EQ(used(m, 0).requested, 60u);
}

TEST(ReferenceModel, CallocFillsAndTouchesTheRequestedBytes) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  EXPECT_EQ(m.calloc(100, 0xaa), u256(288));  // size 192, top 416; fill [288, 388)
  EXPECT_EQ(m.stats().msize, 416u);
  std::map<std::uint64_t, int> expected;
  for (std::uint64_t i = 0; i < 100; ++i) expected[i] = 0xaa;
  EXPECT_EQ(known_bytes(used(m, 0)), expected);
  write(m, 288 + 99, {1});
  write(m, 288, {2, 3});
  expected[99] = 1;
  expected[0] = 2;
  expected[1] = 3;
  EXPECT_EQ(known_bytes(used(m, 0)), expected);
  EXPECT_EQ(m.calloc(0, 1), u256(0));
}

TEST(ReferenceModel, BadInputFailsAndChangesNothing) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const u256 p = m.malloc(24);
  m.malloc(50);
  const Stats before = m.stats();
  const u256 fits_exactly = 0x10000 - 448 - 64;  // top is 448: the remaining range, exactly
  for (const u256& n : {kMaxU256, u256(0x10001), fits_exactly + 1, u256(1) << 64, (u256(1) << 64) + 24}) {
    EXPECT_EQ(m.malloc(n), u256(0)) << n;
    EXPECT_EQ(m.calloc(n, 1), u256(0)) << n;
    EXPECT_EQ(m.realloc(p, n), u256(0)) << n;
  }
  EXPECT_EQ(m.malloc(0), u256(0));
  EXPECT_EQ(m.realloc(p, 0), u256(0));
  for (const u256& q : {u256(0), p + 1, p - 1, p - 64, p + 32, kMaxU256, (u256(1) << 64) + p, u256(224)}) {
    EXPECT_FALSE(m.free(q)) << q;
    EXPECT_EQ(m.realloc(q, 8), u256(0)) << q;
  }
  EXPECT_EQ(m.stats(), before);
  EXPECT_EQ(m.malloc(fits_exactly), u256(512));
  EXPECT_TRUE(m.free(p));
  EXPECT_FALSE(m.free(p));  // double free
  EXPECT_EQ(m.realloc(p, 8), u256(0));
  EXPECT_EQ(m.check(), "");
}

TEST(ReferenceModel, FreeAllResetsTheListsAndTopOnly) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  m.malloc(24);
  const u256 p = m.malloc(500);
  m.malloc(24);
  m.free(p);
  const std::uint64_t msize = m.stats().msize;
  m.free_all();
  const Stats s = m.stats();
  EXPECT_EQ(s, (Stats{0, 0, 0, 0, 224, 0x10000 - 224, 0x10000, msize, EvmMemory::gas_for_msize(msize)}));
  EXPECT_EQ(m.malloc(24), u256(288));
}

TEST(ReferenceModel, ThingLayoutNumbers) {
  // W 4, H 8, S 28, align 8, minSplit 16: initialTop = alignUp(36, 8) - 8 = 32.
  ReferenceModel m(pool(Layout::thing, 0x1000));
  EXPECT_EQ(m.malloc(1), u256(40));  // padded(1) = 16
  EXPECT_EQ(m.malloc(20), u256(56));  // padded(20) = 32, block 48
  const Stats s = m.stats();
  EXPECT_EQ(s.top, 80u);
  EXPECT_EQ(s.msize, 0u);  // evm layout only
  EXPECT_EQ(s.gas, 0u);
}

TEST(ReferenceModel, StartAndAlignShapeInitialTop) {
  // start 100 -> 128 (evm aligns to 32); align 256: initialTop = alignUp(128 + 288, 256) - 64 = 448.
  ReferenceModel m(pool(Layout::evm, 0x10000, true, true, 256, 0, 100));
  EXPECT_EQ(m.stats().top, 448u);
  EXPECT_EQ(m.stats().msize, 352u);  // state words [128, 352)
  EXPECT_EQ(m.malloc(1), u256(512));
  EXPECT_EQ(m.stats().top, 448u + 256u);
}

TEST(ReferenceModel, UserWriteOutsideALiveBlockIsRejected) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  const u256 p = m.malloc(24);
  EXPECT_THROW(write(m, 288 + 20, std::vector<std::uint8_t>(5, 1)), std::logic_error);
  EXPECT_THROW(write(m, 280, {1}), std::logic_error);
  write(m, 288 + 20, std::vector<std::uint8_t>(4, 1));
  m.free(p);
  EXPECT_THROW(write(m, 288, {1}), std::logic_error);
  write(m, 288, {});  // an empty write touches nothing
}

TEST(ReferenceModel, VerifyReportsEveryKindOfDifference) {
  for (Layout layout : {Layout::evm, Layout::thing}) {
    const PoolConfig cfg = pool(layout, 0x2000);
    ThingPort port(cfg);
    ReferenceModel m(cfg);
    auto both = [&](auto op) {
      op(static_cast<Allocator&>(port));
      op(static_cast<Allocator&>(m));
    };
    both([](Allocator& a) { a.malloc(40); });
    both([](Allocator& a) { a.calloc(30, 0x5a); });
    both([](Allocator& a) { a.malloc(24); });
    const std::uint64_t h = cfg.params.header;
    const std::uint64_t first = cfg.initial_top;
    both([&](Allocator& a) { a.free(u256(first + h)); });
    ASSERT_EQ(m.verify(*port.memory()), "");

    const std::uint64_t second = used(m, 1).addr;  // the calloc block
    EvmMemory& mem = *port.memory();
    const std::uint8_t old = mem.peek(second + h + 7);
    mem.write_bytes(second + h + 7, std::vector<std::uint8_t>{0x11});
    EXPECT_NE(m.verify(mem).find("data byte at offset 0x7"), std::string::npos) << m.verify(mem);
    EXPECT_NE(m.verify(mem).find("expected 0x5a, found 0x11"), std::string::npos) << m.verify(mem);
    mem.write_bytes(second + h + 7, std::vector<std::uint8_t>{old});
    ASSERT_EQ(m.verify(mem), "");

    auto corrupt_word = [&](std::uint64_t addr, const std::string& expect_in_message) {
      std::vector<std::uint8_t> saved(cfg.params.word);
      for (std::uint64_t i = 0; i < saved.size(); ++i) saved[i] = mem.peek(addr + i);
      std::vector<std::uint8_t> bad = saved;
      bad[0] ^= 0x80;  // evm: a high byte; thing: the low byte
      mem.write_bytes(addr, bad);
      const std::string problem = m.verify(mem);
      EXPECT_NE(problem.find(expect_in_message), std::string::npos) << layout_name(layout) << ": " << problem;
      mem.write_bytes(addr, saved);
      EXPECT_EQ(m.verify(mem), "");
    };
    const std::uint64_t w = cfg.params.word;
    corrupt_word(cfg.start + kStateTop * w, "state word top");
    corrupt_word(cfg.start + kStateMinSplit * w, "state word minSplit");
    corrupt_word(second, "used block " + to_hex(second) + " (#1 of the used list) size");
    corrupt_word(second + w, "used block " + to_hex(second) + " (#1 of the used list) next");
    corrupt_word(first, "free block " + to_hex(first) + " (#0 of the free list) size");
    corrupt_word(first + w, "free block " + to_hex(first) + " (#0 of the free list) next");
  }
}

// The ranges sorted with overlapping and adjacent ones merged, as pairs for comparison.
std::vector<std::pair<std::uint64_t, std::uint64_t>> normalized(std::span<const EvmMemory::Range> ranges) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> all;
  for (const auto& r : ranges) all.emplace_back(r.lo, r.hi);
  std::sort(all.begin(), all.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& r : all) {
    if (!out.empty() && r.first <= out.back().second) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  return out;
}
using Spans = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

TEST(ReferenceModel, ChangedRangesNameWhatTheOperationChanged) {
  ReferenceModel m(pool(Layout::evm, 0x10000));
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 224}}));  // construction: the state words
  EXPECT_EQ(m.malloc(24), u256(288));  // block 224 at top: its header and the state words (used, top)
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 288}}));
  EXPECT_EQ(m.malloc(200), u256(384));  // block 320, size 288
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 224}, {320, 384}}));
  EXPECT_EQ(m.malloc(24), u256(672));  // block 608, top 704
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 224}, {608, 672}}));
  write(m, 288 + 4, {1, 2, 3});  // the known bytes only
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{292, 295}}));
  // free 320: unlinked after 608 in the used list (608's next now skips it), inserted as the free
  // head (its own header, the state word free).
  EXPECT_TRUE(m.free(u256(384)));
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 224}, {320, 384}, {608, 672}}));
  EXPECT_FALSE(m.free(u256(384)));  // fails: nothing changed
  EXPECT_TRUE(m.changed_ranges().empty());
  // calloc reuses 320 and splits it: 320's header, the fill [384, 408), the rest 416 as the new free
  // head, the state words (free, used).
  EXPECT_EQ(m.calloc(24, 7), u256(384));
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 224}, {320, 408}, {416, 480}}));
  // A move of block 224 (24 requested) to padded(100) = 192: first fit takes the free block 416
  // whole (its header) and the three known bytes go to 480 + 4; 224 is freed: it becomes the free
  // head (its header, the state words) and 608, before it in the used list, now ends the list.
  EXPECT_EQ(m.realloc(u256(288), 100), u256(480));
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 288}, {416, 480}, {484, 487}, {608, 672}}));
  EXPECT_EQ(m.check(CheckScope::touched), "");
  m.free_all();
  EXPECT_EQ(normalized(m.changed_ranges()), (Spans{{0, 224}}));
  EXPECT_EQ(m.check(CheckScope::touched), "");
  EXPECT_EQ(m.check(CheckScope::full), "");
}

TEST(ReferenceModel, RangedVerifyLooksWhereTheOperationAndTheMemoryChanged) {
  for (Layout layout : {Layout::evm, Layout::thing}) {
    SCOPED_TRACE(std::string(layout_name(layout)));
    const PoolConfig cfg = pool(layout, 0x2000);
    const std::uint64_t h = cfg.params.header;
    const std::uint64_t w = cfg.params.word;
    ThingPort port(cfg);
    ReferenceModel m(cfg);
    EvmMemory& mem = *port.memory();
    mem.set_write_tracking(true);
    std::vector<EvmMemory::Range> written;
    auto both = [&](auto op) {
      op(static_cast<Allocator&>(port));
      op(static_cast<Allocator&>(m));
      mem.take_written_ranges(written);
    };
    // Flips one byte, runs `expect`, restores it and forgets the planting's writes.
    auto planted = [&](std::uint64_t addr, auto expect) {
      const std::uint8_t old = mem.peek(addr);
      mem.write_bytes(addr, std::vector<std::uint8_t>{std::uint8_t(old ^ 0x10)});
      expect();
      mem.write_bytes(addr, std::vector<std::uint8_t>{old});
      std::vector<EvmMemory::Range> dropped;
      mem.take_written_ranges(dropped);
      ASSERT_EQ(m.verify(mem), "");
    };
    const std::span<const EvmMemory::Range> none;
    auto only = [](std::uint64_t addr) { return std::vector<EvmMemory::Range>{{addr, addr + 1}}; };

    const std::uint64_t a = cfg.initial_top;  // malloc(40)
    both([](Allocator& x) { x.malloc(40); });
    const std::uint64_t b = m.top();  // calloc(30, 0x5a)
    both([](Allocator& x) { x.calloc(30, 0x5a); });
    const std::uint64_t c = m.top();  // malloc(24); the used list is c, b, a
    both([](Allocator& x) { x.malloc(24); });
    ASSERT_EQ(m.verify(mem), "");
    ASSERT_EQ(m.verify(mem, written), "");

    // A user write into a: the ranged verify compares the bytes it set.
    both([&](Allocator& x) { write(x, a + h + 4, {1, 2, 3}); });
    EXPECT_EQ(m.verify(mem, written), "");
    // (b) A byte planted in them is caught, from the written ranges or changed_ranges() alone.
    planted(a + h + 5, [&] {
      EXPECT_NE(m.verify(mem, written).find("data byte at offset 0x5"), std::string::npos) << m.verify(mem, written);
      EXPECT_NE(m.verify(mem, none), "");
      EXPECT_NE(m.verify(mem), "");
    });
    // (c) A byte planted in b's filled data, which the write did not change, is outside both sets:
    // the ranged verify trusts them and does not look (the executor's periodic full verify does);
    // given the byte's address, as a party that wrote it would report, it is caught.
    planted(b + h + 7, [&] {
      EXPECT_EQ(m.verify(mem, written), "");
      EXPECT_NE(m.verify(mem, only(b + h + 7)).find("expected 0x5a"), std::string::npos);
      EXPECT_NE(m.verify(mem).find("data byte at offset 0x7"), std::string::npos);
    });
    // The state words are always compared.
    planted(cfg.start + kStateTop * w, [&] { EXPECT_NE(m.verify(mem, none).find("state word top"), std::string::npos); });

    // free(a): a becomes the free head (its header); b, a's neighbour in the used list, now ends it.
    both([&](Allocator& x) { x.free(u256(a + h)); });
    EXPECT_EQ(m.verify(mem, written), "");
    const EvmMemory::Range expected[] = {{cfg.start, cfg.start + cfg.params.state}, {a, a + h}, {b, b + h}};
    EXPECT_EQ(normalized(m.changed_ranges()), normalized(expected));
    // (b) in the headers the operation changed.
    planted(b + w, [&] {
      EXPECT_NE(m.verify(mem, none).find("used block " + to_hex(b) + " (#1 of the used list) next"), std::string::npos)
          << m.verify(mem, none);
    });
    planted(a, [&] {
      EXPECT_NE(m.verify(mem, none).find("free block " + to_hex(a) + " (#0 of the free list) size"), std::string::npos);
    });
    // (c) c's header did not change: only the full verify, or its address as written, finds it.
    planted(c + 1, [&] {
      EXPECT_EQ(m.verify(mem, written), "");
      EXPECT_NE(m.verify(mem, only(c + 1)).find("used block " + to_hex(c) + " (#0 of the used list) size"), std::string::npos);
      EXPECT_NE(m.verify(mem).find("used block " + to_hex(c) + " (#0 of the used list) size"), std::string::npos);
    });
    EXPECT_EQ(m.check(CheckScope::touched), "");
  }
}

// ---------------------------------------------------------------- differential against ThingPort

struct Counters {
  std::uint64_t ops = 0, mallocs_ok = 0, mallocs_failed = 0, reuses = 0, moves = 0, in_place = 0, realloc_failed = 0,
                frees_ok = 0, frees_rejected = 0, writes = 0, free_alls = 0, ranged_verifies = 0, planted_in_changed = 0,
                planted_elsewhere = 0;
};

class Differential {
 public:
  Differential(std::uint64_t seed, Counters& counters) : rng_(seed), seed_(seed), counters_(counters) {}

  // Runs one random pool through the Executor (the port and the model, compared in full after
  // every operation: returns, stats, both checks, the model's verify of the port's memory, ranged
  // and whole); returns "" or the first disagreement with the executor's report.
  std::string run(int operations) {
    Executor::Options options;
    options.full_every = 1;
    options.full_every_scales = false;
    std::string error;
    ex_ = Executor::create(random_pool(), {"port-seed", "model"}, error, options);
    if (ex_ == nullptr) return "seed " + std::to_string(seed_) + ": " + error;
    const auto& model = dynamic_cast<const ReferenceModel&>(ex_->party(1));
    EvmMemory& memory = *ex_->party(0).memory();
    for (int i = 0; i < operations; ++i) {
      const Executor::StepStatus status = step(model);
      std::string problem;
      if (status == Executor::StepStatus::ok) {
        ++counters_.ranged_verifies;
        problem = plant(model, memory);
      } else {
        problem = report();
      }
      if (!problem.empty()) return "seed " + std::to_string(seed_) + ", op " + std::to_string(i + 1) + ": " + problem;
    }
    if (ex_->finish() != Executor::StepStatus::ok) return "seed " + std::to_string(seed_) + ", at the end: " + report();
    return "";
  }

 private:
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(int percent) { return below(100) < std::uint64_t(percent); }

  std::string report() const {
    if (ex_->divergence()) return ex_->divergence()->report(ex_->trace_so_far());
    return ex_->trace_error() + "\n" + format_trace(ex_->trace_so_far());
  }

  PoolOptions random_pool() {
    PoolOptions o;
    o.semantics = Semantics::seed;
    o.layout = chance(50) ? Layout::evm : Layout::thing;
    const bool evm = o.layout == Layout::evm;
    const std::uint64_t h = evm ? 64 : 8;
    if (evm) {
      static constexpr std::array<std::uint64_t, 5> kEnds{0x800, 0x2000, 0x8000, 0x40000, 0x400000};
      o.end = kEnds[below(kEnds.size())];
      o.align = std::uint64_t{32} << below(4);
    } else {
      static constexpr std::array<std::uint64_t, 4> kEnds{0x400, 0x1000, 0x4000, 0x40000};
      o.end = kEnds[below(kEnds.size())];
      o.align = std::uint64_t{8} << below(4);
    }
    if (chance(30)) o.start = below(evm ? 300 : 100);
    if (chance(60)) o.min_split = h + 1 + below(4 * h);
    o.compact = !chance(30);
    o.split = !chance(30);
    if (std::holds_alternative<std::string>(resolve_pool(o, EvmMemory::kDefaultCap))) return random_pool();  // e.g. start too near end
    end_ = std::uint64_t(*o.end);
    return o;
  }

  u256 random_size() {
    const std::uint64_t r = below(1000);
    if (r < 550) return 1 + below(128);
    if (r < 800) return 1 + below(1024);
    if (r < 920) return 1 + below(end_ / 4);
    if (r < 960) return end_ / 2 + below(end_ / 2);
    if (r < 975) return end_ - 300 + below(400);
    if (r < 985) return kMaxU256 - below(3);
    if (r < 992) return (u256(1) << (32 + 32 * below(7))) + below(1024);
    return (u256(rng_()) << 192) | (u256(rng_()) << 128) | (u256(rng_()) << 64) | u256(rng_());
  }

  // The live blocks (pointer -> requested size) as the executor keeps them.
  const TraceState::LiveBlocks& live() const { return ex_->state().live(); }

  u256 garbage_pointer() {
    const std::uint64_t r = below(6);
    if (r == 0) return 0;
    if (r == 1) return below(end_ + 64);
    if (r == 2) return kMaxU256 - below(100);
    if (r == 3 && !freed_.empty()) return freed_[below(freed_.size())];  // double free / dead pointer
    if (r == 4 && !live().empty()) {  // interior pointer or the header address
      auto it = std::next(live().begin(), std::ptrdiff_t(below(live().size())));
      return chance(50) ? it->first + 1 + below(std::uint64_t(it->second)) : it->first - below(80);
    }
    return (u256(1) << 64) + below(end_);
  }

  std::pair<u256, u256> random_live() {
    auto it = std::next(live().begin(), std::ptrdiff_t(below(live().size())));
    return *it;
  }

  u256 last_result() const { return ex_->state().result(ex_->state().result_count() - 1); }

  // One random operation through the executor, counted by what it did.
  Executor::StepStatus step(const ReferenceModel& model) {
    ++counters_.ops;
    const std::uint64_t r = below(1000);
    Executor::StepStatus status = Executor::StepStatus::ok;
    if (r < 300 || live().empty()) {  // malloc / calloc
      Operation o = testing::raw_op(r % 3 == 0 ? OpKind::calloc : OpKind::malloc, 0, random_size());
      o.fill = std::uint8_t(below(256));
      const std::uint64_t top_before = model.top();
      status = ex_->step(o);
      if (status != Executor::StepStatus::ok) return status;
      const u256 a = last_result();
      if (a != 0) {
        ++counters_.mallocs_ok;
        if (a < top_before) ++counters_.reuses;
      } else {
        ++counters_.mallocs_failed;
      }
    } else if (r < 480) {  // realloc
      u256 p;
      u256 n;
      if (chance(85)) {
        u256 old_n;
        std::tie(p, old_n) = random_live();
        const std::uint64_t k = below(10);
        if (k < 4) {
          n = 1 + below(std::uint64_t(old_n));  // shrink (or keep)
        } else if (k < 8) {
          n = old_n + 1 + below(std::uint64_t(old_n) * 2 + 64);  // grow
        } else {
          n = random_size();
        }
        if (chance(2)) n = 0;
      } else {
        p = garbage_pointer();
        n = random_size();
      }
      status = ex_->step(testing::raw_op(OpKind::realloc, p, n));
      if (status != Executor::StepStatus::ok) return status;
      const u256 a = last_result();
      if (a != 0) {
        if (a != p) freed_.push_back(p);
        ++(a == p ? counters_.in_place : counters_.moves);
      } else {
        ++counters_.realloc_failed;
      }
    } else if (r < 700) {  // free
      const u256 p = chance(75) ? random_live().first : garbage_pointer();
      const bool was_live = live().contains(p);
      status = ex_->step(testing::raw_op(OpKind::free, p, 0));
      if (status != Executor::StepStatus::ok) return status;
      if (was_live && !live().contains(p)) {
        freed_.push_back(p);
        ++counters_.frees_ok;
      } else {
        ++counters_.frees_rejected;
      }
    } else if (r < 995) {  // a program's store into a live block
      const auto [p, n] = random_live();
      const std::uint64_t size = std::uint64_t(n);
      const std::uint64_t offset = chance(20) ? size - 1 - below(std::min<std::uint64_t>(size, 8)) : below(size);
      Operation o = testing::raw_op(OpKind::write, p, 0);
      o.offset = offset;
      o.bytes.resize(1 + below(std::min<std::uint64_t>(size - offset, 64)));
      for (auto& byte : o.bytes) byte = std::uint8_t(below(256));
      status = ex_->step(o);
      ++counters_.writes;
    } else {
      for (const auto& [p, n] : live()) freed_.push_back(p);
      status = ex_->step(testing::raw_op(OpKind::free_all, 0, 0));
      ++counters_.free_alls;
    }
    if (freed_.size() > 64) freed_.erase(freed_.begin(), freed_.begin() + 32);
    return status;
  }

  // One expectation of the model: a block header [lo, lo + H) or a run of known data bytes.
  struct Unit {
    std::uint64_t lo, hi;
    bool header;
  };
  static std::vector<Unit> expectations(const ReferenceModel& model) {
    const std::uint64_t h = model.config().params.header;
    std::vector<Unit> units;
    for (const auto& [addr, size] : model.free_blocks()) units.push_back({addr, addr + h, true});
    for (const ReferenceModel::UsedBlock& b : model.used_blocks()) {
      units.push_back({b.addr, b.addr + h, true});
      for (const auto& [offset, run] : b.known) units.push_back({b.addr + h + offset, b.addr + h + offset + run.size(), false});
    }
    return units;
  }
  static bool overlaps(std::span<const EvmMemory::Range> ranges, std::uint64_t lo, std::uint64_t hi) {
    return std::any_of(ranges.begin(), ranges.end(), [&](const EvmMemory::Range& r) { return r.lo < hi && lo < r.hi; });
  }

  // Every 8th operation: flips one byte of the port's memory where the model has an expectation,
  // and checks which verify sees it. (b) a byte in what the operation changed (changed_ranges())
  // is caught by the ranged verify with no written ranges, and by the full one; any planted byte
  // is caught by the ranged verify when its address is passed as written. (c) a byte in an
  // expectation that neither the ranges nor changed_ranges() reach goes unseen by the ranged
  // verify (the contract: it trusts them) and is caught by the full one. The byte is restored
  // and the planting's own writes dropped from the tracking.
  std::string plant(const ReferenceModel& model, EvmMemory& memory) {
    if (below(8) != 0) return "";
    const std::vector<Unit> units = expectations(model);
    if (units.empty()) return "";
    const Unit unit = units[below(units.size())];
    const auto& changed = model.changed_ranges();
    std::uint64_t addr = unit.lo + below(unit.hi - unit.lo);
    const bool in_changed = overlaps(changed, unit.header ? unit.lo : addr, unit.header ? unit.hi : addr + 1);
    if (in_changed && !unit.header) {  // a known byte inside a changed range
      for (const auto& r : changed) {
        if (r.lo < unit.hi && unit.lo < r.hi) {
          const std::uint64_t lo = std::max(r.lo, unit.lo);
          addr = lo + below(std::min(r.hi, unit.hi) - lo);
          break;
        }
      }
    }
    const std::uint8_t old = memory.peek(addr);
    memory.write_bytes(addr, std::vector<std::uint8_t>{std::uint8_t(old ^ (1u << below(8)))});
    const std::string where = std::string(unit.header ? "header" : "known byte") + " byte at " + to_hex(u256(addr));
    std::string problem;
    const EvmMemory::Range at{addr, addr + 1};
    if (model.verify(memory).empty()) problem = "planted " + where + ": the full verify misses it";
    if (problem.empty() && model.verify(memory, std::span(&at, 1)).empty()) {
      problem = "planted " + where + ": the ranged verify given its address misses it";
    }
    if (problem.empty() && in_changed) {
      ++counters_.planted_in_changed;
      if (model.verify(memory, {}).empty()) problem = "planted " + where + " in changed_ranges(): the ranged verify misses it";
    } else if (problem.empty()) {
      ++counters_.planted_elsewhere;
      if (std::string p = model.verify(memory, {}); !p.empty()) {
        problem = "planted " + where + " outside changed_ranges(): the ranged verify saw it (" + p + ")";
      }
    }
    memory.write_bytes(addr, std::vector<std::uint8_t>{old});
    std::vector<EvmMemory::Range> planted;
    memory.take_written_ranges(planted);
    return problem;
  }

  std::mt19937_64 rng_;
  std::uint64_t seed_;
  Counters& counters_;
  std::uint64_t end_ = 0;
  std::unique_ptr<Executor> ex_;
  std::vector<u256> freed_;
};

TEST(ReferenceModelDifferential, AgreesWithThingPortInSeedSemantics) {
  Counters counters;
  // FEALLOC_MODEL_SEEDS=N runs N seeds instead (a longer soak, or a quick look).
  const char* env = std::getenv("FEALLOC_MODEL_SEEDS");
  const std::uint64_t seeds = env != nullptr ? std::strtoull(env, nullptr, 10) : 64;
  constexpr int kOperations = 3000;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    Differential run(seed, counters);
    const std::string problem = run.run(kOperations);
    if (!problem.empty()) {
      const std::string path = ::testing::TempDir() + "model_differential_seed_" + std::to_string(seed) + ".txt";
      std::ofstream(path) << problem;
      FAIL() << problem.substr(0, problem.find("\ntrace:")) << "\n(full trace in " << path << ")";
    }
  }
  // The generator must actually reach every path (the shares are about a third of a typical run's).
  const std::uint64_t ops = counters.ops;
  EXPECT_GT(counters.reuses, ops / 20);
  EXPECT_GT(counters.moves, ops / 100);
  EXPECT_GT(counters.in_place, ops / 30);
  EXPECT_GT(counters.realloc_failed, ops / 100);
  EXPECT_GT(counters.mallocs_failed, ops / 50);
  EXPECT_GT(counters.frees_rejected, ops / 100);
  EXPECT_GT(counters.writes, ops / 10);
  EXPECT_GT(counters.free_alls, ops / 1000);
  EXPECT_EQ(counters.ranged_verifies, ops);  // the executor's comparison after every operation
  EXPECT_GT(counters.planted_in_changed, ops / 100);
  EXPECT_GT(counters.planted_elsewhere, ops / 100);
  std::printf("differential: %llu ops, %llu mallocs (%llu reused a free block, %llu failed), %llu moves, %llu in place, "
              "%llu realloc failures, %llu frees, %llu rejected frees, %llu writes, %llu free_alls\n",
              (unsigned long long)counters.ops, (unsigned long long)counters.mallocs_ok, (unsigned long long)counters.reuses,
              (unsigned long long)counters.mallocs_failed, (unsigned long long)counters.moves, (unsigned long long)counters.in_place,
              (unsigned long long)counters.realloc_failed, (unsigned long long)counters.frees_ok,
              (unsigned long long)counters.frees_rejected, (unsigned long long)counters.writes, (unsigned long long)counters.free_alls);
  std::printf("ranged verifies: %llu; planted bytes caught in changed ranges: %llu, outside them (full verify only): %llu\n",
              (unsigned long long)counters.ranged_verifies, (unsigned long long)counters.planted_in_changed,
              (unsigned long long)counters.planted_elsewhere);
}

}  // namespace
}  // namespace fealloc
