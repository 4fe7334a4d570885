// The CLI's inputs and outputs: `-` is standard input or output; a directory, a missing or an
// unreadable file is an error naming the path; a failed write is an error, never a silent loss.
// Traces are read in two passes, one line at a time, so memory does not grow with their length.
#pragma once

#include "core/pool_config.hpp"
#include "harness/trace.hpp"

#include <cstddef>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace fealloc::cli {

// Reads the whole of path ("-": standard input), refusing more than max_bytes; false after
// printing `PATH: why` on stderr.
bool read_input(const std::string& path, std::string& bytes, std::size_t max_bytes);
// Writes bytes to path ("-": standard output), flushed and checked; false after printing why.
bool write_output(const std::string& path, std::string_view bytes);
// The path as messages name it.
std::string display_name(const std::string& path);

// A trace file. check() reads it once, checking every line and the pool options and keeping only
// their count; reader() reads it again from the start for running it. Standard input is copied
// to an unlinked temporary file for the second pass.
class TraceFile {
 public:
  static constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

  // False after printing why (missing, a directory, unreadable).
  bool open(const std::string& path);
  // The first pass; false after printing `PATH:LINE: message`. A trace of more than max_ops
  // operations is refused at the first operation past it.
  bool check(std::size_t max_ops = kNoLimit);
  const PoolOptions& pool() const { return pool_; }
  const PoolConfig& config() const { return config_; }
  std::size_t op_count() const { return op_count_; }
  const std::string& name() const { return name_; }
  // A reader from the start of the file, for the second pass (whose lines check() has passed).
  TraceReader& reader();
  // The second pass collected: the trace's first max_ops operations (all by default), for traces
  // small enough to hold (the fuzz tools) or the part of one that a report shows.
  Trace load(std::size_t max_ops = kNoLimit);

 private:
  std::string name_;
  std::ifstream in_;
  std::optional<TraceReader> reader_;
  PoolOptions pool_;
  PoolConfig config_;
  int pool_line_ = 0;
  std::size_t op_count_ = 0;
};

// Splits "a,b,c".
std::vector<std::string> split_commas(const std::string& text);

}  // namespace fealloc::cli
