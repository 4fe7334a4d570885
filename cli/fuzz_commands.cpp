// fealloc decode / encode / repro / minimize / dict: the fuzz input tools.
// Exit status: 0 ok (repro: no divergence), 1 repro: diverged, 2 bad input or usage.
#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "fuzz/input_format.hpp"
#include "fuzz/minimize.hpp"
#include "fuzz/targets.hpp"
#include "harness/replay.hpp"

#include <filesystem>
#include <iostream>
#include <optional>

namespace fealloc::cli {

namespace {

using fuzz::Target;

const char* kFuzzUsage =
    "  fealloc decode [--target differential|thing] FILE       print the trace a fuzz input decodes to\n"
    "  fealloc encode TRACE -o FILE                             write a trace as a fuzz input\n"
    "  fealloc repro [--target differential|thing] FILE         replay a fuzz input (or a .trace) on the target\n"
    "  fealloc minimize [--target T] [--max-runs N] FILE [-o OUT]  shrink a diverging input (writes OUT, OUT's .trace)\n"
    "  fealloc dict                                             print the fuzz dictionary (fuzz/fealloc.dict)\n";

int usage_error() {
  std::cerr << "usage:\n" << kFuzzUsage;
  return kExitBadInput;
}

struct Args {
  std::optional<Target> target;
  std::string path;
  std::string out;
  std::size_t max_runs = 5000;
  bool ok = true;
};

Args parse_args(const std::vector<std::string>& args, bool takes_target, bool takes_out, bool takes_max_runs) {
  Args a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (takes_target && args[i] == "--target" && i + 1 < args.size()) {
      a.target = fuzz::parse_target(args[++i]);
      if (!a.target) {
        std::cerr << "unknown target '" << args[i] << "' (differential, thing)\n";
        a.ok = false;
      }
    } else if (takes_out && args[i] == "-o" && i + 1 < args.size()) {
      a.out = args[++i];
    } else if (takes_max_runs && args[i] == "--max-runs" && i + 1 < args.size()) {
      try {
        a.max_runs = std::stoul(args[++i]);
      } catch (const std::exception&) {
        a.ok = false;
      }
    } else if (a.path.empty() && !args[i].empty() && args[i][0] != '-') {
      a.path = args[i];
    } else {
      a.ok = false;
    }
  }
  if (a.path.empty()) a.ok = false;
  return a;
}

// A fuzz input from a file: its bytes, or for a .trace file its encoding (whose semantics then
// is the default target).
bool load_input(const std::string& path, std::optional<Target>& target, std::vector<std::uint8_t>& bytes) {
  if (std::filesystem::path(path).extension() == ".trace") {
    Trace trace;
    PoolConfig config;
    if (!load_trace(path, trace, config)) return false;
    try {
      bytes = fuzz::encode(trace);
    } catch (const fuzz::EncodeError& e) {
      std::cerr << path << ": " << e.what() << "\n";
      return false;
    }
    if (!target) target = fuzz::target_for(trace.pool.semantics);
    return true;
  }
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << path << ": cannot read the file\n";
    return false;
  }
  bytes.assign(text.begin(), text.end());
  if (!target) target = Target::differential;
  return true;
}

std::string as_string(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

std::string parties_text(const std::vector<std::string>& parties) {
  std::string s;
  for (const auto& p : parties) s += (s.empty() ? "" : " ") + p;
  return s;
}

}  // namespace

const char* fuzz_usage() { return kFuzzUsage; }

int cmd_decode(const std::vector<std::string>& args) {
  Args a = parse_args(args, true, false, false);
  if (!a.ok) return usage_error();
  std::vector<std::uint8_t> bytes;
  if (!load_input(a.path, a.target, bytes)) return kExitBadInput;
  std::cout << format_trace(fuzz::decode(bytes, *a.target));
  return kExitOk;
}

int cmd_encode(const std::vector<std::string>& args) {
  Args a = parse_args(args, false, true, false);
  if (!a.ok || a.out.empty()) return usage_error();
  Trace trace;
  PoolConfig config;
  if (!load_trace(a.path, trace, config)) return kExitBadInput;
  std::vector<std::uint8_t> bytes;
  try {
    bytes = fuzz::encode(trace);
  } catch (const fuzz::EncodeError& e) {
    std::cerr << a.path << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  // The encoding is exact only for a trace that replays without a runtime error: say so.
  const Target target = fuzz::target_for(trace.pool.semantics);
  const std::string back = format_trace(fuzz::decode(bytes, target));
  if (back != format_trace(trace)) {
    std::cerr << a.path << ": the trace does not replay to its end on " << fuzz::target_parties(target).front()
              << " (a write outside a live block, or a corrupted heap before the last operation), so its encoding "
                 "would decode to a different trace:\n"
              << back;
    return kExitBadInput;
  }
  if (!write_file(a.out, as_string(bytes))) {
    std::cerr << a.out << ": cannot write the file\n";
    return kExitBadInput;
  }
  return kExitOk;
}

int cmd_repro(const std::vector<std::string>& args) {
  Args a = parse_args(args, true, false, false);
  if (!a.ok) return usage_error();
  std::vector<std::uint8_t> bytes;
  if (!load_input(a.path, a.target, bytes)) return kExitBadInput;
  const Target target = *a.target;
  const Trace decoded = fuzz::decode(bytes, target);
  fuzz::RunOptions options;
  options.collect_lines = true;
  const fuzz::RunOutcome out = fuzz::run_input(bytes, target, options);
  const unsigned version = bytes.empty() ? fuzz::kFormatVersion : bytes[0];
  std::cout << "target " << fuzz::target_name(target) << " (" << parties_text(out.parties) << "), " << bytes.size()
            << " bytes, format v" << int{fuzz::kFormatVersion};
  if (version != fuzz::kFormatVersion) std::cout << " (byte 0 is " << version << ", read as v1)";
  std::cout << "\n";
  std::cout << "decoded trace (" << decoded.ops.size() << " operations):\n" << format_trace(decoded);
  std::cout << "results:\n";
  for (std::size_t i = 0; i < out.lines.size(); ++i) {
    for (std::size_t p = 0; p < out.lines[i].size(); ++p) {
      std::cout << out.parties[p] << " " << out.lines[i][p] << "\n";
    }
  }
  if (!out.divergence) {
    std::cout << "no divergence: " << out.trace.ops.size() << " operations agree\n";
    return kExitOk;
  }
  std::cout << out.divergence->report(out.trace);
  return kExitDiverged;
}

int cmd_minimize(const std::vector<std::string>& args) {
  Args a = parse_args(args, true, true, true);
  if (!a.ok) return usage_error();
  std::vector<std::uint8_t> bytes;
  if (!load_input(a.path, a.target, bytes)) return kExitBadInput;
  const Target target = *a.target;
  const fuzz::RunOutcome out = fuzz::run_input(bytes, target);
  if (!out.divergence) {
    std::cerr << a.path << ": no divergence on the " << fuzz::target_name(target) << " target: nothing to minimize\n";
    return kExitBadInput;
  }
  const std::string signature = out.divergence->signature();
  auto result = fuzz::minimize(out.trace, target, signature, a.max_runs);
  if (!result) {
    std::cerr << a.path << ": the decoded trace does not reproduce " << signature << "\n";
    return kExitBadInput;
  }
  std::vector<std::uint8_t> min_bytes;
  try {
    min_bytes = fuzz::encode(result->trace);
  } catch (const fuzz::EncodeError& e) {
    std::cerr << a.path << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  std::filesystem::path out_path = a.out;
  if (out_path.empty()) {
    out_path = std::filesystem::path(a.path);
    out_path.replace_extension();
    out_path += ".min.bin";
  }
  std::filesystem::path trace_path = out_path;
  if (trace_path.extension() == ".bin") {
    trace_path.replace_extension(".trace");
  } else {
    trace_path += ".trace";
  }
  // What the file decodes to is the trace kept beside it (they are equal by construction).
  const std::string text = format_trace(fuzz::decode(min_bytes, target));
  const std::string header = "# minimized from " + a.path + " (" + std::to_string(out.trace.ops.size()) + " -> " +
                             std::to_string(result->trace.ops.size()) + " operations, " +
                             std::to_string(result->runs) + " runs)\n# signature: " + signature + "\n";
  if (!write_file(out_path.string(), as_string(min_bytes)) || !write_file(trace_path.string(), header + text)) {
    std::cerr << out_path.string() << ": cannot write the files\n";
    return kExitBadInput;
  }
  std::cout << header << text;
  std::cout << "wrote " << out_path.string() << " and " << trace_path.string() << "\n";
  return kExitOk;
}

int cmd_dict(const std::vector<std::string>& args) {
  if (!args.empty()) return usage_error();
  std::cout << fuzz::dictionary_text();
  return kExitOk;
}

}  // namespace fealloc::cli
