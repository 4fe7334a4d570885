// What the executor costs per operation: no heap allocation once a run has reached its steady
// state (the allocations of a run do not grow with its length), and per-operation checks that
// look only at what the operation touched, with the full comparison every K operations, at the
// end, and on a divergence. Counts calls of the global operator new, which this file replaces.
#include "harness/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_news{0};
}  // namespace

void* operator new(std::size_t size) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace fealloc {
namespace {

// 200 blocks, then `churn` rounds of: free the oldest live block, malloc one of the same size
// class, realloc one in place or moving. The live set stays the same size.
std::vector<Operation> churn_trace(std::size_t churn) {
  std::vector<Operation> ops;
  auto add = [&](OpKind kind, std::uint32_t ref, std::uint64_t size) {
    Operation op;
    op.kind = kind;
    if (takes(kind, Field::ptr)) op.ptr = PtrArg{ref, 0};
    if (takes(kind, Field::size)) op.size = size;
    ops.push_back(op);
  };
  std::vector<std::uint32_t> live;
  for (std::uint32_t i = 0; i < 200; ++i) {
    add(OpKind::malloc, 0, 16 + (i % 7) * 24);
    live.push_back(static_cast<std::uint32_t>(ops.size()));
  }
  for (std::size_t r = 0; r < churn; ++r) {
    add(OpKind::free, live[r], 0);
    add(OpKind::malloc, 0, 16 + (r % 7) * 24);
    live.push_back(static_cast<std::uint32_t>(ops.size()));
    add(OpKind::realloc, live[r + 1], 16 + ((r + 3) % 7) * 24);
    live[r + 1] = static_cast<std::uint32_t>(ops.size());
  }
  return ops;
}

std::uint64_t news_for_run(const std::vector<std::string>& parties, std::size_t churn) {
  PoolOptions pool;
  pool.end = 0x100000;
  const std::vector<Operation> ops = churn_trace(churn);
  std::string error;
  // Only the per-operation path: the full comparison (every K operations) walks whole heaps and
  // may allocate as it likes; here it runs once, at the end of each run.
  Executor::Options options;
  options.full_every = 0;
  const std::uint64_t before = g_news.load();
  auto ex = Executor::create(pool, parties, error, options);
  EXPECT_NE(ex, nullptr) << error;
  const auto r = ex->run(ops);
  EXPECT_EQ(r.status, Executor::StepStatus::ok)
      << (ex->divergence() ? ex->divergence()->report(ex->trace_so_far()) : "illegal write");
  return g_news.load() - before;
}

TEST(ExecutorCost, NoHeapAllocationPerOperationOnceWarm) {
  // The same run, 1,000 and 4,000 churn rounds long (3 operations each): allocations are
  // one-time (parties, tables, buffers reserved for the run, pools of list nodes), none per op.
  for (const auto& parties : std::vector<std::vector<std::string>>{{"optimized", "port-seed"},
                                                                    {"optimized", "port-seed", "model"}}) {
    const std::uint64_t short_run = news_for_run(parties, 1000);
    const std::uint64_t long_run = news_for_run(parties, 4000);
    // A handful more at most: the memories' backing stores and node pools grow geometrically as
    // fragmentation raises the top a little further in the longer run; per operation it is 0.
    EXPECT_LE(long_run, short_run + 10) << parties.size() << " parties: " << long_run - short_run
                                        << " more allocations for 9,000 more operations";
  }
}

TEST(ExecutorCost, FullComparisonEveryKOperationsAndAtTheEnd) {
  PoolOptions pool;
  pool.end = 0x100000;
  const std::vector<Operation> ops = churn_trace(100);  // 500 operations
  for (std::uint32_t k : {0u, 1u, 7u, 32u}) {
    Executor::Options options;
    options.full_every = k;
    options.full_every_scales = false;  // the heap here is small anyway; exact counts
    std::string error;
    auto ex = Executor::create(pool, {"optimized", "port-seed", "model"}, error, options);
    ASSERT_EQ(ex->run(ops).status, Executor::StepStatus::ok);
    const std::uint64_t periodic = k == 0 ? 0 : ops.size() / k;
    EXPECT_EQ(ex->full_comparisons(), periodic + 1) << "K = " << k << ": every K operations and once at the end";
  }
}

}  // namespace
}  // namespace fealloc
