// A picture of the heap over time: one row per operation, address across; the state words, used
// blocks (with the padding past what was requested), free blocks, the space above top, top and
// end, each in its own colour, each used block labelled with the operation that made it, every
// piece with a hover title (sizes and addresses) and a legend. SVG, or HTML around the SVG.
// Runs a trace through the executor on one or more parties (any party: the ones that keep bytes
// are read from memory as the allocator lays it out, the model from its own blocks) and draws
// them side by side; a divergence stops the run, and its row and the first differing byte are
// marked. Bounded: at most max_rows rows (a longer trace is thinned evenly, the first, the last
// and the diverging operation always kept) and at most a few thousand shapes a row.
#pragma once

#include "harness/trace.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fealloc::picture {

struct Options {
  std::vector<std::string> parties;  // empty: the port of the trace's semantics
  bool html = false;
  std::size_t max_rows = 200;
  // With a divergence: draw only the two parties that diverged (repro --picture).
  bool diverging_pair_only = false;
};

struct Result {
  std::string document;   // the SVG or HTML text
  std::size_t ops_run = 0;
  std::size_t rows = 0;   // rows drawn (operations, plus the empty pool)
  bool diverged = false;
  std::string divergence;  // its signature
  bool illegal_write = false;
};

// Throws std::invalid_argument for unknown parties or bad pool options.
Result draw(const Trace& trace, const Options& options);

}  // namespace fealloc::picture
