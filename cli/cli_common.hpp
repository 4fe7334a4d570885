// Helpers shared by the CLI's commands: reading files, loading a trace with its options checked.
#pragma once

#include "core/pool_config.hpp"
#include "harness/trace.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fealloc::cli {

bool read_file(const std::string& path, std::string& text);
bool write_file(const std::string& path, const std::string& bytes);

// Loads and validates a trace; prints `PATH:LINE: message` and returns false on any error.
bool load_trace(const std::string& path, Trace& trace, PoolConfig& config);

std::vector<std::string> split_commas(const std::string& text);

}  // namespace fealloc::cli
