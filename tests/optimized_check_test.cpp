// OptimizedAllocator::check() in both scopes: after every operation of long random runs both pass;
// corruption planted in a word the last operation wrote (a touched block's size or next word, a
// state word) is caught by the touched check, with a message naming it, and by the full check;
// corruption of a block the operation did not touch is the full check's alone (the touched check
// costs what the operation touched, not the heap); and checking never changes msize.
#include "core/optimized_allocator.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace fealloc {
namespace {

using testing::make_config;
using testing::PoolView;

std::string hex(std::uint64_t v) { return to_hex(u256(v)); }

// Both scopes, and that asking changed neither msize nor the stats.
void expect_checks_pass(OptimizedAllocator& a, const std::string& after) {
  const std::uint64_t msize = a.memory()->msize();
  const Stats stats = a.stats();
  EXPECT_EQ(a.check(CheckScope::touched), "") << "touched check after " << after;
  EXPECT_EQ(a.check(CheckScope::full), "") << "full check after " << after;
  EXPECT_EQ(a.memory()->msize(), msize) << "check changed msize after " << after;
  EXPECT_EQ(a.stats(), stats) << "check changed the stats after " << after;
}

// Stores `value` into the word at `address` in the pool's layout (what a stray MSTORE would do).
void plant(OptimizedAllocator& a, std::uint64_t address, std::uint64_t value) {
  if (a.config().layout == Layout::evm) {
    a.memory()->store_word32(address, value);
  } else {
    a.memory()->store_le32(address, static_cast<std::uint32_t>(value));
  }
}

// Plants `bad` at `address`, expects both checks to fail (the touched one naming `expected`), then
// restores the word and expects both to pass again. msize is unchanged by the checks themselves.
void expect_caught(OptimizedAllocator& a, std::uint64_t address, std::uint64_t bad, const std::string& expected,
                   const std::string& what) {
  SCOPED_TRACE(what);
  const std::uint64_t good = testing::peek_word(*a.memory(), a.config().layout, address);
  ASSERT_NE(good, bad);
  plant(a, address, bad);
  const std::uint64_t msize = a.memory()->msize();
  const std::string touched = a.check(CheckScope::touched);
  const std::string full = a.check(CheckScope::full);
  EXPECT_EQ(a.memory()->msize(), msize);
  EXPECT_NE(touched.find(expected), std::string::npos) << "touched check said: \"" << touched << "\"";
  EXPECT_NE(full, "");
  plant(a, address, good);
  EXPECT_EQ(a.check(CheckScope::touched), "");
  EXPECT_EQ(a.check(CheckScope::full), "");
}

PoolConfig evm_pool(bool compact = true, bool split = true, std::uint64_t end = 0x10000) {
  return make_config(Layout::evm, Semantics::seed, end, 0, 0, compact, split);
}

TEST(OptimizedCheck, CatchesCorruptHeaderOfTheBlockJustAllocated) {
  for (const Layout layout : {Layout::evm, Layout::thing}) {
    SCOPED_TRACE(std::string(layout_name(layout)));
    OptimizedAllocator a(make_config(layout, Semantics::seed, 0x10000));
    const std::uint64_t h = a.config().params.header;
    const std::uint64_t w = a.config().params.word;
    a.malloc(40);
    const std::uint64_t p = low_u64(a.malloc(100));
    const std::uint64_t b = p - h;
    expect_checks_pass(a, "malloc");
    PoolView v(a);
    expect_caught(a, b, v.block_size(b) + a.config().align, "used block " + hex(b) + " size word", "size word");
    expect_caught(a, b, 0, "used block " + hex(b) + " size word", "zero size word");
    expect_caught(a, b + w, v.block_next(b) + a.config().align, "used block " + hex(b) + " next word", "next word");
    expect_caught(a, b + w, 0, "used block " + hex(b) + " next word", "next word cleared");
  }
}

TEST(OptimizedCheck, CatchesCorruptStateWords) {
  OptimizedAllocator a(evm_pool());
  const std::uint64_t p = low_u64(a.malloc(64));
  a.malloc(64);
  a.free(p);  // p's block stays free (its successor is used)
  expect_checks_pass(a, "free");
  const std::uint64_t start = a.config().start;
  const char* names[7] = {"free", "used", "top", "end", "align", "flags", "minSplit"};
  for (std::uint64_t word = 0; word < 7; ++word) {
    const std::uint64_t at = start + word * 32;
    const std::uint64_t good = testing::peek_word(*a.memory(), Layout::evm, at);
    expect_caught(a, at, good + 32, std::string("state word ") + names[word], names[word]);
  }
}

TEST(OptimizedCheck, CatchesCorruptFreeBlockAndItsListNeighbour) {
  OptimizedAllocator a(evm_pool());
  std::vector<std::uint64_t> p;
  for (int i = 0; i < 6; ++i) p.push_back(low_u64(a.malloc(50)));
  a.free(p[1]);
  a.free(p[4]);
  a.free(p[2]);  // merges into p[1]'s block
  expect_checks_pass(a, "merging free");
  const std::uint64_t merged = p[1] - 64;
  PoolView v(a);
  EXPECT_EQ(v.free_head(), merged);
  expect_caught(a, merged, v.block_size(merged) - 32, "free block " + hex(merged) + " size word", "merged size");
  expect_caught(a, merged + 32, 0, "free block " + hex(merged) + " next word", "merged next");
  // The merged-away block's next word is 0 and its slot holds no block; the touched check still
  // reaches the free list's second block through the merged block's links.
  const std::uint64_t second = p[4] - 64;
  EXPECT_EQ(v.block_next(merged), second);
  a.free(p[5]);  // p[5] is the top block: freed into top, and p[4]'s block with it
  expect_checks_pass(a, "free into top");
  EXPECT_EQ(v.top(), second);
  expect_caught(a, a.config().start + 2 * 32, second + 32, "state word top", "top");
}


// The touched check reads what the operation touched: a corrupt header elsewhere in the heap is
// the full check's to find (that is what makes the touched check cheap enough to run every time).
TEST(OptimizedCheck, TouchedScopeLeavesUntouchedBlocksToTheFullCheck) {
  OptimizedAllocator a(evm_pool());
  const std::uint64_t first = low_u64(a.malloc(64)) - 64;
  for (int i = 0; i < 50; ++i) a.malloc(64);
  const std::uint64_t size = testing::peek_word(*a.memory(), Layout::evm, first);
  plant(a, first, size + 32);
  a.user_write(low_u64(a.malloc(10)), std::vector<std::uint8_t>{1, 2, 3});
  EXPECT_EQ(a.check(CheckScope::touched), "");
  EXPECT_NE(a.check(CheckScope::full).find("size word"), std::string::npos);
  // Freeing the block after it in the used list (LIFO: the second block allocated) relinks it,
  // so now it is touched, and caught.
  const std::uint64_t second = first + size;
  ASSERT_TRUE(a.free(second + 64));
  EXPECT_NE(a.check(CheckScope::touched).find("used block " + hex(first) + " size word"), std::string::npos);
  plant(a, first, size);
  EXPECT_EQ(a.check(CheckScope::touched), "");
  EXPECT_EQ(a.check(CheckScope::full), "");
}

// A random operation mix over small and medium pools; after every operation both checks pass and
// leave msize alone, and (on a third of the operations that returned a block they wrote: malloc,
// calloc, a moving realloc) corrupting that block's size or next word, or a state word, is caught
// by both.
class RandomRun {
 public:
  RandomRun(const PoolConfig& config, std::uint64_t seed) : a_(config), rng_(seed) {}

  void run(int ops) {
    for (int i = 0; i < ops && !::testing::Test::HasFailure(); ++i) {
      step();
      if (::testing::Test::HasFailure()) ADD_FAILURE() << "at operation " << i + 1;
    }
  }

 private:
  std::uint64_t pick(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
  }
  std::uint64_t size() {
    const std::uint64_t align = a_.config().align;
    switch (pick(0, 9)) {
      case 0:
        return pick(1, a_.config().end / 4);
      case 1:
        return a_.config().end + 1;  // refused
      default:
        return pick(1, 6 * align);
    }
  }
  std::uint64_t live_pointer() {
    auto it = live_.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(pick(0, live_.size() - 1)));
    return it->first;
  }
  // Corrupts a header word of the block at data pointer p, or a state word; both checks must fail.
  void corrupt(std::uint64_t p) {
    const std::uint64_t h = a_.config().params.header;
    const std::uint64_t w = a_.config().params.word;
    const std::uint64_t b = p - h;
    const std::uint64_t align = a_.config().align;
    switch (pick(0, 2)) {
      case 0:
        expect_caught(a_, b, testing::peek_word(*a_.memory(), a_.config().layout, b) + align,
                      "used block " + hex(b) + " size word", "size word");
        break;
      case 1:
        expect_caught(a_, b + w, testing::peek_word(*a_.memory(), a_.config().layout, b + w) + align,
                      "used block " + hex(b) + " next word", "next word");
        break;
      default: {
        const std::uint64_t word = pick(0, 6);
        const std::uint64_t at = a_.config().start + word * w;
        expect_caught(a_, at, testing::peek_word(*a_.memory(), a_.config().layout, at) + align, "state word",
                      "state word " + std::to_string(word));
      }
    }
  }

  void step() {
    const std::uint64_t kind = pick(0, 99);
    std::string what;
    std::uint64_t returned = 0;
    if (kind < 35) {
      const std::uint64_t n = size();
      returned = low_u64(a_.malloc(n));
      if (returned != 0) live_[returned] = n;
      what = "malloc";
    } else if (kind < 42) {
      const std::uint64_t n = size();
      returned = low_u64(a_.calloc(n, 0xab));
      if (returned != 0) live_[returned] = n;
      what = "calloc";
    } else if (kind < 60 && !live_.empty()) {
      const std::uint64_t p = live_pointer();
      const std::uint64_t n = size();
      returned = low_u64(a_.realloc(p, n));
      if (returned != 0) {
        live_.erase(p);
        live_[returned] = n;
      }
      // A shrink without a split below top changes no word at all: nothing was touched.
      if (returned == p) returned = 0;
      what = "realloc";
    } else if (kind < 90 && !live_.empty()) {
      const std::uint64_t p = live_pointer();
      EXPECT_TRUE(a_.free(p));
      live_.erase(p);
      what = "free";
    } else if (kind < 99 && !live_.empty()) {
      const std::uint64_t p = live_pointer();
      const std::uint64_t n = live_[p];
      const std::uint64_t offset = pick(0, n - 1);
      std::vector<std::uint8_t> data(pick(1, std::min<std::uint64_t>(n - offset, 100)), 0xcd);
      a_.user_write(p + offset, data);
      what = "user_write";
    } else {
      a_.free_all();
      live_.clear();
      what = "free_all";
    }
    expect_checks_pass(a_, what);
    if (returned != 0 && pick(0, 2) == 0) corrupt(returned);
  }

  OptimizedAllocator a_;
  std::mt19937_64 rng_;
  std::map<std::uint64_t, std::uint64_t> live_;  // data pointer -> requested size
};

TEST(OptimizedCheck, RandomRunsPassBothScopesAndCatchPlantedCorruption) {
  std::uint64_t seed = 1;
  for (const Layout layout : {Layout::evm, Layout::thing}) {
    for (const bool compact : {true, false}) {
      for (const bool split : {true, false}) {
        for (const std::uint64_t end : {std::uint64_t{0x1000}, std::uint64_t{0x40000}}) {
          SCOPED_TRACE(std::string(layout_name(layout)) + " compact " + std::to_string(compact) + " split " +
                       std::to_string(split) + " end " + std::to_string(end));
          RandomRun(make_config(layout, Semantics::seed, end, 0, 0, compact, split), seed++).run(3000);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

}  // namespace
}  // namespace fealloc
