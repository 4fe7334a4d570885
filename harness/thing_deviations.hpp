// The known deviations of thi.ng from the seed contract (spec §4), and a classifier that names the
// one a divergence between port-thing and a seed party shows, so that fuzz_thing can keep going
// past known findings and the report says which one it is.
#pragma once

#include "core/pool_config.hpp"
#include "harness/divergence.hpp"
#include "harness/trace.hpp"

#include <string>
#include <string_view>

namespace fealloc {

struct KnownDeviation {
  std::string_view id;
  std::string_view description;
};

// All of spec §4, in order.
const KnownDeviation* known_deviations(std::size_t& count);

// The id ("thing-4.1" ... "thing-4.4") of the deviation that explains divergence `d` at `op`
// (ptr: its resolved pointer argument; returned: the pointer both parties returned when the
// divergence is in a later field), or "" when none does. Only meaningful when one party runs thing
// semantics and the other seed semantics.
std::string classify_thing_deviation(const Operation& op, const u256& ptr, const u256& returned, const Divergence& d,
                                     const PoolConfig& config);

std::string_view deviation_description(std::string_view id);

}  // namespace fealloc
