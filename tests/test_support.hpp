// Helpers shared by the test suites: building pools from trace-style options, reading state
// words and headers without touching msize (peek only), and reading the source tree's files.
#pragma once

#include "core/allocator.hpp"
#include "core/pool_config.hpp"
#include "harness/trace.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fealloc::testing {

// An operation on a raw pointer and a size (what each kind takes of them; the rest stays default).
inline Operation raw_op(OpKind kind, const u256& ptr, const u256& size) {
  Operation o;
  o.kind = kind;
  o.ptr = PtrArg{0, ptr};
  o.size = size;
  return o;
}

// The whole of a file (empty when it cannot be read: the caller's comparison then fails).
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline PoolConfig make_config(Layout layout, Semantics semantics, std::uint64_t end, std::uint64_t align = 0,
                              std::uint64_t min_split = 0, bool compact = true, bool split = true, std::uint64_t start = 0) {
  PoolOptions o;
  o.layout = layout;
  o.semantics = semantics;
  o.end = end;
  if (align != 0) o.align = align;
  if (min_split != 0) o.min_split = min_split;
  o.compact = compact;
  o.split = split;
  o.start = start;
  return resolve_pool_or_throw(o, EvmMemory::kDefaultCap);
}

// The options that resolve to `config` (its start is already rounded, so it stays as it is).
inline PoolOptions options_of(const PoolConfig& config) {
  PoolOptions o;
  o.layout = config.layout;
  o.semantics = config.semantics;
  o.start = config.start;
  o.end = config.end;
  o.align = config.align;
  o.min_split = config.min_split;
  o.compact = config.compact;
  o.split = config.split;
  return o;
}

// The value of the word at addr in the layout's encoding (low 64 bits for evm words).
inline std::uint64_t peek_word(const EvmMemory& m, Layout layout, std::uint64_t addr) {
  std::uint64_t v = 0;
  if (layout == Layout::thing) {
    for (int i = 3; i >= 0; --i) v = (v << 8) | m.peek(addr + static_cast<std::uint64_t>(i));
  } else {
    for (std::uint64_t i = 24; i < 32; ++i) v = (v << 8) | m.peek(addr + i);
  }
  return v;
}

// Read-only view of a pool's words, the way thi.ng's own tests look at `p._free` and friends.
class PoolView {
 public:
  explicit PoolView(Allocator& a) : a_(a), c_(a.config()) {}
  std::uint64_t state(StateWord w) const { return peek_word(*a_.memory(), c_.layout, c_.start + w * c_.params.word); }
  std::uint64_t free_head() const { return state(kStateFree); }
  std::uint64_t used_head() const { return state(kStateUsed); }
  std::uint64_t top() const { return state(kStateTop); }
  std::uint64_t block_size(std::uint64_t b) const { return peek_word(*a_.memory(), c_.layout, b); }
  std::uint64_t block_next(std::uint64_t b) const { return peek_word(*a_.memory(), c_.layout, b + c_.params.word); }

 private:
  Allocator& a_;
  const PoolConfig& c_;
};

}  // namespace fealloc::testing
