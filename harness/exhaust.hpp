// Exhaustive small-scope checking: every operation sequence up to a depth over a small alphabet,
// on a set of tiny pools, each sequence run through the differential executor with every check.
// Breadth first, one depth at a time, so the first divergence found is a shortest one. States are
// pruned: a sequence that reaches a state already seen (every party's memory bytes over [0, end),
// msize and stats, the live map up to renaming, and the one freed pointer the alphabet names) is
// not extended again.
//
// The alphabet is derived from the pool (its thresholds: align, minSplit, the room left to end)
// and from the operation table (harness/operations.hpp): every operation kind that changes state,
// each field given the few values that matter at that state (alphabet()).
#pragma once

#include "core/pool_config.hpp"
#include "harness/divergence.hpp"
#include "harness/trace.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fealloc {

class Executor;

namespace exhaust {

struct Config {
  Semantics semantics = Semantics::seed;  // of the pools
  std::vector<std::string> parties;       // empty: default_parties(semantics) (thing: port-thing, model)
  std::vector<PoolOptions> pools;         // empty: tiny_pools(semantics)
  std::size_t max_depth = 4;
  double max_seconds = 0;                 // 0: no limit; else stop within the level running then
  unsigned jobs = 1;                      // threads, taking slices of 32 states of a depth's frontier
  std::size_t shard = 0;                  // this run's share of the work: shard of shards
  std::size_t shards = 1;
  // Stop after the depth at which the first divergence was found (the seed parties must agree).
  // Off (the thing run): keep going, collecting the first example of each divergence signature.
  bool stop_at_divergence = true;
  std::function<void(const std::string&)> progress;  // one line per finished depth, or nullptr
};

// The tiny pools: both layouts; compact on and off; split on and off; minSplit the default and
// one align more (with split on); end so small that six minimal blocks fill it.
std::vector<PoolOptions> tiny_pools(Semantics semantics);

// The operations that extend a sequence whose executor is at `ex`'s state. `last_freed`: the
// pointer argument of the last block freed (ref 0 when none), offered to free again if not live.
std::vector<Operation> alphabet(Executor& ex, const PtrArg& last_freed);

// The state fingerprint (see above) of `ex` after its last operation.
std::uint64_t fingerprint(Executor& ex, const PtrArg& last_freed);

struct Finding {
  std::size_t pool = 0;  // index into the pools
  Trace trace;           // the sequence, ending with the diverging operation
  Divergence divergence;
  std::uint64_t order = 0;  // its place in the enumeration at its depth and pool (a tie-break)
  std::string signature() const { return divergence.signature(); }
};

struct Level {
  std::size_t depth = 0;
  std::uint64_t sequences = 0;   // sequences of this length run
  std::uint64_t new_states = 0;  // distinct states first reached at this depth
  double seconds = 0;            // wall clock at its end, since the start
};

struct Result {
  std::uint64_t sequences = 0;     // every sequence run (each a fresh executor)
  std::uint64_t states = 0;        // distinct states, the empty pools included
  std::size_t depth = 0;           // the deepest depth every pool finished
  bool timed_out = false;          // stopped by max_seconds inside depth + 1
  bool exhausted = false;          // no pool had a new state to extend: deeper finds nothing new
  double seconds = 0;
  std::size_t pools = 0;           // pools of this shard
  std::vector<Level> levels;
  std::vector<Finding> findings;   // the first (shortest) of each signature, in the order found
};

// Runs the enumeration; throws std::invalid_argument for bad parties, pools or shards.
Result run(const Config& config);

}  // namespace exhaust
}  // namespace fealloc
