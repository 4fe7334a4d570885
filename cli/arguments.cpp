// The CLI's argument parser and the help text it derives from a command's declaration.
#include "cli/arguments.hpp"

#include "harness/trace.hpp"

#include <algorithm>
#include <charconv>

namespace fealloc::cli {

namespace {

const OptionSpec* find_option(const CommandSpec& command, std::string_view name) {
  for (const OptionSpec& option : command.options) {
    if (option.name == name || (!option.short_name.empty() && option.short_name == name)) return &option;
  }
  return nullptr;
}

}  // namespace

bool Arguments::flag(std::string_view name) const {
  for (const auto& [key, value] : given_) {
    if (key == name) return true;
  }
  return false;
}

std::optional<std::string> Arguments::value(std::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [key, value] : given_) {
    if (key == name) found = value;
  }
  return found;
}

std::variant<Arguments, std::string> parse_arguments(const CommandSpec& command, std::span<const std::string> args) {
  Arguments out;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg == "-" || arg.empty() || arg[0] != '-') {
      out.operands_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      out.help_ = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string_view::npos && name.starts_with("--")) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const OptionSpec* option = find_option(command, name);
    if (option == nullptr) return "unknown option " + quote_token(name);
    if (option->value.empty()) {
      if (inline_value) return std::string(option->name) + " takes no value";
      out.given_.emplace_back(option->name, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return std::string(option->name) + " needs a value (" + std::string(option->value) + ")";
      inline_value = args[++i];
    }
    out.given_.emplace_back(option->name, *inline_value);
  }
  if (out.help_) return out;
  for (const OptionSpec& option : command.options) {
    if (option.required && !out.value(option.name)) {
      return "missing " + std::string(option.short_name.empty() ? option.name : option.short_name) + " " +
             std::string(option.value);
    }
  }
  const std::size_t n = out.operands_.size();
  if (n < command.min_operands) return "missing " + std::string(command.operands);
  if (n > command.max_operands) return "unexpected operand " + quote_token(out.operands_[command.max_operands]);
  return out;
}

std::string synopsis(const CommandSpec& command) {
  std::string s = "fealloc " + std::string(command.name);
  for (const OptionSpec& option : command.options) {
    s += option.required ? " " : " [";
    s += std::string(option.short_name.empty() ? option.name : option.short_name);
    if (!option.value.empty()) s += " " + std::string(option.value);
    if (!option.required) s += "]";
  }
  if (!command.operands.empty()) s += " " + std::string(command.operands);
  return s;
}

std::string command_help(const CommandSpec& command) {
  std::string s = "usage: " + synopsis(command) + "\n\n" + std::string(command.summary) + "\n";
  if (command.details != nullptr) s += "\n" + command.details();
  s += "\noptions:\n";
  auto line = [&s](std::string left, std::string_view help) {
    left.resize(std::max<std::size_t>(left.size(), 26), ' ');
    s += left + " " + std::string(help) + "\n";
  };
  for (const OptionSpec& option : command.options) {
    std::string left = "  ";
    if (!option.short_name.empty()) left += std::string(option.short_name) + ", ";
    left += std::string(option.name);
    if (!option.value.empty()) left += " " + std::string(option.value);
    line(left, option.help);
  }
  line("  -h, --help", "this help");
  return s;
}

std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

}  // namespace fealloc::cli
