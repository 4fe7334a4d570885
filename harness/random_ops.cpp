// RandomOps implementation.
#include "harness/random_ops.hpp"

#include <iterator>

namespace fealloc {

PoolOptions RandomOps::random_pool(std::mt19937_64& rng, Layout layout, Semantics semantics) {
  const LayoutParams p = layout_params(layout);
  PoolOptions o;
  o.layout = layout;
  o.semantics = semantics;
  const std::uint64_t align = p.min_align << (rng() % 3);
  o.align = align;
  o.min_split = p.header + 1 + rng() % (4 * align);
  o.start = rng() % 4 == 0 ? rng() % 200 : 0;
  const std::uint64_t ends[] = {0x400, 0x800, 0x1000, 0x4000, 0x10000};
  std::uint64_t end = ends[rng() % std::size(ends)];
  if (layout == Layout::evm && rng() % 4 == 0) end += (rng() % 64) * 4;  // an end off the word grid
  o.end = end;
  o.compact = rng() % 4 != 0;
  o.split = rng() % 4 != 0;
  return o;
}

u256 RandomOps::random_size() {
  const std::uint64_t roll = below(100);
  const std::uint64_t h = config_.params.header;
  if (roll < 60) return 1 + below(3 * config_.align);
  if (roll < 75) return config_.min_split - h - config_.align + below(2 * config_.align + 1);  // around the split threshold
  if (roll < 85) return 1 + below(config_.end / 4);
  if (roll < 90) return config_.end - config_.initial_top - h - below(3) * config_.align;  // about the room left
  switch (below(5)) {
    case 0: return u256(1) << 32;
    case 1: return u256(1) << 64;
    case 2: return u256(1) << 255;
    case 3: return ~u256(0);
    default: return config_.end + below(100);
  }
}

PtrArg RandomOps::some_pointer(const TraceState& state, std::size_t op_count, bool live_only) {
  const auto& live = state.live();
  const std::uint64_t roll = below(100);
  if (!live.empty() && (live_only || roll < 80)) {
    auto it = live.begin();
    std::advance(it, static_cast<long>(below(live.size())));
    return PtrArg{0, it->first};
  }
  if (roll < 88 && op_count > 0) {
    // An earlier result (perhaps freed or moved), sometimes interior.
    return PtrArg{0, u256(config_.initial_top + config_.params.header + below(config_.end / config_.align) * config_.align +
                          (below(4) == 0 ? 1 + below(config_.align) : 0))};
  }
  switch (below(4)) {
    case 0: return PtrArg{0, 0};
    case 1: return PtrArg{0, below(config_.end)};
    case 2: return PtrArg{0, ~u256(0)};
    default: return PtrArg{0, (u256(1) << 64) + config_.initial_top + config_.params.header};
  }
}

Operation RandomOps::next(const TraceState& state, std::size_t op_count) {
  Operation op;
  const std::uint64_t roll = below(100);
  if (roll < 35) {
    op.kind = OpKind::malloc;
    op.size = random_size();
  } else if (roll < 40) {
    op.kind = OpKind::calloc;
    op.size = random_size();
    op.fill = static_cast<std::uint8_t>(below(256));
  } else if (roll < 65) {
    op.kind = OpKind::free;
    op.ptr = some_pointer(state, op_count, false);
  } else if (roll < 80) {
    op.kind = OpKind::realloc;
    op.ptr = some_pointer(state, op_count, false);
    op.size = random_size();
  } else if (roll < 97 && !state.live().empty()) {
    op.kind = OpKind::write;
    op.ptr = some_pointer(state, op_count, true);
    const u256 requested = state.live().at(op.ptr.value);
    const u256 room = op.ptr.value < config_.end ? config_.end - op.ptr.value : u256(0);
    const std::uint64_t size = low_u64(std::min(requested, room));
    if (size == 0) {
      op.kind = OpKind::stats;
      return op;
    }
    const std::uint64_t len = 1 + below(std::min<std::uint64_t>(size, 64));
    op.offset = below(size - len + 1);
    for (std::uint64_t i = 0; i < len; ++i) op.bytes.push_back(static_cast<std::uint8_t>(below(256)));
  } else if (roll < 99) {
    op.kind = OpKind::stats;
  } else {
    op.kind = OpKind::free_all;
  }
  return op;
}

}  // namespace fealloc
