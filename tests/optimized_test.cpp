// OptimizedAllocator against the port in seed semantics: hand-made cases for each rule of spec §3
// (first fit, split thresholds, merges, top absorption, compact/split off, realloc, free_all,
// huge sizes, bad pointers), then a seeded differential run over random pools and operations.
// Both parties run through the Executor, which compares them in full after every operation: the
// result, every Stats field, every byte of memory, and both parties' checks.
#include "core/block_table.hpp"
#include "core/free_block_index.hpp"
#include "core/optimized_allocator.hpp"
#include "harness/executor.hpp"
#include "reference/thing_port.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace fealloc {
namespace {

// More seeds for a long soak run: -DFEALLOC_OPTIMIZED_SEEDS=5000.
#ifndef FEALLOC_OPTIMIZED_SEEDS
#define FEALLOC_OPTIMIZED_SEEDS 120
#endif

using testing::make_config;
using testing::PoolView;

// Everything an operation may change: bytes, msize and the stats.
struct Snapshot {
  std::vector<std::uint8_t> bytes;
  Stats stats;
  static Snapshot of(Allocator& a) {
    const EvmMemory& m = *a.memory();
    Snapshot s{std::vector<std::uint8_t>(m.backing_size()), a.stats()};
    for (std::uint64_t i = 0; i < m.backing_size();) {
      const EvmMemory::View v = m.view(i, m.backing_size() - i);
      if (v.bytes != nullptr) {
        std::memcpy(s.bytes.data() + i, v.bytes, v.length);
      } else {
        std::memset(s.bytes.data() + i, v.value, v.length);
      }
      i += v.length;
    }
    // Trailing zeros are the same as untouched bytes.
    while (!s.bytes.empty() && s.bytes.back() == 0) s.bytes.pop_back();
    s.stats.msize = m.msize();
    return s;
  }
  bool operator==(const Snapshot&) const = default;
};

// The optimized allocator and the port side by side, through the Executor: every call is one
// operation that the executor runs on both and compares with a full comparison after each (every
// stats field, every byte, both parties' check(full)), besides what it checks after every
// operation (returns, check(touched), the bytes written). A divergence fails the test with the
// executor's report; `opt()` is the optimized allocator, for the rule tests' own expectations.
class Duo {
 public:
  explicit Duo(const PoolConfig& config) {
    Executor::Options options;
    options.full_every = 1;
    options.full_every_scales = false;
    std::string error;
    ex_ = Executor::create(testing::options_of(config), {"optimized", "port-seed"}, error, options);
    if (ex_ == nullptr) throw std::invalid_argument(error);
  }

  u256 malloc(const u256& n) { return run(testing::raw_op(OpKind::malloc, 0, n)); }
  u256 calloc(const u256& n, std::uint8_t fill) {
    Operation o = testing::raw_op(OpKind::calloc, 0, n);
    o.fill = fill;
    return run(o);
  }
  u256 realloc(const u256& p, const u256& n) { return run(testing::raw_op(OpKind::realloc, p, n)); }
  // Whether p was a live block that the free released (the state's live blocks before and after).
  bool free(const u256& p) {
    const bool was_live = ex_->state().live().contains(p);
    run(testing::raw_op(OpKind::free, p, 0));
    return was_live && !ex_->state().live().contains(p);
  }
  void free_all() { run(testing::raw_op(OpKind::free_all, 0, 0)); }
  void write(const u256& p, std::uint64_t offset, std::vector<std::uint8_t> data) {
    Operation o = testing::raw_op(OpKind::write, p, 0);
    o.offset = offset;
    o.bytes = std::move(data);
    run(o);
  }

  Allocator& opt() { return ex_->party(0); }
  const TraceState& state() const { return ex_->state(); }

  // Whether everything agreed so far: the end-of-input comparison as well.
  bool finish() {
    const auto status = ex_->finish();
    EXPECT_EQ(status, Executor::StepStatus::ok) << report();
    return status == Executor::StepStatus::ok;
  }

 private:
  // Runs o and returns what it returned (0 for none).
  u256 run(const Operation& o) {
    const auto status = ex_->step(o);
    EXPECT_EQ(status, Executor::StepStatus::ok) << format_operation(o) << ": " << report();
    return ex_->state().result_count() == 0 ? u256(0) : ex_->state().result(ex_->state().result_count() - 1);
  }
  std::string report() const {
    if (ex_->divergence()) return ex_->divergence()->report(ex_->trace_so_far());
    return ex_->trace_error();
  }

  std::unique_ptr<Executor> ex_;
};

constexpr std::uint64_t kEnd = 0x10000;
// The default evm pool: W 32, H 64, align 32, minSplit 96, first block at 224.
PoolConfig evm_pool(bool compact = true, bool split = true, std::uint64_t min_split = 0, std::uint64_t end = kEnd) {
  return make_config(Layout::evm, Semantics::seed, end, 0, min_split, compact, split);
}
constexpr std::uint64_t kH = 64;
constexpr std::uint64_t kFirst = 224;

TEST(Optimized, RejectsThingSemantics) {
  EXPECT_THROW(OptimizedAllocator(make_config(Layout::thing, Semantics::thing, 0x1000)), std::invalid_argument);
  EXPECT_THROW(OptimizedAllocator(make_config(Layout::evm, Semantics::thing, 0x1000)), std::invalid_argument);
}

TEST(Optimized, FirstFitTakesTheLowestBlockNotTheBest) {
  Duo d(evm_pool());
  d.malloc(100);                  // 224, 192 bytes
  const u256 b = d.malloc(400);   // 416, 480 bytes
  d.malloc(100);                  // 896, 192 bytes
  const u256 dd = d.malloc(160);  // 1088, 224 bytes: a perfect fit
  d.malloc(1);                    // guard so that nothing touches top
  d.free(b);
  d.free(dd);
  EXPECT_EQ(d.malloc(160), b);  // first fit: 480 >= 224, split off 256
  const Stats s = d.opt().stats();
  EXPECT_EQ(s.free_count, 2U);
  EXPECT_EQ(s.free_size, 256U + 224U);
  PoolView v(d.opt());
  EXPECT_EQ(v.free_head(), low_u64(b) - kH + 224);
}

TEST(Optimized, SplitThresholdBoundaries) {
  for (const std::uint64_t min_split : {96, 100}) {
    SCOPED_TRACE("min_split " + std::to_string(min_split));
    for (const std::uint64_t want : {320, 352, 384}) {  // padded 384, 416, 448 out of 480
      Duo d(evm_pool(true, true, min_split));
      const u256 x = d.malloc(416);  // 480 bytes
      d.malloc(1);
      d.free(x);
      EXPECT_EQ(d.malloc(want), x);
      const std::uint64_t padded = (want + kH + 31) / 32 * 32;
      const bool splits = 480 - padded >= min_split;
      EXPECT_EQ(d.opt().stats().free_count, splits ? 1U : 0U) << "padded " << padded;
      EXPECT_EQ(d.opt().stats().used_size, (splits ? padded : 480) + 96);
    }
  }
}

TEST(Optimized, MergesWithPreviousNextAndBoth) {
  Duo d(evm_pool());
  const u256 a = d.malloc(100);  // 224 + 192
  const u256 b = d.malloc(100);  // 416
  const u256 c = d.malloc(100);  // 608
  const u256 e = d.malloc(100);  // 800
  const u256 f = d.malloc(100);  // 992
  d.malloc(1);                   // 1184 guard
  PoolView v(d.opt());
  d.free(b);
  d.free(c);  // merges with the previous block
  EXPECT_EQ(v.free_head(), 416U);
  EXPECT_EQ(v.block_size(416), 384U);
  EXPECT_EQ(v.block_size(608), 192U);  // the merged-away block keeps its size word
  EXPECT_EQ(v.block_next(608), 0U);
  d.free(a);  // merges with the next block
  EXPECT_EQ(v.free_head(), 224U);
  EXPECT_EQ(v.block_size(224), 576U);
  EXPECT_EQ(v.block_next(416), 0U);
  d.free(f);
  d.free(e);  // merges with both
  EXPECT_EQ(d.opt().stats().free_count, 1U);
  EXPECT_EQ(v.block_size(224), 960U);
}

TEST(Optimized, FreeingTheTopBlockLowersTop) {
  Duo d(evm_pool());
  const u256 a = d.malloc(100);
  const u256 b = d.malloc(100);
  const u256 c = d.malloc(100);
  d.free(b);
  d.free(c);  // merges with b, then touches top: top = b's block, the free list is empty
  EXPECT_EQ(d.opt().stats().top, low_u64(b) - kH);
  EXPECT_EQ(d.opt().stats().free_count, 0U);
  d.free(a);
  EXPECT_EQ(d.opt().stats().top, kFirst);
}

TEST(Optimized, CompactOffKeepsNeighboursAndUsesTheTopBlock) {
  Duo d(evm_pool(false));
  const u256 a = d.malloc(100);
  const u256 b = d.malloc(100);
  const u256 c = d.malloc(100);
  d.free(a);
  d.free(b);
  d.free(c);  // stays free, touching top
  EXPECT_EQ(d.opt().stats().free_count, 3U);
  EXPECT_EQ(d.opt().stats().top, kFirst + 3 * 192);
  // 500 fits in none, so the walk reaches the last block, which touches top and grows.
  EXPECT_EQ(d.malloc(500), c);
  EXPECT_EQ(d.opt().stats().top, low_u64(c) - kH + 576);
  // A request that fits the top block shrinks it (and top) without a split.
  d.free(c);
  EXPECT_EQ(d.malloc(1), a);  // the lowest block fits first
  EXPECT_EQ(d.malloc(200), c);
  EXPECT_EQ(d.opt().stats().top, low_u64(c) - kH + 288);
  // The top block's growth is refused when it would pass end, and nothing changes.
  d.free(c);
  EXPECT_EQ(d.malloc(kEnd), 0);
}

TEST(Optimized, SplitOffReusesWholeBlocks) {
  Duo d(evm_pool(true, false));
  const u256 x = d.malloc(1000);
  d.malloc(1);
  d.free(x);
  EXPECT_EQ(d.malloc(1), x);
  EXPECT_EQ(d.opt().stats().free_count, 0U);
  EXPECT_EQ(d.realloc(x, 1), x);  // no split either
  EXPECT_EQ(d.opt().stats().free_count, 0U);
}

TEST(Optimized, ReallocShrinkGrowMove) {
  Duo d(evm_pool());
  const u256 x = d.malloc(1000);  // 224, 1088 bytes
  d.write(x, 0, {1, 2, 3, 4, 5});
  EXPECT_EQ(d.realloc(x, 100), x);  // split: the tail touches top and is absorbed
  EXPECT_EQ(d.opt().stats().top, kFirst + 192);
  EXPECT_EQ(d.realloc(x, 120), x);  // at top: grows in place
  EXPECT_EQ(d.realloc(x, 100), x);  // at top, excess 32 < minSplit: top and size both shrink
  EXPECT_EQ(PoolView(d.opt()).block_size(kFirst), 192U);
  EXPECT_EQ(d.opt().stats().top, kFirst + 192);
  // Growth at top up to end exactly (seed: <=).
  EXPECT_EQ(d.realloc(x, kEnd - kFirst - kH), x);
  EXPECT_EQ(d.opt().stats().top, kEnd);
  EXPECT_EQ(d.realloc(x, 100), x);
  // Move: y sits above x, so x must move; its data goes along.
  const u256 y = d.malloc(50);
  d.write(y, 0, {9});
  const u256 moved = d.realloc(x, 300);
  EXPECT_NE(moved, x);
  EXPECT_NE(moved, 0);
  EXPECT_EQ(d.opt().memory()->peek(low_u64(moved) + 4), 5);
  EXPECT_FALSE(d.free(x));  // the old pointer is gone (seed)
  // A move that cannot be placed fails and changes nothing.
  const Snapshot before = Snapshot::of(d.opt());
  // y is at 416 and no longer at top (the moved block is at 928); padded 65120 fits nowhere.
  EXPECT_EQ(d.realloc(y, kEnd - 500), 0);
  EXPECT_EQ(Snapshot::of(d.opt()), before);
}

TEST(Optimized, FreeAllThenReuse) {
  Duo d(evm_pool());
  const u256 a = d.malloc(100);
  d.malloc(200);
  d.free(a);
  d.write(d.malloc(30), 0, {7, 7, 7});
  d.free_all();
  EXPECT_EQ(d.opt().stats().used_count, 0U);
  EXPECT_EQ(d.opt().stats().top, kFirst);
  EXPECT_FALSE(d.free(a));
  EXPECT_EQ(d.malloc(10), a);
  for (int i = 0; i < 20; ++i) d.free_all();
  EXPECT_EQ(d.malloc(10), a);
  EXPECT_EQ(d.opt().stats().used_count, 1U);
}

TEST(Optimized, HugeSizesAndBadPointersChangeNothing) {
  Duo d(evm_pool());
  const u256 a = d.malloc(100);
  const u256 b = d.malloc(100);
  d.malloc(100);
  d.free(b);
  const u256 two64 = u256(1) << 64;
  const std::vector<u256> sizes = {two64,    two64 - 1, two64 + 100, u256(1) << 255, std::numeric_limits<u256>::max(),
                                   kEnd + 1, kEnd,      kEnd - kH};
  const std::vector<u256> pointers = {0,    a + 1,     a + 32,    a - kH,         a - 1,
                                      b,    a + two64, two64 - 1, u256(1) << 255, std::numeric_limits<u256>::max(),
                                      kEnd, kEnd + kH};
  const Snapshot before = Snapshot::of(d.opt());
  for (const u256& n : sizes) {
    EXPECT_EQ(d.malloc(n), 0) << n;
    EXPECT_EQ(d.calloc(n, 0xaa), 0) << n;
    EXPECT_EQ(d.realloc(a, n), 0) << n;
  }
  EXPECT_EQ(d.realloc(a, 0), 0);
  for (const u256& p : pointers) {
    EXPECT_FALSE(d.free(p)) << p;
    EXPECT_EQ(d.realloc(p, 10), 0) << p;
    EXPECT_EQ(d.realloc(p, 0), 0) << p;
  }
  EXPECT_EQ(Snapshot::of(d.opt()), before);
  // A pointer computed through wide arithmetic is still the live pointer.
  EXPECT_TRUE(d.free((a + (u256(1) << 200)) - (u256(1) << 200)));
  EXPECT_FALSE(d.free(a));  // double free
}

TEST(Optimized, ThingLayout) {
  Duo d(make_config(Layout::thing, Semantics::seed, 0x1000, 0, 0, true, true, 12));
  const u256 a = d.malloc(10);
  const u256 b = d.calloc(30, 0x5a);
  d.malloc(7);
  d.free(a);
  d.free(b);
  // start 12: initialTop 40; a is block 40 (24), b block 64 (40), then block 104 (16). The frees
  // merge a and b; malloc(1) splits it; growing to 112 bytes moves to top (120), data at 128.
  const u256 c = d.malloc(1);
  EXPECT_EQ(c, a);
  EXPECT_EQ(d.realloc(c, 100), 128);
  EXPECT_EQ(d.malloc(0x1000), 0);
}

// The index against a plain map, for slot counts around the tree's group boundaries.
TEST(FreeBlockIndex, MatchesABruteForceMap) {
  std::mt19937_64 rng(7);
  for (const std::uint64_t slots : {1, 2, 7, 8, 9, 63, 64, 65, 512, 513, 5000}) {
    SCOPED_TRACE("slots " + std::to_string(slots));
    FreeBlockIndex index(slots);
    std::map<std::uint32_t, std::uint32_t> model;
    auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
      return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    for (int op = 0; op < 3000; ++op) {
      const auto slot = static_cast<std::uint32_t>(pick(0, slots - 1));
      const auto units = static_cast<std::uint32_t>(pick(1, 40));
      switch (pick(0, 9)) {
        case 0:
        case 1:
        case 2:
          index.set(slot, units);
          model[slot] = units;
          break;
        case 3:
        case 4:
          index.set(slot, 0);
          model.erase(slot);
          break;
        case 5: {
          std::uint32_t want = FreeBlockIndex::kNone;
          for (const auto& [s, u] : model) {
            if (u >= units) {
              want = s;
              break;
            }
          }
          ASSERT_EQ(index.first_fit(units), want);
          break;
        }
        case 6: {
          auto it = model.lower_bound(slot);
          const std::uint32_t want = it == model.begin() ? FreeBlockIndex::kNone : std::prev(it)->first;
          ASSERT_EQ(index.predecessor(slot), want);
          break;
        }
        case 7:
          if (pick(0, 20) == 0) {
            index.clear();
            model.clear();
          }
          break;
        default: {
          using Leaves = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
          Leaves leaves;
          ASSERT_EQ(index.collect(leaves), "");
          ASSERT_EQ(leaves, Leaves(model.begin(), model.end()));
        }
      }
      ASSERT_EQ(index.get(slot), model.count(slot) != 0 ? model[slot] : 0U);
    }
  }
}

// After the epoch wraps, entries written in an earlier round of epochs must not come back to life.
TEST(FreeBlockIndex, EpochWrapForgetsEverything) {
  FreeBlockIndex index(100, 3);
  index.set(3, 10);
  for (int round = 0; round < 7; ++round) {
    index.clear();
    EXPECT_EQ(index.get(3), 0U) << round;
    EXPECT_EQ(index.first_fit(1), FreeBlockIndex::kNone) << round;
    EXPECT_EQ(index.predecessor(99), FreeBlockIndex::kNone) << round;
    index.set(static_cast<std::uint32_t>(round), 5);
    EXPECT_EQ(index.first_fit(5), static_cast<std::uint32_t>(round));
    index.set(static_cast<std::uint32_t>(round), 0);
  }
}

TEST(BlockTable, EpochWrapForgetsEverything) {
  BlockTable table(100, 3);
  table.put(5, BlockTable::Kind::used, 2, BlockTable::kNone, BlockTable::kNone);
  for (int round = 0; round < 7; ++round) {
    table.clear();
    EXPECT_EQ(table.kind(5), BlockTable::Kind::none) << round;
    EXPECT_EQ(table.live(), 0U);
    table.put(static_cast<std::uint32_t>(10 + round), BlockTable::Kind::free, 1, BlockTable::kNone, BlockTable::kNone);
    EXPECT_EQ(table.live(), 1U);
  }
}

// ---------------------------------------------------------------- differential run

class Differential {
 public:
  Differential(const PoolConfig& config, std::uint64_t seed) : d_(config), cfg_(config), rng_(seed) {}

  // Runs `ops` random operations; stops at the first difference (already reported by gtest).
  void run(int ops) {
    for (int i = 0; i < ops; ++i) {
      if (!step()) {
        ADD_FAILURE() << "stopped at operation " << i + 1;
        return;
      }
    }
    d_.finish();
  }

 private:
  std::uint64_t pick(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
  }
  bool chance(int percent) { return pick(0, 99) < static_cast<std::uint64_t>(percent); }

  u256 size() {
    const std::uint64_t a = cfg_.align;
    const std::uint64_t h = cfg_.params.header;
    switch (pick(0, 19)) {
      case 0:
        return 0;
      case 1:
        return u256(1) << pick(64, 255);
      case 2:
        return std::numeric_limits<u256>::max() - pick(0, 3);
      case 3:
        return cfg_.end - pick(0, 3 * a);  // around the largest sizes that can fit
      case 4:
        return cfg_.end + pick(0, 5);
      case 5:
      case 6:
        return pick(1, std::max<std::uint64_t>(1, cfg_.end / 8));
      case 7:
        return pick(1, std::max<std::uint64_t>(1, cfg_.end / 64));
      case 8: {  // exactly on and around a split boundary for some block size
        const std::uint64_t padded = a * pick(1, 16);
        return padded - h - pick(0, 1);
      }
      default:
        return pick(1, 4 * a);
    }
  }

  // Any pointer: mostly live ones, else freed, interior, header, garbage, huge.
  u256 pointer() {
    if (!live_.empty() && chance(70)) return nth_live();
    const u256 base = live_.empty() ? u256(cfg_.initial_top + cfg_.params.header) : nth_live();
    switch (pick(0, 7)) {
      case 0:
        return dead_.empty() ? base : dead_[pick(0, dead_.size() - 1)];
      case 1:
        return base + pick(1, cfg_.align);
      case 2:
        return base - cfg_.params.header;
      case 3:
        return base + (u256(1) << 64);
      case 4:
        return std::numeric_limits<u256>::max();
      case 5:
        return 0;
      case 6:
        return pick(0, cfg_.end + 64);
      default:
        return base;
    }
  }

  u256 nth_live() {
    auto it = live_.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(pick(0, live_.size() - 1)));
    return it->first;
  }

  bool step() {
    const std::uint64_t kind = pick(0, 99);
    if (kind < 30) {
      const u256 n = size();
      const u256 p = d_.malloc(n);
      if (p != 0) live_[p] = low_u64(n);
    } else if (kind < 38) {
      const u256 n = size();
      const u256 p = d_.calloc(n, static_cast<std::uint8_t>(pick(0, 255)));
      if (p != 0) live_[p] = low_u64(n);
    } else if (kind < 55) {
      const u256 p = pointer();
      const u256 n = size();
      const u256 q = d_.realloc(p, n);
      if (q != 0) {
        live_.erase(p);
        if (q != p) dead_.push_back(p);
        live_[q] = low_u64(n);
      }
    } else if (kind < 80) {
      const u256 p = pointer();
      if (d_.free(p)) {
        live_.erase(p);
        dead_.push_back(p);
      }
    } else if (kind < 99) {
      if (live_.empty()) return !::testing::Test::HasFailure();
      const u256 p = nth_live();
      const std::uint64_t n = live_[p];
      const std::uint64_t offset = pick(0, n - 1);
      std::vector<std::uint8_t> data(pick(1, std::min<std::uint64_t>(n - offset, 300)));
      for (auto& byte : data) byte = static_cast<std::uint8_t>(pick(0, 255));
      d_.write(p, offset, data);
    } else {
      d_.free_all();
      for (const auto& [p, n] : live_) dead_.push_back(p);
      live_.clear();
    }
    if (dead_.size() > 64) dead_.erase(dead_.begin(), dead_.begin() + 32);
    return !::testing::Test::HasFailure();
  }

  Duo d_;
  PoolConfig cfg_;
  std::mt19937_64 rng_;
  std::map<u256, std::uint64_t> live_;  // pointer -> requested size
  std::vector<u256> dead_;
};

PoolConfig random_pool(std::mt19937_64& rng) {
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  };
  for (;;) {
    PoolOptions o;
    o.layout = pick(0, 3) == 0 ? Layout::thing : Layout::evm;
    o.semantics = Semantics::seed;
    const LayoutParams p = layout_params(o.layout);
    const std::uint64_t align = std::uint64_t{1} << pick(o.layout == Layout::evm ? 5 : 3, 8);
    o.align = align;
    o.min_split = pick(p.header + 1, 512);
    // end from 1 KiB to 1 MiB, log-uniformly, a multiple of 4 for the thing layout.
    const std::uint64_t end = (std::uint64_t{1} << pick(10, 19)) + pick(0, std::uint64_t{1} << 10) * 4;
    o.end = std::min<std::uint64_t>(end, std::uint64_t{1} << 20);
    if (pick(0, 2) == 0) o.start = pick(0, 1000);
    o.compact = pick(0, 3) != 0;
    o.split = pick(0, 3) != 0;
    auto resolved = resolve_pool(o, EvmMemory::kDefaultCap);
    if (auto* config = std::get_if<PoolConfig>(&resolved)) return *config;
  }
}

TEST(OptimizedDifferential, RandomPoolsAndOperations) {
  std::mt19937_64 pools(20240601);
  for (std::uint64_t seed = 1; seed <= FEALLOC_OPTIMIZED_SEEDS; ++seed) {
    const PoolConfig config = random_pool(pools);
    SCOPED_TRACE("seed " + std::to_string(seed) + " layout " + std::string(layout_name(config.layout)) + " start " +
                 std::to_string(config.start) + " end " + std::to_string(config.end) + " align " +
                 std::to_string(config.align) + " min_split " + std::to_string(config.min_split) + " compact " +
                 std::to_string(config.compact) + " split " + std::to_string(config.split));
    Differential(config, seed).run(2000);
    if (::testing::Test::HasFailure()) return;
  }
}

// Small pools fill up quickly, so top, end and the refusal paths are hit all the time.
TEST(OptimizedDifferential, SmallPoolsUnderPressure) {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const bool evm = seed % 2 == 0;
    const PoolConfig config =
        make_config(evm ? Layout::evm : Layout::thing, Semantics::seed, evm ? 2048 : 1024, evm ? 32 : 8,
                    evm ? 65 + seed % 64 : 9 + seed % 40, seed % 3 != 0, seed % 5 != 0);
    SCOPED_TRACE("seed " + std::to_string(seed));
    Differential(config, seed * 7919).run(1500);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace fealloc
