// The heap picture (harness/picture.hpp): its structure (rows, legend, labels, titles, the
// divergence marks), both layouts, any party, and its bounded size on a long trace.
#include "harness/picture.hpp"

#include <gtest/gtest.h>

namespace fealloc {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

Trace trace_of(const std::string& text) { return std::get<Trace>(parse_trace(text)); }

TEST(Picture, OneRowPerOperationWithLegendLabelsAndTitles) {
  const Trace t = trace_of("pool layout=evm end=0x800\nmalloc 224\nmalloc 1\nfree @1\nmalloc 128\n");
  const picture::Result r = picture::draw(t, {});
  EXPECT_EQ(r.rows, 5u);
  EXPECT_EQ(r.ops_run, 4u);
  EXPECT_FALSE(r.diverged);
  const std::string& svg = r.document;
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(count(svg, "<svg"), 1u);
  EXPECT_EQ(count(svg, "</svg>"), 1u);
  EXPECT_EQ(count(svg, "<title>"), count(svg, "</title>"));
  for (const char* row : {"pool (empty)", "#1 malloc 224", "#2 malloc 1", "#3 free @1", "#4 malloc 128"}) {
    EXPECT_EQ(count(svg, ">" + std::string(row) + "</text>"), 1u) << row;
  }
  for (const char* legend : {"state words", "used block", "padding", "free block", "above top", ">top<", ">end<"}) {
    EXPECT_NE(svg.find(legend), std::string::npos) << legend;
  }
  EXPECT_GE(count(svg, ">@4</text>"), 1u);  // the block malloc 128 made, labelled
  EXPECT_NE(svg.find("@2 used block 0x200, size 96, data 0x240, requested 1, padding 31"), std::string::npos);
  EXPECT_NE(svg.find("free block 0x"), std::string::npos);  // after #4 splits block @1
  EXPECT_EQ(count(svg, "<title>top 0x"), 5u);               // one top mark a row
}

TEST(Picture, HtmlWrapsTheSvg) {
  picture::Options o;
  o.html = true;
  const picture::Result r = picture::draw(trace_of("pool layout=thing end=0x100\nmalloc 1\n"), o);
  EXPECT_EQ(r.document.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(r.document, "<svg"), 1u);
  EXPECT_NE(r.document.find("</html>"), std::string::npos);
}

TEST(Picture, DivergenceIsMarkedWithTheFirstDifferingByte) {
  // spec 4.2: shrinking the top block without a split leaves its size word stale in thi.ng.
  const Trace t = trace_of("pool layout=evm semantics=thing end=0x320\nmalloc 96\nrealloc @1 1\nmalloc 1\n");
  picture::Options o;
  o.parties = {"port-thing", "port-seed", "model"};
  o.diverging_pair_only = true;
  const picture::Result r = picture::draw(t, o);
  ASSERT_TRUE(r.diverged);
  EXPECT_EQ(r.ops_run, 2u);
  EXPECT_NE(r.document.find("diverged: "), std::string::npos);
  EXPECT_EQ(count(r.document, "<title>first differing byte 0x"), 2u);  // in both columns
  EXPECT_EQ(count(r.document, "the diverging operation"), 1u);
  EXPECT_EQ(count(r.document, "font-weight=\"bold\">port-thing</text>"), 1u);
  EXPECT_EQ(count(r.document, "font-weight=\"bold\">port-seed</text>"), 1u);
  EXPECT_EQ(count(r.document, "font-weight=\"bold\">model</text>"), 0u);  // only the diverging pair
}

TEST(Picture, EveryPartyAndBothLayouts) {
  for (const char* layout : {"evm", "thing"}) {
    const Trace t = trace_of(std::string("pool layout=") + layout + " end=0x400\nmalloc 8\nmalloc 40\nfree @1\n");
    picture::Options o;
    o.parties = {"optimized", "port-seed", "model"};
    const picture::Result r = picture::draw(t, o);
    EXPECT_FALSE(r.diverged) << layout;
    EXPECT_EQ(count(r.document, ">@2</text>"), 6u) << layout;  // rows 2 and 3, three parties
    EXPECT_EQ(count(r.document, "free block 0x"), 3u) << layout;  // @1, below @2: row 3, three parties
  }
}

TEST(Picture, LongTraceIsThinnedToBoundedSize) {
  std::string text = "pool layout=evm end=0x100000\n";
  for (int i = 0; i < 3000; ++i) text += "malloc " + std::to_string(1 + i % 200) + "\n";
  const picture::Result r = picture::draw(trace_of(text), {});
  EXPECT_EQ(r.ops_run, 3000u);
  EXPECT_LE(r.rows, 201u);
  EXPECT_LT(r.document.size(), 2u << 20);
  EXPECT_NE(r.document.find(">#3000 malloc 200</text>"), std::string::npos);  // the last row is kept
}

}  // namespace
}  // namespace fealloc
