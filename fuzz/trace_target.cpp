// fuzz_trace's oracle (the properties are listed in trace_target.hpp) and its dictionary. This file
// checks rather than is checked: it stays out of coverage instrumentation in every fuzz build
// (fuzz/coverage-ignorelist.txt and fuzz/coverage-ignorelist-trace.txt).
#include "fuzz/trace_target.hpp"

#include "core/evm_memory.hpp"
#include "fuzz/comma_list.hpp"
#include "core/pool_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

#ifndef FEALLOC_TRACE_IGNORE_DEFAULT
#define FEALLOC_TRACE_IGNORE_DEFAULT ""
#endif

namespace fealloc::fuzz {

namespace {

constexpr std::array<std::string_view, 12> kPropertyIds{
    "exception", "error-line",  "message-empty", "message-length", "message-printable", "op-line",
    "stream",    "reparse",     "round-trip",    "fixed-point",    "pool-message",      "pool-start",
};

// How much of the input, or of a parsed text, a report quotes.
constexpr std::size_t kQuoteBytes = 200;

std::string quote(std::string_view text) { return "\"" + escape_bytes(text, kQuoteBytes) + "\""; }

// Line `number` (1-based) of `text`, without its '\n'.
std::string_view line_of(std::string_view text, std::size_t number) {
  std::size_t pos = 0;
  for (std::size_t n = 1; n < number; ++n) {
    const std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) return {};
    pos = eol + 1;
  }
  const std::size_t eol = text.find('\n', pos);
  return text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
}

std::string error_text(const ParseError& e) { return "line " + std::to_string(e.line) + ": " + quote(e.message); }

std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return std::string("std::exception: ") + quote(e.what());
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

std::string optional_text(const std::optional<u256>& v) { return v ? to_hex(*v) : std::string("unset"); }

std::string pool_text(const PoolOptions& p) {
  auto flag = [](const std::optional<bool>& b) { return b ? std::string(*b ? "1" : "0") : std::string("unset"); };
  return std::string("layout=") + std::string(layout_name(p.layout)) + " semantics=" + std::string(semantics_name(p.semantics)) +
         " start=" + optional_text(p.start) + " end=" + optional_text(p.end) + " align=" + optional_text(p.align) +
         " min_split=" + optional_text(p.min_split) + " compact=" + flag(p.compact) + " split=" + flag(p.split);
}

}  // namespace

// --- which properties -----------------------------------------------------------------------------

TraceChecks::TraceChecks(std::string_view ignore_list) : ignored_(",") {
  for (const std::string_view item : comma_list_items(ignore_list)) {
    if (item == "messages") {
      ignored_ += "message-length,message-printable,";
    } else if (std::find(kPropertyIds.begin(), kPropertyIds.end(), item) != kPropertyIds.end()) {
      ignored_ += std::string(item) + ",";
    } else {
      throw std::invalid_argument("FEALLOC_TRACE_IGNORE: unknown property '" + std::string(item) + "'");
    }
  }
}

TraceChecks TraceChecks::from_env() {
  const char* value = std::getenv("FEALLOC_TRACE_IGNORE");
  return TraceChecks(value != nullptr ? value : FEALLOC_TRACE_IGNORE_DEFAULT);
}

bool TraceChecks::on(std::string_view id) const {
  return ignored_.find("," + std::string(id) + ",") == std::string::npos;
}

// --- the properties -----------------------------------------------------------------------------

std::size_t count_lines(std::string_view text) {
  std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

bool same_pool(const PoolOptions& a, const PoolOptions& b) {
  return a.layout == b.layout && a.semantics == b.semantics && a.start == b.start && a.end == b.end && a.align == b.align &&
         a.min_split == b.min_split && a.compact == b.compact && a.split == b.split;
}

std::optional<TraceViolation> check_parse_error(std::string_view text, const ParseError& error, const TraceChecks& checks) {
  const std::size_t lines = count_lines(text);
  if (checks.on("error-line") && (error.line < 1 || static_cast<std::size_t>(error.line) > lines + 1)) {
    return TraceViolation{"error-line", "the error names line " + std::to_string(error.line) + " of an input of " +
                                            std::to_string(lines) + " line(s) (expected 1.." + std::to_string(lines + 1) +
                                            "); " + error_text(error)};
  }
  if (checks.on("message-empty") && error.message.empty()) {
    return TraceViolation{"message-empty", "the error message is empty; " + error_text(error)};
  }
  if (checks.on("message-length") && error.message.size() > kMaxMessageBytes) {
    return TraceViolation{"message-length", "the error message has " + std::to_string(error.message.size()) +
                                                " bytes (at most " + std::to_string(kMaxMessageBytes) + "); " + error_text(error)};
  }
  if (checks.on("message-printable")) {
    const auto bad = std::find_if(error.message.begin(), error.message.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u < 0x20 || u > 0x7e;
    });
    if (bad != error.message.end()) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(*bad)));
      return TraceViolation{"message-printable", "the error message holds byte " + std::string(byte) + " at offset " +
                                                     std::to_string(bad - error.message.begin()) + "; " + error_text(error)};
    }
  }
  return std::nullopt;
}

std::optional<TraceViolation> check_trace(std::string_view text, const Trace& trace, const TraceChecks& checks) {
  if (checks.on("op-line")) {
    const std::size_t lines = count_lines(text);
    if (trace.pool_line < 1 || static_cast<std::size_t>(trace.pool_line) > lines) {
      return TraceViolation{"op-line", "the pool line is line " + std::to_string(trace.pool_line) + " of " +
                                           std::to_string(lines)};
    }
    int previous = trace.pool_line;
    for (std::size_t i = 0; i < trace.ops.size(); ++i) {
      const int line = trace.ops[i].line;
      if (line <= previous || static_cast<std::size_t>(line) > lines) {
        return TraceViolation{"op-line", "operation " + std::to_string(i + 1) + " is on line " + std::to_string(line) +
                                             " (the statement before: line " + std::to_string(previous) + ", lines: " +
                                             std::to_string(lines) + ")"};
      }
      previous = line;
    }
  }

  // (b) format -> parse -> equal trace -> format again: the same text.
  if (checks.on("reparse") || checks.on("round-trip") || checks.on("fixed-point")) {
    const std::string canonical = format_trace(trace);
    auto reparsed = parse_trace(canonical);
    if (const auto* e = std::get_if<ParseError>(&reparsed)) {
      if (checks.on("reparse")) {
        return TraceViolation{"reparse", "format_trace's text does not parse: " + error_text(*e) + "; that line is " +
                                             quote(line_of(canonical, static_cast<std::size_t>(std::max(e->line, 1))))};
      }
    } else {
      const Trace& again = std::get<Trace>(reparsed);
      if (checks.on("round-trip")) {
        if (!same_pool(trace.pool, again.pool)) {
          return TraceViolation{"round-trip", "the pool options differ after format and parse: " + pool_text(trace.pool) +
                                                  " became " + pool_text(again.pool) + "; formatted " +
                                                  quote(format_pool(trace.pool))};
        }
        if (again.ops.size() != trace.ops.size()) {
          return TraceViolation{"round-trip", std::to_string(trace.ops.size()) + " operation(s) became " +
                                                  std::to_string(again.ops.size()) + " after format and parse"};
        }
        for (std::size_t i = 0; i < trace.ops.size(); ++i) {
          if (!(trace.ops[i] == again.ops[i])) {
            return TraceViolation{"round-trip", "operation " + std::to_string(i + 1) + " (input line " +
                                                    std::to_string(trace.ops[i].line) + ", " +
                                                    quote(line_of(text, static_cast<std::size_t>(trace.ops[i].line))) +
                                                    ") differs after format and parse: " +
                                                    quote(format_operation(trace.ops[i])) + " became " +
                                                    quote(format_operation(again.ops[i]))};
          }
        }
      }
      if (checks.on("fixed-point")) {
        const std::string twice = format_trace(again);
        if (twice != canonical) {
          const auto diff = std::mismatch(canonical.begin(), canonical.end(), twice.begin(), twice.end());
          const auto at = static_cast<std::size_t>(diff.first - canonical.begin());
          const auto line = static_cast<std::size_t>(std::count(canonical.begin(), diff.first, '\n')) + 1;
          return TraceViolation{"fixed-point", "format_trace(parse_trace(format_trace(t))) differs from format_trace(t) at byte " +
                                                   std::to_string(at) + " (line " + std::to_string(line) + "): " +
                                                   quote(line_of(canonical, line)) + " became " + quote(line_of(twice, line))};
        }
      }
    }
  }

  // (c) the pool options through resolve_pool, as a party would be built from them.
  const PoolConfigResult resolved = resolve_pool(trace.pool, EvmMemory::kDefaultCap);
  if (const auto* message = std::get_if<std::string>(&resolved)) {
    if (checks.on("pool-message") && message->empty()) {
      return TraceViolation{"pool-message", "resolve_pool rejects " + pool_text(trace.pool) + " with an empty message"};
    }
  } else if (checks.on("pool-start")) {
    const PoolConfig& config = std::get<PoolConfig>(resolved);
    if (trace.pool.start && u256(config.start) < *trace.pool.start) {
      return TraceViolation{"pool-start", "resolve_pool accepts start=" + to_hex(*trace.pool.start) + " as start " +
                                              to_hex(u256(config.start)) + " (rounded down, not up); " + pool_text(trace.pool)};
    }
  }
  return std::nullopt;
}

std::optional<TraceViolation> check_stream(std::string_view text, const std::variant<Trace, ParseError>& parsed,
                                           const TraceChecks& checks) {
  if (!checks.on("stream")) return std::nullopt;
  std::istringstream in{std::string(text)};
  TraceReader reader(in);
  std::vector<Operation> ops;
  Operation op;
  while (reader.next(op)) ops.push_back(std::move(op));
  const auto* text_error = std::get_if<ParseError>(&parsed);
  const auto& stream_error = reader.error();
  if (text_error != nullptr || stream_error) {
    if (text_error == nullptr || !stream_error || text_error->line != stream_error->line ||
        text_error->message != stream_error->message) {
      return TraceViolation{"stream", "parse_trace gives " + (text_error ? error_text(*text_error) : std::string("a trace")) +
                                          ", TraceReader on a stream " +
                                          (stream_error ? error_text(*stream_error) : std::string("a trace"))};
    }
    return std::nullopt;
  }
  const Trace& trace = std::get<Trace>(parsed);
  if (!same_pool(trace.pool, reader.pool()) || trace.pool_line != reader.pool_line()) {
    return TraceViolation{"stream", "parse_trace gives the pool " + pool_text(trace.pool) + " on line " +
                                        std::to_string(trace.pool_line) + ", TraceReader on a stream " +
                                        pool_text(reader.pool()) + " on line " + std::to_string(reader.pool_line())};
  }
  if (ops.size() != trace.ops.size()) {
    return TraceViolation{"stream", "parse_trace gives " + std::to_string(trace.ops.size()) +
                                        " operation(s), TraceReader on a stream " + std::to_string(ops.size())};
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!(ops[i] == trace.ops[i]) || ops[i].line != trace.ops[i].line) {
      return TraceViolation{"stream", "operation " + std::to_string(i + 1) + ": parse_trace gives " +
                                          quote(format_operation(trace.ops[i])) + " on line " +
                                          std::to_string(trace.ops[i].line) + ", TraceReader on a stream " +
                                          quote(format_operation(ops[i])) + " on line " + std::to_string(ops[i].line)};
    }
  }
  return std::nullopt;
}

std::optional<TraceViolation> check_trace_input(std::string_view text, const TraceChecks& checks) {
  try {
    auto result = parse_trace(text);
    if (auto v = check_stream(text, result, checks)) return v;
    if (const auto* error = std::get_if<ParseError>(&result)) return check_parse_error(text, *error, checks);
    return check_trace(text, std::get<Trace>(result), checks);
  } catch (...) {
    if (!checks.on("exception")) return std::nullopt;
    return TraceViolation{"exception", "parse_trace, format_trace or resolve_pool threw " + current_exception_text()};
  }
}

std::string escape_bytes(std::string_view bytes, std::size_t limit) {
  std::string out;
  const std::size_t shown = std::min(bytes.size(), limit);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto u = static_cast<unsigned char>(bytes[i]);
    switch (u) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (u < 0x20 || u > 0x7e) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(u));
          out += hex;
        } else {
          out += static_cast<char>(u);
        }
    }
  }
  if (shown < bytes.size()) out += "...(" + std::to_string(bytes.size() - shown) + " more bytes)";
  return out;
}

void fuzz_trace_one(std::span<const std::uint8_t> data, const TraceChecks& checks) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  const auto violation = check_trace_input(text, checks);
  if (!violation) return;
  std::fprintf(stderr,
               "==fealloc== fuzz_trace: property %s violated\n"
               "signature: trace|%s\n"
               "%s\n"
               "input (%zu bytes, %zu line(s)): \"%s\"\n"
               "(FEALLOC_TRACE_IGNORE=%s turns this property off)\n",
               violation->id.c_str(), violation->id.c_str(), violation->detail.c_str(), text.size(), count_lines(text),
               escape_bytes(text, 512).c_str(), violation->id.c_str());
  std::fflush(stderr);
  std::abort();
}

// --- the dictionary -----------------------------------------------------------------------------

std::string trace_dictionary_text() {
  std::string out =
      "# The fuzz_trace dictionary (trace format v1), for libFuzzer -dict= and AFL++ -x.\n"
      "# Generated by `build/dev/fuzz/fuzz_trace_dict` (fuzz/trace_target.cpp) from the operation table,\n"
      "# the pool keys, the layouts and the number boundaries; a test checks that it is current.\n";
  std::vector<std::string> seen;
  auto entry = [&](std::string name, std::string_view value) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) return;  // a name once
    seen.push_back(name);
    // Dictionary syntax: printable bytes as they are, except \ and ", which are escaped like the rest.
    std::string escaped;
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u > 0x7e || c == '\\' || c == '"') {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(u));
        escaped += hex;
      } else {
        escaped += c;
      }
    }
    out += name + "=\"" + escaped + "\"\n";
  };
  auto id = [](std::string_view text) {  // a dictionary name from any text
    std::string s;
    for (const char c : text) s += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_') ? c : '_';
    return s;
  };

  // Statements: the pool line and every operation, alone and as a whole line with sample arguments.
  entry("pool", "pool");
  entry("pool_line", "pool\n");
  for (const OpInfo& info : kOperations) {
    std::string line(info.name);
    for (const Field field : info.args()) {
      switch (field) {
        case Field::ptr: line += " @1"; break;
        case Field::size: line += " 1"; break;
        case Field::fill: line += " 255"; break;
        case Field::offset: line += " 0"; break;
        case Field::bytes: line += " 00"; break;
      }
    }
    entry("op_" + std::string(info.name), info.name);
    entry("line_" + std::string(info.name), "\n" + line + "\n");
  }

  // Pool keys and values.
  for (const std::string_view key : kPoolKeys) entry("key_" + std::string(key), std::string(key) + "=");
  for (const Layout layout : {Layout::evm, Layout::thing}) {
    const std::string name(layout_name(layout));
    const LayoutParams p = layout_params(layout);
    entry("layout_" + name, "layout=" + name);
    entry("end_default_" + name, "end=" + to_hex(p.default_end));
    entry("align_min_" + name, "align=" + std::to_string(p.min_align));
    entry("min_split_default_" + name, "min_split=" + std::to_string(p.default_min_split));
    entry("min_split_header_" + name, "min_split=" + std::to_string(p.header));
    entry("start_align_" + name, "start=" + std::to_string(p.start_align));
  }
  for (const Semantics semantics : {Semantics::seed, Semantics::thing}) {
    const std::string name(semantics_name(semantics));
    entry("semantics_" + name, "semantics=" + name);
  }
  for (const std::string_view flag : {"compact", "split"}) {
    for (const char* value : {"0", "1"}) entry(id(std::string(flag) + "_" + value), std::string(flag) + "=" + value);
  }
  entry("end_memory_cap", "end=" + to_hex(EvmMemory::kDefaultCap));

  // Pointers.
  entry("ref", "@");
  entry("ref_1", "@1");
  entry("ref_plus", "@1+");
  entry("ref_plus_1", "@1+1");

  // Layout of the text: comments, separators, line ends.
  entry("comment", "#");
  entry("newline", "\n");
  entry("crlf", "\r\n");
  entry("tab", "\t");
  entry("space", " ");
  entry("hex_prefix", "0x");
  entry("hex_prefix_upper", "0X");

  // Numbers where the text or the value changes form: format_trace writes decimal below 2^32 and
  // hex above; 2^64 leaves a machine word; 2^256 is out of range.
  for (const unsigned bits : {8U, 31U, 32U, 63U, 64U, 128U}) {
    const u256 pow = u256(1) << bits;
    entry("pow" + std::to_string(bits) + "_minus1", (pow - 1).str());
    entry("pow" + std::to_string(bits), pow.str());
    entry("pow" + std::to_string(bits) + "_minus1_hex", to_hex(pow - 1));
    entry("pow" + std::to_string(bits) + "_hex", to_hex(pow));
  }
  // 2^256-1 itself is longer than libFuzzer's 64-byte entries: its 64 hex digits without the 0x.
  entry("hex_f_x32", std::string(32, 'f'));
  entry("hex_f_x64", std::string(64, 'f'));
  return out;
}

}  // namespace fealloc::fuzz
