// Trace format v1: what parses, what each malformed form says (with its line), and round trips.
#include "harness/trace.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace fealloc {
namespace {

ParseError parse_error(const std::string& text) {
  auto r = parse_trace(text);
  EXPECT_TRUE(std::holds_alternative<ParseError>(r)) << text;
  return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r) : ParseError{};
}

Trace parse_ok(const std::string& text) {
  auto r = parse_trace(text);
  if (auto* e = std::get_if<ParseError>(&r)) ADD_FAILURE() << "line " << e->line << ": " << e->message;
  return std::holds_alternative<Trace>(r) ? std::get<Trace>(r) : Trace{};
}

TEST(Trace, ParsesTheSpecExample) {
  const Trace t = parse_ok(
      "pool layout=evm semantics=seed start=0 end=0x10000 align=32 min_split=96 compact=1 split=1\n"
      "malloc 24\nmalloc 100\nwrite @1 0 deadbeef\nrealloc @1 200\nfree @2\nfree 0x1234\n"
      "calloc 16 0xaa\nfree_all\nstats\n");
  ASSERT_EQ(t.ops.size(), 9u);
  EXPECT_EQ(t.pool.end, u256(0x10000));
  EXPECT_EQ(t.ops[2].kind, OpKind::write);
  EXPECT_EQ(t.ops[2].ptr.ref, 1u);
  EXPECT_EQ(t.ops[2].bytes, (std::vector<std::uint8_t>{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(t.ops[5].ptr.ref, 0u);
  EXPECT_EQ(t.ops[5].ptr.value, u256(0x1234));
  EXPECT_EQ(t.ops[6].fill, 0xaa);
  EXPECT_EQ(t.ops[6].line, 8);
}

TEST(Trace, CommentsBlankLinesAndDefaults) {
  const Trace t = parse_ok("# a comment\n\npool   # defaults everywhere\n  malloc 1 # trailing\n\n");
  EXPECT_EQ(t.pool.layout, Layout::evm);
  EXPECT_EQ(t.pool.semantics, Semantics::seed);
  EXPECT_FALSE(t.pool.end.has_value());
  ASSERT_EQ(t.ops.size(), 1u);
  EXPECT_EQ(t.ops[0].line, 4);
}

TEST(Trace, AcceptsTheWholeU256Range) {
  const Trace t = parse_ok(
      "pool\nmalloc 115792089237316195423570985008687907853269984665640564039457584007913129639935\n"
      "free 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\nrealloc @1+0x10 0\n");
  EXPECT_EQ(t.ops[0].size, std::numeric_limits<u256>::max());
  EXPECT_EQ(t.ops[1].ptr.value, std::numeric_limits<u256>::max());
  EXPECT_EQ(t.ops[2].ptr.value, u256(16));
}

struct Malformed {
  const char* text;
  int line;
  const char* needle;
};

class TraceErrors : public ::testing::TestWithParam<Malformed> {};

TEST_P(TraceErrors, NameTheLineAndTheProblem) {
  const Malformed& m = GetParam();
  const ParseError e = parse_error(m.text);
  EXPECT_EQ(e.line, m.line) << e.message;
  EXPECT_NE(e.message.find(m.needle), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    All, TraceErrors,
    ::testing::Values(
        Malformed{"", 1, "no pool line"}, Malformed{"# only\n\n", 3, "no pool line"},
        Malformed{"malloc 1\n", 1, "first statement must be the pool"},
        Malformed{"pool\npool\n", 2, "pool line must be the first"},
        Malformed{"pool layout=wasm\n", 1, "layout must be"}, Malformed{"pool semantics=x\n", 1, "semantics must be"},
        Malformed{"pool color=red\n", 1, "unknown pool option"}, Malformed{"pool end=1 end=2\n", 1, "given twice"},
        Malformed{"pool end\n", 1, "not key=value"}, Malformed{"pool compact=2\n", 1, "must be 0 or 1"},
        Malformed{"pool end=-1\n", 1, "not a number"}, Malformed{"pool end=0x\n", 1, "not a number"},
        Malformed{"pool\nmalloc 115792089237316195423570985008687907853269984665640564039457584007913129639936\n", 2,
                  "at most 2^256-1"},
        Malformed{"pool\nmalloc 0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n", 2, "not a number"},
        Malformed{"pool\nmalloc\n", 2, "takes 1 argument"}, Malformed{"pool\nmalloc 1 2\n", 2, "takes 1 argument"},
        Malformed{"pool\nfree_all 1\n", 2, "takes 0 arguments"}, Malformed{"pool\nmalloc 12abc\n", 2, "not a number"},
        Malformed{"pool\nfrobnicate 1\n", 2, "unknown operation"}, Malformed{"pool\ncalloc 1 256\n", 2, "fill must be a byte"},
        Malformed{"pool\nfree @1\n", 2, "earlier operation"}, Malformed{"pool\nmalloc 1\nfree @2\n", 3, "earlier operation"},
        Malformed{"pool\nmalloc 1\nfree @0\n", 3, "earlier operation"},
        Malformed{"pool\nmalloc 1\nfree @1\nfree @2\n", 4, "returns no pointer"},
        Malformed{"pool\nmalloc 1\nfree @x\n", 3, "is not @k"}, Malformed{"pool\nmalloc 1\nfree @1+\n", 3, "no offset"},
        Malformed{"pool\nmalloc 1\nfree @1+zz\n", 3, "not a number"},
        Malformed{"pool\nmalloc 1\nwrite @1 0 abc\n", 3, "even number"},
        Malformed{"pool\nmalloc 1\nwrite @1 0 zz\n", 3, "not hex"},
        Malformed{"pool\nmalloc 1\nwrite @1 0\n", 3, "takes 3 arguments"}));

TEST(Trace, FormatParsesBackToTheSameTrace) {
  const std::string text =
      "pool layout=thing semantics=thing start=12 end=0x100 align=16 min_split=20 compact=0 split=1\n"
      "malloc 24\ncalloc 4294967296 170\nrealloc @1+8 0xffffffffffffffffff\nwrite @2 3 00ff\nfree 5\nfree_all\nstats\n";
  const Trace t = parse_ok(text);
  const std::string formatted = format_trace(t);
  const Trace again = parse_ok(formatted);
  EXPECT_EQ(format_trace(again), formatted);
  ASSERT_EQ(again.ops.size(), t.ops.size());
  for (std::size_t i = 0; i < t.ops.size(); ++i) EXPECT_EQ(again.ops[i], t.ops[i]) << i;
  EXPECT_EQ(again.pool.start, t.pool.start);
  EXPECT_EQ(again.pool.compact, t.pool.compact);
}

TEST(Trace, KnowsThePoolLinesNumber) {
  EXPECT_EQ(parse_ok("# one\n# two\n\npool end=0x100\nmalloc 1\n").pool_line, 4);
  EXPECT_EQ(parse_ok("pool\n").pool_line, 1);
}

TEST(Trace, ErrorsShowAtMostAShortPrintableToken) {
  const std::string huge(1 << 20, '7');
  const ParseError e = parse_error("pool\nmalloc " + huge + "x\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_LT(e.message.size(), 200u) << e.message.substr(0, 300);
  EXPECT_NE(e.message.find("(1048577 bytes)"), std::string::npos) << e.message;
  for (const std::string& bad : {std::string("ma\0lloc", 7), std::string("ma\vlloc"), std::string("\xef\xbb\xbfmalloc")}) {
    const ParseError b = parse_error("pool\n" + bad + " 1\n");
    EXPECT_EQ(b.line, 2);
    for (const char c : b.message) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << int(c) << " in " << b.message;
  }
  EXPECT_EQ(quote_token(std::string("a\0b", 3)), "'a\\x00b'");
  EXPECT_EQ(quote_token("\xef\xbb\xbfpool"), "'\\xef\\xbb\\xbfpool'");
  EXPECT_EQ(quote_token("it's"), "'it\\x27s'");
}

TEST(Trace, ReaderFromAStreamEqualsTheWholeParse) {
  const std::string text = "# c\r\npool end=0x1000\r\nmalloc 24\n\n\tcalloc 8 255 # x\nwrite @2 0 00ff\nfree @1+8";
  const Trace whole = parse_ok(text);
  std::istringstream in(text);
  TraceReader reader(in);
  std::vector<Operation> ops;
  Operation op;
  while (reader.next(op)) ops.push_back(op);
  ASSERT_FALSE(reader.error());
  EXPECT_EQ(reader.pool_line(), whole.pool_line);
  ASSERT_EQ(ops.size(), whole.ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i], whole.ops[i]) << i;
    EXPECT_EQ(ops[i].line, whole.ops[i].line) << i;
  }
  // Errors name the same line both ways, including the line after the last.
  for (const std::string bad : {"", "# only\n\n", "# c", "pool\nmalloc 1\nfree @3\n"}) {
    std::istringstream bad_in(bad);
    TraceReader bad_reader(bad_in);
    while (bad_reader.next(op)) {
    }
    ASSERT_TRUE(bad_reader.error()) << bad;
    EXPECT_EQ(bad_reader.error()->line, parse_error(bad).line) << bad;
  }
}

}  // namespace
}  // namespace fealloc
