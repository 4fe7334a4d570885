// The logic of the two fuzz targets, usable in-process (tests, the CLI) and by the fuzz engines
// (fuzz/fuzz_target.cpp): decode an input against a differential executor of the target's parties
// and report the first divergence.
//   fuzz_differential: optimized, port-seed, model (seed semantics), every executor check.
//   fuzz_thing:        port-thing, model; divergences listed in FEALLOC_IGNORE do not crash.
#pragma once

#include "fuzz/input_format.hpp"
#include "harness/divergence.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fealloc::fuzz {

struct RunOptions {
  bool collect_lines = false;  // each party's replay line per operation (hashes the heap: slow)
};

struct RunOutcome {
  Trace trace;                           // the operations that ran, the diverging one last
  std::optional<Divergence> divergence;  // the first divergence, if any
  std::string trace_error;               // run_trace only: the trace's error at the operation after
                                         // the last that ran (Executor::trace_error()), or ""
  std::vector<u256> results;             // what each operation that completed returned (@k)
  std::vector<std::string> parties;
  std::vector<std::vector<std::string>> lines;  // per operation, per party (collect_lines)
};

// Decodes `data` for `target` and runs it on the target's parties until it ends or diverges.
RunOutcome run_input(std::span<const std::uint8_t> data, Target target, const RunOptions& options = {});

// Runs a trace (its own pool options, the target's parties). A pool that a party rejects throws
// std::invalid_argument.
RunOutcome run_trace(const Trace& trace, Target target, const RunOptions& options = {});

// The whole operation sequence `data` decodes to for `target`: the same operations a fuzz run
// makes up to its divergence, and past it the ones the target's first party would be given. Stops
// after an operation that this party cannot run (thing semantics: a corrupted heap).
Trace decode(std::span<const std::uint8_t> data, Target target);

// Divergences that are known and must not stop a fuzz run: a comma-separated list of known
// deviation ids (thing-4.1 .. thing-4.4) or signatures (Divergence::signature(), fields separated
// by `|`, where a field `*` matches any value: `verify|*|port-seed|model`), from FEALLOC_IGNORE.
class IgnoreList {
 public:
  IgnoreList() = default;
  explicit IgnoreList(std::string_view comma_list);
  // FEALLOC_IGNORE when it is set (an empty value: ignore nothing), else the target's default:
  // for thing, every known deviation id (known_deviations(): thing-4.1 .. thing-4.4,
  // thing-opt-u32), documented and found within seconds, so that a run reports only new ones in
  // every build alike (the presets, OSS-Fuzz and ClusterFuzzLite, which cannot set a target's
  // environment, and the replay drivers); for differential, nothing.
  static IgnoreList from_env(Target target);
  static IgnoreList defaults(Target target);
  bool matches(const Divergence& d) const;
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<std::string> entries_;
};

// What LLVMFuzzerTestOneInput does: run the input; on a divergence that `ignore` does not list,
// print the report on stderr and abort().
void fuzz_one(std::span<const std::uint8_t> data, Target target, const IgnoreList& ignore);

}  // namespace fealloc::fuzz
