// The party registry: every implementation the harness can run, in one table. Each entry names
// the party (what `check --parties` and reports say), the implementation behind it (what
// `replay --impl` says), the semantics it runs, how to make it, and what it can do. The executor,
// the CLI, the fuzz targets and the tests all look parties up here; nothing else compares names.
#pragma once

#include "core/allocator.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fealloc {

struct PartyCapabilities {
  bool keeps_bytes;       // has an EvmMemory: compared byte for byte with the other parties
  bool verifies_memory;   // an oracle (MemoryVerifier): checks every other party's memory
  bool stats_are_cheap;   // stats() is O(1): compared after every operation; a party whose
                          // stats() walks its lists (thi.ng's) is compared in full every K
                          // operations, at the end and on any divergence, and by msize and gas
                          // after every operation
  bool opt_in;            // runs only when named (--parties, --impl): not among default_parties()
                          // (the evm party starts a node process)
};

struct PartyInfo {
  std::string_view name;  // optimized, port-seed, port-thing, model
  std::string_view impl;  // optimized, port, model
  Semantics semantics;
  PartyCapabilities can;
  std::string_view description;
  std::unique_ptr<Allocator> (*make)(const PoolConfig& config);
};

std::span<const PartyInfo> party_registry();
// nullptr when no party has that name.
const PartyInfo* find_party(std::string_view name);
// The party of an implementation for a semantics (`replay --impl port` on a thing trace is
// port-thing), or nullptr when that implementation does not run those semantics.
const PartyInfo* find_implementation(std::string_view impl, Semantics semantics);
// Every party name, comma separated, for messages and usage.
std::string party_list();
// Every implementation name, `|` separated, for usage.
std::string implementation_list();

// The parties a check or fuzz target runs by default: every party of the semantics.
std::vector<std::string> default_parties(Semantics semantics);

// Makes the party of an implementation for config's semantics; nullptr when there is none.
std::unique_ptr<Allocator> make_party(std::string_view impl, const PoolConfig& config);

}  // namespace fealloc
