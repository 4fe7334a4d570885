// The fuzz input format and the targets' logic: the corpus (seeds agree, findings show their
// recorded signature, every NAME.bin decodes to NAME.trace and is canonical), decode(encode(T))
// gives back T, any byte string decodes to a valid, bounded, legal sequence, the dictionary is
// current, FEALLOC_IGNORE matching and the minimizer.
#include "fuzz/input_format.hpp"
#include "fuzz/minimize.hpp"
#include "fuzz/targets.hpp"
#include "harness/thing_deviations.hpp"
#include "harness/executor.hpp"
#include "harness/random_ops.hpp"

#include "tests/test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fealloc::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = FEALLOC_SOURCE_DIR;

using fealloc::testing::read_text;

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  const std::string s = read_text(path);
  return {s.begin(), s.end()};
}

Trace parse(const std::string& text) {
  auto r = parse_trace(text);
  if (auto* e = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << e->line << ": " << e->message;
    return {};
  }
  return std::get<Trace>(r);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<fs::path> binaries(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".bin") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- the corpus ----------------------------------------------------------------------------------

// (a) and (b) for corpus/seeds/TARGET: no divergence on its own target, NAME.bin decodes to
// exactly NAME.trace, and the file is canonical (re-encoding gives the same bytes).
TEST(FuzzCorpus, SeedsAgreeDecodeToTheirTracesAndAreCanonical) {
  std::size_t seen = 0;
  for (Target target : {Target::differential, Target::thing}) {
    const fs::path dir = kSource / "corpus" / "seeds" / std::string(target_name(target));
    for (const fs::path& bin : binaries(dir)) {
      SCOPED_TRACE(bin.string());
      ++seen;
      const auto bytes = read_bytes(bin);
      const Trace decoded = decode(bytes, target);
      fs::path trace_path = bin;
      trace_path.replace_extension(".trace");
      ASSERT_TRUE(fs::exists(trace_path)) << "every seed binary has its readable trace beside it";
      EXPECT_EQ(format_trace(decoded), format_trace(parse(read_text(trace_path))));
      EXPECT_EQ(encode(decoded), bytes) << "corpus files are canonical (encode(decode(file)) == file)";
      // v1 for what v1 can hold (every seed of before v2 stays byte for byte), v2 for longer ones.
      EXPECT_EQ(bytes.at(0), decoded.ops.size() <= kMaxOps ? kFormatVersion : kFormatVersion2);
      const RunOutcome out = run_input(bytes, target);
      EXPECT_FALSE(out.divergence.has_value()) << out.divergence->report(out.trace);
      EXPECT_EQ(out.trace.ops.size(), decoded.ops.size());
    }
    EXPECT_GE(binaries(dir).size(), 5u) << dir;
  }
  EXPECT_GE(seen, 10u);
}

// Seeds of the thing target hold no thi.ng deviation, so the seed parties agree on them too.
TEST(FuzzCorpus, ThingSeedsAgreeOnTheDifferentialTarget) {
  for (const fs::path& bin : binaries(kSource / "corpus" / "seeds" / "thing")) {
    SCOPED_TRACE(bin.string());
    const RunOutcome out = run_input(read_bytes(bin), Target::differential);
    EXPECT_FALSE(out.divergence.has_value()) << out.divergence->report(out.trace);
  }
}

// corpus/findings/TARGET/NAME.bin: the divergence recorded in NAME.signature, and NAME.trace. A
// finding whose bug was fixed keeps its files and records `fixed`: then it must not diverge.
TEST(FuzzCorpus, FindingsShowTheirRecordedSignature) {
  for (Target target : {Target::differential, Target::thing}) {
    for (const fs::path& bin : binaries(kSource / "corpus" / "findings" / std::string(target_name(target)))) {
      SCOPED_TRACE(bin.string());
      fs::path signature = bin;
      signature.replace_extension(".signature");
      ASSERT_TRUE(fs::exists(signature)) << "a finding records its expected signature beside it";
      const auto bytes = read_bytes(bin);
      const RunOutcome out = run_input(bytes, target);
      const std::string expected = trim(read_text(signature));
      if (expected == "fixed") {
        EXPECT_FALSE(out.divergence.has_value()) << out.divergence->report(out.trace);
      } else {
        ASSERT_TRUE(out.divergence.has_value());
        EXPECT_EQ(out.divergence->signature(), expected);
      }
      fs::path trace_path = bin;
      trace_path.replace_extension(".trace");
      if (fs::exists(trace_path)) {
        EXPECT_EQ(format_trace(decode(bytes, target)), format_trace(parse(read_text(trace_path))));
      }
      EXPECT_EQ(encode(decode(bytes, target)), bytes) << "corpus files are canonical";
    }
  }
}

TEST(FuzzCorpus, DictionaryIsCurrent) {
  EXPECT_EQ(read_text(kSource / "fuzz" / "fealloc.dict"), dictionary_text())
      << "regenerate it: build/dev/fealloc dict > fuzz/fealloc.dict";
}

// --- round trips ---------------------------------------------------------------------------------

void expect_round_trip(const Trace& t) {
  const Target target = target_for(t.pool.semantics);
  const auto bytes = encode(t);
  const Trace back = decode(bytes, target);
  ASSERT_EQ(format_trace(back), format_trace(t));
  EXPECT_EQ(encode(back), bytes);
}

// A trace made by RandomOps on the target's first party alone, cut after an operation it cannot run.
Trace generated_trace(std::uint64_t seed, std::mt19937_64& pools, Target target) {
  const Layout layout = seed % 3 == 2 ? Layout::thing : Layout::evm;
  PoolOptions o = RandomOps::random_pool(pools, layout, target_semantics(target));
  // Leave keys out sometimes: an absent key is not the same text as its default written out.
  if (pools() % 3 == 0) o.start.reset();
  if (pools() % 3 == 0) o.align.reset();
  if (pools() % 3 == 0) o.min_split.reset();
  if (pools() % 3 == 0) o.compact.reset();
  if (pools() % 3 == 0) o.split.reset();
  if (pools() % 10 == 0) o.end = (u256(1) << 20) + 4 * (pools() % 1000);  // a large, explicit end
  std::string error;
  auto solo = Executor::create(o, {target_parties(target).front()}, error);
  EXPECT_NE(solo, nullptr) << error;
  if (!solo) return {};
  solo->set_deep_checks(false);
  RandomOps gen(seed, solo->party(0).config());
  const std::size_t length = 1 + seed * 7 % kMaxOps;
  for (std::size_t i = 0; i < length; ++i) {
    if (solo->step(gen.next(solo->state(), i)) != Executor::StepStatus::ok) break;
  }
  return solo->trace_so_far();
}

TEST(FuzzFormat, GeneratedTracesRoundTrip) {
  std::mt19937_64 pools(7);
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE(seed);
    const Target target = seed % 4 == 3 ? Target::thing : Target::differential;
    const Trace t = generated_trace(seed, pools, target);
    ASSERT_NO_FATAL_FAILURE(expect_round_trip(t));
  }
}

TEST(FuzzFormat, DecodedRandomInputsRoundTrip) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 400; ++i) {
    SCOPED_TRACE(i);
    std::vector<std::uint8_t> bytes(rng() % 700);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const Target target = i % 3 == 2 ? Target::thing : Target::differential;
    const Trace t = decode(bytes, target);
    ASSERT_NO_FATAL_FAILURE(expect_round_trip(t));
  }
}

TEST(FuzzFormat, CorpusExamplesRoundTrip) {
  for (const auto& e : fs::directory_iterator(kSource / "corpus" / "examples")) {
    if (e.path().extension() != ".trace") continue;
    SCOPED_TRACE(e.path().string());
    ASSERT_NO_FATAL_FAILURE(expect_round_trip(parse(read_text(e.path()))));
  }
}

TEST(FuzzFormat, ExactValuesRoundTrip) {
  // Values at every edge of the encoding: 0, 2^256-1, @k+d with the largest d (on @8, which
  // returned 0: a sum past 2^256-1 is an error of the trace), long writes, every pool key.
  const Trace t = parse(
      "pool layout=evm semantics=seed start=0 end=0x10000 align=64 min_split=65 compact=1 split=0\n"
      "malloc 0\nmalloc 0x7f\nmalloc 0x80\nmalloc 0x3fff\nmalloc 0x4000\n"
      "malloc 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"
      "calloc 300 255\nrealloc @7 0\nrealloc @8+0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff 5\n"
      "free 0\nfree @2+1\nwrite @3 1 " + std::string(200, 'a') + "\nfree_all\nstats\nfree @4\n");
  expect_round_trip(t);
  Trace thing = t;
  thing.pool.semantics = Semantics::thing;
  thing.pool.layout = Layout::thing;
  thing.pool.align = 8;
  thing.pool.min_split = 9;
  thing.ops.resize(4);
  expect_round_trip(thing);
}

TEST(FuzzFormat, EncodeRefusesWhatItCannotSay) {
  Trace t = parse("pool layout=evm semantics=thing align=0\nmalloc 1\n");  // thi.ng's default align; the model rejects it
  EXPECT_THROW(encode(t), EncodeError);
  Trace many = parse("pool layout=evm end=0x1000\n");
  many.ops.resize(kMaxOpsV2 + 1);
  EXPECT_THROW(encode(many), EncodeError);
  many.ops.resize(kMaxOpsV2);
  EXPECT_EQ(encode(many).at(0), kFormatVersion2) << "more than kMaxOps operations need v2";
  many.ops.resize(kMaxOps);
  EXPECT_EQ(encode(many).at(0), kFormatVersion) << "what v1 can hold stays v1";
}

// --- any byte string -----------------------------------------------------------------------------

TEST(FuzzFormat, RandomBytesDecodeToValidBoundedLegalSequences) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 600; ++i) {
    SCOPED_TRACE(i);
    // Short inputs, long inputs, and inputs biased to one opcode range and selector class.
    std::vector<std::uint8_t> bytes(i % 7 == 0 ? 3000 + rng() % 3000 : rng() % 400);
    const std::uint8_t bias = static_cast<std::uint8_t>(rng());
    for (auto& b : bytes) b = rng() % 4 == 0 ? bias : static_cast<std::uint8_t>(rng());
    // One input in three is v2 (repeats, 4,096 operations): byte 0 is rarely 2 by chance.
    if (i % 3 == 1 && !bytes.empty()) bytes[0] = kFormatVersion2;
    const Target target = i % 2 == 0 ? Target::differential : Target::thing;
    Decoder d(bytes, target);
    std::string error;
    EXPECT_NE(Executor::create(d.pool(), target_parties(target), error), nullptr) << error;
    RunOutcome out;
    ASSERT_NO_THROW(out = run_input(bytes, target));  // an illegal write would throw
    const std::size_t limit = max_ops(bytes.empty() ? kFormatVersion : bytes[0]);
    EXPECT_LE(out.trace.ops.size(), limit);
    const Trace t = decode(bytes, target);
    EXPECT_LE(t.ops.size(), limit);
    EXPECT_EQ(t.pool.semantics, target_semantics(target));
    // What ran is what decode() says, up to the divergence.
    ASSERT_LE(out.trace.ops.size(), t.ops.size());
    for (std::size_t k = 0; k < out.trace.ops.size(); ++k) EXPECT_EQ(format_operation(out.trace.ops[k]), format_operation(t.ops[k]));
  }
}

TEST(FuzzFormat, EdgeInputs) {
  // Nothing at all: v1, the default compact pool, no operation.
  const Trace empty = decode({}, Target::differential);
  EXPECT_EQ(format_trace(empty), "pool layout=evm semantics=seed end=0x1000\n");
  // Byte 0 other than 1 and 2 decodes as v1 (and v2 is v1 plus the repeat statement).
  std::vector<std::uint8_t> bytes = {1, 0, 0, 0, 0, 0, 0, 0x00, 24, 0x0f, 0x00, 0x1b};
  const std::string v1 = format_trace(decode(bytes, Target::differential));
  EXPECT_EQ(v1, "pool layout=evm semantics=seed end=0x1000\nmalloc 24\nfree @1\nstats\n");
  for (std::uint8_t version : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{0x7f}, std::uint8_t{0xff}}) {
    bytes[0] = version;
    EXPECT_EQ(format_trace(decode(bytes, Target::differential)), v1);
  }
  // Reserved opcodes are skipped; missing argument bytes are 0.
  bytes = {1, 0, 0, 0, 0, 0, 0, 0x1e, 0x3f, 0x00};
  EXPECT_EQ(format_trace(decode(bytes, Target::differential)), "pool layout=evm semantics=seed end=0x1000\nmalloc 0\n");
  // At most kMaxOps operations.
  bytes.assign(7, 0);
  bytes.resize(7 + 3 * kMaxOps, 0x1b);
  EXPECT_EQ(decode(bytes, Target::thing).ops.size(), kMaxOps);
  // Explicit pool options that no party takes fall back to valid ones.
  bytes = {1, kExplicitPool, 0x02, 0x00, 1, 0x10};  // end = 16: below the first block
  const Trace fallback = decode(bytes, Target::differential);
  EXPECT_EQ(format_trace(fallback), "pool layout=evm semantics=seed end=0x1000\n");
  // The compact pool form with every choice: thing layout, no compaction, no split.
  bytes = {1, 0x3f, 0x00, 0x01, 0x02, 0x10, 0x05};
  EXPECT_EQ(format_trace(decode(bytes, Target::thing)),
            "pool layout=thing semantics=thing start=5 end=0x200 align=32 min_split=24 compact=0 split=0\n");
}

TEST(FuzzFormat, V2RepeatsAStatementAgainstTheCurrentState) {
  // v2: malloc 16 ten times, then free the live block 0 + 2i for i = 0..3.
  const std::vector<std::uint8_t> bytes = {2, 0, 0, 0, 0, 0, 0, 0x1e, 8, 0, 0x00, 16, 0x1e, 2, 2, 0x0f, 0x00};
  const Trace t = decode(bytes, Target::differential);
  ASSERT_EQ(t.ops.size(), 14u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(format_operation(t.ops[i]), "malloc 16");
  // Live blocks in address order are @1..@10; iteration i frees the (2i)-th of what is left.
  EXPECT_EQ(format_operation(t.ops[10]), "free @1");
  EXPECT_EQ(format_operation(t.ops[11]), "free @4");
  EXPECT_EQ(format_operation(t.ops[12]), "free @7");
  EXPECT_EQ(format_operation(t.ops[13]), "free @10");
  const RunOutcome out = run_input(bytes, Target::differential);
  EXPECT_FALSE(out.divergence) << out.divergence->report(out.trace);
  // v1 has no repeat: 0x1e is reserved there, and the same bytes mean something else.
  std::vector<std::uint8_t> as_v1 = bytes;
  as_v1[0] = 1;
  EXPECT_NE(format_trace(decode(as_v1, Target::differential)), format_trace(t));
  // A repeat inside a repeat is skipped, and repeats are bounded however many the input has.
  const std::vector<std::uint8_t> nested = {2, 0, 0, 0, 0, 0, 0, 0x1e, 1, 0, 0x1e, 5, 0, 0x1b};
  EXPECT_EQ(decode(nested, Target::differential).ops.size(), 1u);  // the inner statement once, after
  std::vector<std::uint8_t> flood = {2, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 2000; ++i) flood.insert(flood.end(), {0x1e, 0xff, 0, 0x1b});
  EXPECT_EQ(decode(flood, Target::differential).ops.size(), kMaxOpsV2);
  std::vector<std::uint8_t> idle = {2, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 2000; ++i) idle.insert(idle.end(), {0x1e, 0xff, 0, 0x16, 0, 0, 0, 0});  // writes, no block
  EXPECT_EQ(decode(idle, Target::differential).ops.size(), 0u);
}

TEST(FuzzFormat, LongTracesEncodeAsV2WithRepeats) {
  Trace t = parse("pool layout=evm end=0x100000\n");
  Operation m;
  m.kind = OpKind::malloc;
  m.size = 40;
  t.ops.assign(1000, m);
  for (std::uint32_t k = 1; k <= 1000; k += 2) {
    Operation f;
    f.kind = OpKind::free;
    f.ptr = PtrArg{k, 0};
    t.ops.push_back(f);
  }
  const std::vector<std::uint8_t> bytes = encode(t);
  EXPECT_EQ(bytes.at(0), kFormatVersion2);
  EXPECT_LT(bytes.size(), 500u * 6 + 64) << "the 1000 equal mallocs take a few repeats";
  EXPECT_EQ(format_trace(decode(bytes, Target::differential)), format_trace(t));
  EXPECT_EQ(encode(decode(bytes, Target::differential)), bytes);
}

TEST(FuzzFormat, PointersComeFromResultsAsReferences) {
  // malloc 8; malloc 8; free <live #1>; free <earlier #0>; realloc <interior of live #0 + 4>; free <header>
  const std::vector<std::uint8_t> bytes = {1, 0, 0, 0, 0, 0, 0,    0x00, 8,    0x00, 8,    0x0f, 0x01,
                                           0x0f, 0xa0, 0x0a, 0xc3, 0x00, 5,    0x0f, 0xe2, 0x00};
  EXPECT_EQ(format_trace(decode(bytes, Target::differential)),
            "pool layout=evm semantics=seed end=0x1000\nmalloc 8\nmalloc 8\nfree @2\nfree @2\nrealloc @1+4 5\nfree 224\n");
}

// --- FEALLOC_IGNORE and the minimizer ------------------------------------------------------------

TEST(FuzzTargets, IgnoreListMatchesSignaturesAndKnownIds) {
  Divergence d;
  d.field = "stats.used_count";
  d.op_kind = OpKind::realloc;
  d.party_a = "port-thing";
  d.party_b = "model";
  d.known = "thing-4.1";
  EXPECT_FALSE(IgnoreList().matches(d));
  EXPECT_TRUE(IgnoreList("thing-4.2, thing-4.1").matches(d));
  EXPECT_TRUE(IgnoreList("stats.used_count|realloc|port-thing|model|thing-4.1").matches(d));
  EXPECT_FALSE(IgnoreList("thing-4.2,ret|realloc|port-thing|model").matches(d));
  d.known.clear();
  EXPECT_FALSE(IgnoreList("thing-4.1").matches(d));
  EXPECT_TRUE(IgnoreList(",stats.used_count|realloc|port-thing|model,").matches(d));
  EXPECT_TRUE(IgnoreList("stats.used_count|*|port-thing|*").matches(d));
  EXPECT_FALSE(IgnoreList("stats.used_count|*|port-thing").matches(d));
  EXPECT_FALSE(IgnoreList("*|*|*|*|*").matches(d));  // five fields: only a known deviation has them
  d.known = "thing-4.3";
  EXPECT_TRUE(IgnoreList("*|*|port-thing|model|*").matches(d));
}

TEST(FuzzTargets, ThingIgnoresEveryKnownDeviationByDefault) {
  // Every build of fuzz_thing (presets, OSS-Fuzz, replay drivers) starts from this list when
  // FEALLOC_IGNORE is unset; fuzz_differential from nothing.
  Divergence d;
  d.field = "ret";
  d.op_kind = OpKind::realloc;
  d.party_a = "port-thing";
  d.party_b = "model";
  std::size_t count = 0;
  const KnownDeviation* known = known_deviations(count);
  ASSERT_GT(count, 0u);
  for (std::size_t i = 0; i < count; ++i) {
    d.known = std::string(known[i].id);
    EXPECT_TRUE(IgnoreList::defaults(Target::thing).matches(d)) << d.known;
    EXPECT_FALSE(IgnoreList::defaults(Target::differential).matches(d)) << d.known;
  }
  d.known.clear();
  EXPECT_FALSE(IgnoreList::defaults(Target::thing).matches(d));  // an unknown divergence still crashes
}

TEST(FuzzTargets, MinimizeKeepsTheSignature) {
  // thi.ng 4.2 (shrink at top without a split), buried in noise.
  const Trace t = parse(
      "pool layout=thing semantics=thing end=0x400\n"
      "malloc 40\nmalloc 3\nwrite @1 0 0102\nfree @2\nmalloc 77\nstats\ncalloc 5 9\nmalloc 16\nrealloc @8 8\n");
  const RunOutcome out = run_trace(t, Target::thing);
  ASSERT_TRUE(out.divergence.has_value());
  const std::string signature = out.divergence->signature();
  EXPECT_NE(out.divergence->known, "");
  const auto m = minimize(t, Target::thing, signature);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->divergence.signature(), signature);
  EXPECT_LT(m->trace.ops.size(), t.ops.size());
  EXPECT_EQ(run_trace(m->trace, Target::thing).divergence->signature(), signature);
  expect_round_trip(m->trace);
}

}  // namespace
}  // namespace fealloc::fuzz
