// The differential executor: runs one operation sequence on a set of parties from the registry
// (harness/parties.hpp) and compares them. After every operation, at a cost proportional to what
// the operation touched: return values, stats that are O(1) to ask (and msize and gas of every
// party), heap bytes (only what some party wrote since the last operation), each party's
// check(touched) and every oracle's verify of what each memory changed. A full comparison of
// everything (every party's stats, check(full), verify of every whole memory, in that order) runs
// every K operations, at the end of the input (finish()) and on any divergence, so the field a
// divergence reports is the first of: exception, ret, stats, heap, check, verify. It stops at the
// first divergence and describes it (harness/divergence.hpp). With one party and stats on every
// operation it is the replay driver (harness/replay.hpp).
#pragma once

#include "core/allocator.hpp"
#include "harness/divergence.hpp"
#include "harness/parties.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fealloc {

class Executor {
 public:
  // K: measured (docs/decisions.md, "Full checks every K operations").
  static constexpr std::uint32_t kDefaultFullEvery = 32;

  // The full comparison walks every block of every party: it runs every max(K, blocks / this)
  // operations, so that on a big heap its cost per operation stays a few blocks, not O(heap).
  static constexpr std::uint64_t kBlocksPerOperation = 4;

  struct Options {
    bool checks = true;                         // check() and verify(); off: returns, stats, heap bytes only
    std::uint32_t full_every = kDefaultFullEvery;  // K; 0: only at the end and on divergence
    bool full_every_scales = true;              // stretch K on big heaps (kBlocksPerOperation)
    bool stats_every_op = false;                // every party's full stats after every operation (replay)
    bool keep_trace = true;                     // keep the operations for trace_so_far(); off: O(1) memory per operation
  };

  // nullptr and a message in `error` when a party does not exist or rejects the options.
  static std::unique_ptr<Executor> create(const PoolOptions& options, const std::vector<std::string>& parties,
                                          std::string& error, const Options& run_options);
  static std::unique_ptr<Executor> create(const PoolOptions& options, const std::vector<std::string>& parties,
                                          std::string& error) {
    return create(options, parties, error, Options{});
  }

  enum class StepStatus {
    ok,
    diverged,
    // The operation is an error of the trace (trace_error() says which: a write outside a live
    // block, a pointer past 2^256-1); it did not run, and nothing changed.
    trace_error,
  };
  // Runs op (its pointers resolved against what the first party returned so far) on every party.
  StepStatus step(const Operation& op);
  // The kind of the last StepStatus::trace_error (kErrorIllegalWrite, kErrorPointerPastMax of
  // harness/replay.hpp): what a replay prints as that operation's error.
  const std::string& trace_error() const { return trace_error_; }
  // The full comparison as of the last operation, unless it has just run: the end of an input.
  StepStatus finish();

  struct RunResult {
    StepStatus status = StepStatus::ok;
    std::size_t ops_run = 0;  // operations completed without divergence
  };
  // step() on each operation, then finish().
  RunResult run(const std::vector<Operation>& ops);
  // Room for n more operations (a fuzz input's maximum), so that stepping allocates nothing.
  void reserve(std::size_t n) {
    if (options_.keep_trace) ops_.reserve(ops_.size() + n);
    state_.reserve(n);
  }

  const std::optional<Divergence>& divergence() const { return divergence_; }
  // How many operations step() took (the diverging one included, a trace error not).
  std::size_t ops_run() const { return op_count_; }
  const Operation& op(std::size_t i) const { return ops_.at(i); }  // without a write's bytes; needs keep_trace
  // The operations run so far, the diverging one last: a trace that reproduces the divergence.
  // Needs Options::keep_trace (throws std::logic_error without it).
  const Trace& trace_so_far() const;
  const TraceState& state() const { return state_; }
  const std::vector<std::string>& party_names() const { return names_; }
  Allocator& party(std::size_t i) { return *parties_[i]; }
  std::size_t party_count() const { return parties_.size(); }
  // The last operation's result on party i, and its stats (only with stats_every_op).
  const OpResult& last_result(std::size_t i) const { return results_[i]; }
  const Stats& last_stats(std::size_t i) const { return stats_[i]; }
  // The last operation's result on each party as a replay line (or the error it raised), for
  // `fealloc repro`. Computed on request: stats and the heap hash of every party.
  std::vector<std::string> last_lines();
  // How many checks ran (each compared field or check call counts once); for tests.
  std::uint64_t comparisons() const { return comparisons_; }
  // How many full comparisons ran; for tests.
  std::uint64_t full_comparisons() const { return full_comparisons_; }

  // Compatibility: set_deep_checks(false) == Options::checks = false.
  void set_deep_checks(bool on) { options_.checks = on; }

 private:
  Executor(const PoolOptions& options, const PoolConfig& config, const Options& run_options);
  void diverge(std::string field, std::size_t a, std::size_t b, std::string value_a, std::string value_b,
               std::string detail = "");
  // Each returns false after recording a divergence.
  bool compare_failures();
  bool compare_returns();
  bool compare_stats(bool full);
  bool compare_memories(std::size_t a, std::size_t b, bool whole);
  bool compare_all_memories(bool whole);
  bool run_checks(CheckScope scope);
  bool full_comparison(bool whole_memories);
  StepStatus diverged();
  void ask_stats(std::size_t i);
  // Operations between two full comparisons now: K, stretched by the heap's size.
  std::uint64_t full_interval() const;

  PoolConfig config_;
  Options options_;
  TraceState state_;
  std::vector<std::unique_ptr<Allocator>> parties_;
  std::vector<const PartyInfo*> info_;
  std::vector<const MemoryVerifier*> verifiers_;  // per party, or nullptr
  std::vector<std::string> names_;
  std::optional<Divergence> divergence_;
  std::string trace_error_;

  // The operations run (with keep_trace); a write's bytes live in write_bytes_ (ends in
  // write_ends_), so stepping copies no vector. trace_ is built from them on request.
  PoolOptions pool_;
  std::size_t op_count_ = 0;
  Operation last_op_;  // without a write's bytes
  std::vector<Operation> ops_;
  std::vector<std::uint8_t> write_bytes_;
  std::vector<std::size_t> write_ends_;
  mutable Trace trace_;
  mutable std::size_t trace_built_ = 0;
  mutable std::size_t trace_writes_ = 0;

  // The last operation, per party.
  u256 last_ptr_ = 0;
  std::vector<OpResult> results_;
  std::vector<Stats> stats_;
  std::vector<bool> stats_full_;  // stats_[i] holds every field (else msize and gas only)
  std::vector<std::string> failures_;
  std::vector<std::vector<EvmMemory::Range>> ranges_;
  bool track_writes_ = false;
  std::uint64_t since_full_ = 0;
  std::uint64_t comparisons_ = 0;
  std::uint64_t full_comparisons_ = 0;
};

}  // namespace fealloc
