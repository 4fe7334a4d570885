// The CLI's inputs and outputs.
#include "cli/io.hpp"

#include "core/evm_memory.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <unistd.h>
#include <variant>

namespace fealloc::cli {

namespace {

// Why path cannot be read as a file, or "" when it can be opened.
std::string unreadable(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) return ec.message();
  if (std::filesystem::is_directory(status)) return "is a directory, not a file";
  return "";
}

bool open_stream(const std::string& path, std::ifstream& in) {
  if (const std::string why = unreadable(path); !why.empty()) {
    std::cerr << display_name(path) << ": " << why << "\n";
    return false;
  }
  in.open(path, std::ios::binary);
  if (!in) {
    std::cerr << display_name(path) << ": cannot open: " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

// Copies standard input to a temporary file, already unlinked, opened as `in`.
bool spool_stdin(std::ifstream& in) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/fealloc-stdin-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    std::cerr << "fealloc: cannot make a temporary file for standard input: " << std::strerror(errno) << "\n";
    return false;
  }
  bool ok = true;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    char buffer[1 << 16];
    while (ok) {
      std::cin.read(buffer, sizeof buffer);
      if (std::cin.gcount() <= 0) break;
      ok = static_cast<bool>(out.write(buffer, std::cin.gcount()));
    }
    ok = ok && !std::cin.bad() && static_cast<bool>(out.flush());
  }
  if (ok) in.open(path, std::ios::binary);
  ::close(fd);
  ::unlink(path.c_str());
  if (!ok || !in) {
    std::cerr << "fealloc: cannot copy standard input to a temporary file\n";
    return false;
  }
  return true;
}

}  // namespace

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

bool read_input(const std::string& path, std::string& bytes, std::size_t max_bytes) {
  std::ifstream file;
  if (path != "-" && !open_stream(path, file)) return false;
  std::istream& in = path == "-" ? std::cin : file;
  bytes.clear();
  char buffer[1 << 16];
  for (;;) {
    in.read(buffer, sizeof buffer);
    if (in.gcount() <= 0) break;
    if (bytes.size() + static_cast<std::size_t>(in.gcount()) > max_bytes) {
      std::cerr << display_name(path) << ": larger than " << max_bytes << " bytes\n";
      return false;
    }
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    std::cerr << display_name(path) << ": read error\n";
    return false;
  }
  return true;
}

bool write_output(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!std::cout.flush()) {
      std::cerr << "fealloc: cannot write standard output\n";
      return false;
    }
    return true;
  }
  if (std::filesystem::is_directory(path)) {
    std::cerr << path << ": is a directory, not a file\n";
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << path << ": cannot create: " << std::strerror(errno) << "\n";
    return false;
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::cerr << path << ": cannot write: " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

bool TraceFile::open(const std::string& path) {
  name_ = display_name(path);
  return path == "-" ? spool_stdin(in_) : open_stream(path, in_);
}

bool TraceFile::check(std::size_t max_ops) {
  TraceReader& r = reader();
  Operation op;
  while (r.next(op)) {
    if (r.ops_read() > max_ops) {
      std::cerr << name_ << ":" << op.line << ": more than " << max_ops << " operations, the most this command takes\n";
      return false;
    }
  }
  if (const auto& error = r.error()) {
    std::cerr << name_ << ":" << error->line << ": " << error->message << "\n";
    return false;
  }
  pool_ = r.pool();
  pool_line_ = r.pool_line();
  op_count_ = r.ops_read();
  auto resolved = resolve_pool(pool_, EvmMemory::kDefaultCap);
  if (auto* error = std::get_if<std::string>(&resolved)) {
    std::cerr << name_ << ":" << pool_line_ << ": bad pool options: " << *error << "\n";
    return false;
  }
  config_ = std::get<PoolConfig>(resolved);
  return true;
}

TraceReader& TraceFile::reader() {
  in_.clear();
  in_.seekg(0);
  reader_.emplace(in_);
  return *reader_;
}

Trace TraceFile::load(std::size_t max_ops) {
  TraceReader& r = reader();
  Trace trace;
  Operation op;
  while (trace.ops.size() < max_ops && r.next(op)) trace.ops.push_back(std::move(op));
  trace.pool = r.pool();
  trace.pool_line = r.pool_line();
  return trace;
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
