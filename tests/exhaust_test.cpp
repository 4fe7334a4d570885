// Exhaustive small-scope checking (harness/exhaust.hpp): the pools, the alphabet, the state
// fingerprint's renaming, sharding, and the thing run's shortest deviations.
#include "harness/exhaust.hpp"

#include "harness/executor.hpp"
#include "harness/parties.hpp"

#include <gtest/gtest.h>

#include <set>

namespace fealloc {
namespace {

std::unique_ptr<Executor> run_ops(const PoolOptions& pool, const std::string& text_ops) {
  auto parsed = parse_trace(format_pool(pool) + "\n" + text_ops);
  const Trace& trace = std::get<Trace>(parsed);
  std::string error;
  auto ex = Executor::create(pool, default_parties(pool.semantics), error);
  EXPECT_NE(ex, nullptr) << error;
  for (const Operation& op : trace.ops) EXPECT_EQ(ex->step(op), Executor::StepStatus::ok);
  return ex;
}

TEST(Exhaust, TinyPoolsCoverBothLayoutsAndEveryFlag) {
  const auto pools = exhaust::tiny_pools(Semantics::seed);
  ASSERT_EQ(pools.size(), 12u);
  std::set<std::tuple<Layout, bool, bool, bool>> kinds;
  for (const PoolOptions& p : pools) {
    const PoolConfig c = resolve_pool_or_throw(p, EvmMemory::kDefaultCap);
    const std::uint64_t minimal = (1 + c.params.header + c.align - 1) / c.align * c.align;
    EXPECT_EQ(c.end - c.initial_top, 6 * minimal);  // six minimal blocks fill it
    kinds.insert({p.layout, *p.compact, *p.split, p.min_split.has_value()});
  }
  EXPECT_EQ(kinds.size(), 12u);
}

TEST(Exhaust, AlphabetTakesEveryStateChangingOperationOfTheTable) {
  const PoolOptions pool = exhaust::tiny_pools(Semantics::seed).front();  // evm, compact, split
  auto ex = run_ops(pool, "malloc 1\nmalloc 1\nfree @1\n");
  const auto ops = exhaust::alphabet(*ex, PtrArg{1, 0});
  std::set<OpKind> kinds;
  for (const Operation& op : ops) kinds.insert(op.kind);
  for (const OpInfo& info : kOperations) EXPECT_EQ(kinds.count(info.kind), info.kind == OpKind::stats ? 0u : 1u);
  auto has = [&](const std::string& line) {
    for (const Operation& op : ops) {
      if (format_operation(op) == line) return true;
    }
    return false;
  };
  // evm: H 64, align 32, minSplit 96: padded(1) = 96; a 96-byte excess splits, 64 does not.
  EXPECT_TRUE(has("malloc 1"));
  EXPECT_TRUE(has("malloc 96"));   // padded 160: one align short of the split threshold after malloc 1
  EXPECT_TRUE(has("malloc 128"));  // padded 192: exactly at it
  EXPECT_TRUE(has("malloc 2147483648"));
  EXPECT_TRUE(has("free @2"));     // the live block
  EXPECT_TRUE(has("free @2+1"));   // interior
  EXPECT_TRUE(has("free @1"));     // freed
  EXPECT_TRUE(has("free 224"));    // garbage: the first header
  EXPECT_TRUE(has("free_all"));
  EXPECT_TRUE(has("write @2 0 ee"));
  // room to end: top is 224 + 2 * 96 = 416, end 800: 384 bytes, so malloc 320 fills it exactly.
  EXPECT_TRUE(has("malloc 320"));
  EXPECT_TRUE(has("malloc 352"));  // one align more: fails
  EXPECT_TRUE(has("realloc @2 416"));  // grows block 2 (data at 384) to exactly end
}

TEST(Exhaust, FingerprintIsTheStateUpToRenaming) {
  const PoolOptions pool = exhaust::tiny_pools(Semantics::seed).front();
  auto a = run_ops(pool, "malloc 1\n");
  auto b = run_ops(pool, "malloc 1\nrealloc @1 1\n");  // the same block, now named @2
  auto c = run_ops(pool, "malloc 32\n");               // the same bytes, another requested size
  EXPECT_EQ(exhaust::fingerprint(*a, {}), exhaust::fingerprint(*b, {}));
  EXPECT_NE(exhaust::fingerprint(*a, {}), exhaust::fingerprint(*c, {}));
}

TEST(Exhaust, SeedPartiesAgreeAndShardsSplitTheWork) {
  exhaust::Config config;
  config.max_depth = 3;
  const exhaust::Result whole = exhaust::run(config);
  EXPECT_TRUE(whole.findings.empty());
  EXPECT_EQ(whole.depth, 3u);
  exhaust::Result parts[2];
  for (std::size_t i = 0; i < 2; ++i) {
    config.shard = i;
    config.shards = 2;
    parts[i] = exhaust::run(config);
    EXPECT_EQ(parts[i].pools, 6u);
  }
  EXPECT_EQ(parts[0].sequences + parts[1].sequences, whole.sequences);
  EXPECT_EQ(parts[0].states + parts[1].states, whole.states);
  // More shards than pools: a pool's first operations are split; every first operation is run once.
  config.max_depth = 1;
  std::uint64_t sequences = 0;
  for (std::size_t i = 0; i < 24; ++i) {
    config.shard = i;
    config.shards = 24;
    sequences += exhaust::run(config).sequences;
  }
  config.shard = 0;
  config.shards = 1;
  EXPECT_EQ(sequences, exhaust::run(config).sequences);
}

TEST(Exhaust, ThingRunFindsEachDeviationOfSpecSection4AtItsShortest) {
  exhaust::Config config;
  config.semantics = Semantics::thing;
  config.stop_at_divergence = false;
  config.max_depth = 3;
  config.jobs = 2;
  const exhaust::Result result = exhaust::run(config);
  std::map<std::string, std::size_t> shortest;
  for (const auto& f : result.findings) {
    ASSERT_FALSE(f.divergence.known.empty()) << f.signature() << "\n" << format_trace(f.trace);
    auto [it, fresh] = shortest.emplace(f.divergence.known, f.trace.ops.size());
    if (!fresh) it->second = std::min(it->second, f.trace.ops.size());
  }
  // The fuzzer's minimized inputs (corpus/findings/thing) have 3, 2, 2 and 1 operations.
  EXPECT_EQ(shortest["thing-4.1"], 3u);
  EXPECT_EQ(shortest["thing-4.2"], 2u);
  EXPECT_EQ(shortest["thing-4.3"], 2u);
  EXPECT_EQ(shortest["thing-4.4"], 1u);
}

}  // namespace
}  // namespace fealloc
