// The CLI's one argument parser: a command declares its options and operands (cli/commands.hpp)
// and this reads argv against that declaration, and prints the command's usage and help from it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fealloc::cli {

struct OptionSpec {
  std::string_view name;        // "--impl"
  std::string_view short_name;  // "-o", or ""
  std::string_view value;       // the value's placeholder ("NAME"), or "" for a flag
  std::string_view help;
  bool required = false;
};

class Arguments;

struct CommandSpec {
  std::string_view name;
  std::string_view operands;  // the synopsis of the operands: "TRACE"
  std::size_t min_operands = 1;
  std::size_t max_operands = 1;
  std::string_view summary;     // one line
  std::string (*details)();     // more lines for --help (computed: they may list the registry), or nullptr
  std::span<const OptionSpec> options;
  int (*run)(const Arguments&);
};

// What argv said: each option's value (the last one given wins), flags, operands.
class Arguments {
 public:
  bool flag(std::string_view name) const;
  std::optional<std::string> value(std::string_view name) const;
  const std::vector<std::string>& operands() const { return operands_; }
  bool wants_help() const { return help_; }

 private:
  friend std::variant<Arguments, std::string> parse_arguments(const CommandSpec&, std::span<const std::string>);
  std::vector<std::pair<std::string, std::string>> given_;
  std::vector<std::string> operands_;
  bool help_ = false;
};

// Reads args (after the command's name). `--name VALUE`, `--name=VALUE`, `-o VALUE`, flags, `--`
// ending the options, `-` as an operand (standard input or output); `--help` and `-h` anywhere.
// The error names the offending argument.
std::variant<Arguments, std::string> parse_arguments(const CommandSpec& command, std::span<const std::string> args);

// "fealloc NAME [OPTIONS] OPERANDS"
std::string synopsis(const CommandSpec& command);
// The synopsis, summary, details and every option with its help.
std::string command_help(const CommandSpec& command);

// A decimal count in [min, max]: digits only, no sign, no suffix.
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max);

}  // namespace fealloc::cli
