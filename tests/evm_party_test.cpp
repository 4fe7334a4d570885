// The party evm (evm/tiny_alloc.yul on @ethereumjs/evm) against optimized and the model: every
// evm-layout seed-semantics trace of corpus/ (examples, seeds, findings) and 300 traces of
// scripts/gen-evm-traces.py (fixed seed) must replay to the same lines as optimized and run
// through `check --parties optimized,evm,model` without a divergence. Skipped when node or the
// npm packages of evm/ are missing. Also: the runner's failures are clear errors, not hangs.
#include "harness/evm_party.hpp"
#include "harness/executor.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fealloc {
namespace {

namespace fs = std::filesystem;

#define SKIP_WITHOUT_EVM()                                              \
  do {                                                                  \
    const std::string why = EvmParty::unavailable_reason();             \
    if (!why.empty()) GTEST_SKIP() << why;                              \
  } while (false)

// The replay lines (or the exception's message) of a trace on one implementation.
std::string replay_text(const Trace& trace, std::string_view impl) {
  std::ostringstream out;
  try {
    const int status = replay(trace, impl, false, out);
    out << "status " << status << "\n";
  } catch (const std::exception& e) {
    // the message names the party that rejected the options: the same words for both
    std::string message = e.what();
    if (const std::size_t at = message.find(" for " + std::string(impl) + ":"); at != std::string::npos) {
      message.replace(at, impl.size() + 6, " for IMPL:");
    }
    out << "exception: " << message << "\n";
  }
  return out.str();
}

// "" when optimized, evm and model agree on every operation (trace errors skipped, as check does).
std::string check_three(const Trace& trace) {
  std::string error;
  auto ex = Executor::create(trace.pool, {"optimized", "evm", "model"}, error);
  if (!ex) return error.rfind("bad pool options", 0) == 0 ? "" : "create: " + error;
  for (const Operation& op : trace.ops) {
    const Executor::StepStatus status = ex->step(op);
    if (status != Executor::StepStatus::ok) break;  // a trace error ends the run, as in check
  }
  if (ex->finish() == Executor::StepStatus::ok) return "";
  const Divergence& d = *ex->divergence();
  return d.signature() + " at operation " + std::to_string(d.op_number) + ": " + d.value_a + " / " + d.value_b + "\n" + d.detail;
}

bool evm_seed(const Trace& t) { return t.pool.layout == Layout::evm && t.pool.semantics == Semantics::seed; }

// Runs every evm-layout seed trace of the files; returns how many ran.
int expect_all_agree(const std::vector<fs::path>& files) {
  int ran = 0;
  for (const fs::path& file : files) {
    auto parsed = parse_trace(testing::read_text(file));
    if (!std::holds_alternative<Trace>(parsed)) continue;  // the parser's own bad-input seeds
    const Trace& trace = std::get<Trace>(parsed);
    if (!evm_seed(trace)) continue;
    ++ran;
    EXPECT_EQ(replay_text(trace, "optimized"), replay_text(trace, "evm")) << file;
    EXPECT_EQ(check_three(trace), "") << file;
  }
  return ran;
}

std::vector<fs::path> traces_under(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".trace") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(EvmParty, CorpusTracesMatchOptimizedAndModel) {
  SKIP_WITHOUT_EVM();
  const int ran = expect_all_agree(traces_under(fs::path(FEALLOC_SOURCE_DIR) / "corpus"));
  EXPECT_GE(ran, 30);
}

TEST(EvmParty, GeneratedTracesMatchOptimizedAndModel) {
  SKIP_WITHOUT_EVM();
  const fs::path dir = fs::path(::testing::TempDir()) / "fealloc-evm-generated";
  fs::remove_all(dir);
  const std::string command = "python3 " + std::string(FEALLOC_SOURCE_DIR) + "/scripts/gen-evm-traces.py --seed 20261209 --count 300 --out " + dir.string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::vector<fs::path> files = traces_under(dir);
  ASSERT_EQ(files.size(), 300u);
  EXPECT_EQ(expect_all_agree(files), 300);
  fs::remove_all(dir);
}

// The bytes, msize and expansion gas of the EVM after a few operations, by hand (spec example).
TEST(EvmParty, SpecExampleByHand) {
  SKIP_WITHOUT_EVM();
  EvmParty evm(testing::make_config(Layout::evm, Semantics::seed, 0x10000));
  EXPECT_EQ(evm.malloc(24), u256(0x120));
  Stats s = evm.stats();
  EXPECT_EQ(s.top, 0x140u);
  EXPECT_EQ(s.msize, 288u);
  EXPECT_EQ(s.gas, 27u);
  EXPECT_EQ(testing::peek_word(*evm.memory(), Layout::evm, 0xe0), 0x60u);  // size word
  EXPECT_GT(evm.last_gas(), evm.last_expansion_gas());
  EXPECT_EQ(evm.malloc(u256(1) << 255), u256(0));
  EXPECT_FALSE(evm.free(0x121));
  EXPECT_TRUE(evm.free(0x120));
  EXPECT_FALSE(evm.free(0x120));  // double free
}

struct EnvVar {
  EnvVar(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
    EvmParty::stop_runner();
  }
  ~EnvVar() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
    EvmParty::stop_runner();
  }
  const char* name_;
  std::optional<std::string> old_;
};

std::string create_error() {
  std::string error;
  PoolOptions pool;
  pool.end = u256(0x1000);
  auto ex = Executor::create(pool, {"optimized", "evm"}, error);
  return ex ? "" : error;
}

TEST(EvmParty, MissingNodeOrPackagesAreClearErrors) {
  {
    EnvVar node("FEALLOC_NODE", "/nonexistent/node");
    EXPECT_NE(create_error().find("needs node"), std::string::npos) << create_error();
  }
  {
    EnvVar dir("FEALLOC_EVM_DIR", "/nonexistent");
    EXPECT_NE(create_error().find("runner.mjs not found"), std::string::npos) << create_error();
  }
}

TEST(EvmParty, ARunnerThatDiesOrHangsIsAClearError) {
  SKIP_WITHOUT_EVM();
  const fs::path dir = fs::path(::testing::TempDir()) / "fealloc-evm-fake";
  fs::create_directories(dir);
  auto script = [&](const char* name, const char* body) {
    const fs::path p = dir / name;
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(p, fs::perms::owner_all);
    return p.string();
  };
  {
    EnvVar node("FEALLOC_NODE", script("dies", "exit 7"));
    const std::string e = create_error();
    EXPECT_NE(e.find("died (exit status 7)"), std::string::npos) << e;
  }
  {
    EnvVar node("FEALLOC_NODE", script("hangs", "exec sleep 30"));
    EnvVar timeout("FEALLOC_EVM_TIMEOUT", "1");
    const std::string e = create_error();
    EXPECT_NE(e.find("did not answer within 1 s"), std::string::npos) << e;
  }
  fs::remove_all(dir);
}

TEST(EvmParty, RefusesTheThingLayout) {
  EXPECT_THROW(EvmParty(testing::make_config(Layout::thing, Semantics::seed, 0x1000)), std::invalid_argument);
}

}  // namespace
}  // namespace fealloc
