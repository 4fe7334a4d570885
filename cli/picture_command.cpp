// fealloc picture, and the picture of `fealloc repro --picture`: the heap over time
// (harness/picture.hpp), as SVG or, for a name ending in .html or .htm, as an HTML page.
#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "harness/parties.hpp"
#include "harness/picture.hpp"
#include "harness/replay.hpp"

#include <filesystem>
#include <iostream>

namespace fealloc::cli {

namespace {
bool wants_html(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".html" || ext == ".htm";
}
}  // namespace

std::string picture_details() {
  return "One row per operation (the empty pool first), address across: state words, used blocks (the\n"
         "padding past the requested size lighter), free blocks, the space above top, top and end; each\n"
         "used block labelled @K, the operation that made it; hover shows sizes and addresses. Several\n"
         "parties are drawn side by side and run as `check` runs them: a divergence stops the picture\n"
         "at the diverging operation, marked with the first differing byte. OUT ending in .html or .htm\n"
         "is an HTML page, else SVG. Parties: " + party_list() + ".\n";
}

bool write_picture(const Trace& trace, const std::vector<std::string>& parties, bool pair_only, std::size_t max_rows,
                   const std::string& out) {
  picture::Options options;
  options.parties = parties;
  options.html = wants_html(out);
  options.max_rows = max_rows;
  options.diverging_pair_only = pair_only;
  picture::Result result;
  try {
    result = picture::draw(trace, options);
  } catch (const std::invalid_argument& e) {
    std::cerr << "fealloc: " << e.what() << "\n";
    return false;
  }
  if (!write_output(out, result.document)) return false;
  if (out != "-") {
    std::cerr << "picture: " << out << ", " << result.rows << " rows for " << result.ops_run << " operations"
              << (result.diverged ? ", diverged: " + result.divergence : std::string()) << "\n";
  }
  return true;
}

int run_picture(const Arguments& args) {
  std::size_t max_rows = 200;
  if (const auto text = args.value("--max-rows")) {
    const auto n = parse_count(*text, 2, 100000);
    if (!n) {
      std::cerr << "fealloc picture: --max-rows must be a whole number from 2 to 100000, not " << quote_token(*text) << "\n";
      return kExitBadInput;
    }
    max_rows = static_cast<std::size_t>(*n);
  }
  TraceFile file;
  if (!file.open(args.operands()[0]) || !file.check()) return kExitBadInput;
  std::vector<std::string> parties;
  if (auto list = args.value("--parties")) parties = split_commas(*list);
  return write_picture(file.load(), parties, false, max_rows, *args.value("--output")) ? kExitOk : kExitBadInput;
}

}  // namespace fealloc::cli
