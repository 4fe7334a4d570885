// The differential executor: runs one operation sequence on a set of parties (optimized,
// port-seed, port-thing, model) and after every operation compares return values, stats (with
// msize and gas), heap bytes (only what either party wrote since the last operation), each party's
// check(), and the model's meaning check of every party's memory. It stops at the first divergence
// and describes it (harness/divergence.hpp).
#pragma once

#include "core/allocator.hpp"
#include "harness/divergence.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fealloc {

class ReferenceModel;

// The party names the executor takes: the implementation and the semantics it runs.
std::vector<std::string> default_parties(Semantics semantics);
bool is_party_name(const std::string& name);

class Executor {
 public:
  // nullptr and a message in `error` when a party does not exist or rejects the options.
  static std::unique_ptr<Executor> create(const PoolOptions& options, const std::vector<std::string>& parties,
                                          std::string& error);

  enum class StepStatus { ok, diverged, illegal_write };
  // Runs op (its pointers resolved against what the first party returned so far) on every party.
  StepStatus step(const Operation& op);

  struct RunResult {
    StepStatus status = StepStatus::ok;
    std::size_t ops_run = 0;  // operations completed without divergence
  };
  RunResult run(const std::vector<Operation>& ops);

  const std::optional<Divergence>& divergence() const { return divergence_; }
  // The operations run so far, the diverging one last: a trace that reproduces the divergence.
  const Trace& trace_so_far() const { return trace_; }
  const TraceState& state() const { return state_; }
  const std::vector<std::string>& party_names() const { return names_; }
  Allocator& party(std::size_t i) { return *parties_[i]; }
  std::size_t party_count() const { return parties_.size(); }
  // The last operation's result on each party as a replay line (or the error it raised), for
  // `fealloc repro`. Computed on request: the heap hash reads the whole memory.
  std::vector<std::string> last_lines();
  // How many checks ran (each compared field or check call counts once); for tests.
  std::uint64_t comparisons() const { return comparisons_; }

  // Whether to run every party's check() and the model's verify() after each operation (default
  // on). Their cost is O(blocks); turning them off leaves returns, stats and heap bytes compared.
  void set_deep_checks(bool on) { deep_checks_ = on; }

 private:
  Executor(const PoolOptions& options, const PoolConfig& config);
  void diverge(std::string field, std::size_t a, std::size_t b, std::string value_a, std::string value_b,
               std::string detail = "");
  bool compare_memories(std::size_t a, std::size_t b);

  PoolConfig config_;  // the first party's configuration: layout, end, initialTop
  Trace trace_;
  TraceState state_;
  std::vector<std::unique_ptr<Allocator>> parties_;
  std::vector<std::string> names_;
  ReferenceModel* model_ = nullptr;
  std::optional<Divergence> divergence_;
  std::vector<OpResult> last_results_;
  std::vector<Stats> last_stats_;
  std::vector<std::string> last_failures_;
  std::vector<std::vector<EvmMemory::Range>> ranges_;
  std::uint64_t comparisons_ = 0;
  bool deep_checks_ = true;
};

}  // namespace fealloc
