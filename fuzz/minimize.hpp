// Minimizing a diverging trace: delta debugging over its operations, then shrinking its values
// and pool options, keeping only changes after which the same divergence signature still appears.
#pragma once

#include "fuzz/input_format.hpp"
#include "harness/divergence.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace fealloc::fuzz {

struct MinimizeResult {
  Trace trace;            // ends with the diverging operation
  Divergence divergence;  // as the minimized trace shows it
  std::size_t runs = 0;   // executor runs spent
};

// nullopt when `trace` does not show a divergence with `signature` on the target's parties.
// Each candidate costs one run of the trace; at most max_runs are spent.
std::optional<MinimizeResult> minimize(const Trace& trace, Target target, const std::string& signature,
                                       std::size_t max_runs = 5000);

}  // namespace fealloc::fuzz
