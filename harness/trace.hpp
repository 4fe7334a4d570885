// Trace format v1 (spec/trace-format.md): the readable form of an operation sequence.
// parse_trace() checks everything that can be checked without running it and names the line of
// any error; format_trace() prints the canonical text, which parses back to the same trace.
#pragma once

#include "core/pool_config.hpp"
#include "core/u256.hpp"
#include "harness/operations.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fealloc {

// A pointer argument: `@k+d` (the k-th operation's result plus d) or a raw value.
struct PtrArg {
  std::uint32_t ref = 0;  // k, 1-based; 0 for a raw value
  u256 value = 0;         // d for a reference, the pointer itself for a raw value
  bool operator==(const PtrArg&) const = default;
};

struct Operation {
  OpKind kind = OpKind::stats;
  PtrArg ptr;                       // realloc, free, write
  u256 size = 0;                    // malloc, calloc, realloc
  std::uint8_t fill = 0;            // calloc
  u256 offset = 0;                  // write
  std::vector<std::uint8_t> bytes;  // write
  int line = 0;                     // source line, 0 when made by a program
  bool operator==(const Operation& o) const {
    return kind == o.kind && ptr == o.ptr && size == o.size && fill == o.fill && offset == o.offset && bytes == o.bytes;
  }
};

struct Trace {
  PoolOptions pool;
  std::vector<Operation> ops;
};

struct ParseError {
  int line = 0;
  std::string message;
};

std::variant<Trace, ParseError> parse_trace(std::string_view text);

// The canonical text: every pool key written out, numbers in decimal below 2^32 and hex above.
std::string format_trace(const Trace& trace);
std::string format_operation(const Operation& op);
std::string format_pool(const PoolOptions& pool);

}  // namespace fealloc
