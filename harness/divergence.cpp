// Divergence reports and the memory helpers they use.
#include "harness/divergence.hpp"

#include "harness/thing_deviations.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace fealloc {

std::string Divergence::signature() const {
  std::string s = field + "|" + std::string(op_name(op_kind)) + "|" + party_a + "|" + party_b;
  if (!known.empty()) s += "|" + known;
  return s;
}

std::string Divergence::report(const Trace& trace_so_far) const {
  std::ostringstream out;
  const Operation* op = trace_so_far.ops.empty() ? nullptr : &trace_so_far.ops.back();
  out << "DIVERGENCE at operation " << op_number;
  if (op != nullptr) out << ": " << format_operation(*op);
  out << "\n";
  out << "field:     " << field << "\n";
  out << party_a << ": " << value_a << "\n";
  out << party_b << ": " << value_b << "\n";
  if (!known.empty()) out << "known thi.ng deviation " << known << ": " << deviation_description(known) << "\n";
  out << "signature: " << signature() << "\n";
  if (!detail.empty()) out << detail << (detail.back() == '\n' ? "" : "\n");
  out << "trace so far (the last operation diverged):\n" << format_trace(trace_so_far);
  return out.str();
}

std::string hexdump(const EvmMemory& memory, std::uint64_t from, std::uint64_t to) {
  std::string out;
  char buf[32];
  for (std::uint64_t line = from; line < to; line += 16) {
    std::snprintf(buf, sizeof buf, "  %08llx:", static_cast<unsigned long long>(line));
    out += buf;
    for (std::uint64_t i = line; i < std::min(line + 16, to); ++i) {
      std::snprintf(buf, sizeof buf, " %02x", memory.peek(i));
      out += buf;
    }
    out += "\n";
  }
  return out;
}

std::uint64_t first_difference(const EvmMemory& a, const EvmMemory& b, std::uint64_t from, std::uint64_t end) {
  return EvmMemory::first_difference(a, b, from, end);
}

std::string memory_difference(const EvmMemory& a, const EvmMemory& b, std::uint64_t at, std::uint64_t end,
                              const std::string& name_a, const std::string& name_b) {
  const std::uint64_t from = at >= 32 ? (at - 32) / 16 * 16 : 0;
  const std::uint64_t to = std::min(end, from + 80);
  return "memories first differ at " + to_hex(u256(at)) + "\n" + name_a + ":\n" + hexdump(a, from, to) + name_b + ":\n" +
         hexdump(b, from, to);
}

}  // namespace fealloc
