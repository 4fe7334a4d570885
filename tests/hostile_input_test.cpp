// Issue 8, "Hostile input": traces that are legal but built to hurt. A looping thi.ng list is found
// in time proportional to the list, not to `end`; pool options never wrap around 2^256; `@k+d`
// past 2^256-1 is an error of the trace at its line, not a wrapped pointer.
#include "fuzz/input_format.hpp"
#include "fuzz/targets.hpp"
#include "harness/executor.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"
#include "reference/thing_port.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

namespace fealloc {
namespace {

using testing::make_config;
using testing::PoolView;

// 256 MiB: the walk budget that grows with end was 32 * 2^26 steps here (minutes).
constexpr std::uint64_t kBigEnd = 0x10000000;

class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The message of the CorruptHeap that f throws, or "" when it throws none.
template <class F>
std::string corrupt_message(F&& f) {
  try {
    f();
  } catch (const CorruptHeap& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------- 1. loops found fast

// malloc(2^32 - H - align + 1) in thi.ng (0xfffffff1 in the thing layout): padded() wraps to 0,
// so the second one pushes the same zero-size block again and the used list points to itself.
std::unique_ptr<ThingPort> self_looping_used_list(Layout layout) {
  auto p = std::make_unique<ThingPort>(make_config(layout, Semantics::thing, kBigEnd));
  const LayoutParams params = layout_params(layout);
  const u256 wraps_to_zero = (u256(1) << 32) - params.header - params.min_align + 1;
  EXPECT_EQ(p->malloc(wraps_to_zero), p->malloc(wraps_to_zero));
  return p;
}

TEST(HostileInput, ALoopingUsedListIsFoundInTimeOfItsLengthNotOfEnd) {
  for (Layout layout : {Layout::thing, Layout::evm}) {
    SCOPED_TRACE(layout_name(layout));
    const Stopwatch clock;
    const auto p = self_looping_used_list(layout);
    // The operations' walks (free, realloc) and the observers' (stats, check).
    EXPECT_NE(corrupt_message([&] { p->free(0x1234); }).find("(a cycle)"), std::string::npos);
    EXPECT_NE(corrupt_message([&] { p->realloc(0x1234, 8); }).find("(a cycle)"), std::string::npos);
    EXPECT_NE(corrupt_message([&] { p->stats(); }).find("(a cycle)"), std::string::npos);
    EXPECT_NE(p->check(CheckScope::full).find("(a cycle)"), std::string::npos);
    EXPECT_LT(clock.seconds(), 1.0);
  }
}

TEST(HostileInput, TheThreeLineTraceOfIssue8AnswersAtOnce) {
  const auto parsed = parse_trace(
      "pool layout=thing semantics=thing end=0x10000000\n"
      "malloc 0xfffffff1\nmalloc 0xfffffff1\nfree 0x1234\n");
  ASSERT_TRUE(std::holds_alternative<Trace>(parsed));
  const Stopwatch clock;
  std::ostringstream out;
  EXPECT_EQ(replay(std::get<Trace>(parsed), "port", false, out), kExitRuntimeError);
  EXPECT_NE(out.str().find("{\"op\":2,\"error\":\"corrupt\"}"), std::string::npos) << out.str();
  EXPECT_LT(clock.seconds(), 1.0);
}

// compact()'s outer loop stores as it walks; a free list a -> b -> a that the insertion of a lower
// block does not walk into loops there, with nothing to merge and nothing touching top.
TEST(HostileInput, ALoopingFreeListIsFoundInCompactsWalk) {
  ThingPort p(make_config(Layout::thing, Semantics::thing, kBigEnd));
  const PoolView view(p);
  const u256 x = p.malloc(8);
  p.malloc(8);
  const u256 a = p.malloc(8);
  p.malloc(8);
  const u256 b = p.malloc(8);
  p.malloc(8);  // keeps b away from top
  ASSERT_TRUE(p.free(a));
  ASSERT_TRUE(p.free(b));
  const std::uint64_t block_a = low_u64(a) - 8;
  const std::uint64_t block_b = low_u64(b) - 8;
  ASSERT_EQ(view.free_head(), block_a);
  ASSERT_EQ(view.block_next(block_a), block_b);
  // A program writes past its block: b's next word now names a.
  const std::uint8_t link[4] = {static_cast<std::uint8_t>(block_a), static_cast<std::uint8_t>(block_a >> 8), 0, 0};
  p.user_write(block_b + 4, link);
  const Stopwatch clock;
  EXPECT_NE(corrupt_message([&] { p.free(x); }).find("(a cycle)"), std::string::npos);
  EXPECT_LT(clock.seconds(), 1.0);
}

// ---------------------------------------------------------------- 2. options never wrap

TEST(HostileInput, AStartThatWouldRoundPast2To256IsAnErrorNotZero) {
  const u256 max = ~u256(0);
  for (Layout layout : {Layout::evm, Layout::thing}) {
    for (Semantics semantics : {Semantics::seed, Semantics::thing}) {
      // Within start_align - 1 of 2^256 the rounding wrapped to 0; just below, it rounds to itself.
      for (const u256& start : {max, max - 2, max - 30, max - 31, max - 3, u256(1) << 255, u256(0x10000)}) {
        SCOPED_TRACE(to_hex(start));
        PoolOptions o;
        o.layout = layout;
        o.semantics = semantics;
        o.start = start;
        o.end = 0x10000;
        const auto resolved = resolve_pool(o, EvmMemory::kDefaultCap);
        ASSERT_TRUE(std::holds_alternative<std::string>(resolved)) << "start " << std::get<PoolConfig>(resolved).start;
        EXPECT_NE(std::get<std::string>(resolved).find("not below end"), std::string::npos);
      }
    }
  }
  // Through a trace: bad options (exit 2), never a replay from start 0.
  const auto parsed = parse_trace("pool start=" + to_hex(max) + " end=0x10000\nmalloc 1\n");
  ASSERT_TRUE(std::holds_alternative<Trace>(parsed));
  std::ostringstream out;
  EXPECT_THROW(replay(std::get<Trace>(parsed), "port", false, out), std::invalid_argument);
  EXPECT_EQ(out.str(), "");
}

TEST(HostileInput, TheFuzzDecoderDropsAStartThatWouldWrap) {
  // The explicit pool form: start = 2^256 - 1 and end = 0x1000. Options that no party takes lose
  // start first; the rest (end) is valid.
  std::vector<std::uint8_t> bytes = {fuzz::kFormatVersion, fuzz::kExplicitPool, 0x03, 0x00, 32};
  bytes.insert(bytes.end(), 32, 0xff);
  bytes.insert(bytes.end(), {2, 0x10, 0x00});
  for (fuzz::Target target : {fuzz::Target::differential, fuzz::Target::thing}) {
    const fuzz::Decoder decoder(bytes, target);
    EXPECT_FALSE(decoder.pool().start.has_value());
    EXPECT_EQ(decoder.config().start, 0u);
    EXPECT_EQ(decoder.config().end, 0x1000u);
  }
}

// ---------------------------------------------------------------- 3. @k+d never wraps

// @1 and @2 are 0x60 apart (malloc 24 in the default evm pool), so @2 + (2^256 - 0x60) would wrap
// to @1.
const std::string kWrapsToFirst = to_hex(~u256(0) - 0x5f);

Trace parse(const std::string& text) {
  auto parsed = parse_trace(text);
  EXPECT_TRUE(std::holds_alternative<Trace>(parsed));
  return std::holds_alternative<Trace>(parsed) ? std::get<Trace>(parsed) : Trace{};
}

TEST(HostileInput, AReferencePast2To256IsAnErrorOfTheTraceNotAWrappedPointer) {
  for (const std::string op : {"free", "realloc", "write"}) {
    const std::string args = op == "free" ? "" : op == "realloc" ? " 8" : " 0 00";
    const Trace t = parse("pool\nmalloc 24\nmalloc 24\n" + op + " @2+" + kWrapsToFirst + args + "\nfree @1\n");
    for (const char* impl : {"port", "optimized", "model"}) {
      SCOPED_TRACE(op + " on " + impl);
      std::ostringstream out;
      EXPECT_EQ(replay(t, impl, false, out), kExitRuntimeError);
      const std::string text = out.str();
      EXPECT_NE(text.find("{\"op\":2,\"ret\":\"0x180\""), std::string::npos) << text;
      EXPECT_NE(text.find("{\"op\":3,\"error\":\"pointer past 2^256-1\"}"), std::string::npos) << text;
      EXPECT_EQ(text.find("\"op\":4"), std::string::npos) << "nothing is replayed past it";
    }
  }
  // One byte less is still a pointer (garbage: nothing frees it).
  std::ostringstream out;
  const Trace fits = parse("pool\nmalloc 24\nmalloc 24\nfree @2+" + to_hex(~u256(0) - 0x180) + "\n");
  EXPECT_EQ(replay(fits, "port", false, out), kExitOk);
  EXPECT_NE(out.str().find("{\"op\":3,\"ret\":false,"), std::string::npos) << out.str();
}

TEST(HostileInput, TheExecutorStopsAtAReferencePast2To256WithItsKind) {
  const Trace t = parse("pool\nmalloc 24\nmalloc 24\nfree @2+" + kWrapsToFirst + "\nfree @1\n");
  std::string error;
  auto ex = Executor::create(t.pool, default_parties(Semantics::seed), error);
  ASSERT_NE(ex, nullptr) << error;
  const Executor::RunResult r = ex->run(t.ops);
  EXPECT_EQ(r.status, Executor::StepStatus::trace_error);
  EXPECT_EQ(r.ops_run, 2u);
  EXPECT_EQ(ex->trace_error(), kErrorPointerPastMax);
  EXPECT_EQ(ex->ops_run(), 2u);
  // The fuzz targets' run of a trace says the same.
  const fuzz::RunOutcome out = fuzz::run_trace(t, fuzz::Target::differential);
  EXPECT_EQ(out.trace_error, kErrorPointerPastMax);
  EXPECT_FALSE(out.divergence.has_value());
  EXPECT_EQ(out.trace.ops.size(), 2u);
}

TEST(HostileInput, TheFuzzDecoderNeverYieldsAReferencePast2To256) {
  // malloc 24, malloc 24, then the explicit free of @2 + (2^256 - 0x60): the raw value instead.
  std::vector<std::uint8_t> bytes = {fuzz::kFormatVersion, 0, 0, 0, 0, 0, 0, 0x00, 24, 0x00, 24,
                                     fuzz::opcode_byte(fuzz::Statement::explicit_op), op_info(OpKind::free).wire, 0x00, 0x02, 32};
  bytes.insert(bytes.end(), 31, 0xff);
  bytes.push_back(0xa0);
  for (fuzz::Target target : {fuzz::Target::differential, fuzz::Target::thing}) {
    const Trace t = fuzz::decode(bytes, target);
    ASSERT_EQ(t.ops.size(), 3u);
    EXPECT_EQ(format_operation(t.ops[2]), "free " + kWrapsToFirst);
    const fuzz::RunOutcome out = fuzz::run_input(bytes, target);
    EXPECT_FALSE(out.divergence.has_value());
    EXPECT_TRUE(out.trace_error.empty());
    ASSERT_EQ(out.trace.ops.size(), 3u);
    EXPECT_EQ(format_trace(fuzz::decode(fuzz::encode(t), target)), format_trace(t)) << "the raw form round-trips";
  }
}

// ---------------------------------------------------------------- 4. the 3-line rule

// Work proportional to what a trace does, not to end: a 256 MiB fill, a moving realloc of it and a
// pool whose state words sit near the cap commit, hash and compare no 256 MiB (it took about a
// second per party and per printed line).
TEST(HostileInput, ThreeLineTracesWithBigFillsAnswerAtOnce) {
  const std::vector<std::string> traces = {
      "pool end=0x10000000\ncalloc 0xffff000 255\nrealloc @1 0xffff100\nfree @1\n",
      "pool end=0x10000000\ncalloc 0x7ffff00 255\nrealloc @1 0x8000f00\nfree @2\n",
      "pool layout=thing end=0x10000000\ncalloc 0xffff000 1\nwrite @1 0xfffe000 a5a5\nrealloc @1 1\n",
      "pool layout=thing semantics=thing end=0x10000000\ncalloc 0xffff000 255\nwrite @1 0xfffe000 a5a5\nstats\n",
      "pool layout=thing semantics=thing start=268435200 end=268435452 align=16 compact=0\nstats\nfree 268435248\nstats\n",
  };
  for (const std::string& text : traces) {
    SCOPED_TRACE(text);
    const Trace t = parse(text);
    const bool seed = t.pool.semantics == Semantics::seed;
    for (const char* impl : {"port", "optimized", "model"}) {
      if (!seed && std::string(impl) != "port") continue;
      const Stopwatch clock;
      std::ostringstream out;
      EXPECT_EQ(replay(t, impl, false, out), kExitOk) << impl << "\n" << out.str();
      EXPECT_LT(clock.seconds(), 1.0) << impl;
    }
    const Stopwatch clock;
    std::string error;
    auto ex = Executor::create(t.pool, default_parties(t.pool.semantics), error);
    ASSERT_NE(ex, nullptr) << error;
    const Executor::RunResult r = ex->run(t.ops);
    if (seed) {
      EXPECT_EQ(r.status, Executor::StepStatus::ok)
          << (ex->divergence() ? ex->divergence()->report(ex->trace_so_far()) : ex->trace_error());
    }
    EXPECT_LT(clock.seconds(), 1.0) << "check";
  }
}

}  // namespace
}  // namespace fealloc
