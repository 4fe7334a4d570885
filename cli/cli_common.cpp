// CLI helpers.
#include "cli/cli_common.hpp"

#include "core/evm_memory.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

namespace fealloc::cli {

bool read_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

bool write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

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

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    out.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

}  // namespace fealloc::cli
