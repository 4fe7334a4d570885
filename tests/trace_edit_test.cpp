// Trace edits (harness/trace_edit.hpp): references follow their operation while it stays earlier,
// and otherwise become the pointer it returned.
#include "harness/trace_edit.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace fealloc {
namespace {

std::vector<Operation> ops_of(const std::string& text) {
  auto parsed = parse_trace(text);
  if (auto* e = std::get_if<ParseError>(&parsed)) ADD_FAILURE() << e->line << ": " << e->message;
  return std::get<Trace>(parsed).ops;
}

std::string text_of(const std::vector<Operation>& ops) {
  Trace t;
  t.pool = std::get<Trace>(parse_trace("pool layout=evm semantics=seed start=0 end=0x10000 align=32 min_split=96 compact=1 split=1\n")).pool;
  t.ops = ops;
  return format_trace(t);
}

const std::string kPool = "pool layout=evm semantics=seed start=0 end=0x10000 align=32 min_split=96 compact=1 split=1\n";
// malloc → 0x140, malloc → 0x180, free @1, realloc @2+8, free @4
const std::string kTrace = kPool + "malloc 16\nmalloc 32\nfree @1\nrealloc @2+8 64\nfree @4\n";
const std::vector<u256> kResults = {0x140, 0x180, 1, 0x1c0, 1};

TEST(TraceEdit, RemovingAnOperationTurnsItsReferencesRawAndRenumbersTheRest) {
  const std::vector<Operation> ops = ops_of(kTrace);
  const auto out = trace_edit::remove(trace_edit::Source{ops, kResults}, 1, 1);  // malloc 32 goes: 0x180 + 8 = 392
  EXPECT_EQ(text_of(out), kPool + "malloc 16\nfree @1\nrealloc 392 64\nfree @3\n");
}

TEST(TraceEdit, RemovingNothingOrPastTheEndChangesNothing) {
  const std::vector<Operation> ops = ops_of(kTrace);
  EXPECT_EQ(text_of(trace_edit::remove(trace_edit::Source{ops, kResults}, 5, 3)), kTrace);
  EXPECT_EQ(text_of(trace_edit::remove(trace_edit::Source{ops, kResults}, 2, 0)), kTrace);
  EXPECT_EQ(text_of(trace_edit::remove(trace_edit::Source{ops, kResults}, 0, 99)), kPool);
}

TEST(TraceEdit, AReferenceToALaterOperationBecomesRaw) {
  const std::vector<Operation> ops = ops_of(kTrace);
  const trace_edit::Source source{ops, kResults};
  // Swap the first two: `free @1` still follows malloc 16 (now @2); realloc @2+8 follows malloc 32 (now @1).
  std::vector<trace_edit::Slot> slots = trace_edit::slots_of(source, 0, 1, 2);
  for (auto& s : trace_edit::slots_of(source, 0, 0, 1)) slots.push_back(s);
  for (auto& s : trace_edit::slots_of(source, 0, 2, 5)) slots.push_back(s);
  EXPECT_EQ(text_of(trace_edit::assemble(slots, std::span(&source, 1))),
            kPool + "malloc 32\nmalloc 16\nfree @2\nrealloc @1+8 64\nfree @4\n");
  // Move `free @4`'s target after it: the reference is no longer earlier (0x1c0 = 448).
  slots = trace_edit::slots_of(source, 0, 0, 3);
  for (auto& s : trace_edit::slots_of(source, 0, 4, 5)) slots.push_back(s);
  for (auto& s : trace_edit::slots_of(source, 0, 3, 4)) slots.push_back(s);
  EXPECT_EQ(text_of(trace_edit::assemble(slots, std::span(&source, 1))),
            kPool + "malloc 16\nmalloc 32\nfree @1\nfree 448\nrealloc @2+8 64\n");
}

TEST(TraceEdit, ASpliceKeepsEachSourcesReferencesInItsOwnNumbering) {
  const std::vector<Operation> a = ops_of(kTrace);
  const std::vector<Operation> b = ops_of(kPool + "malloc 100\nfree @1\n");
  const std::vector<u256> b_results = {0x500, 1};
  const std::vector<trace_edit::Source> sources = {{a, kResults}, {b, b_results}};
  std::vector<trace_edit::Slot> slots = trace_edit::slots_of(sources[0], 0, 0, 2);
  for (auto& s : trace_edit::slots_of(sources[1], 1, 0, 2)) slots.push_back(s);  // b's malloc and free
  for (auto& s : trace_edit::slots_of(sources[1], 1, 1, 2)) slots.push_back(s);  // b's free alone
  slots.push_back(trace_edit::Slot{a[2], 0, -1});                                 // a copy of free @1
  EXPECT_EQ(text_of(trace_edit::assemble(slots, sources)),
            kPool + "malloc 16\nmalloc 32\nmalloc 100\nfree @3\nfree @3\nfree @1\n");
}

}  // namespace
}  // namespace fealloc
