// Trace format v1: the reader (one statement at a time) and the printer.
#include "harness/trace.hpp"

#include <array>
#include <istream>
#include <set>
#include <sstream>

namespace fealloc {

namespace {

struct LineError {
  std::string message;
};

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) words.push_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

u256 number(std::string_view word, std::string_view what) {
  auto v = parse_u256(word);
  if (!v) throw LineError{std::string(what) + " " + quote_token(word) + " is not a number (decimal or 0x hex, at most 2^256-1)"};
  return *v;
}

PtrArg pointer(std::string_view word, std::size_t op_index, const std::vector<OpKind>& kinds) {
  if (word.empty() || word[0] != '@') return PtrArg{0, number(word, "pointer")};
  std::string_view rest = word.substr(1);
  std::string_view offset;
  if (auto plus = rest.find('+'); plus != std::string_view::npos) {
    offset = rest.substr(plus + 1);
    rest = rest.substr(0, plus);
    if (offset.empty()) throw LineError{quote_token(word) + " has no offset after '+'"};
  }
  auto k = parse_u256(rest);
  if (!k || rest.empty() || rest[0] < '0' || rest[0] > '9' || rest.find_first_not_of("0123456789") != std::string_view::npos) {
    throw LineError{quote_token(word) + " is not @k or @k+d with k a decimal operation number"};
  }
  if (*k == 0 || *k >= op_index) {
    throw LineError{quote_token(word) + " must name an earlier operation (1.." + std::to_string(op_index - 1) + ")"};
  }
  const auto ref = static_cast<std::uint32_t>(*k);
  if (!returns_pointer(kinds[ref - 1])) {
    throw LineError{quote_token(word) + " names a " + std::string(op_name(kinds[ref - 1])) + ", which returns no pointer"};
  }
  return PtrArg{ref, offset.empty() ? u256(0) : number(offset, "offset")};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::uint8_t> hex_bytes(std::string_view word) {
  if (word.empty() || word.size() % 2 != 0) throw LineError{"write data " + quote_token(word) + " must be an even number of hex digits"};
  std::vector<std::uint8_t> out;
  out.reserve(word.size() / 2);
  for (std::size_t i = 0; i < word.size(); i += 2) {
    const int hi = hex_digit(word[i]);
    const int lo = hex_digit(word[i + 1]);
    if (hi < 0 || lo < 0) throw LineError{"write data " + quote_token(word) + " is not hex"};
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

void expect_args(const std::vector<std::string_view>& words, std::size_t count) {
  if (words.size() != count + 1) {
    throw LineError{std::string(words[0]) + " takes " + std::to_string(count) + " argument" + (count == 1 ? "" : "s") +
                    ", got " + std::to_string(words.size() - 1)};
  }
}

PoolOptions parse_pool(const std::vector<std::string_view>& words) {
  PoolOptions pool;
  std::set<std::string_view> seen;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string_view word = words[i];
    const auto eq = word.find('=');
    if (eq == std::string_view::npos) throw LineError{"pool option " + quote_token(word) + " is not key=value"};
    const std::string_view key = word.substr(0, eq);
    const std::string_view value = word.substr(eq + 1);
    if (!seen.insert(key).second) throw LineError{"pool option " + quote_token(key) + " is given twice"};
    auto flag = [&]() {
      if (value == "0") return false;
      if (value == "1") return true;
      throw LineError{"pool option " + std::string(key) + " must be 0 or 1, not " + quote_token(value)};
    };
    if (key == "layout") {
      if (value == "evm") pool.layout = Layout::evm;
      else if (value == "thing") pool.layout = Layout::thing;
      else throw LineError{"layout must be evm or thing, not " + quote_token(value)};
    } else if (key == "semantics") {
      if (value == "seed") pool.semantics = Semantics::seed;
      else if (value == "thing") pool.semantics = Semantics::thing;
      else throw LineError{"semantics must be seed or thing, not " + quote_token(value)};
    } else if (key == "start") {
      pool.start = number(value, "start");
    } else if (key == "end") {
      pool.end = number(value, "end");
    } else if (key == "align") {
      pool.align = number(value, "align");
    } else if (key == "min_split") {
      pool.min_split = number(value, "min_split");
    } else if (key == "compact") {
      pool.compact = flag();
    } else if (key == "split") {
      pool.split = flag();
    } else {
      throw LineError{"unknown pool option " + quote_token(key)};
    }
  }
  return pool;
}

Operation parse_operation(const std::vector<std::string_view>& words, const std::vector<OpKind>& kinds) {
  const std::string_view verb = words[0];
  if (verb == "pool") throw LineError{"the pool line must be the first statement, and only that"};
  const OpInfo* info = find_operation(verb);
  if (info == nullptr) throw LineError{"unknown operation " + quote_token(verb)};
  expect_args(words, info->field_count);
  Operation op;
  op.kind = info->kind;
  const std::size_t index = kinds.size() + 1;
  for (std::size_t i = 0; i < info->field_count; ++i) {
    const std::string_view word = words[i + 1];
    switch (info->fields[i]) {
      case Field::ptr: op.ptr = pointer(word, index, kinds); break;
      case Field::size: op.size = number(word, "size"); break;
      case Field::fill: {
        const u256 fill = number(word, "fill");
        if (fill > 255) throw LineError{std::string(verb) + " fill must be a byte (0..255)"};
        op.fill = static_cast<std::uint8_t>(fill);
        break;
      }
      case Field::offset: op.offset = number(word, "offset"); break;
      case Field::bytes: op.bytes = hex_bytes(word); break;
    }
  }
  return op;
}

// The statement's words: the line without its comment, split at blanks.
std::vector<std::string_view> statement_words(std::string_view line) {
  if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  return split_words(line);
}

}  // namespace

std::string quote_token(std::string_view word) {
  static constexpr std::size_t kShown = 40;
  static constexpr char kDigits[] = "0123456789abcdef";
  const bool cut = word.size() > kShown;
  std::string out = "'";
  for (const char c : word.substr(0, cut ? kShown - 8 : word.size())) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\' && b != '\'') {
      out += c;
    } else {
      out += "\\x";
      out += kDigits[b >> 4];
      out += kDigits[b & 15];
    }
  }
  out += cut ? "...'" : "'";
  if (cut) out += " (" + std::to_string(word.size()) + " bytes)";
  return out;
}

bool TraceReader::next_line(std::string_view& line) {
  if (done_) return false;
  if (stream_ != nullptr) {
    if (!std::getline(*stream_, buffer_)) {
      done_ = true;
      return false;
    }
    ended_with_newline_ = !stream_->eof();
    line = buffer_;
  } else {
    if (text_pos_ >= text_.size()) {
      done_ = true;
      return false;
    }
    std::size_t eol = text_.find('\n', text_pos_);
    ended_with_newline_ = eol != std::string_view::npos;
    if (eol == std::string_view::npos) eol = text_.size();
    line = text_.substr(text_pos_, eol - text_pos_);
    text_pos_ = eol + 1;
  }
  ++line_;
  return true;
}

bool TraceReader::fail(std::string message) {
  error_ = ParseError{line_, std::move(message)};
  done_ = true;
  return false;
}

bool TraceReader::read_pool() {
  if (have_pool_) return true;
  if (error_) return false;
  std::string_view line;
  while (next_line(line)) {
    const auto words = statement_words(line);
    if (words.empty()) continue;
    if (words[0] != "pool") return fail("the first statement must be the pool line, not " + quote_token(words[0]));
    try {
      pool_ = parse_pool(words);
    } catch (const LineError& e) {
      return fail(e.message);
    }
    have_pool_ = true;
    pool_line_ = line_;
    return true;
  }
  // The line after the last: an input ending in a newline has one more (empty) line.
  if (stream_ != nullptr && stream_->bad()) return fail("the input cannot be read");
  if (ended_with_newline_) ++line_;
  return fail("the trace has no pool line");
}

bool TraceReader::next(Operation& op) {
  if (!read_pool()) return false;
  std::string_view line;
  while (next_line(line)) {
    const auto words = statement_words(line);
    if (words.empty()) continue;
    try {
      op = parse_operation(words, kinds_);
    } catch (const LineError& e) {
      return fail(e.message);
    }
    op.line = line_;
    kinds_.push_back(op.kind);
    return true;
  }
  if (stream_ != nullptr && stream_->bad()) return fail("the input cannot be read");
  return false;
}

std::variant<Trace, ParseError> parse_trace(std::string_view text) {
  TraceReader reader(text);
  Trace trace;
  Operation op;
  while (reader.next(op)) trace.ops.push_back(std::move(op));
  if (reader.error()) return *reader.error();
  trace.pool = reader.pool();
  trace.pool_line = reader.pool_line();
  return trace;
}

namespace {
std::string number_text(const u256& v) {
  return v <= 0xffffffffULL ? v.str() : to_hex(v);
}

std::string pointer_text(const PtrArg& p) {
  if (p.ref == 0) return number_text(p.value);
  std::string s = "@" + std::to_string(p.ref);
  if (p.value != 0) s += "+" + number_text(p.value);
  return s;
}
}  // namespace

std::string format_pool(const PoolOptions& pool) {
  std::ostringstream out;
  out << "pool layout=" << layout_name(pool.layout) << " semantics=" << semantics_name(pool.semantics);
  if (pool.start) out << " start=" << number_text(*pool.start);
  if (pool.end) out << " end=" << to_hex(*pool.end);
  if (pool.align) out << " align=" << number_text(*pool.align);
  if (pool.min_split) out << " min_split=" << number_text(*pool.min_split);
  if (pool.compact) out << " compact=" << (*pool.compact ? 1 : 0);
  if (pool.split) out << " split=" << (*pool.split ? 1 : 0);
  return out.str();
}

std::string format_operation(const Operation& op) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const OpInfo& info = op_info(op.kind);
  std::string s(info.name);
  for (const Field field : info.args()) {
    s += ' ';
    switch (field) {
      case Field::ptr: s += pointer_text(op.ptr); break;
      case Field::size: s += number_text(op.size); break;
      case Field::fill: s += std::to_string(op.fill); break;
      case Field::offset: s += number_text(op.offset); break;
      case Field::bytes:
        for (std::uint8_t b : op.bytes) {
          s += kDigits[b >> 4];
          s += kDigits[b & 15];
        }
        break;
    }
  }
  return s;
}

std::string format_trace(const Trace& trace) {
  std::string out = format_pool(trace.pool) + "\n";
  for (const Operation& op : trace.ops) out += format_operation(op) + "\n";
  return out;
}

}  // namespace fealloc
