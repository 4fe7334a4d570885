// fealloc exhaust: every operation sequence up to a depth on the tiny pools (harness/exhaust.hpp).
#include "cli/commands.hpp"
#include "cli/io.hpp"
#include "fuzz/input_format.hpp"
#include "harness/exhaust.hpp"
#include "harness/thing_deviations.hpp"
#include "harness/replay.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace fealloc::cli {

namespace {

std::string seconds_text(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", s);
  return buffer;
}

// "I/N" with 1 <= I <= N: shard I of N (1-based on the command line).
bool parse_shard(const std::string& text, std::size_t& shard, std::size_t& shards) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  const auto i = parse_count(std::string_view(text).substr(0, slash), 1, 1u << 20);
  const auto n = parse_count(std::string_view(text).substr(slash + 1), 1, 1u << 20);
  if (!i || !n || *i > *n) return false;
  shard = static_cast<std::size_t>(*i - 1);
  shards = static_cast<std::size_t>(*n);
  return true;
}

// A file name for a finding: its known id (or "new"), the field and the operation.
std::string finding_name(const exhaust::Finding& f) {
  std::string name = "exhaust-" + (f.divergence.known.empty() ? std::string("new") : f.divergence.known) + "-" +
                     f.divergence.field + "-" + std::string(op_name(f.divergence.op_kind));
  for (char& c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) c = '-';
  }
  return name;
}

bool write_finding(const std::string& dir, const exhaust::Finding& f, std::string& written) {
  std::filesystem::create_directories(dir);
  const std::string base = (std::filesystem::path(dir) / finding_name(f)).string();
  const std::string text = "# Found by fealloc exhaust at depth " + std::to_string(f.trace.ops.size()) +
                           "; signature: " + f.signature() + "\n" + format_trace(f.trace);
  if (!write_output(base + ".trace", text)) return false;
  if (!write_output(base + ".signature", f.signature() + "\n")) return false;
  try {
    const std::vector<std::uint8_t> bytes = fuzz::encode(f.trace);
    if (!write_output(base + ".bin", std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()))) {
      return false;
    }
  } catch (const std::exception& e) {
    std::cerr << base << ".bin: " << e.what() << "\n";
    return false;
  }
  written = base;
  return true;
}

// The finding as a fuzz input (fuzz::encode), in hex: what -o would write as NAME.bin.
std::string corpus_hex(const exhaust::Finding& f) {
  try {
    std::string hex;
    char digits[3];
    for (std::uint8_t b : fuzz::encode(f.trace)) {
      std::snprintf(digits, sizeof digits, "%02x", b);
      hex += digits;
    }
    return hex;
  } catch (const std::exception& e) {
    return std::string("(cannot encode: ") + e.what() + ")";
  }
}

}  // namespace

std::string exhaust_details() {
  return "Runs every sequence of up to K operations (malloc/calloc at the pool's thresholds, free of live,\n"
         "freed, interior and garbage pointers, realloc that shrinks, grows and moves, free_all, writes) on\n"
         "the tiny pools (both layouts, compact and split on and off, two minSplits), breadth first with\n"
         "every check of the executor after every operation, extending only states not seen before.\n"
         "differential: optimized, port-seed and model must agree; the first divergence is a shortest one.\n"
         "thing: port-thing against the model; prints the shortest trace of each divergence signature\n"
         "(thi.ng's known deviations, spec 4); exit status 1 only for one no known deviation explains.\n";
}

int run_exhaust(const Arguments& args) {
  exhaust::Config config;
  const std::string target = args.value("--target").value_or("differential");
  if (target == "differential") {
    config.semantics = Semantics::seed;
  } else if (target == "thing") {
    config.semantics = Semantics::thing;
    config.stop_at_divergence = false;
  } else {
    std::cerr << "fealloc exhaust: unknown target " << quote_token(target) << " (differential, thing)\n";
    return kExitBadInput;
  }
  if (auto v = args.value("--depth")) {
    auto n = parse_count(*v, 1, 64);
    if (!n) {
      std::cerr << "fealloc exhaust: --depth takes 1..64, not " << quote_token(*v) << "\n";
      return kExitBadInput;
    }
    config.max_depth = static_cast<std::size_t>(*n);
  }
  if (auto v = args.value("--seconds")) {
    auto n = parse_count(*v, 1, 7 * 24 * 3600);
    if (!n) {
      std::cerr << "fealloc exhaust: --seconds takes 1..604800, not " << quote_token(*v) << "\n";
      return kExitBadInput;
    }
    config.max_seconds = static_cast<double>(*n);
    if (!args.value("--depth")) config.max_depth = 64;
  }
  if (auto v = args.value("--jobs")) {
    auto n = parse_count(*v, 1, 256);
    if (!n) {
      std::cerr << "fealloc exhaust: --jobs takes 1..256, not " << quote_token(*v) << "\n";
      return kExitBadInput;
    }
    config.jobs = static_cast<unsigned>(*n);
  }
  if (auto v = args.value("--shard")) {
    if (!parse_shard(*v, config.shard, config.shards)) {
      std::cerr << "fealloc exhaust: --shard takes I/N with 1 <= I <= N, not " << quote_token(*v) << "\n";
      return kExitBadInput;
    }
  }
  config.progress = [](const std::string& line) { std::cout << line << std::endl; };
  const std::vector<PoolOptions> pools = exhaust::tiny_pools(config.semantics);

  std::cout << "exhaust " << target << ": " << pools.size() << " tiny pools, shard " << config.shard + 1 << "/"
            << config.shards << ", depth up to " << config.max_depth;
  if (config.max_seconds > 0) std::cout << " or " << seconds_text(config.max_seconds);
  std::cout << ", " << config.jobs << (config.jobs == 1 ? " job" : " jobs") << std::endl;
  exhaust::Result result;
  try {
    result = exhaust::run(config);
  } catch (const std::invalid_argument& e) {
    std::cerr << "fealloc exhaust: " << e.what() << "\n";
    return kExitBadInput;
  }

  std::cout << "sequences " << result.sequences << ", distinct states " << result.states << ", depth reached "
            << result.depth
            << (result.exhausted   ? " (no new state past it: every deeper sequence is covered)"
                : result.timed_out ? " (time limit inside the next depth)"
                                   : "")
            << ", " << seconds_text(result.seconds) << ", " << result.pools << " pools\n";

  const std::string out_dir = args.value("--output").value_or("");
  bool unknown = false;
  for (const exhaust::Finding& f : result.findings) {
    const bool known = !f.divergence.known.empty();
    unknown = unknown || !known;
    std::cout << "\n" << (known ? "known deviation " + f.divergence.known : std::string("DIVERGENCE")) << " at depth "
              << f.trace.ops.size() << ", signature " << f.signature() << "\n";
    if (known) {
      std::cout << "shortest trace:\n" << format_trace(f.trace);
    } else {
      std::cout << f.divergence.report(f.trace);
    }
    if (!out_dir.empty()) {
      std::string written;
      if (!write_finding(out_dir, f, written)) return kExitBadInput;
      std::cout << "written: " << written << ".{trace,bin,signature}\n";
    } else {
      std::cout << "corpus file (fuzz input, hex; -o DIR writes it): " << corpus_hex(f) << "\n";
    }
  }
  if (result.findings.empty()) {
    std::cout << "agree: every sequence up to depth " << result.depth << " on every pool\n";
  }
  if (config.semantics == Semantics::thing) return unknown ? kExitDiverged : kExitOk;
  return result.findings.empty() ? kExitOk : kExitDiverged;
}

}  // namespace fealloc::cli
