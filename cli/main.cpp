// fealloc: the command line. `fealloc replay [--impl NAME] [--final] TRACE` prints the replay
// output of spec/trace-format.md. Exit status: 0 ok, 2 bad input (usage, trace, options),
// 3 runtime error line printed (corrupt heap, illegal write).
#include "core/pool_config.hpp"
#include "harness/parties.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace fealloc;

int usage() {
  std::cerr << "usage:\n"
               "  fealloc replay [--impl port|optimized|model] [--final] TRACE\n";
  return kExitBadInput;
}

bool read_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

// Loads and validates a trace; prints `PATH:LINE: message` and returns false on any error.
bool load_trace(const std::string& path, Trace& trace, PoolConfig& config) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << path << ": cannot read the file\n";
    return false;
  }
  auto parsed = parse_trace(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    std::cerr << path << ":" << error->line << ": " << error->message << "\n";
    return false;
  }
  trace = std::move(std::get<Trace>(parsed));
  auto resolved = resolve_pool(trace.pool, EvmMemory::kDefaultCap);
  if (auto* error = std::get_if<std::string>(&resolved)) {
    std::cerr << path << ":1: bad pool options: " << *error << "\n";  // the pool line is the first statement
    return false;
  }
  config = std::get<PoolConfig>(resolved);
  return true;
}

int cmd_replay(const std::vector<std::string>& args) {
  std::string impl = "port";
  bool final_only = false;
  std::string path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--impl" && i + 1 < args.size()) {
      impl = args[++i];
    } else if (args[i] == "--final") {
      final_only = true;
    } else if (path.empty() && !args[i].empty() && args[i][0] != '-') {
      path = args[i];
    } else {
      return usage();
    }
  }
  if (path.empty()) return usage();
  Trace trace;
  PoolConfig config;
  if (!load_trace(path, trace, config)) return kExitBadInput;
  auto party = make_party(impl, config);
  if (!party) {
    std::cerr << "unknown implementation '" << impl << "' (or it does not implement " << semantics_name(config.semantics)
              << " semantics in the " << layout_name(config.layout) << " layout)\n";
    return kExitBadInput;
  }
  return replay(trace, *party, final_only, std::cout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  const std::string command = args.front();
  args.erase(args.begin());
  try {
    if (command == "replay") return cmd_replay(args);
  } catch (const std::exception& e) {
    std::cerr << "fealloc: " << e.what() << "\n";
    return kExitBadInput;
  }
  return usage();
}
