// fealloc decode / encode / repro / minimize / dict: the fuzz input tools. A FILE operand is a
// fuzz input, or a trace when its name ends in .trace (run as it is, not through its encoding).
#include "cli/commands.hpp"
#include "cli/io.hpp"
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

// A fuzz input is at most this long (the engines' inputs are a few KiB; the format decodes at
// most fuzz::kMaxOpsV2 operations from any length).
constexpr std::size_t kMaxInputBytes = 16 << 20;

// An input of the fuzz tools: a fuzz input's bytes, or a trace.
struct FuzzInput {
  std::string name;
  Target target = Target::differential;
  std::optional<Trace> trace;  // a .trace file
  std::vector<std::uint8_t> bytes;
};

bool is_trace_path(const std::string& path) { return std::filesystem::path(path).extension() == ".trace"; }

std::optional<Target> target_option(const Arguments& args) {
  const auto name = args.value("--target");
  if (!name) return std::nullopt;
  auto target = fuzz::parse_target(*name);
  if (!target) throw std::invalid_argument("unknown target " + quote_token(*name) + " (differential, thing)");
  return target;
}

// Loads FILE; false after printing why. A trace of more than fuzz::kMaxOpsV2 operations is
// refused when its first operation past that is read: no fuzz input holds more.
bool load_input(const Arguments& args, FuzzInput& input) {
  const std::string& path = args.operands()[0];
  input.name = display_name(path);
  const std::optional<Target> target = target_option(args);
  if (is_trace_path(path)) {
    TraceFile file;
    if (!file.open(path) || !file.check(fuzz::kMaxOpsV2)) return false;
    input.trace = file.load();
    input.target = target.value_or(fuzz::target_for(input.trace->pool.semantics));
    return true;
  }
  std::string text;
  if (!read_input(path, text, kMaxInputBytes)) return false;
  input.bytes.assign(text.begin(), text.end());
  input.target = target.value_or(Target::differential);
  return true;
}

fuzz::RunOutcome run(const FuzzInput& input, const fuzz::RunOptions& options = {}) {
  return input.trace ? fuzz::run_trace(*input.trace, input.target, options)
                     : fuzz::run_input(input.bytes, input.target, options);
}

std::string parties_text(const std::vector<std::string>& parties) {
  std::string s;
  for (const auto& p : parties) s += (s.empty() ? "" : " ") + p;
  return s;
}

// Encodes a trace; false after printing why (too long, options no party takes, or a trace that
// would not decode back to itself because it does not run to its end).
bool encode_exactly(const std::string& name, const Trace& trace, std::vector<std::uint8_t>& bytes) {
  try {
    bytes = fuzz::encode(trace);
  } catch (const fuzz::EncodeError& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return false;
  }
  const Target target = fuzz::target_for(trace.pool.semantics);
  const std::string back = format_trace(fuzz::decode(bytes, target));
  if (back != format_trace(trace)) {
    std::cerr << name << ": the trace does not run to its end on " << fuzz::target_parties(target).front()
              << " (a write outside a live block, a pointer past 2^256-1, or a corrupted heap before the last operation), so its encoding "
                 "would decode to a different trace:\n"
              << back;
    return false;
  }
  return true;
}

}  // namespace

std::string target_details() {
  return "T: differential (optimized, port-seed, model; seed semantics) or thing (port-thing, model). A .trace\n"
         "FILE runs on the target of its semantics unless --target says otherwise.\n";
}

int run_decode(const Arguments& args) {
  FuzzInput input;
  if (!load_input(args, input)) return kExitBadInput;
  std::cout << format_trace(input.trace ? *input.trace : fuzz::decode(input.bytes, input.target));
  return kExitOk;
}

int run_encode(const Arguments& args) {
  const auto out = args.value("--output");  // required: the parser has checked it is there
  TraceFile file;
  if (!file.open(args.operands()[0]) || !file.check(fuzz::kMaxOpsV2)) return kExitBadInput;
  std::vector<std::uint8_t> bytes;
  if (!encode_exactly(file.name(), file.load(), bytes)) return kExitBadInput;
  return write_output(*out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())) ? kExitOk
                                                                                                          : kExitBadInput;
}

int run_repro(const Arguments& args) {
  FuzzInput input;
  if (!load_input(args, input)) return kExitBadInput;
  fuzz::RunOptions options;
  options.collect_lines = true;
  const fuzz::RunOutcome out = run(input, options);
  std::cout << "target " << fuzz::target_name(input.target) << " (" << parties_text(out.parties) << "), ";
  if (input.trace) {
    std::cout << "trace " << input.name << "\n";
    std::cout << "trace (" << input.trace->ops.size() << " operations):\n" << format_trace(*input.trace);
  } else {
    const std::uint8_t byte0 = input.bytes.empty() ? fuzz::kFormatVersion : input.bytes[0];
    const unsigned version = fuzz::effective_version(byte0);
    std::cout << input.bytes.size() << " bytes, format v" << version;
    if (byte0 != version) std::cout << " (byte 0 is " << unsigned{byte0} << ", read as v1)";
    std::cout << "\n";
    const Trace decoded = fuzz::decode(input.bytes, input.target);
    std::cout << "decoded trace (" << decoded.ops.size() << " operations):\n" << format_trace(decoded);
  }
  std::cout << "results:\n";
  for (const auto& line : out.lines) {
    for (std::size_t p = 0; p < line.size(); ++p) std::cout << out.parties[p] << " " << line[p] << "\n";
  }
  if (!out.trace_error.empty()) {
    const Operation& op = input.trace->ops[out.trace.ops.size()];
    std::cerr << input.name << ":" << op.line << ": " << out.trace_error << "\n";
    return kExitRuntimeError;
  }
  if (const auto picture = args.value("--picture")) {
    const Trace whole = input.trace ? *input.trace : fuzz::decode(input.bytes, input.target);
    if (!write_picture(whole, out.parties, true, 200, *picture)) return kExitBadInput;
  }
  if (!out.divergence) {
    std::cout << "no divergence: " << out.trace.ops.size() << " operations agree\n";
    return kExitOk;
  }
  std::cout << out.divergence->report(out.trace);
  return kExitDiverged;
}

int run_minimize(const Arguments& args) {
  std::size_t max_runs = 5000;
  if (const auto text = args.value("--max-runs")) {
    const auto n = parse_count(*text, 1, 10'000'000);
    if (!n) {
      std::cerr << "fealloc minimize: --max-runs must be a whole number from 1 to 10000000, not " << quote_token(*text) << "\n";
      return kExitBadInput;
    }
    max_runs = *n;
  }
  FuzzInput input;
  if (!load_input(args, input)) return kExitBadInput;
  const fuzz::RunOutcome out = run(input);
  if (!out.trace_error.empty()) {
    std::cerr << input.name << ": the trace fails before any divergence (" << out.trace_error << "): nothing to minimize\n";
    return kExitBadInput;
  }
  if (!out.divergence) {
    std::cerr << input.name << ": no divergence on the " << fuzz::target_name(input.target) << " target: nothing to minimize\n";
    return kExitBadInput;
  }
  const std::string signature = out.divergence->signature();
  auto result = fuzz::minimize(out.trace, input.target, signature, max_runs);
  if (!result) {
    std::cerr << input.name << ": the trace run does not reproduce " << signature << "\n";
    return kExitBadInput;
  }
  std::vector<std::uint8_t> min_bytes;
  try {
    min_bytes = fuzz::encode(result->trace);
  } catch (const fuzz::EncodeError& e) {
    std::cerr << input.name << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  std::filesystem::path out_path = args.value("--output").value_or("");
  if (out_path.empty()) {
    if (args.operands()[0] == "-") {
      std::cerr << "fealloc minimize: -o FILE is required for standard input\n";
      return kExitBadInput;
    }
    out_path = std::filesystem::path(args.operands()[0]);
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
  const std::string text = format_trace(fuzz::decode(min_bytes, input.target));
  const std::string header = "# minimized from " + input.name + " (" + std::to_string(out.trace.ops.size()) + " -> " +
                             std::to_string(result->trace.ops.size()) + " operations, " +
                             std::to_string(result->runs) + " runs)\n# signature: " + signature + "\n";
  const std::string_view bin(reinterpret_cast<const char*>(min_bytes.data()), min_bytes.size());
  if (!write_output(out_path.string(), bin) || !write_output(trace_path.string(), header + text)) return kExitBadInput;
  std::cout << header << text;
  std::cout << "wrote " << out_path.string() << " and " << trace_path.string() << "\n";
  return kExitOk;
}

int run_dict(const Arguments&) {
  std::cout << fuzz::dictionary_text();
  return kExitOk;
}

}  // namespace fealloc::cli
