// fealloc: the command line. Dispatch, usage and --help come from the command table
// (cli/commands.cpp); exit statuses are listed in its usage. Standard output is flushed and
// checked before exit: output that could not be written is an error.
#include "cli/commands.hpp"
#include "fuzz/input_format.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <cstdio>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#ifndef FEALLOC_VERSION
#define FEALLOC_VERSION "unknown"
#endif

namespace {

using namespace fealloc;
using namespace fealloc::cli;

int dispatch(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    std::cerr << usage();
    return kExitBadInput;
  }
  const std::string& first = argv.front();
  if (first == "--help" || first == "-h" || first == "help") {
    if (argv.size() == 2 && find_command(argv[1]) != nullptr) {
      std::cout << command_help(*find_command(argv[1]));
    } else {
      std::cout << usage();
    }
    return kExitOk;
  }
  if (first == "--version") {
    std::cout << "fealloc " << FEALLOC_VERSION << " (trace format v1; fuzz input format v"
              << unsigned{fuzz::kFormatVersion} << " and v" << unsigned{fuzz::kFormatVersion2} << ")\n";
    return kExitOk;
  }
  const CommandSpec* command = find_command(first);
  if (command == nullptr) {
    std::cerr << "fealloc: unknown command " << quote_token(first) << "\n\n" << usage();
    return kExitBadInput;
  }
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  auto parsed = parse_arguments(*command, rest);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::cerr << "fealloc " << command->name << ": " << *error << "\nusage: " << synopsis(*command) << "\n(fealloc "
              << command->name << " --help for more)\n";
    return kExitBadInput;
  }
  const Arguments& args = std::get<Arguments>(parsed);
  if (args.wants_help()) {
    std::cout << command_help(*command);
    return kExitOk;
  }
  try {
    return command->run(args);
  } catch (const std::exception& e) {
    std::cerr << "fealloc " << command->name << ": " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  int status = dispatch(std::vector<std::string>(argv + 1, argv + argc));
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    std::cerr << "fealloc: cannot write standard output\n";
    if (status == kExitOk) status = kExitBadInput;
  }
  return status;
}
