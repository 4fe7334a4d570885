// Trace format v1 parser and printer.
#include "harness/trace.hpp"

#include <array>
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
  if (!v) throw LineError{std::string(what) + " '" + std::string(word) + "' is not a number (decimal or 0x hex, at most 2^256-1)"};
  return *v;
}

PtrArg pointer(std::string_view word, std::size_t op_index, const std::vector<Operation>& ops) {
  if (word.empty() || word[0] != '@') return PtrArg{0, number(word, "pointer")};
  std::string_view rest = word.substr(1);
  std::string_view offset;
  if (auto plus = rest.find('+'); plus != std::string_view::npos) {
    offset = rest.substr(plus + 1);
    rest = rest.substr(0, plus);
    if (offset.empty()) throw LineError{"'" + std::string(word) + "' has no offset after '+'"};
  }
  auto k = parse_u256(rest);
  if (!k || rest.empty() || rest[0] < '0' || rest[0] > '9' || rest.find_first_not_of("0123456789") != std::string_view::npos) {
    throw LineError{"'" + std::string(word) + "' is not @k or @k+d with k a decimal operation number"};
  }
  if (*k == 0 || *k >= op_index) {
    throw LineError{"'" + std::string(word) + "' must name an earlier operation (1.." + std::to_string(op_index - 1) + ")"};
  }
  const auto ref = static_cast<std::uint32_t>(*k);
  if (!returns_pointer(ops[ref - 1].kind)) {
    throw LineError{"'" + std::string(word) + "' names a " + std::string(op_name(ops[ref - 1].kind)) +
                    ", which returns no pointer"};
  }
  return PtrArg{ref, offset.empty() ? u256(0) : number(offset, "offset")};
}

std::vector<std::uint8_t> hex_bytes(std::string_view word) {
  if (word.empty() || word.size() % 2 != 0) throw LineError{"write data '" + std::string(word) + "' must be an even number of hex digits"};
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < word.size(); i += 2) {
    auto byte = parse_u256("0x" + std::string(word.substr(i, 2)));
    if (!byte) throw LineError{"write data '" + std::string(word) + "' is not hex"};
    out.push_back(static_cast<std::uint8_t>(*byte));
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
    if (eq == std::string_view::npos) throw LineError{"pool option '" + std::string(word) + "' is not key=value"};
    const std::string_view key = word.substr(0, eq);
    const std::string_view value = word.substr(eq + 1);
    if (!seen.insert(key).second) throw LineError{"pool option '" + std::string(key) + "' is given twice"};
    auto flag = [&]() {
      if (value == "0") return false;
      if (value == "1") return true;
      throw LineError{"pool option " + std::string(key) + " must be 0 or 1, not '" + std::string(value) + "'"};
    };
    if (key == "layout") {
      if (value == "evm") pool.layout = Layout::evm;
      else if (value == "thing") pool.layout = Layout::thing;
      else throw LineError{"layout must be evm or thing, not '" + std::string(value) + "'"};
    } else if (key == "semantics") {
      if (value == "seed") pool.semantics = Semantics::seed;
      else if (value == "thing") pool.semantics = Semantics::thing;
      else throw LineError{"semantics must be seed or thing, not '" + std::string(value) + "'"};
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
      throw LineError{"unknown pool option '" + std::string(key) + "'"};
    }
  }
  return pool;
}

Operation parse_operation(const std::vector<std::string_view>& words, const std::vector<Operation>& ops) {
  const std::string_view verb = words[0];
  if (verb == "pool") throw LineError{"the pool line must be the first statement, and only that"};
  const OpInfo* info = find_operation(verb);
  if (info == nullptr) throw LineError{"unknown operation '" + std::string(verb) + "'"};
  expect_args(words, info->field_count);
  Operation op;
  op.kind = info->kind;
  const std::size_t index = ops.size() + 1;
  for (std::size_t i = 0; i < info->field_count; ++i) {
    const std::string_view word = words[i + 1];
    switch (info->fields[i]) {
      case Field::ptr: op.ptr = pointer(word, index, ops); break;
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

}  // namespace

std::variant<Trace, ParseError> parse_trace(std::string_view text) {
  Trace trace;
  bool have_pool = false;
  int line_number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto words = split_words(line);
    if (words.empty()) {
      if (eol == text.size()) break;
      continue;
    }
    try {
      if (!have_pool) {
        if (words[0] != "pool") throw LineError{"the first statement must be the pool line, not '" + std::string(words[0]) + "'"};
        trace.pool = parse_pool(words);
        have_pool = true;
      } else {
        Operation op = parse_operation(words, trace.ops);
        op.line = line_number;
        trace.ops.push_back(std::move(op));
      }
    } catch (const LineError& e) {
      return ParseError{line_number, e.message};
    }
    if (eol == text.size()) break;
  }
  if (!have_pool) return ParseError{line_number, "the trace has no pool line"};
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
