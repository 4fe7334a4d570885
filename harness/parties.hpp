// Makes an allocator by implementation name, the names the CLI's --impl takes.
#pragma once

#include "core/allocator.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace fealloc {

// "port" (the pool's semantics decide its mode), "optimized", "model". nullptr for an unknown
// name or a party that does not implement the pool's semantics/layout.
std::unique_ptr<Allocator> make_party(std::string_view impl, const PoolConfig& config);
std::vector<std::string_view> party_names();

}  // namespace fealloc
