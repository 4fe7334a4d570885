// fuzz_trace: the trace parser (harness/trace.hpp) against any bytes. The oracle lives here; the
// engines' entry point is fuzz/fuzz_target.cpp with FEALLOC_FUZZ_TARGET=trace.
//
// Properties, each with an id (a violation prints `signature: trace|ID` and aborts):
//   exception          parse_trace, format_trace or resolve_pool threw
//   error-line         a ParseError's line is outside [1, lines in the input + 1]
//   message-empty      a ParseError's message is empty
//   message-length     a ParseError's message is longer than kMaxMessageBytes
//   message-printable  a ParseError's message holds a byte outside printable ASCII (0x20-0x7e)
//   op-line            the pool line or an operation's line is outside [1, lines], or a line is not
//                      after the one before (the pool line first)
//   stream             TraceReader on an std::istream of the input gives another result than
//                      parse_trace (the string path): another error, or another pool, pool line or
//                      operation (lines included)
//   reparse            format_trace(trace) does not parse
//   round-trip         format_trace(trace) parses to another trace (pool options or operations;
//                      line numbers are not compared)
//   fixed-point        format_trace of that is not byte-identical to format_trace(trace)
//   pool-message       resolve_pool rejects the pool options with an empty message
//   pool-start         resolve_pool accepts the options with a start below the one given (the
//                      round-up to the layout's start alignment wrapped around 2^256)
//
// FEALLOC_TRACE_IGNORE (environment; comma-separated ids, `messages` for message-length and
// message-printable) turns properties off; without it the build's FEALLOC_TRACE_IGNORE_DEFAULT
// (a string macro, empty unless the build defines it) applies. Everything is on by default.
#pragma once

#include "harness/trace.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace fealloc::fuzz {

// A ParseError message must not echo whole tokens: this many bytes at most.
inline constexpr std::size_t kMaxMessageBytes = 300;

// The properties that are checked (all of them unless turned off).
class TraceChecks {
 public:
  TraceChecks() = default;
  // Every property except the comma-separated ids (and `messages`) listed. Throws
  // std::invalid_argument on an unknown id, so a typo does not silently check everything.
  explicit TraceChecks(std::string_view ignore_list);
  // FEALLOC_TRACE_IGNORE if set, else FEALLOC_TRACE_IGNORE_DEFAULT.
  static TraceChecks from_env();

  bool on(std::string_view id) const;

 private:
  std::string ignored_;  // ",id,id,...,"
};

// The first property `text` violates: its id and what happened. nullopt when all hold.
struct TraceViolation {
  std::string id;
  std::string detail;
};
std::optional<TraceViolation> check_trace_input(std::string_view text, const TraceChecks& checks = {});

// The parts of check_trace_input, for tests of the oracle itself.
std::size_t count_lines(std::string_view text);  // '\n'-terminated lines, plus an unterminated last one
std::optional<TraceViolation> check_parse_error(std::string_view text, const ParseError& error, const TraceChecks& checks);
std::optional<TraceViolation> check_trace(std::string_view text, const Trace& trace, const TraceChecks& checks);
std::optional<TraceViolation> check_stream(std::string_view text, const std::variant<Trace, ParseError>& parsed,
                                           const TraceChecks& checks);
bool same_pool(const PoolOptions& a, const PoolOptions& b);

// What LLVMFuzzerTestOneInput does: on a violation, print the property, the detail and the input
// (escaped, the first 512 bytes) on stderr, then abort().
void fuzz_trace_one(std::span<const std::uint8_t> data, const TraceChecks& checks);

// `bytes` as C-style escaped ASCII, cut after `limit` bytes with a note of how many were left out.
std::string escape_bytes(std::string_view bytes, std::size_t limit);

// The pool keys of a trace's pool line, in format_pool's order (the dictionary lists them; a test
// checks that the parser accepts each of them and format_pool writes them).
inline constexpr std::string_view kPoolKeys[] = {"layout", "semantics", "start", "end", "align", "min_split", "compact", "split"};

// The dictionary for fuzz_trace (fuzz/trace.dict): libFuzzer -dict= and AFL++ -x. Generated from
// the operation table (harness/operations.hpp), the pool keys, the layout and semantics names and
// the numbers whose text changes form (2^32: decimal to hex in format_trace, 2^64, 2^256).
std::string trace_dictionary_text();

}  // namespace fealloc::fuzz
