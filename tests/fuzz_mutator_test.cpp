// The structure-aware mutator (fuzz/mutator.hpp): whatever it is given, its outputs decode, fit
// max_size and (for a structural mutation) are canonical; it is deterministic for a seed; every
// mutation kind occurs on its own and changes the operation list the way it says; crossover
// outputs are canonical too.
#include "fuzz/mutator.hpp"
#include "fuzz/targets.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

namespace fealloc::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = FEALLOC_SOURCE_DIR;
constexpr std::size_t kMaxSize = 4096;

using Bytes = std::vector<std::uint8_t>;

// The seeds of a target and some random byte strings (the empty input too).
std::vector<Bytes> inputs(Target target) {
  std::vector<Bytes> out{Bytes{}};
  const fs::path dir = kSource / "corpus" / "seeds" / std::string(target_name(target));
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".bin") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    Bytes b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (b.size() <= kMaxSize) out.push_back(std::move(b));
  }
  std::mt19937 rng(20261126);
  for (int i = 0; i < 12; ++i) {
    Bytes b(1 + rng() % 200);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    out.push_back(std::move(b));
  }
  return out;
}

bool canonical(const Bytes& b, Target target) {
  if (b.empty()) return false;
  const Trace t = decode(b, target);
  // v1 for what v1 can hold, v2 for longer traces (the big-heap seeds).
  if (b[0] != (t.ops.size() <= kMaxOps ? kFormatVersion : kFormatVersion2)) return false;
  return encode(t) == b;
}

std::vector<OpKind> kinds(const Trace& t) {
  std::vector<OpKind> out;
  for (const Operation& op : t.ops) out.push_back(op.kind);
  return out;
}

bool same_pool(const PoolOptions& a, const PoolOptions& b) {
  return a.layout == b.layout && a.semantics == b.semantics && a.start == b.start && a.end == b.end &&
         a.align == b.align && a.min_split == b.min_split && a.compact == b.compact && a.split == b.split;
}

// `longer` is `shorter` with one element inserted somewhere.
bool one_inserted(const std::vector<OpKind>& longer, const std::vector<OpKind>& shorter) {
  if (longer.size() != shorter.size() + 1) return false;
  std::size_t i = 0;
  while (i < shorter.size() && longer[i] == shorter[i]) ++i;
  return std::equal(shorter.begin() + static_cast<std::ptrdiff_t>(i), shorter.end(),
                    longer.begin() + static_cast<std::ptrdiff_t>(i) + 1);
}

// Checks that `out` is what a mutation of `kind` makes of `base`; a message if not.
std::string intent_error(Mutation kind, const Trace& base, const Trace& out) {
  const auto kb = kinds(base);
  const auto ko = kinds(out);
  const bool pool_same = same_pool(base.pool, out.pool);
  switch (kind) {
    case Mutation::insert:
      if (!pool_same || !one_inserted(ko, kb)) return "insert: not the input with one operation more";
      return "";
    case Mutation::remove:
      if (!pool_same || !one_inserted(kb, ko)) return "remove: not the input with one operation less";
      return "";
    case Mutation::duplicate: {
      if (!pool_same || !one_inserted(ko, kb)) return "duplicate: not the input with one operation more";
      for (std::size_t j = 0; j < out.ops.size(); ++j) {
        for (std::size_t i = 0; i < j; ++i) {
          if (out.ops[i] == out.ops[j]) return "";
        }
      }
      return "duplicate: no operation appears twice";
    }
    case Mutation::swap: {
      if (!pool_same || ko.size() != kb.size()) return "swap: the length or the pool changed";
      std::vector<std::size_t> differ;
      for (std::size_t i = 0; i < kb.size(); ++i) {
        if (kb[i] != ko[i]) differ.push_back(i);
      }
      if (differ.empty()) return "";  // two operations of one kind traded places
      if (differ.size() != 2 || kb[differ[0]] != ko[differ[1]] || kb[differ[1]] != ko[differ[0]]) {
        return "swap: the kinds are not the input's with two swapped";
      }
      return "";
    }
    case Mutation::change_argument: {
      if (!pool_same || kb != ko) return "change_argument: the kinds or the pool changed";
      std::size_t differ = 0;
      for (std::size_t i = 0; i < kb.size(); ++i) differ += base.ops[i] == out.ops[i] ? 0 : 1;
      if (differ != 1) return "change_argument: " + std::to_string(differ) + " operations differ, not 1";
      return "";
    }
    case Mutation::change_pool:
      if (pool_same) return "change_pool: the pool is the same";
      if (base.ops != out.ops) return "change_pool: the operations changed";
      return "";
    case Mutation::splice:
    case Mutation::bytes: return "";
  }
  return "";
}

class MutatorTest : public ::testing::TestWithParam<Target> {};

TEST_P(MutatorTest, OutputsDecodeFitAndAreCanonical) {
  const Target target = GetParam();
  std::map<Mutation, int> seen;
  unsigned seed = 1;
  for (const Bytes& input : inputs(target)) {
    for (int round = 0; round < 8; ++round, ++seed) {
      const std::size_t max_size = round == 7 ? input.size() + 4 : kMaxSize;  // a tight limit too
      Bytes buf(std::max(max_size, input.size()));
      std::copy(input.begin(), input.end(), buf.begin());
      const MutateResult r = mutate(buf.data(), input.size(), max_size, seed, target);
      ASSERT_LE(r.size, max_size);
      buf.resize(r.size);
      ++seen[r.kind];
      EXPECT_NO_THROW(decode(buf, target));
      if (r.kind == Mutation::bytes) continue;
      EXPECT_TRUE(canonical(buf, target)) << "seed " << seed << ", " << mutation_name(r.kind);
      const std::string error = intent_error(r.kind, decode(input, target), decode(buf, target));
      EXPECT_EQ(error, "") << "seed " << seed;
    }
  }
  for (Mutation m : {Mutation::insert, Mutation::remove, Mutation::duplicate, Mutation::swap, Mutation::change_argument,
                     Mutation::change_pool}) {
    EXPECT_GT(seen[m], 0) << mutation_name(m) << " never chosen";
  }
  // Structural mutations are the rule, the fallback the exception.
  EXPECT_LT(static_cast<unsigned>(seen[Mutation::bytes]) * 4, seed);
}

TEST_P(MutatorTest, EachKindDoesWhatItSays) {
  const Target target = GetParam();
  const auto all = inputs(target);
  for (Mutation m : {Mutation::insert, Mutation::remove, Mutation::duplicate, Mutation::swap, Mutation::change_argument,
                     Mutation::change_pool}) {
    int applied = 0;
    int tried = 0;
    unsigned seed = 100;
    for (const Bytes& input : all) {
      const Trace base = decode(input, target);
      for (int round = 0; round < 3; ++round, ++seed) {
        Bytes buf(kMaxSize);
        std::copy(input.begin(), input.end(), buf.begin());
        MutateOptions options;
        options.only = m;
        const MutateResult r = mutate(buf.data(), input.size(), kMaxSize, seed, target, options);
        buf.resize(r.size);
        const bool possible = m == Mutation::insert || m == Mutation::change_pool ||
                              (m == Mutation::swap ? base.ops.size() >= 2 : !base.ops.empty());
        if (possible) ++tried;
        if (r.kind == Mutation::bytes) continue;
        ASSERT_EQ(r.kind, m);
        ++applied;
        ASSERT_TRUE(canonical(buf, target)) << mutation_name(m) << " seed " << seed;
        EXPECT_EQ(intent_error(m, base, decode(buf, target)), "") << "seed " << seed;
      }
    }
    // A mutation that is possible mostly applies (a few give up: every attempt was a no-op or
    // changed more than it meant, say a removed malloc whose block a later write needed).
    EXPECT_GT(applied * 10, tried * 7) << mutation_name(m) << ": " << applied << " of " << tried;
  }
}

TEST_P(MutatorTest, DeterministicForASeed) {
  const Target target = GetParam();
  const auto all = inputs(target);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Bytes& input = all[i];
    auto run = [&](unsigned seed) {
      Bytes buf(kMaxSize);
      std::copy(input.begin(), input.end(), buf.begin());
      buf.resize(mutate_operations(buf.data(), input.size(), kMaxSize, seed, target));
      return buf;
    };
    const auto seed = static_cast<unsigned>(7 * i + 3);
    const Bytes a = run(seed);
    const Bytes other = run(seed + 1);  // in between, the mutator's cache holds another input
    (void)other;
    EXPECT_EQ(run(seed), a) << "input " << i;
  }
}

TEST_P(MutatorTest, CrossoverIsCanonical) {
  const Target target = GetParam();
  const auto all = inputs(target);
  int made = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Bytes& a = all[i];
    const Bytes& b = all[(i * 7 + 3) % all.size()];
    for (unsigned seed = 1; seed <= 3; ++seed) {
      const std::size_t max_size = seed == 3 ? 64 : kMaxSize;
      Bytes out(max_size);
      const std::size_t n = crossover_operations(a.data(), a.size(), b.data(), b.size(), out.data(), max_size,
                                                 static_cast<unsigned>(i * 3 + seed), target);
      ASSERT_LE(n, max_size);
      if (n == 0) continue;
      ++made;
      out.resize(n);
      EXPECT_TRUE(canonical(out, target));
      EXPECT_LE(decode(out, target).ops.size(), kMaxOps);
    }
  }
  EXPECT_GT(made, 0);
}

TEST(MutatorFallback, UsedWhenNothingFits) {
  // max_size 3 holds no canonical input (version byte and a 6-byte pool): the fallback mutates.
  static int calls = 0;
  const ByteMutator fallback = [](std::uint8_t* data, std::size_t size, std::size_t max_size) -> std::size_t {
    ++calls;
    if (size < max_size) data[size++] = 0x42;
    return size;
  };
  Bytes buf = {1, 0};
  buf.resize(3);
  MutateOptions options;
  options.fallback = fallback;
  const MutateResult r = mutate(buf.data(), 2, 3, 5, Target::differential, options);
  EXPECT_EQ(r.kind, Mutation::bytes);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.size, 3u);
  EXPECT_EQ(buf[2], 0x42);
  // Without one, the built-in byte mutation stays within max_size too.
  for (unsigned seed = 0; seed < 50; ++seed) {
    Bytes b = {1, 2, 3};
    EXPECT_LE(mutate_operations(b.data(), 3, 3, seed, Target::thing), 3u);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, MutatorTest, ::testing::Values(Target::differential, Target::thing),
                         [](const ::testing::TestParamInfo<Target>& param_info) { return std::string(target_name(param_info.param)); });

}  // namespace
}  // namespace fealloc::fuzz
