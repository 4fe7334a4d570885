// Layouts (how a word is stored) and semantics (seed rules or thi.ng's, bugs included).
// The numbers are the table of spec/semantics.md §1.
#pragma once

#include <cstdint>
#include <string_view>

namespace fealloc {

enum class Layout : std::uint8_t { evm, thing };
enum class Semantics : std::uint8_t { seed, thing };

struct LayoutParams {
  std::uint64_t word;               // W: bytes per stored word
  std::uint64_t header;             // H: size word + next word
  std::uint64_t state;              // S: seven state words
  std::uint64_t min_align;          // smallest legal align (and the default)
  std::uint64_t default_min_split;  // default minSplit
  std::uint64_t start_align;        // start is rounded up to this
  std::uint64_t default_end;        // end when the pool line names none
};

constexpr LayoutParams layout_params(Layout layout) {
  if (layout == Layout::evm) return {32, 64, 224, 32, 96, 32, 0x400000};
  return {4, 8, 28, 8, 16, 4, 0x1000};
}

constexpr std::string_view layout_name(Layout l) { return l == Layout::evm ? "evm" : "thing"; }
constexpr std::string_view semantics_name(Semantics s) { return s == Semantics::seed ? "seed" : "thing"; }

// Indices of the seven state words at `start` (spec §2).
enum StateWord : std::uint64_t {
  kStateFree = 0,
  kStateUsed = 1,
  kStateTop = 2,
  kStateEnd = 3,
  kStateAlign = 4,
  kStateFlags = 5,
  kStateMinSplit = 6,
};
inline constexpr std::uint64_t kFlagCompact = 1;
inline constexpr std::uint64_t kFlagSplit = 2;

}  // namespace fealloc
