// The factory behind --impl.
#include "harness/parties.hpp"

#include "core/optimized_allocator.hpp"
#include "reference/model.hpp"
#include "reference/thing_port.hpp"

namespace fealloc {

std::vector<std::string_view> party_names() { return {"port", "optimized", "model"}; }

std::unique_ptr<Allocator> make_party(std::string_view impl, const PoolConfig& config) {
  if (impl == "port") return std::make_unique<ThingPort>(config);
  if (impl == "optimized" && config.semantics == Semantics::seed) return std::make_unique<OptimizedAllocator>(config);
  if (impl == "model" && config.semantics == Semantics::seed) return std::make_unique<ReferenceModel>(config);
  return nullptr;
}

}  // namespace fealloc
