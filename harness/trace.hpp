// Trace format v1 (spec/trace-format.md): the readable form of an operation sequence.
// TraceReader reads one statement at a time from a stream or a string, checks everything that can
// be checked without running it and names the line of any error, holding one line and one byte per
// operation (what @k may name), so a trace of any length parses in memory proportional to its
// longest line. parse_trace() collects a whole trace; format_trace() prints the canonical text,
// which parses back to the same trace.
#pragma once

#include "core/pool_config.hpp"
#include "core/u256.hpp"
#include "harness/operations.hpp"

#include <cstdint>
#include <iosfwd>
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
  int pool_line = 0;  // the pool line's line number, 0 when made by a program
};

struct ParseError {
  int line = 0;
  std::string message;
};

class TraceReader {
 public:
  // Reads `in` (which outlives the reader) or `text` (likewise).
  explicit TraceReader(std::istream& in) : stream_(&in) {}
  explicit TraceReader(std::string_view text) : text_(text) {}

  // Reads up to and including the pool line; false on an error (error() says which).
  bool read_pool();
  const PoolOptions& pool() const { return pool_; }
  int pool_line() const { return pool_line_; }
  // The next operation (its pool line read first if need be); false at the end of the input or
  // on an error, which error() then holds. After false, it stays false.
  bool next(Operation& op);
  const std::optional<ParseError>& error() const { return error_; }
  std::size_t ops_read() const { return kinds_.size(); }

 private:
  bool next_line(std::string_view& line);
  bool fail(std::string message);

  std::istream* stream_ = nullptr;
  std::string_view text_;
  std::size_t text_pos_ = 0;
  std::string buffer_;
  bool ended_with_newline_ = true;  // so that an empty input's "no pool line" is on line 1
  bool done_ = false;
  int line_ = 0;
  bool have_pool_ = false;
  PoolOptions pool_;
  int pool_line_ = 0;
  std::vector<OpKind> kinds_;  // per operation read: what @k names
  std::optional<ParseError> error_;
};

std::variant<Trace, ParseError> parse_trace(std::string_view text);

// A word of the input as an error message shows it: quoted, bytes outside printable ASCII as
// \xNN, and a long word cut to its first bytes with its length, so a message stays one short line.
std::string quote_token(std::string_view word);

// The canonical text: every pool key written out, numbers in decimal below 2^32 and hex above.
std::string format_trace(const Trace& trace);
std::string format_operation(const Operation& op);
std::string format_pool(const PoolOptions& pool);

}  // namespace fealloc
