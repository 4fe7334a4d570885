// fuzz_trace's oracle (fuzz/trace_target.hpp): it holds on every seed, each property catches what it
// is for (on results made up where the parser would not give them), FEALLOC_TRACE_IGNORE's parsing, the findings still show their recorded property, and the
// dictionary is current. (The seeds also run through the engine-free driver: ctest
// fuzz.replay_seeds_trace.)
#include "fuzz/trace_target.hpp"

#include "tests/test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fealloc::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = FEALLOC_SOURCE_DIR;

using fealloc::testing::read_text;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string id_of(const std::optional<TraceViolation>& v) { return v ? v->id : std::string("none"); }

TEST(FuzzTrace, SeedsHoldEveryProperty) {
  const auto seeds = files_in(kSource / "corpus" / "seeds" / "trace", ".trace");
  ASSERT_GE(seeds.size(), 20u);
  std::size_t parsed = 0;
  for (const fs::path& seed : seeds) {
    const std::string text = read_text(seed);
    EXPECT_LE(text.size(), 4096u) << seed << ": seeds stay within -max_len=4096";
    const auto violation = check_trace_input(text);
    EXPECT_FALSE(violation) << seed << ": " << violation->id << ": " << violation->detail;
    if (std::holds_alternative<Trace>(parse_trace(text))) ++parsed;
  }
  // Both sides of the parser: traces that parse and inputs that do not.
  EXPECT_GE(parsed, 10u);
  EXPECT_LT(parsed, seeds.size());
}

// corpus/findings/trace/NAME.trace + NAME.signature (`trace|ID`, or `fixed` once the parser is):
// each input still violates exactly its recorded property, or none once fixed.
TEST(FuzzTrace, FindingsShowTheirRecordedProperty) {
  for (const fs::path& finding : files_in(kSource / "corpus" / "findings" / "trace", ".trace")) {
    fs::path signature = finding;
    signature.replace_extension(".signature");
    ASSERT_TRUE(fs::exists(signature)) << finding;
    const std::string expected = trim(read_text(signature));
    const auto violation = check_trace_input(read_text(finding));
    if (expected == "fixed") {
      EXPECT_FALSE(violation) << finding << ": " << violation->id << ": " << violation->detail;
    } else {
      EXPECT_EQ("trace|" + id_of(violation), expected) << finding << (violation ? ": " + violation->detail : "");
    }
  }
}

TEST(FuzzTrace, DictionaryIsCurrent) {
  EXPECT_EQ(read_text(kSource / "fuzz" / "trace.dict"), trace_dictionary_text())
      << "regenerate it: build/dev/fuzz/fuzz_trace_dict > fuzz/trace.dict";
}

TEST(FuzzTrace, DictionaryEntriesFitBothEngines) {
  // libFuzzer takes entries of at most 64 bytes, AFL++ -x at most 128.
  std::istringstream lines(trace_dictionary_text());
  std::string line;
  std::size_t entries = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++entries;
    const auto open = line.find("=\"");
    ASSERT_NE(open, std::string::npos) << line;
    ASSERT_EQ(line.back(), '"') << line;
    const std::string value = line.substr(open + 2, line.size() - open - 3);
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < value.size(); ++i, ++bytes) {
      if (value[i] == '\\') i += 3;  // \xNN
    }
    EXPECT_LE(bytes, 64u) << line;
  }
  EXPECT_GE(entries, 40u);
}

TEST(FuzzTrace, PoolKeysAreTheParsers) {
  PoolOptions all;
  all.start = 0;
  all.end = 0x1000;
  all.align = 32;
  all.min_split = 96;
  all.compact = true;
  all.split = false;
  const std::string line = format_pool(all);
  std::vector<std::string> keys;
  std::istringstream words(line);
  std::string word;
  words >> word;
  EXPECT_EQ(word, "pool");
  while (words >> word) keys.push_back(word.substr(0, word.find('=')));
  EXPECT_EQ(keys, std::vector<std::string>(std::begin(kPoolKeys), std::end(kPoolKeys)));
  for (const std::string_view key : kPoolKeys) {
    const auto pos = line.find(" " + std::string(key) + "=");
    ASSERT_NE(pos, std::string::npos) << key;
    const std::string option = line.substr(pos + 1, line.find(' ', pos + 1) - pos - 1);
    EXPECT_TRUE(std::holds_alternative<Trace>(parse_trace("pool " + option + "\n"))) << option;
  }
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse_trace("pool no_such_key=1\n")));
}

TEST(FuzzTrace, CountsLines) {
  EXPECT_EQ(count_lines(""), 0u);
  EXPECT_EQ(count_lines("pool"), 1u);
  EXPECT_EQ(count_lines("pool\n"), 1u);
  EXPECT_EQ(count_lines("pool\nmalloc 1"), 2u);
  EXPECT_EQ(count_lines("\n\n"), 2u);
  EXPECT_EQ(count_lines("a\r\nb\r\n"), 2u);
}

TEST(FuzzTrace, ParseErrorProperties) {
  const TraceChecks all;
  const std::string text = "pool\nbad\n";  // 2 lines: an error may name 1..3
  EXPECT_EQ(id_of(check_parse_error(text, {2, "unknown operation 'bad'"}, all)), "none");
  EXPECT_EQ(id_of(check_parse_error(text, {3, "x"}, all)), "none");
  EXPECT_EQ(id_of(check_parse_error(text, {0, "x"}, all)), "error-line");
  EXPECT_EQ(id_of(check_parse_error(text, {4, "x"}, all)), "error-line");
  EXPECT_EQ(id_of(check_parse_error("", {1, "x"}, all)), "none");
  EXPECT_EQ(id_of(check_parse_error("", {2, "x"}, all)), "error-line");
  EXPECT_EQ(id_of(check_parse_error(text, {2, ""}, all)), "message-empty");
  EXPECT_EQ(id_of(check_parse_error(text, {2, std::string(kMaxMessageBytes, 'a')}, all)), "none");
  EXPECT_EQ(id_of(check_parse_error(text, {2, std::string(kMaxMessageBytes + 1, 'a')}, all)), "message-length");
  EXPECT_EQ(id_of(check_parse_error(text, {2, "tab\there"}, all)), "message-printable");
  EXPECT_EQ(id_of(check_parse_error(text, {2, "high \xc3\xa9"}, all)), "message-printable");
  EXPECT_EQ(id_of(check_parse_error(text, {2, std::string("nul \0", 5)}, all)), "message-printable");

  const TraceChecks no_messages("messages");
  EXPECT_EQ(id_of(check_parse_error(text, {2, std::string(1000, '\x01')}, no_messages)), "none");
  EXPECT_EQ(id_of(check_parse_error(text, {2, ""}, no_messages)), "message-empty");
  EXPECT_EQ(id_of(check_parse_error(text, {9, "x"}, no_messages)), "error-line");
  EXPECT_EQ(id_of(check_parse_error(text, {2, "\x01"}, TraceChecks("message-length"))), "message-printable");
}

TEST(FuzzTrace, TraceProperties) {
  const TraceChecks all;
  Trace t;
  t.pool_line = 1;
  Operation m;
  m.kind = OpKind::malloc;
  m.size = 24;
  m.line = 2;
  t.ops.push_back(m);
  const std::string text = "pool\nmalloc 24\n";
  EXPECT_EQ(id_of(check_trace(text, t, all)), "none");

  Trace bad_line = t;
  bad_line.ops[0].line = 3;  // past the last line
  EXPECT_EQ(id_of(check_trace(text, bad_line, all)), "op-line");
  bad_line.ops.push_back(m);  // two operations on line 2
  bad_line.ops[0].line = 2;
  EXPECT_EQ(id_of(check_trace("pool\nmalloc 24\nmalloc 24\n", bad_line, all)), "op-line");
  Trace bad_pool_line = t;
  bad_pool_line.pool_line = 2;  // the operation's line, not before it
  EXPECT_EQ(id_of(check_trace(text, bad_pool_line, all)), "op-line");
  bad_pool_line.pool_line = 0;
  EXPECT_EQ(id_of(check_trace(text, bad_pool_line, all)), "op-line");

  // Traces the parser never makes: format_trace's text does not parse back.
  Trace empty_write = t;
  Operation w;
  w.kind = OpKind::write;
  w.ptr = PtrArg{1, 0};
  w.line = 2;
  empty_write.ops[0] = w;  // @1 names itself, and there are no bytes
  EXPECT_EQ(id_of(check_trace(text, empty_write, all)), "reparse");
  EXPECT_EQ(id_of(check_trace(text, empty_write, TraceChecks("reparse"))), "none");
}

TEST(FuzzTrace, StreamReadingMustMatch) {
  const TraceChecks all;
  for (const std::string text : {"", "pool", "pool\n", "\n\n#c", "pool\r\nmalloc 1\r\n", "pool\nmalloc x\n", "x"}) {
    EXPECT_EQ(id_of(check_stream(text, parse_trace(text), all)), "none") << text;
  }
  // What parse_trace would have to give for the stream reading to differ.
  EXPECT_EQ(id_of(check_stream("pool\n", ParseError{1, "x"}, all)), "stream");
  EXPECT_EQ(id_of(check_stream("x\n", ParseError{2, "the first statement must be the pool line, not 'x'"}, all)), "stream");
  Trace t;
  t.pool_line = 2;
  EXPECT_EQ(id_of(check_stream("pool\n", t, all)), "stream");
  t.pool_line = 1;
  EXPECT_EQ(id_of(check_stream("pool\n", t, all)), "none");
  t.pool.end = 0x1000;
  EXPECT_EQ(id_of(check_stream("pool\n", t, all)), "stream");
  EXPECT_EQ(id_of(check_stream("pool\n", t, TraceChecks("stream"))), "none");
}

TEST(FuzzTrace, InputsEndToEnd) {
  EXPECT_EQ(id_of(check_trace_input("")), "none");  // no pool line: an error on line 1
  EXPECT_EQ(id_of(check_trace_input("pool\r\n\tmalloc 1 # c\r\nfree @1+0x20")), "none");
  EXPECT_EQ(id_of(check_trace_input("pool end=0x1000\nmalloc 0x10000000000000000\n")), "none");
}

TEST(FuzzTrace, IgnoreListNamesKnownProperties) {
  EXPECT_TRUE(TraceChecks().on("message-length"));
  EXPECT_TRUE(TraceChecks("").on("round-trip"));
  const TraceChecks some(" messages , pool-start,");
  EXPECT_FALSE(some.on("message-length"));
  EXPECT_FALSE(some.on("message-printable"));
  EXPECT_FALSE(some.on("pool-start"));
  EXPECT_TRUE(some.on("message-empty"));
  EXPECT_TRUE(some.on("round-trip"));
  EXPECT_THROW(TraceChecks("message"), std::invalid_argument);
}

TEST(FuzzTrace, EscapesReportedBytes) {
  EXPECT_EQ(escape_bytes(std::string("a\n\t\r\"\\\x01\xff", 8), 100), "a\\n\\t\\r\\\"\\\\\\x01\\xff");
  EXPECT_EQ(escape_bytes("abcdef", 2), "ab...(4 more bytes)");
}

}  // namespace
}  // namespace fealloc::fuzz
