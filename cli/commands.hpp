// The CLI's commands beyond replay/check (cli/main.cpp): the fuzz input tools. Each takes the
// arguments after the command name and returns the exit status.
#pragma once

#include <string>
#include <vector>

namespace fealloc::cli {

int cmd_decode(const std::vector<std::string>& args);
int cmd_encode(const std::vector<std::string>& args);
int cmd_repro(const std::vector<std::string>& args);
int cmd_minimize(const std::vector<std::string>& args);
int cmd_dict(const std::vector<std::string>& args);

// The usage lines of these commands.
const char* fuzz_usage();

}  // namespace fealloc::cli
