// The differential executor: corpus traces and generated sequences agree on every seed party;
// a planted one-byte difference anywhere in memory is caught; port-thing against the model
// diverges on each thi.ng deviation of spec §4 and the report names it.
#include "harness/executor.hpp"
#include "harness/random_ops.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fealloc {
namespace {

Trace parse(const std::string& text) {
  auto r = parse_trace(text);
  if (auto* e = std::get_if<ParseError>(&r)) ADD_FAILURE() << e->line << ": " << e->message;
  return std::get<Trace>(r);
}

std::unique_ptr<Executor> make(const PoolOptions& o, const std::vector<std::string>& parties) {
  std::string error;
  auto ex = Executor::create(o, parties, error);
  EXPECT_NE(ex, nullptr) << error;
  return ex;
}

const std::vector<std::string> kSeedParties{"optimized", "port-seed", "model"};

TEST(Executor, CorpusExampleTracesAgreeOnAllSeedParties) {
  const std::filesystem::path dir = std::filesystem::path(FEALLOC_SOURCE_DIR) / "corpus" / "examples";
  int traces = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".trace") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const Trace t = parse(text.str());
    if (t.pool.semantics != Semantics::seed) continue;
    auto ex = make(t.pool, kSeedParties);
    const auto r = ex->run(t.ops);
    EXPECT_EQ(r.status, Executor::StepStatus::ok)
        << entry.path() << "\n"
        << (ex->divergence() ? ex->divergence()->report(ex->trace_so_far()) : "illegal write");
    ++traces;
  }
  EXPECT_GE(traces, 5);
}

TEST(Executor, GeneratedSequencesAgreeOnAllSeedParties) {
  std::mt19937_64 pools(2024);
  std::uint64_t total_ops = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    const Layout layout = seed % 5 == 4 ? Layout::thing : Layout::evm;
    const PoolOptions o = RandomOps::random_pool(pools, layout, Semantics::seed);
    auto ex = make(o, kSeedParties);
    RandomOps gen(seed, ex->party(0).config());
    const std::size_t length = 20 + seed % 200;
    for (std::size_t i = 0; i < length; ++i) {
      const Operation op = gen.next(ex->state(), i);
      const auto status = ex->step(op);
      ASSERT_EQ(status, Executor::StepStatus::ok)
          << "seed " << seed << "\n"
          << (ex->divergence() ? ex->divergence()->report(ex->trace_so_far()) : "illegal write: " + format_operation(op));
      ++total_ops;
    }
  }
  EXPECT_GT(total_ops, 200000u);
}

// Any byte of memory can only change through a write, and the executor compares every byte either
// party wrote: so a one-byte difference planted at any address is caught at that operation.
TEST(Executor, APlantedOneByteDifferenceAnywhereIsCaught) {
  PoolOptions o;
  o.end = 0x600;
  const std::vector<std::string> parties{"optimized", "port-seed"};
  for (std::uint64_t addr = 0; addr < 0x600; ++addr) {
    auto ex = make(o, parties);
    RandomOps gen(addr, ex->party(0).config());
    for (std::size_t i = 0; i < 12; ++i) ASSERT_EQ(ex->step(gen.next(ex->state(), i)), Executor::StepStatus::ok);
    // The planted byte differs from what both memories hold there. It goes into the optimized
    // allocator's memory, whose stats come from its indexes: a plant in the port's headers would
    // (also correctly) surface earlier, as a corrupt heap in the port's list walk.
    const std::uint64_t msize = ex->party(0).memory()->msize();
    const std::uint8_t now = ex->party(0).memory()->peek(addr);
    const std::uint8_t planted = static_cast<std::uint8_t>(now ^ (1u << (addr % 8)));
    const std::uint8_t bytes[] = {planted};
    ex->party(0).memory()->write_bytes(addr, bytes);
    Operation stats;
    stats.kind = OpKind::stats;
    ASSERT_EQ(ex->step(stats), Executor::StepStatus::diverged) << "address " << addr;
    if (addr >= msize) {
      // Past msize the plant also expands the memory, which the stats show first.
      EXPECT_EQ(ex->divergence()->field, "stats.msize");
      continue;
    }
    EXPECT_EQ(ex->divergence()->field, "heap");
    EXPECT_NE(ex->divergence()->value_a.find("byte " + to_hex(u256(addr))), std::string::npos);
    EXPECT_NE(ex->divergence()->detail.find("memories first differ at " + to_hex(u256(addr))), std::string::npos);
  }
}

TEST(Executor, RewritingTheSameByteIsNotADivergence) {
  PoolOptions o;
  o.end = 0x600;
  auto ex = make(o, {"optimized", "port-seed"});
  Operation m;
  m.kind = OpKind::malloc;
  m.size = 40;
  ASSERT_EQ(ex->step(m), Executor::StepStatus::ok);
  const std::uint64_t msize = ex->party(1).memory()->msize();  // rewriting past it would expand memory
  for (std::uint64_t addr = 0; addr < msize; addr += 7) {
    const std::uint8_t same[] = {ex->party(1).memory()->peek(addr)};
    ex->party(1).memory()->write_bytes(addr, same);
  }
  Operation stats;
  stats.kind = OpKind::stats;
  EXPECT_EQ(ex->step(stats), Executor::StepStatus::ok);
}

TEST(Executor, ReportHasTraceValuesHexdumpAndSignature) {
  PoolOptions o;
  o.end = 0x1000;
  auto ex = make(o, {"optimized", "port-seed"});
  Operation m;
  m.kind = OpKind::malloc;
  m.size = 40;
  ASSERT_EQ(ex->step(m), Executor::StepStatus::ok);
  const std::uint8_t bytes[] = {0x5a};
  ex->party(0).memory()->write_bytes(0x100, bytes);
  Operation stats;
  stats.kind = OpKind::stats;
  ASSERT_EQ(ex->step(stats), Executor::StepStatus::diverged);
  const std::string report = ex->divergence()->report(ex->trace_so_far());
  EXPECT_EQ(ex->divergence()->signature(), "heap|stats|optimized|port-seed");
  EXPECT_NE(report.find("DIVERGENCE at operation 2: stats"), std::string::npos) << report;
  EXPECT_NE(report.find("optimized: byte 0x100 = 0x5a"), std::string::npos) << report;
  EXPECT_NE(report.find("  00000100: 5a"), std::string::npos) << report;
  EXPECT_NE(report.find("pool layout=evm"), std::string::npos) << report;
  EXPECT_NE(report.find("malloc 40\nstats\n"), std::string::npos) << report;
}

struct DeviationCase {
  const char* name;
  const char* trace;
  const char* known;
  const char* field;
};

class ThingDeviationFound : public ::testing::TestWithParam<DeviationCase> {};

TEST_P(ThingDeviationFound, PortThingAgainstTheModelNamesIt) {
  const DeviationCase& c = GetParam();
  const Trace t = parse(c.trace);
  auto ex = make(t.pool, {"port-thing", "model"});
  const auto r = ex->run(t.ops);
  ASSERT_EQ(r.status, Executor::StepStatus::diverged);
  EXPECT_EQ(r.ops_run + 1, t.ops.size()) << "diverges at the last operation";
  EXPECT_EQ(ex->divergence()->field, c.field);
  EXPECT_EQ(ex->divergence()->known, c.known) << ex->divergence()->report(ex->trace_so_far());
  EXPECT_NE(ex->divergence()->report(ex->trace_so_far()).find(std::string("known thi.ng deviation ") + c.known),
            std::string::npos);
  // The same operations agree on every seed party.
  PoolOptions seed = t.pool;
  seed.semantics = Semantics::seed;
  auto agree = make(seed, kSeedParties);
  EXPECT_EQ(agree->run(t.ops).status, Executor::StepStatus::ok);
}

INSTANTIATE_TEST_SUITE_P(
    Spec4, ThingDeviationFound,
    ::testing::Values(
        DeviationCase{"leak_thing", "pool layout=thing semantics=thing end=0x100\nmalloc 8\nmalloc 8\nrealloc @1 64\n",
                      "thing-4.1", "stats.free_count"},
        DeviationCase{"leak_evm", "pool layout=evm semantics=thing end=0x1000\nmalloc 8\nmalloc 8\nrealloc @1 200\n",
                      "thing-4.1", "stats.free_count"},
        DeviationCase{"stale_size_thing", "pool layout=thing semantics=thing end=0x100\nmalloc 16\nrealloc @1 8\n",
                      "thing-4.2", "stats.used_size"},
        DeviationCase{"stale_size_evm", "pool layout=evm semantics=thing end=0x1000\nmalloc 64\nrealloc @1 32\n",
                      "thing-4.2", "stats.used_size"},
        DeviationCase{"grow_to_end_thing", "pool layout=thing semantics=thing end=0x100\nmalloc 8\nrealloc @1 216\n",
                      "thing-4.3", "ret"},
        DeviationCase{"grow_to_end_evm", "pool layout=evm semantics=thing end=0x1000\nmalloc 8\nrealloc @1 3808\n",
                      "thing-4.3", "ret"},
        DeviationCase{"wrap_thing", "pool layout=thing semantics=thing end=0x100\nmalloc 0xfffffff8\n", "thing-4.4", "ret"},
        DeviationCase{"wrap_negative_evm", "pool layout=evm semantics=thing end=0x1000\nmalloc 0x80000000\n", "thing-4.4",
                      "ret"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace fealloc
