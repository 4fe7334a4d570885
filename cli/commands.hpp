// The CLI's commands, one table: each command's name, operands, options, help and handler. It
// drives dispatch (cli/main.cpp), the usage, each command's --help and the argument parser.
#pragma once

#include "cli/arguments.hpp"
#include "harness/trace.hpp"

#include <span>
#include <string>

namespace fealloc::cli {

std::span<const CommandSpec> commands();
const CommandSpec* find_command(std::string_view name);

// The whole usage: every command's synopsis and summary, and the exit codes.
std::string usage();

// Handlers (cli/trace_commands.cpp, cli/fuzz_commands.cpp). Each gets its parsed arguments and
// returns the exit status.
int run_replay(const Arguments& args);
int run_check(const Arguments& args);
int run_decode(const Arguments& args);
int run_encode(const Arguments& args);
int run_repro(const Arguments& args);
int run_minimize(const Arguments& args);
int run_dict(const Arguments& args);
int run_exhaust(const Arguments& args);  // cli/exhaust_command.cpp
int run_picture(const Arguments& args);  // cli/picture_command.cpp
// Draws `trace` on `parties` to `out` (harness/picture.hpp); false after printing why.
bool write_picture(const Trace& trace, const std::vector<std::string>& parties, bool pair_only, std::size_t max_rows,
                   const std::string& out);

// The lists of the registries, for help texts.
std::string replay_details();
std::string check_details();
std::string target_details();
std::string exhaust_details();
std::string picture_details();

}  // namespace fealloc::cli
