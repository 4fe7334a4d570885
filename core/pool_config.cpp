// Pool option validation (spec §2 plus docs/decisions.md): the one place that says what a legal pool is.
#include "core/pool_config.hpp"

#include "core/evm_memory.hpp"

#include <stdexcept>

namespace fealloc {

namespace {
bool is_power_of_two(const u256& v) { return v != 0 && (v & (v - 1)) == 0; }
// Precondition: v + a - 1 <= 2^256 - 1 (callers bound v first; u256 arithmetic would wrap).
u256 align_up(const u256& v, const u256& a) { return (v + a - 1) / a * a; }
}  // namespace

PoolConfigResult resolve_pool(const PoolOptions& options, std::uint64_t memory_cap) {
  const LayoutParams p = layout_params(options.layout);
  const bool thing = options.semantics == Semantics::thing;
  PoolConfig cfg;
  cfg.layout = options.layout;
  cfg.semantics = options.semantics;
  cfg.params = p;
  // The thing layout stores every state word as a u32, so nothing may exceed that.
  const u256 word_max = options.layout == Layout::thing ? u256(0xffffffffULL) : u256(UINT64_MAX);

  const u256 end = options.end.value_or(p.default_end);
  if (end > memory_cap) {
    return "end " + to_hex(end) + " is past the memory cap " + to_hex(memory_cap);
  }
  if (options.layout == Layout::thing && end % 4 != 0) {
    return "end " + to_hex(end) + " must be a multiple of 4 in the thing layout (it is a Uint32Array's size)";
  }

  u256 align = options.align.value_or(p.min_align);
  if (thing && align == 0) align = p.min_align;  // thi.ng: opts.align || 8
  if (!is_power_of_two(align) || align < p.min_align) {
    return "align " + to_hex(align) + " must be a power of two and at least " + std::to_string(p.min_align);
  }
  if (align > word_max) return "align " + to_hex(align) + " does not fit a state word";

  u256 min_split = options.min_split.value_or(p.default_min_split);
  if (thing && min_split == 0) min_split = p.default_min_split;  // thi.ng: opts.minSplit || 16
  if (min_split <= p.header) {
    return "min_split " + to_hex(min_split) + " must be greater than the header size " + std::to_string(p.header);
  }
  if (min_split > word_max) return "min_split " + to_hex(min_split) + " does not fit a state word";

  // Compared before it is rounded up: rounding a start within start_align - 1 of 2^256 would wrap
  // it to 0 (issue 8). Rounding only raises it, so a start at or above end stays an error, and
  // below end (at most the memory cap) nothing can wrap.
  const u256 requested_start = options.start.value_or(0);
  if (requested_start >= end) return "start " + to_hex(requested_start) + " is not below end " + to_hex(end);
  const u256 start = align_up(requested_start, p.start_align);
  if (start >= end) {
    return "start " + to_hex(requested_start) + " rounds up to " + to_hex(start) + ", not below end " + to_hex(end);
  }

  // No wrap here either: start < end <= memory cap, and align <= word_max < 2^64.
  const u256 initial_top = align_up(start + p.state + p.header, align) - p.header;
  if (initial_top >= end) {
    return "insufficient address range: the first block would start at " + to_hex(initial_top) +
           ", not below end " + to_hex(end);
  }

  cfg.start = low_u64(start);
  cfg.end = low_u64(end);
  cfg.align = low_u64(align);
  cfg.min_split = low_u64(min_split);
  cfg.compact = options.compact.value_or(true);
  cfg.split = options.split.value_or(true);
  cfg.initial_top = low_u64(initial_top);
  return cfg;
}

PoolConfig resolve_pool_or_throw(const PoolOptions& options, std::uint64_t memory_cap) {
  PoolConfigResult result = resolve_pool(options, memory_cap);
  if (auto* error = std::get_if<std::string>(&result)) throw std::invalid_argument("bad pool options: " + *error);
  return std::get<PoolConfig>(result);
}

}  // namespace fealloc
