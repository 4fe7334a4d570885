// The command table: every command, its options and its help, written once.
#include "cli/commands.hpp"

#include "harness/replay.hpp"

#include <array>

namespace fealloc::cli {

namespace {

constexpr OptionSpec kTargetOption{"--target", "", "T", "the fuzz target: differential (default) or thing"};

constexpr std::array kReplayOptions{
    OptionSpec{"--impl", "", "NAME", "the implementation to run (default: port)"},
    OptionSpec{"--final", "", "", "print only the last operation's line"},
    OptionSpec{"--gas", "", "", "with --impl evm: each operation's gas on the EVM (total, expansion, execution)"},
};
constexpr std::array kCheckOptions{
    OptionSpec{"--parties", "", "A,B,...", "the parties to compare (default: every party of the trace's semantics)"},
};
constexpr std::array kDecodeOptions{kTargetOption};
constexpr std::array kEncodeOptions{
    OptionSpec{"--output", "-o", "FILE", "where to write the fuzz input (- for standard output)", true},
};
constexpr std::array kReproOptions{
    kTargetOption,
    OptionSpec{"--picture", "", "OUT", "also draw the heap over time of the two diverging parties side by side (SVG, or HTML for .html)"},
};
constexpr std::array kPictureOptions{
    OptionSpec{"--output", "-o", "OUT", "the picture: SVG, or an HTML page when OUT ends in .html or .htm", true},
    OptionSpec{"--parties", "", "A,B,...", "the parties to draw side by side (default: the port of the trace's semantics)"},
    OptionSpec{"--max-rows", "", "N", "at most N rows: a longer trace is thinned evenly (2..100000, default 200)"},
};
constexpr std::array kMinimizeOptions{
    kTargetOption,
    OptionSpec{"--max-runs", "", "N", "at most N runs of the input while shrinking it (1..10000000, default 5000)"},
    OptionSpec{"--output", "-o", "FILE", "the minimized input (default: FILE with .min.bin); its trace goes beside it"},
};

constexpr std::array kExhaustOptions{
    kTargetOption,
    OptionSpec{"--depth", "", "K", "sequences of up to K operations (1..64, default 4; with --seconds, 64)"},
    OptionSpec{"--seconds", "", "S", "stop inside the depth running after S seconds; the depth reached is the last finished"},
    OptionSpec{"--jobs", "", "N", "threads, each running whole pools (default 1)"},
    OptionSpec{"--shard", "", "I/N", "run only share I of N: pools I, I+N, ...; past one shard a pool, a pool's first operations"},
    OptionSpec{"--output", "-o", "DIR", "write each divergence's shortest trace there: NAME.trace, NAME.bin (fuzz input), NAME.signature"},
};

constexpr std::array kCommands{
    CommandSpec{"replay", "TRACE", 1, 1,
                "Replay a trace on one implementation and print one JSON line per operation (spec/trace-format.md).",
                replay_details, kReplayOptions, run_replay},
    CommandSpec{"check", "TRACE", 1, 1,
                "Run a trace on several parties, comparing them after every operation; print the first divergence.",
                check_details, kCheckOptions, run_check},
    CommandSpec{"decode", "FILE", 1, 1, "Print the trace a fuzz input decodes to (a .trace file: its canonical form).",
                target_details, kDecodeOptions, run_decode},
    CommandSpec{"encode", "TRACE", 1, 1, "Write a trace as a fuzz input that decodes back to it.", nullptr,
                kEncodeOptions, run_encode},
    CommandSpec{"repro", "FILE", 1, 1,
                "Run a fuzz input (or a .trace) on its target's parties: every result, and the divergence if any.",
                target_details, kReproOptions, run_repro},
    CommandSpec{"minimize", "FILE", 1, 1,
                "Shrink a diverging fuzz input (or .trace) to a smaller one with the same divergence signature.",
                target_details, kMinimizeOptions, run_minimize},
    CommandSpec{"exhaust", "", 0, 0,
                "Run every operation sequence up to a depth on tiny pools; print the shortest divergence.",
                exhaust_details, kExhaustOptions, run_exhaust},
    CommandSpec{"picture", "TRACE", 1, 1, "Draw the heap over time: one row per operation, address across (SVG or HTML).",
                picture_details, kPictureOptions, run_picture},
    CommandSpec{"dict", "", 0, 0, "Print the fuzz dictionary (fuzz/fealloc.dict).", nullptr, {}, run_dict},
};

constexpr const char* kExitCodes =
    "exit status:\n"
    "  0  done (check, repro, exhaust: the parties agree; exhaust --target thing: only known deviations)\n"
    "  1  the parties diverged (check, repro, exhaust); the report is on standard output\n"
    "  2  bad usage or bad input (an unreadable file, a malformed trace, bad pool options), or an output\n"
    "     that could not be written\n"
    "  3  the trace itself fails while running: a write outside a live block, a pointer @k+d above\n"
    "     2^256-1, or a corrupted heap (replay); the line says which\n";

}  // namespace

std::span<const CommandSpec> commands() { return kCommands; }

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& command : kCommands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

std::string usage() {
  std::string s = "usage: fealloc COMMAND [OPTIONS] OPERANDS    (fealloc COMMAND --help for each)\n\ncommands:\n";
  for (const CommandSpec& command : kCommands) {
    s += "  " + synopsis(command) + "\n      " + std::string(command.summary) + "\n";
  }
  s += "  fealloc --help | -h        this help\n  fealloc --version          the version and the formats it reads\n\n";
  s += "A file operand may be - for standard input.\n\n";
  return s + kExitCodes;
}

}  // namespace fealloc::cli
