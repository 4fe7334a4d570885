// fealloc: the command line. `fealloc replay [--impl NAME] [--final] TRACE` prints the replay
// output of spec/trace-format.md. Exit status: 0 ok, 2 bad input (usage, trace, options),
// 3 runtime error line printed (corrupt heap, illegal write). The fuzz input tools (decode,
// encode, repro, minimize, dict) are in cli/fuzz_commands.cpp.
#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "core/pool_config.hpp"
#include "harness/executor.hpp"
#include "harness/parties.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace fealloc;
using fealloc::cli::load_trace;
using fealloc::cli::split_commas;

int usage() {
  std::cerr << "usage:\n"
               "  fealloc replay [--impl "
            << implementation_list()
            << "] [--final] TRACE\n"
               "  fealloc check [--parties a,b,...] TRACE   (parties: "
            << party_list() << ")\n"
            << fealloc::cli::fuzz_usage();
  return kExitBadInput;
}

int cmd_replay(const std::vector<std::string>& args) {
  std::string impl = "port";
  bool final_only = false;
  std::string path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--impl" && i + 1 < args.size()) {
      impl = args[++i];
    } else if (args[i] == "--final") {
      final_only = true;
    } else if (path.empty() && !args[i].empty() && args[i][0] != '-') {
      path = args[i];
    } else {
      return usage();
    }
  }
  if (path.empty()) return usage();
  Trace trace;
  PoolConfig config;
  if (!load_trace(path, trace, config)) return kExitBadInput;
  if (find_implementation(impl, config.semantics) == nullptr) {
    std::cerr << "unknown implementation '" << impl << "' (or it does not implement " << semantics_name(config.semantics)
              << " semantics in the " << layout_name(config.layout) << " layout)\n";
    return kExitBadInput;
  }
  return replay(trace, impl, final_only, std::cout);
}

// Runs every party on the trace. Exit 0: they agree; 1: divergence (report on stdout);
// 2: bad input; 3: an error of the trace at an operation (a write outside a live block, a pointer
// past 2^256-1).
int cmd_check(const std::vector<std::string>& args) {
  std::vector<std::string> parties;
  std::string path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--parties" && i + 1 < args.size()) {
      parties = split_commas(args[++i]);
    } else if (path.empty() && !args[i].empty() && args[i][0] != '-') {
      path = args[i];
    } else {
      return usage();
    }
  }
  if (path.empty()) return usage();
  Trace trace;
  PoolConfig config;
  if (!load_trace(path, trace, config)) return kExitBadInput;
  if (parties.empty()) parties = default_parties(config.semantics);
  std::string error;
  auto executor = Executor::create(trace.pool, parties, error);
  if (!executor) {
    std::cerr << path << ": " << error << "\n";
    return kExitBadInput;
  }
  const auto result = executor->run(trace.ops);
  if (result.status == Executor::StepStatus::diverged) {
    std::cout << executor->divergence()->report(executor->trace_so_far());
    return kExitDiverged;
  }
  if (result.status == Executor::StepStatus::trace_error) {
    const Operation& op = trace.ops[result.ops_run];
    std::cerr << path << ":" << op.line << ": " << executor->trace_error() << "\n";
    return kExitRuntimeError;
  }
  std::cout << "agree: " << result.ops_run << " operations on";
  for (const auto& p : parties) std::cout << " " << p;
  std::cout << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  const std::string command = args.front();
  args.erase(args.begin());
  try {
    if (command == "replay") return cmd_replay(args);
    if (command == "check") return cmd_check(args);
    if (command == "decode") return fealloc::cli::cmd_decode(args);
    if (command == "encode") return fealloc::cli::cmd_encode(args);
    if (command == "repro") return fealloc::cli::cmd_repro(args);
    if (command == "minimize") return fealloc::cli::cmd_minimize(args);
    if (command == "dict") return fealloc::cli::cmd_dict(args);
  } catch (const std::exception& e) {
    std::cerr << "fealloc: " << e.what() << "\n";
    return kExitBadInput;
  }
  return usage();
}
