// EvmParty and its runner process: node evm/runner.mjs on the other end of a socket pair, one
// per fealloc process, started on first use and shared by every EvmParty (each is a session of
// the runner). A request is one line, its answer one line; an answer that does not come within
// the timeout kills the runner, and a runner that dies is reported with its exit status, never
// waited for forever. After a failure the next party starts a new runner.
#include "harness/evm_party.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fealloc {

namespace {

std::string evm_dir() {
  if (const char* dir = std::getenv("FEALLOC_EVM_DIR"); dir != nullptr && *dir != '\0') return dir;
#ifdef FEALLOC_EVM_DIR
  return FEALLOC_EVM_DIR;
#else
  return "evm";
#endif
}

std::string node_program() {
  if (const char* node = std::getenv("FEALLOC_NODE"); node != nullptr && *node != '\0') return node;
  return "node";
}

int timeout_ms() {
  if (const char* t = std::getenv("FEALLOC_EVM_TIMEOUT"); t != nullptr && *t != '\0') {
    const long seconds = std::strtol(t, nullptr, 10);
    if (seconds > 0 && seconds < 100000) return static_cast<int>(seconds * 1000);
  }
  return 60000;
}

bool node_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string_view rest(path);
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    rest.remove_prefix(colon + 1);
  }
}

class Runner {
 public:
  static Runner& instance() {
    static Runner runner;
    return runner;
  }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;
  ~Runner() { stop(false); }

  std::uint64_t next_session() { return ++sessions_; }
  void shut_down() { stop(false); }

  // Sends a line and returns the answer line (without its newline); throws std::runtime_error.
  std::string call(const std::string& line) {
    if (fd_ < 0) start();
    send_line(line);
    return read_line(timeout_ms());
  }

 private:
  Runner() = default;

  void start() {
    const std::string reason = EvmParty::unavailable_reason();
    if (!reason.empty()) throw std::runtime_error(reason);
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      throw std::runtime_error(std::string("party evm: socketpair: ") + std::strerror(errno));
    }
    const std::string script = evm_dir() + "/runner.mjs";
    const std::string node = node_program();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    std::vector<char*> argv{const_cast<char*>(node.c_str()), const_cast<char*>(script.c_str()), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, node.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      throw std::runtime_error("party evm: cannot start " + node + ": " + std::strerror(rc));
    }
    fd_ = fds[0];
    pid_ = pid;
    buffer_.clear();
    send_line("ping");
    const std::string answer = read_line(timeout_ms());
    if (answer != "pong") {
      stop(true);
      throw std::runtime_error("party evm: the runner answered '" + answer + "' to ping");
    }
  }

  // Ends the runner: closing its input makes it exit; one that does not within 2 s is killed.
  // Returns how it ended, for messages.
  std::string stop(bool kill_now) {
    std::string how;
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (pid_ > 0) {
      if (kill_now) ::kill(pid_, SIGKILL);
      int status = 0;
      pid_t done = 0;
      for (int i = 0; i < 200 && (done = ::waitpid(pid_, &status, WNOHANG)) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (done == 0) {
        ::kill(pid_, SIGKILL);
        done = ::waitpid(pid_, &status, 0);
      }
      if (done == pid_) {
        if (WIFEXITED(status)) how = "exit status " + std::to_string(WEXITSTATUS(status));
        if (WIFSIGNALED(status)) how = "signal " + std::to_string(WTERMSIG(status));
      }
      pid_ = -1;
    }
    buffer_.clear();
    return how;
  }

  [[noreturn]] void died(const std::string& what) {
    const std::string how = stop(false);
    throw std::runtime_error("party evm: the runner (node " + evm_dir() + "/runner.mjs) " + what +
                             (how.empty() ? "" : " (" + how + ")"));
  }

  void send_line(const std::string& line) {
    std::string data = line + "\n";
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      // Whether a dead runner shows up here (EPIPE) or at the next read (EOF) is a race with its exit:
      // both say the same thing, so the message does not depend on scheduling.
      if (n <= 0) died("died");
      sent += static_cast<std::size_t>(n);
    }
  }

  std::string read_line(int timeout) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
    std::size_t searched = 0;  // a long answer (a big fill) arrives in many reads: scan each byte once
    while (true) {
      const std::size_t newline = buffer_.find('\n', searched);
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      searched = buffer_.size();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        stop(true);
        throw std::runtime_error("party evm: the runner did not answer within " + std::to_string(timeout / 1000) +
                                 " s (FEALLOC_EVM_TIMEOUT); it was killed");
      }
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) died("died");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  pid_t pid_ = -1;
  std::string buffer_;
  std::uint64_t sessions_ = 0;
};

std::string hex_of(const u256& v) {
  std::string s = to_hex(v);  // 0x...
  return s.substr(2);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::uint64_t hex_u64(const std::string& token) {
  if (token.empty() || token.size() > 16) throw std::runtime_error("party evm: bad number '" + token + "' from the runner");
  std::uint64_t v = 0;
  for (const char c : token) {
    int d = 0;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else throw std::runtime_error("party evm: bad number '" + token + "' from the runner");
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

[[noreturn]] void unexpected(const std::string& answer) {
  if (answer.rfind("e ", 0) == 0) throw std::runtime_error("party evm: " + answer.substr(2));
  throw std::runtime_error("party evm: unexpected answer '" + answer.substr(0, 200) + "'");
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t j = line.find(' ', i);
    const std::size_t stop = j == std::string::npos ? line.size() : j;
    if (stop > i) words.push_back(line.substr(i, stop - i));
    i = stop + 1;
  }
  return words;
}

}  // namespace

std::string EvmParty::unavailable_reason() {
  const std::string dir = evm_dir();
  const std::string node = node_program();
  if (!node_on_path(node)) return "party evm needs node (" + node + " not found; scripts/install-deps.sh installs it)";
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir + "/runner.mjs", ec)) return "party evm: " + dir + "/runner.mjs not found (FEALLOC_EVM_DIR)";
  for (const char* package : {"@ethereumjs/evm", "solc"}) {
    if (!fs::exists(dir + "/node_modules/" + package + "/package.json", ec)) {
      return "party evm needs the npm packages of " + dir + " (" + package +
             " missing): run `npm ci` there (scripts/install-deps.sh does)";
    }
  }
  return "";
}

void EvmParty::stop_runner() { Runner::instance().shut_down(); }

EvmParty::EvmParty(const PoolConfig& config) : config_(config) {
  if (config.layout != Layout::evm || config.semantics != Semantics::seed) {
    throw std::invalid_argument("the evm party runs the evm layout with seed semantics only");
  }
  session_ = Runner::instance().next_session();
  const std::uint64_t flags = (config.compact ? kFlagCompact : 0) | (config.split ? kFlagSplit : 0);
  request("open " + std::to_string(session_) + " " + hex_of(config.start) + " " + hex_of(config.end) + " " +
          hex_of(config.align) + " " + hex_of(flags) + " " + hex_of(config.min_split));
  open_ = true;
}

EvmParty::~EvmParty() {
  if (!open_) return;
  try {
    Runner::instance().call("close " + std::to_string(session_));
  } catch (const std::exception&) {
    // the runner is gone already: nothing to close
  }
}

u256 EvmParty::request(const std::string& line) {
  const std::string answer = Runner::instance().call(line);
  const std::vector<std::string> w = split(answer);
  if (w.empty() || w[0] != "r" || w.size() < 4) unexpected(answer);
  const std::optional<u256> ret = parse_u256("0x" + w[1]);
  if (!ret) throw std::runtime_error("party evm: bad return value '" + w[1] + "'");
  const std::uint64_t before = memory_.msize();
  last_gas_ = hex_u64(w[2]);
  ++operations_;
  stats_known_ = false;
  const std::uint64_t msize = hex_u64(w[3]);
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 4; i < w.size(); ++i) {
    const std::size_t eq = w[i].find('=');
    if (eq == std::string::npos || (w[i].size() - eq - 1) % 2 != 0) {
      throw std::runtime_error("party evm: bad memory change '" + w[i].substr(0, 80) + "'");
    }
    const std::uint64_t addr = hex_u64(w[i].substr(0, eq));
    bytes.clear();
    bytes.reserve((w[i].size() - eq - 1) / 2);
    for (std::size_t k = eq + 1; k < w[i].size(); k += 2) {
      const int hi = hex_digit(w[i][k]);
      const int lo = hex_digit(w[i][k + 1]);
      if (hi < 0 || lo < 0) throw std::runtime_error("party evm: bad memory change '" + w[i].substr(0, 80) + "'");
      bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    memory_.write_bytes(addr, bytes);
  }
  // The EVM's msize: reached by the bytes it changed, or by an access that changed none (a read,
  // a store of the same value): touched here by a read of its last byte.
  if (memory_.msize() < msize) {
    std::uint8_t last = 0;
    memory_.read_bytes(msize - 1, std::span<std::uint8_t>(&last, 1));
  }
  if (memory_.msize() != msize) {
    throw std::runtime_error("party evm: the EVM's msize " + std::to_string(msize) + " is below the bytes it changed (" +
                             std::to_string(memory_.msize()) + ")");
  }
  last_expansion_ = EvmMemory::gas_for_msize(msize) - EvmMemory::gas_for_msize(before);
  return *ret;
}

u256 EvmParty::malloc(const u256& size) { return request("op " + std::to_string(session_) + " malloc " + hex_of(size)); }

u256 EvmParty::calloc(const u256& size, std::uint8_t fill) {
  return request("op " + std::to_string(session_) + " calloc " + hex_of(size) + " " + hex_of(fill));
}

u256 EvmParty::realloc(const u256& ptr, const u256& size) {
  return request("op " + std::to_string(session_) + " realloc " + hex_of(ptr) + " " + hex_of(size));
}

bool EvmParty::free(const u256& ptr) { return request("op " + std::to_string(session_) + " free " + hex_of(ptr)) != 0; }

void EvmParty::free_all() { request("op " + std::to_string(session_) + " free_all"); }

// The Yul code walks its lists (ta_stats) when asked, not after every operation: the walk is
// O(blocks), and most operations of a differential run are not followed by a stats comparison.
Stats EvmParty::stats() const {
  if (!stats_known_) {
    const std::string answer = Runner::instance().call("op " + std::to_string(session_) + " stats");
    const std::vector<std::string> w = split(answer);
    if (w.size() != 8 || w[0] != "s") unexpected(answer);
    stats_.free_count = hex_u64(w[1]);
    stats_.free_size = hex_u64(w[2]);
    stats_.used_count = hex_u64(w[3]);
    stats_.used_size = hex_u64(w[4]);
    stats_.top = hex_u64(w[5]);
    stats_.available = static_cast<std::int64_t>(hex_u64(w[6]));
    stats_.total = hex_u64(w[7]);
    stats_known_ = true;
  }
  Stats s = stats_;
  s.msize = memory_.msize();
  s.gas = memory_.expansion_gas();
  return s;
}

void EvmParty::user_write(std::uint64_t address, std::span<const std::uint8_t> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(data.size() * 2);
  for (const std::uint8_t b : data) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 15];
  }
  request("op " + std::to_string(session_) + " write " + hex_of(address) + " " + (hex.empty() ? "-" : hex));
}

std::string EvmParty::check(CheckScope) const { return ""; }

}  // namespace fealloc
