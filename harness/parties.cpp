// The party registry's table and lookups.
#include "harness/parties.hpp"

#include "core/optimized_allocator.hpp"
#include "harness/evm_party.hpp"
#include "reference/model.hpp"
#include "reference/thing_port.hpp"

#include <algorithm>
#include <array>

namespace fealloc {

namespace {

template <class T>
std::unique_ptr<Allocator> make(const PoolConfig& config) {
  return std::make_unique<T>(config);
}

const std::array<PartyInfo, 5> kParties{{
    {"optimized", "optimized", Semantics::seed, {true, false, true, false},
     "the product: O(log n), byte-identical to tiny-alloc", &make<OptimizedAllocator>},
    {"port-seed", "port", Semantics::seed, {true, false, false, false},
     "thi.ng's MemPool ported line by line, seed rules", &make<ThingPort>},
    {"port-thing", "port", Semantics::thing, {true, false, false, false},
     "thi.ng's MemPool ported line by line, the package exactly", &make<ThingPort>},
    {"model", "model", Semantics::seed, {false, true, true, false},
     "the reference model from the spec; verifies every memory", &make<ReferenceModel>},
    {"evm", "evm", Semantics::seed, {true, false, false, true},
     "evm/tiny_alloc.yul on @ethereumjs/evm (node), evm layout only", &make<EvmParty>},
}};

std::string joined(std::string_view PartyInfo::*field, std::string_view separator) {
  std::vector<std::string_view> seen;
  std::string out;
  for (const PartyInfo& p : kParties) {
    if (std::find(seen.begin(), seen.end(), p.*field) != seen.end()) continue;
    seen.push_back(p.*field);
    if (!out.empty()) out += separator;
    out += p.*field;
  }
  return out;
}

}  // namespace

std::span<const PartyInfo> party_registry() { return kParties; }

const PartyInfo* find_party(std::string_view name) {
  for (const PartyInfo& p : kParties) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const PartyInfo* find_implementation(std::string_view impl, Semantics semantics) {
  for (const PartyInfo& p : kParties) {
    if (p.impl == impl && p.semantics == semantics) return &p;
  }
  return nullptr;
}

std::string party_list() { return joined(&PartyInfo::name, ", "); }
std::string implementation_list() { return joined(&PartyInfo::impl, "|"); }

std::vector<std::string> default_parties(Semantics semantics) {
  std::vector<std::string> names;
  for (const PartyInfo& p : kParties) {
    if (p.can.opt_in) continue;
    if (p.semantics == semantics || (semantics == Semantics::thing && p.can.verifies_memory)) {
      names.emplace_back(p.name);
    }
  }
  return names;
}

std::unique_ptr<Allocator> make_party(std::string_view impl, const PoolConfig& config) {
  const PartyInfo* p = find_implementation(impl, config.semantics);
  return p == nullptr ? nullptr : p->make(config);
}

}  // namespace fealloc
