// The heap picture (harness/picture.hpp).
#include "harness/picture.hpp"

#include "harness/divergence.hpp"
#include "harness/executor.hpp"
#include "harness/parties.hpp"
#include "reference/model.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

namespace fealloc::picture {

namespace {

struct Block {
  std::uint64_t addr = 0;
  std::uint64_t size = 0;
  bool used = false;
  bool requested_known = false;
  std::uint64_t requested = 0;
  std::uint32_t made_by = 0;  // the operation that returned its data address last, 0 when none
};

struct Snapshot {
  std::uint64_t top = 0;
  std::vector<Block> blocks;  // by address
  std::string note;           // a list walk that had to stop
};

struct Row {
  std::size_t op = 0;  // 0: the empty pool
  std::string text;
  std::vector<Snapshot> parties;  // per drawn party
};

const char* kColState = "#6c5ce7";
const char* kColGap = "#dfe6e9";
const char* kColUsed = "#0984e3";
const char* kColPadding = "#a4d4ff";
const char* kColFree = "#00b894";
const char* kColAbove = "#f7f7f7";
const char* kColMixed = "#6c9ab8";  // a run of blocks too small to draw, used and free
const char* kColTop = "#2d3436";
const char* kColEnd = "#d63031";

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::uint64_t read_word(const EvmMemory& m, const PoolConfig& c, std::uint64_t addr) {
  return c.layout == Layout::evm ? m.peek_word32(addr) : m.peek_le32(addr);
}

// The blocks of a party: the model's own, or the lists as the memory holds them (bounded walks).
Snapshot snapshot(Allocator& party, const TraceState& state, const std::map<std::uint64_t, std::uint32_t>& made_by) {
  const PoolConfig& c = party.config();
  Snapshot s;
  std::vector<Block> blocks;
  if (const auto* model = dynamic_cast<const ReferenceModel*>(&party)) {
    s.top = model->top();
    for (const auto& b : model->used_blocks()) blocks.push_back(Block{b.addr, b.size, true, false, 0, 0});
    for (const auto& [addr, size] : model->free_blocks()) blocks.push_back(Block{addr, size, false, false, 0, 0});
  } else if (const EvmMemory* m = party.memory()) {
    const std::uint64_t w = c.params.word;
    s.top = read_word(*m, c, c.start + 2 * w);
    const std::uint64_t limit = (c.end - c.initial_top) / c.align + 2;
    for (int list = 0; list < 2; ++list) {  // 0: free, 1: used
      std::uint64_t b = read_word(*m, c, c.start + static_cast<std::uint64_t>(list) * w);
      std::set<std::uint64_t> seen;
      for (std::uint64_t steps = 0; b != 0; ++steps) {
        if (steps > limit || b < c.initial_top || b >= c.end || !seen.insert(b).second) {
          s.note += std::string(list == 0 ? "free" : "used") + " list walk stopped at " + hex(b) + "; ";
          break;
        }
        blocks.push_back(Block{b, read_word(*m, c, b), list == 1, false, 0, 0});
        b = read_word(*m, c, b + w);
      }
    }
  } else {
    s.note = "this party shows no blocks";
  }
  const std::uint64_t h = c.params.header;
  for (Block& b : blocks) {
    if (!b.used) continue;
    auto live = state.live().find(u256(b.addr + h));
    if (live != state.live().end() && fits_u64(live->second)) {
      b.requested_known = true;
      b.requested = low_u64(live->second);
    }
    auto made = made_by.find(b.addr + h);
    if (made != made_by.end()) b.made_by = made->second;
  }
  std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.addr < b.addr; });
  s.blocks = std::move(blocks);
  return s;
}

std::string op_text(std::size_t k, const Operation& op) {
  std::string t = "#" + std::to_string(k) + " " + format_operation(op);
  if (t.size() > 34) t = t.substr(0, 31) + "...";
  return t;
}

}  // namespace

Result draw(const Trace& trace, const Options& options) {
  std::vector<std::string> parties = options.parties;
  if (parties.empty()) {
    const PartyInfo* port = find_implementation("port", trace.pool.semantics);
    parties.push_back(std::string(port->name));
  }
  Executor::Options run;
  run.keep_trace = false;
  std::string error;
  auto ex = Executor::create(trace.pool, parties, error, run);
  if (!ex) throw std::invalid_argument(error);
  const PoolConfig config = ex->party(0).config();

  Result result;
  const std::size_t n = trace.ops.size();
  const std::size_t max_rows = std::max<std::size_t>(options.max_rows, 2);
  const std::size_t stride = (n + 1 + max_rows - 1) / max_rows;
  std::map<std::uint64_t, std::uint32_t> made_by;
  std::vector<Row> rows;
  auto take = [&](std::size_t k, std::string text) {
    Row row;
    row.op = k;
    row.text = std::move(text);
    for (std::size_t i = 0; i < ex->party_count(); ++i) row.parties.push_back(snapshot(ex->party(i), ex->state(), made_by));
    rows.push_back(std::move(row));
  };
  take(0, "pool (empty)");
  Executor::StepStatus status = Executor::StepStatus::ok;
  for (std::size_t k = 1; k <= n; ++k) {
    const Operation& op = trace.ops[k - 1];
    status = ex->step(op);
    if (status == Executor::StepStatus::trace_error) {
      result.illegal_write = true;
      break;
    }
    const OpResult& r = ex->last_result(0);
    if (r.kind == OpResult::Kind::pointer && r.pointer != 0 && fits_u64(r.pointer)) {
      made_by[low_u64(r.pointer)] = static_cast<std::uint32_t>(k);
    }
    result.ops_run = k;
    if (status == Executor::StepStatus::ok && k == n) status = ex->finish();
    if (status != Executor::StepStatus::ok || k % stride == 0 || k == n) take(k, op_text(k, op));
    if (status != Executor::StepStatus::ok) break;
  }
  if (n == 0 && status == Executor::StepStatus::ok) status = ex->finish();
  std::uint64_t diff_at = config.end;
  std::vector<std::size_t> drawn;
  if (status == Executor::StepStatus::diverged) {
    const Divergence& d = *ex->divergence();
    result.diverged = true;
    result.divergence = d.signature();
    std::size_t a = 0, b = 0;
    for (std::size_t i = 0; i < parties.size(); ++i) {
      if (parties[i] == d.party_a) a = i;
      if (parties[i] == d.party_b) b = i;
    }
    if (options.diverging_pair_only) drawn = {a, b};
    const EvmMemory* ma = ex->party(a).memory();
    const EvmMemory* mb = ex->party(b).memory();
    if (ma != nullptr && mb != nullptr) diff_at = first_difference(*ma, *mb, 0, config.end);
  }
  if (drawn.empty()) {
    for (std::size_t i = 0; i < parties.size(); ++i) drawn.push_back(i);
  }
  result.rows = rows.size();

  // Geometry: the address span shown is [0, end) unless the heap stays far below end (evm pools
  // of megabytes): then up to a little past the highest top, with end noted off the edge.
  std::uint64_t max_top = config.initial_top;
  for (const Row& row : rows) {
    for (const Snapshot& s : row.parties) {
      max_top = std::max(max_top, std::min(s.top, config.end));
      for (const Block& b : s.blocks) max_top = std::max(max_top, std::min(b.addr + b.size, config.end));
    }
  }
  std::uint64_t span = config.end;
  if (config.end > 2 * max_top) span = std::min(config.end, (max_top + max_top / 4 + 31) / 32 * 32);
  const double label_w = 250, gap = 24;
  const double heap_w = drawn.size() == 1 ? 1000 : 1100.0 / static_cast<double>(drawn.size());
  const double row_h = rows.size() > 100 ? 11 : 16;
  const double top_margin = 96;
  const double width = label_w + static_cast<double>(drawn.size()) * (heap_w + gap) + 10;
  const double height = top_margin + static_cast<double>(rows.size()) * row_h + 24;
  // Blocks narrower than this many pixels are drawn as runs; with very many blocks the runs get
  // wider, so that the document stays a few megabytes at most.
  std::size_t total_blocks = 0;
  for (const Row& row : rows) {
    for (std::size_t i : drawn) total_blocks += row.parties[i].blocks.size();
  }
  const double tiny_px = 2.0 * std::max<double>(1.0, static_cast<double>(total_blocks) / 30000.0);
  auto x_of = [&](std::size_t col, std::uint64_t addr) {
    const double a = static_cast<double>(std::min(addr, span));
    return label_w + static_cast<double>(col) * (heap_w + gap) + a * heap_w / static_cast<double>(span);
  };

  std::string svg;
  svg.reserve(rows.size() * drawn.size() * 600 + 4096);
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
         "\" font-family=\"monospace\" font-size=\"11\">\n";
  svg += "<style>rect.b:hover{stroke:#000;stroke-width:1.5}</style>\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  std::string title = format_pool(trace.pool) + "  (" + std::to_string(result.ops_run) + " of " + std::to_string(n) +
                      " operations run";
  if (stride > 1) title += "; every " + std::to_string(stride) + "th drawn";
  title += ")";
  svg += "<text x=\"8\" y=\"16\" font-size=\"13\" font-weight=\"bold\">" + escape(title) + "</text>\n";
  if (result.diverged) {
    svg += "<text x=\"8\" y=\"32\" fill=\"" + std::string(kColEnd) + "\">diverged: " + escape(result.divergence) +
           (diff_at < config.end ? "; first differing byte " + hex(diff_at) : std::string()) + "</text>\n";
  }
  // Legend.
  const std::pair<const char*, const char*> legend[] = {
      {kColState, "state words"}, {kColGap, "below the first block"}, {kColUsed, "used block (header + requested)"},
      {kColPadding, "padding"},   {kColFree, "free block"},           {kColMixed, "small blocks"},
      {kColAbove, "above top"}};
  double lx = 8;
  for (const auto& [colour, name] : legend) {
    svg += "<rect x=\"" + num(lx) + "\" y=\"40\" width=\"12\" height=\"12\" fill=\"" + colour +
           "\" stroke=\"#999\"/><text x=\"" + num(lx + 16) + "\" y=\"50\">" + name + "</text>\n";
    lx += 30 + 7.0 * static_cast<double>(std::string_view(name).size());
  }
  svg += "<line x1=\"" + num(lx) + "\" y1=\"38\" x2=\"" + num(lx) + "\" y2=\"54\" stroke=\"" + kColTop +
         "\" stroke-width=\"2\"/><text x=\"" + num(lx + 5) + "\" y=\"50\">top</text>\n";
  lx += 40;
  svg += "<line x1=\"" + num(lx) + "\" y1=\"38\" x2=\"" + num(lx) + "\" y2=\"54\" stroke=\"" + kColEnd +
         "\" stroke-width=\"2\"/><text x=\"" + num(lx + 5) + "\" y=\"50\">end</text>\n";
  // Column heads and the address axis.
  for (std::size_t col = 0; col < drawn.size(); ++col) {
    const double x0 = x_of(col, 0);
    svg += "<text x=\"" + num(x0) + "\" y=\"70\" font-weight=\"bold\">" + escape(parties[drawn[col]]) + "</text>\n";
    std::string axis = "0 .. " + hex(span);
    if (span < config.end) axis += "  (end " + hex(config.end) + " is off the right edge)";
    svg += "<text x=\"" + num(x0) + "\" y=\"86\" fill=\"#636e72\">" + escape(axis) + "</text>\n";
  }

  const std::uint64_t h = config.params.header;
  const std::uint64_t state_end = config.start + config.params.state;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    const double y = top_margin + static_cast<double>(r) * row_h;
    const double bh = row_h - 2;
    const bool diverging = result.diverged && r + 1 == rows.size();
    svg += "<text x=\"8\" y=\"" + num(y + bh - 2) + "\"" + (diverging ? " fill=\"#d63031\" font-weight=\"bold\"" : "") +
           ">" + escape(row.text) + "</text>\n";
    for (std::size_t col = 0; col < drawn.size(); ++col) {
      const Snapshot& s = row.parties[drawn[col]];
      auto rect = [&](std::uint64_t from, std::uint64_t to, const char* colour, const std::string& tip, bool block) {
        if (to <= from || from >= span) return;
        const double x1 = x_of(col, from);
        const double w = std::max(x_of(col, to) - x1, 0.6);
        svg += "<rect" + std::string(block ? " class=\"b\"" : "") + " x=\"" + num(x1) + "\" y=\"" + num(y) +
               "\" width=\"" + num(w) + "\" height=\"" + num(bh) + "\" fill=\"" + colour + (block ? "\" stroke=\"#ffffff\" stroke-width=\"0.6" : "") +
               "\"><title>" + escape(tip) +
               "</title></rect>\n";
      };
      const std::uint64_t top = std::min(s.top, config.end);
      rect(config.start, state_end, kColState,
           "state words " + hex(config.start) + ".." + hex(state_end) + " (free, used, top=" + hex(s.top) + ", end, align, flags, minSplit)",
           false);
      rect(state_end, config.initial_top, kColGap, "alignment gap " + hex(state_end) + ".." + hex(config.initial_top), false);
      rect(top, config.end, kColAbove, "above top: " + hex(top) + ".." + hex(config.end) + ", " + std::to_string(config.end - top) + " bytes", false);
      // Blocks narrower than tiny_px are drawn as runs: one shape for each run of them.
      struct Run {
        std::uint64_t from = 0, to = 0;
        std::size_t used = 0, free = 0;
      } small;
      auto flush = [&] {
        if (small.used + small.free == 0) return;
        const char* colour = small.free == 0 ? kColUsed : small.used == 0 ? kColFree : kColMixed;
        rect(small.from, small.to, colour,
             std::to_string(small.used + small.free) + " small blocks " + hex(small.from) + ".." + hex(small.to) + ": " +
                 std::to_string(small.used) + " used, " + std::to_string(small.free) + " free",
             false);
        small = Run{};
      };
      for (const Block& b : s.blocks) {
        const std::uint64_t b_end = std::min(b.addr + b.size, config.end);
        const double px = x_of(col, b.addr);
        const double w = x_of(col, b_end) - px;
        if (w < tiny_px) {
          if (small.used + small.free == 0) small.from = b.addr;
          small.to = std::max(small.to, b_end);
          ++(b.used ? small.used : small.free);
          continue;
        }
        flush();
        const std::string made = b.made_by != 0 ? "@" + std::to_string(b.made_by) + " " : "";
        if (!b.used) {
          rect(b.addr, b_end, kColFree, "free block " + hex(b.addr) + ", size " + std::to_string(b.size), true);
          continue;
        }
        const std::uint64_t data_end = b.requested_known ? std::min(b.addr + h + b.requested, b_end) : b_end;
        std::string tip = made + "used block " + hex(b.addr) + ", size " + std::to_string(b.size) + ", data " + hex(b.addr + h);
        if (b.requested_known) {
          tip += ", requested " + std::to_string(b.requested) + ", padding " + std::to_string(b_end - data_end);
        }
        rect(b.addr, data_end, kColUsed, tip, true);
        rect(data_end, b_end, kColPadding, tip, true);
        if (b.made_by != 0 && w >= 24) {
          svg += "<text x=\"" + num(px + 3) + "\" y=\"" + num(y + bh - 2) + "\" fill=\"#ffffff\" pointer-events=\"none\">@" +
                 std::to_string(b.made_by) + "</text>\n";
        }
      }
      flush();
      const double xt = x_of(col, top);
      if (top <= span) {
        svg += "<line x1=\"" + num(xt) + "\" y1=\"" + num(y - 1) + "\" x2=\"" + num(xt) + "\" y2=\"" + num(y + bh + 1) +
               "\" stroke=\"" + kColTop + "\" stroke-width=\"2\"><title>top " + hex(s.top) + "</title></line>\n";
      }
      if (config.end <= span) {
        const double xe = x_of(col, config.end);
        svg += "<line x1=\"" + num(xe) + "\" y1=\"" + num(y - 1) + "\" x2=\"" + num(xe) + "\" y2=\"" + num(y + bh + 1) +
               "\" stroke=\"" + kColEnd + "\" stroke-width=\"2\"><title>end " + hex(config.end) + "</title></line>\n";
      }
      if (!s.note.empty()) {
        svg += "<text x=\"" + num(x_of(col, 0) + 2) + "\" y=\"" + num(y + bh - 2) + "\" fill=\"#d63031\">" +
               escape(s.note) + "</text>\n";
      }
      if (diverging && diff_at < span) {
        const double xd = x_of(col, diff_at);
        svg += "<path d=\"M" + num(xd - 5) + " " + num(y - 6) + " L" + num(xd + 5) + " " + num(y - 6) + " L" + num(xd) +
               " " + num(y + 1) + " Z\" fill=\"#d63031\"><title>first differing byte " + hex(diff_at) +
               "</title></path>\n";
      }
    }
    if (diverging) {
      svg += "<rect x=\"2\" y=\"" + num(y - 1) + "\" width=\"" + num(width - 4) + "\" height=\"" + num(row_h) +
             "\" fill=\"none\" stroke=\"#d63031\" stroke-width=\"2\"><title>the diverging operation: " +
             escape(result.divergence) + "</title></rect>\n";
    }
  }
  svg += "</svg>\n";
  if (!options.html) {
    result.document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg;
    return result;
  }
  result.document =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>fealloc picture</title>\n"
      "<style>body{margin:8px;font-family:sans-serif} .heap{overflow:auto;max-height:96vh;border:1px solid #ccc}</style>\n"
      "</head><body>\n<div class=\"heap\">\n" +
      svg + "</div>\n<p>Hover over a block for its address, size and the operation that made it.</p>\n</body></html>\n";
  return result;
}

}  // namespace fealloc::picture
