// fealloc replay and fealloc check: running a trace file, read in two passes (cli/io.hpp) so that
// its length costs no memory beyond 8 bytes an operation for the results that @k names.
#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "harness/executor.hpp"
#include "harness/parties.hpp"
#include "harness/replay.hpp"

#include <iostream>

namespace fealloc::cli {

std::string replay_details() {
  return "NAME: " + implementation_list() +
         ". Lines are printed as the operations run; --final prints the last only (hashing the heap\n"
         "once), the way to replay long traces. --gas (with --impl evm) adds each operation's gas on the\n"
         "EVM: \"evm_gas\":{\"total\":T,\"expansion\":E,\"execution\":X}, X = T - E, the gas beyond memory expansion.\n";
}

std::string check_details() {
  return "Parties: " + party_list() + ".\nPrints `agree: N operations on ...` or the divergence report.\n";
}

int run_replay(const Arguments& args) {
  const std::string impl = args.value("--impl").value_or("port");
  TraceFile file;
  if (!file.open(args.operands()[0]) || !file.check()) return kExitBadInput;
  if (find_implementation(impl, file.pool().semantics) == nullptr) {
    std::cerr << "fealloc replay: unknown implementation " << quote_token(impl) << " (or it does not implement "
              << semantics_name(file.pool().semantics) << " semantics): " << implementation_list() << "\n";
    return kExitBadInput;
  }
  TraceReader& reader = file.reader();
  if (args.flag("--gas") && impl != "evm") {
    std::cerr << "fealloc replay: --gas needs --impl evm (the gas of a real EVM)\n";
    return kExitBadInput;
  }
  return replay(file.pool(), [&](Operation& op) { return reader.next(op); }, impl, args.flag("--final"), std::cout,
                args.flag("--gas"));
}

int run_check(const Arguments& args) {
  TraceFile file;
  if (!file.open(args.operands()[0]) || !file.check()) return kExitBadInput;
  std::vector<std::string> parties;
  if (auto list = args.value("--parties")) parties = split_commas(*list);
  if (parties.empty()) parties = default_parties(file.pool().semantics);
  Executor::Options options;
  options.keep_trace = false;  // a divergence's report reads the trace again, up to it
  std::string error;
  auto executor = Executor::create(file.pool(), parties, error, options);
  if (!executor) {
    std::cerr << file.name() << ": " << error << "\n";
    return kExitBadInput;
  }
  TraceReader& reader = file.reader();
  Operation op;
  Executor::StepStatus status = Executor::StepStatus::ok;
  while (status == Executor::StepStatus::ok && reader.next(op)) status = executor->step(op);
  if (status == Executor::StepStatus::ok) status = executor->finish();
  if (status == Executor::StepStatus::diverged) {
    Trace so_far = file.load(executor->ops_run());
    std::cout << executor->divergence()->report(so_far);
    return kExitDiverged;
  }
  if (status == Executor::StepStatus::trace_error) {
    std::cerr << file.name() << ":" << op.line << ": " << executor->trace_error() << "\n";
    return kExitRuntimeError;
  }
  std::cout << "agree: " << executor->ops_run() << " operations on";
  for (const auto& p : parties) std::cout << " " << p;
  std::cout << "\n";
  return kExitOk;
}

}  // namespace fealloc::cli
