// What reading and running a long trace holds in memory: TraceReader keeps one line and one byte
// per operation, and an executor without keep_trace 8 bytes per operation (the results @k
// names), so a trace file of any length is checked and replayed in memory proportional to its
// number of operations at a few bytes each, not to a parsed copy of it (~150 bytes an operation).
// Measured with glibc's mallinfo2 (bytes in use), which sanitizers' allocators do not report.
#include "harness/executor.hpp"
#include "harness/trace.hpp"

#include <gtest/gtest.h>

#include <malloc.h>

#include <string>

namespace fealloc {
namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FEALLOC_NO_MALLINFO 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FEALLOC_NO_MALLINFO 1
#endif

std::size_t bytes_in_use() { return mallinfo2().uordblks; }

// n operations of churn over a steady set of 64 live blocks: malloc, free @k, stats.
std::string churn_text(std::size_t n) {
  std::string text = "pool end=0x100000\n";
  for (std::size_t i = 1; i <= n; ++i) {
    if (i % 3 == 2 && i > 64) {
      text += "free @" + std::to_string(i - 64) + "\n";  // a malloc (i - 64 is 1 mod 3), freed once
    } else if (i % 3 == 0) {
      text += "stats\n";
    } else {
      text += "malloc " + std::to_string(16 + i % 100) + "\n";
    }
  }
  return text;
}

class TraceMemory : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef FEALLOC_NO_MALLINFO
    GTEST_SKIP() << "mallinfo2 does not see a sanitizer's allocator: measured in the dev build";
#endif
  }
};

TEST_F(TraceMemory, ReaderHoldsAboutOneBytePerOperation) {
  constexpr std::size_t kOps = 300'000;
  const std::string text = churn_text(kOps);
  const std::size_t before = bytes_in_use();
  std::size_t peak = 0;
  TraceReader reader(text);
  Operation op;
  std::size_t n = 0;
  while (reader.next(op)) {
    if (++n % 1000 == 0) peak = std::max(peak, bytes_in_use() - before);
  }
  ASSERT_FALSE(reader.error()) << reader.error()->message;
  ASSERT_EQ(n, kOps);
  // One byte per operation, doubled while its vector grows, and one line.
  EXPECT_LT(peak, 3 * kOps + (64 << 10)) << peak << " bytes for " << kOps << " operations";
}

TEST_F(TraceMemory, ExecutorWithoutTraceHoldsAboutEightBytesPerOperation) {
  constexpr std::size_t kOps = 150'000;
  const std::string text = churn_text(kOps);
  TraceReader reader(text);
  ASSERT_TRUE(reader.read_pool());
  Executor::Options options;
  options.keep_trace = false;
  std::string error;
  auto ex = Executor::create(reader.pool(), default_parties(Semantics::seed), error, options);
  ASSERT_TRUE(ex) << error;
  Operation op;
  std::size_t n = 0;
  std::size_t at_1000 = 0;
  std::size_t peak = 0;
  while (reader.next(op)) {
    ASSERT_EQ(ex->step(op), Executor::StepStatus::ok);
    if (++n == 1000) at_1000 = bytes_in_use();
    if (n > 1000 && n % 1000 == 0) peak = std::max(peak, bytes_in_use() - at_1000);
  }
  ASSERT_FALSE(reader.error()) << reader.error()->message;
  ASSERT_EQ(n, kOps);
  ASSERT_EQ(ex->finish(), Executor::StepStatus::ok);
  // Past the first thousand operations (the parties' structures for 64 live blocks), 8 bytes
  // of results and 1 of the reader per operation, doubled while their vectors grow.
  EXPECT_LT(peak, 27 * kOps + (256 << 10)) << peak << " bytes for " << kOps << " operations";
}

}  // namespace
}  // namespace fealloc
