// What the executor reports when parties disagree: the diverging operation, the field, both
// values, a hexdump of both memories around the first differing byte, and a stable signature
// (field, operation kind, the two parties) so that many crashes of one bug group together.
#pragma once

#include "core/evm_memory.hpp"
#include "harness/trace.hpp"

#include <cstdint>
#include <string>

namespace fealloc {

struct Divergence {
  std::size_t op_number = 0;  // 1-based
  OpKind op_kind = OpKind::stats;
  std::string field;          // "ret", "stats.top", "heap", "check", "verify", "corrupt", ...
  std::string party_a;
  std::string party_b;
  std::string value_a;
  std::string value_b;
  std::string detail;         // hexdump, check message
  std::string known;          // a known thi.ng deviation this matches (spec §4), or ""

  // field|operation|party_a|party_b, plus |known-id when it matches a known deviation.
  std::string signature() const;
  // The whole human-readable report, with the trace so far.
  std::string report(const Trace& trace_so_far) const;
};

// 16 bytes a line from `from` to `to` (exclusive), as the memory holds them (peek: no msize change).
std::string hexdump(const EvmMemory& memory, std::uint64_t from, std::uint64_t to);

// The first address in [from, end) where two memories differ, or `end` when none does.
std::uint64_t first_difference(const EvmMemory& a, const EvmMemory& b, std::uint64_t from, std::uint64_t end);

// "memories first differ at X" and a hexdump of both memories around X (at most 80 bytes, below end).
std::string memory_difference(const EvmMemory& a, const EvmMemory& b, std::uint64_t at, std::uint64_t end,
                              const std::string& name_a, const std::string& name_b);

}  // namespace fealloc
