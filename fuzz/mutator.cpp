// The structure-aware mutator (fuzz/mutator.hpp).
#include "fuzz/mutator.hpp"

#include "core/evm_memory.hpp"
#include "harness/executor.hpp"
#include "harness/trace_edit.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace fealloc::fuzz {

std::string_view mutation_name(Mutation m) {
  switch (m) {
    case Mutation::insert: return "insert";
    case Mutation::remove: return "remove";
    case Mutation::duplicate: return "duplicate";
    case Mutation::swap: return "swap";
    case Mutation::change_argument: return "change_argument";
    case Mutation::change_pool: return "change_pool";
    case Mutation::splice: return "splice";
    case Mutation::bytes: return "bytes";
  }
  return "?";
}

namespace {

// splitmix64: the same sequence for a seed on every platform (no <random> distributions).
class Rng {
 public:
  explicit Rng(unsigned seed) : state_(0x9e3779b97f4a7c15ULL ^ (std::uint64_t{seed} * 0xbf58476d1ce4e5b9ULL)) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }
  std::uint8_t byte() { return static_cast<std::uint8_t>(next() & 0xff); }

 private:
  std::uint64_t state_;
};

bool takes_pointer(OpKind kind) { return takes(kind, Field::ptr); }

// The fields an operation of its kind does not have are zero, as the decoder leaves them.
Operation clean(Operation op) {
  Operation out;
  out.kind = op.kind;
  for (const Field field : op_info(op.kind).args()) {
    switch (field) {
      case Field::ptr: out.ptr = op.ptr; break;
      case Field::size: out.size = op.size; break;
      case Field::fill: out.fill = op.fill; break;
      case Field::offset: out.offset = op.offset; break;
      case Field::bytes: out.bytes = std::move(op.bytes); break;
    }
  }
  return out;
}

bool same_pool(const PoolOptions& a, const PoolOptions& b) {
  return a.layout == b.layout && a.semantics == b.semantics && a.start == b.start && a.end == b.end &&
         a.align == b.align && a.min_split == b.min_split && a.compact == b.compact && a.split == b.split;
}

// An input as the first party runs it: its operations, what each returned (@k is results[k-1]) and
// the pool's configuration.
struct Parsed {
  Trace trace;
  std::vector<u256> results;
  PoolConfig config;
};

std::unique_ptr<Executor> solo(const PoolOptions& pool, Target target) {
  std::string error;
  auto ex = Executor::create(pool, {target_parties(target).front()}, error);
  if (!ex) throw std::invalid_argument(error);
  ex->set_deep_checks(false);
  return ex;
}

// What fuzz::decode() does, keeping the results.
Parsed parse(std::span<const std::uint8_t> data, Target target) {
  Decoder decoder(data, target);
  auto ex = solo(decoder.pool(), target);
  while (auto op = decoder.next(ex->state())) {
    const auto status = ex->step(*op);
    if (status == Executor::StepStatus::trace_error) throw std::logic_error("fuzz::Decoder yielded " + ex->trace_error());
    if (status != Executor::StepStatus::ok) break;
  }
  return Parsed{ex->trace_so_far(), ex->state().results(), decoder.config()};
}

// Runs `ops` (each reference to an earlier operation of the list) on the first party the way the
// decoder would take their encoding: a write that is not legal there (or empty) is left out and
// later references are renumbered, a reference to no earlier pointer-returning operation (or whose
// sum is past 2^256-1) becomes its raw value, and the run stops after an operation the party fails
// on (or kMaxOpsV2).
Parsed normalize(const PoolOptions& pool, const std::vector<Operation>& ops, Target target) {
  auto ex = solo(pool, target);
  std::vector<std::uint32_t> renumber(ops.size() + 1, 0);
  for (std::size_t i = 0; i < ops.size() && ex->ops_run() < kMaxOpsV2; ++i) {
    Operation op = clean(ops[i]);
    if (takes_pointer(op.kind) && op.ptr.ref != 0) {
      const std::uint32_t r = op.ptr.ref <= i ? renumber[op.ptr.ref] : 0;
      if (r != 0 && r <= ex->ops_run() && returns_pointer(ex->op(r - 1).kind)) {
        op.ptr.ref = r;
      } else {
        op.ptr = PtrArg{0, op.ptr.value};
      }
      if (!ex->state().resolve(op.ptr)) op.ptr = PtrArg{0, op.ptr.value};
    }
    if (op.kind == OpKind::write && (op.bytes.empty() || !ex->state().write_target(op).error.empty())) continue;
    const auto status = ex->step(op);
    renumber[i + 1] = static_cast<std::uint32_t>(ex->ops_run());
    if (status != Executor::StepStatus::ok) break;
  }
  return Parsed{ex->trace_so_far(), ex->state().results(), resolve_pool_or_throw(pool, EvmMemory::kDefaultCap)};
}

// The last input parsed or written, so that chained mutations of one input parse it once.
struct Cache {
  bool valid = false;
  Target target = Target::differential;
  std::vector<std::uint8_t> bytes;
  Parsed parsed;
};
thread_local Cache cache;

Parsed parse_cached(std::span<const std::uint8_t> data, Target target) {
  if (cache.valid && cache.target == target && std::equal(data.begin(), data.end(), cache.bytes.begin(), cache.bytes.end())) {
    return cache.parsed;
  }
  Parsed p = parse(data, target);
  cache.valid = true;
  cache.target = target;
  cache.bytes.assign(data.begin(), data.end());
  cache.parsed = p;
  return p;
}

void remember(const std::vector<std::uint8_t>& bytes, const Parsed& p, Target target) {
  cache.valid = true;
  cache.target = target;
  cache.bytes = bytes;
  cache.parsed = p;
}

// --- operation lists ----------------------------------------------------------------------------

using trace_edit::Slot;

// The sources of an edit: the input and, for a crossover, the other input.
std::vector<trace_edit::Source> sources_of(const Parsed* a, const Parsed* b) {
  std::vector<trace_edit::Source> out;
  for (const Parsed* p : {a, b}) {
    if (p != nullptr) out.push_back(trace_edit::Source{p->trace.ops, p->results});
  }
  return out;
}

std::vector<Slot> slots_of(const Parsed& p, std::size_t source, std::size_t from, std::size_t to) {
  return trace_edit::slots_of(trace_edit::Source{p.trace.ops, p.results}, source, from, to);
}

std::vector<Operation> rebuild(const std::vector<Slot>& slots, const Parsed* a, const Parsed* b) {
  return trace_edit::assemble(slots, sources_of(a, b));
}

// --- compact operations: the format's selectors choose values against the real state -------------

void put_random_number(Rng& rng, std::vector<std::uint8_t>& out) {
  const std::size_t len = rng.chance(75) ? 1 + rng.below(8) : 1 + rng.below(32);
  out.push_back(static_cast<std::uint8_t>(len));
  for (std::size_t i = 0; i < len; ++i) out.push_back(rng.byte());
}

void put_size_selector(Rng& rng, std::vector<std::uint8_t>& out) {
  const std::size_t r = rng.below(16);
  if (r < 6) {
    out.push_back(static_cast<std::uint8_t>(rng.below(kSizeMedium)));
  } else if (r < 9) {
    out.push_back(static_cast<std::uint8_t>(kSizeMedium | rng.below(0x40)));
    out.push_back(rng.byte());
  } else if (r < 11) {
    out.push_back(static_cast<std::uint8_t>(kSizeSplit | rng.below(16)));
  } else if (r < 13) {
    out.push_back(static_cast<std::uint8_t>(kSizeRoom | rng.below(16)));
  } else if (r < 15) {
    out.push_back(static_cast<std::uint8_t>(kSizeHuge | rng.below(16)));
  } else {
    out.push_back(static_cast<std::uint8_t>(kSizeRaw | rng.below(16)));
    put_random_number(rng, out);
  }
}

void put_pointer_selector(Rng& rng, std::vector<std::uint8_t>& out) {
  const std::size_t r = rng.below(16);
  if (r < 8) {
    out.push_back(static_cast<std::uint8_t>(rng.below(kPtrEarlier)));  // a live block
  } else if (r < 10) {
    out.push_back(static_cast<std::uint8_t>(kPtrEarlier | rng.below(32)));
  } else if (r < 12) {
    out.push_back(static_cast<std::uint8_t>(kPtrInterior | rng.below(32)));
    out.push_back(rng.byte());
  } else if (r < 15) {
    out.push_back(static_cast<std::uint8_t>(kPtrSpecial | rng.below(16)));
    out.push_back(rng.byte());
  } else {
    out.push_back(static_cast<std::uint8_t>(kPtrRaw | rng.below(16)));
    put_random_number(rng, out);
  }
}

std::vector<std::uint8_t> compact_write_bytes(Rng& rng, std::uint8_t len_byte) {
  return {opcode_byte(OpKind::write), rng.byte(), len_byte, rng.byte(), rng.byte()};
}

// One compact operation of `kind` with random selectors for its fields.
std::vector<std::uint8_t> random_operation(Rng& rng, OpKind kind) {
  if (kind == OpKind::write) {
    return compact_write_bytes(rng, rng.chance(50) ? static_cast<std::uint8_t>(rng.below(8)) : rng.byte());
  }
  std::vector<std::uint8_t> out{opcode_byte(kind)};
  for (const Field field : op_info(kind).args()) {
    switch (field) {
      case Field::ptr: put_pointer_selector(rng, out); break;
      case Field::size: put_size_selector(rng, out); break;
      case Field::fill: out.push_back(rng.byte()); break;
      case Field::offset:
      case Field::bytes: break;  // a compact write is its own form (above)
    }
  }
  return out;
}

OpKind random_kind(Rng& rng) {
  // malloc 5, calloc 1, realloc 4, free 4, write 2, stats 1, free_all 1
  const std::size_t r = rng.below(18);
  if (r < 5) return OpKind::malloc;
  if (r < 6) return OpKind::calloc;
  if (r < 10) return OpKind::realloc;
  if (r < 14) return OpKind::free;
  if (r < 16) return OpKind::write;
  if (r < 17) return OpKind::stats;
  return OpKind::free_all;
}

// The operation that one compact operation `op_bytes` decodes to after the first `count`
// operations of `p`; nullopt when it decodes to none (a write with no live block).
std::optional<Operation> decode_at(const Parsed& p, std::size_t count, const std::vector<std::uint8_t>& op_bytes,
                                   Target target) {
  Trace prefix;
  prefix.pool = p.trace.pool;
  prefix.ops.assign(p.trace.ops.begin(), p.trace.ops.begin() + static_cast<std::ptrdiff_t>(std::min(count, p.trace.ops.size())));
  std::vector<std::uint8_t> bytes = encode(prefix);
  bytes.insert(bytes.end(), op_bytes.begin(), op_bytes.end());
  Decoder decoder(bytes, target);
  auto ex = solo(decoder.pool(), target);
  std::size_t n = 0;
  while (auto op = decoder.next(ex->state())) {
    if (n == prefix.ops.size()) return op;
    ++n;
    if (ex->step(*op) != Executor::StepStatus::ok) return std::nullopt;
  }
  return std::nullopt;
}

// The pointer a decoded argument names (a decoded reference never passes 2^256-1; the raw value
// if it did, as the decoder would take it).
u256 resolve(const Parsed& p, const PtrArg& ptr) {
  if (ptr.ref == 0) return ptr.value;
  const u256 base = ptr.ref - 1 < p.results.size() ? p.results[ptr.ref - 1] : u256(0);
  return ptr.value > ~u256(0) - base ? ptr.value : base + ptr.value;
}

u256 add_signed(const u256& v, std::int64_t d) {
  return d < 0 ? v - u256(static_cast<std::uint64_t>(-d)) : v + u256(static_cast<std::uint64_t>(d));
}

u256 tweak_size(Rng& rng, const u256& size, const PoolConfig& c) {
  const auto align = static_cast<std::int64_t>(c.align);
  const auto header = static_cast<std::int64_t>(c.params.header);
  const auto min_split = static_cast<std::int64_t>(c.min_split);
  switch (rng.below(8)) {
    case 0: {
      const std::int64_t deltas[] = {1, -1, align, -align, header, -header, min_split, -min_split, align - 1, 1 - align};
      const std::int64_t d = deltas[rng.below(std::size(deltas))];
      if (d < 0 && size < u256(static_cast<std::uint64_t>(-d))) return 0;  // no wrap-around to 2^256 - d
      return add_signed(size, d);
    }
    case 1: return size * 2;
    case 2: return size / 2;
    case 3: return rng.below(kSizeMedium);
    case 4: return rng.below(0x4000);
    case 5: return u256(1) << rng.below(256);
    case 6: return (u256(1) << (32 + rng.below(2) * 32)) - rng.below(2 * static_cast<std::size_t>(align) + 1);
    default: {
      const std::uint64_t back = rng.below(256);
      return c.end > back ? u256(c.end - back) : u256(0);
    }
  }
}

// --- the mutations --------------------------------------------------------------------------------

struct Candidate {
  PoolOptions pool;
  std::vector<Operation> ops;
  std::size_t expected_ops = 0;  // what the normalized list must hold for the mutation to count
};

std::optional<Candidate> insert_op(Rng& rng, const Parsed& p, Target target) {
  const std::size_t n = p.trace.ops.size();
  if (n >= kMaxOps) return std::nullopt;
  const std::size_t at = rng.below(n + 1);
  auto op = decode_at(p, at, random_operation(rng, random_kind(rng)), target);
  if (!op) return std::nullopt;
  std::vector<Slot> slots = slots_of(p, 0, 0, at);
  slots.push_back(Slot{*op, 0, -1});  // its references are to [0, at): the same numbers
  for (Slot& s : slots_of(p, 0, at, n)) slots.push_back(std::move(s));
  return Candidate{p.trace.pool, rebuild(slots, &p, nullptr), n + 1};
}

std::optional<Candidate> remove_op(Rng& rng, const Parsed& p) {
  const std::size_t n = p.trace.ops.size();
  if (n == 0) return std::nullopt;
  const std::size_t at = rng.below(n);
  std::vector<Slot> slots = slots_of(p, 0, 0, at);
  for (Slot& s : slots_of(p, 0, at + 1, n)) slots.push_back(std::move(s));
  return Candidate{p.trace.pool, rebuild(slots, &p, nullptr), n - 1};
}

std::optional<Candidate> duplicate_op(Rng& rng, const Parsed& p) {
  const std::size_t n = p.trace.ops.size();
  if (n == 0 || n >= kMaxOps) return std::nullopt;
  const std::size_t from = rng.below(n);
  const std::size_t at = from + 1 + rng.below(n - from);  // (from, n]
  std::vector<Slot> slots = slots_of(p, 0, 0, at);
  slots.push_back(Slot{p.trace.ops[from], 0, -1});
  for (Slot& s : slots_of(p, 0, at, n)) slots.push_back(std::move(s));
  return Candidate{p.trace.pool, rebuild(slots, &p, nullptr), n + 1};
}

std::optional<Candidate> swap_ops(Rng& rng, const Parsed& p) {
  const std::size_t n = p.trace.ops.size();
  if (n < 2) return std::nullopt;
  // Mostly neighbours or near ones: far swaps mostly turn references raw.
  const std::size_t i = rng.below(n - 1);
  const std::size_t j = rng.chance(60) ? i + 1 : i + 1 + rng.below(n - i - 1);
  std::vector<Slot> slots = slots_of(p, 0, 0, n);
  std::swap(slots[i], slots[j]);
  return Candidate{p.trace.pool, rebuild(slots, &p, nullptr), n};
}

std::optional<Candidate> change_argument(Rng& rng, const Parsed& p, Target target) {
  const std::size_t n = p.trace.ops.size();
  std::vector<std::size_t> with_arguments;
  for (std::size_t i = 0; i < n; ++i) {
    const OpKind k = p.trace.ops[i].kind;
    if (op_info(k).field_count != 0) with_arguments.push_back(i);
  }
  if (with_arguments.empty()) return std::nullopt;
  const std::size_t i = with_arguments[rng.below(with_arguments.size())];
  Operation op = p.trace.ops[i];
  const auto fields = op_info(op.kind).args();
  const Field field = fields[rng.below(fields.size())];
  switch (field) {
    case Field::size:
      if (rng.chance(50)) {
        std::vector<std::uint8_t> b;
        if (op.kind == OpKind::realloc) {
          // The same block (as a raw pointer), so that split edge and room left are its own.
          b = {opcode_byte(OpKind::realloc), kPtrRaw};
          put_u256(b, resolve(p, op.ptr));
        } else {
          b = {opcode_byte(OpKind::malloc)};
        }
        put_size_selector(rng, b);
        auto chosen = decode_at(p, i, b, target);
        if (!chosen) return std::nullopt;
        op.size = chosen->size;
      } else {
        op.size = tweak_size(rng, op.size, p.config);
      }
      break;
    case Field::ptr:
      if (op.kind == OpKind::write) {
        // Another place: a compact write of at most the same length; the data stays.
        const auto len_byte = static_cast<std::uint8_t>(std::min<std::size_t>(op.bytes.size() - 1, 255));
        auto chosen = decode_at(p, i, compact_write_bytes(rng, len_byte), target);
        if (!chosen) return std::nullopt;
        op.ptr = chosen->ptr;
        op.offset = chosen->offset;
        op.bytes.resize(std::min(op.bytes.size(), chosen->bytes.size()));
      } else if (rng.chance(60)) {
        std::vector<std::uint8_t> b = {opcode_byte(OpKind::free)};
        put_pointer_selector(rng, b);
        auto chosen = decode_at(p, i, b, target);
        if (!chosen) return std::nullopt;
        op.ptr = chosen->ptr;
      } else if (rng.chance(50)) {
        // Another earlier result, exactly.
        std::vector<std::uint32_t> refs;
        for (std::size_t k = 0; k < i; ++k) {
          if (returns_pointer(p.trace.ops[k].kind)) refs.push_back(static_cast<std::uint32_t>(k + 1));
        }
        if (refs.empty()) return std::nullopt;
        op.ptr = PtrArg{refs[rng.below(refs.size())], 0};
      } else {
        const auto align = static_cast<std::int64_t>(p.config.align);
        const auto header = static_cast<std::int64_t>(p.config.params.header);
        const std::int64_t deltas[] = {1, -1, align, -align, header, -header, std::int64_t{1} << 32};
        op.ptr.value = add_signed(op.ptr.value, deltas[rng.below(std::size(deltas))]);
      }
      break;
    case Field::fill: op.fill = static_cast<std::uint8_t>(op.fill + 1 + rng.below(255)); break;
    case Field::offset: {
      const std::size_t r = rng.below(4);
      if (r == 0) op.offset = op.offset + 1;
      else if (r == 1 && op.offset != 0) op.offset = op.offset - 1;
      else if (r == 2) op.offset = 0;
      else op.offset = rng.below(static_cast<std::size_t>(low_u64(op.offset)) + op.bytes.size() + 1);
      break;
    }
    case Field::bytes: {
      const std::size_t r = rng.below(4);
      if (r == 0) {
        op.bytes[rng.below(op.bytes.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
      } else if (r == 1 && op.bytes.size() > 1) {
        op.bytes.resize(1 + rng.below(op.bytes.size() - 1));
      } else if (r == 2) {
        const std::size_t more = 1 + rng.below(8);
        for (std::size_t k = 0; k < more; ++k) op.bytes.push_back(rng.byte());
      } else {
        std::fill(op.bytes.begin(), op.bytes.end(), static_cast<std::uint8_t>(op.bytes.front() + 1 + rng.below(255)));
      }
      break;
    }
  }
  Candidate c{p.trace.pool, p.trace.ops, n};
  c.ops[i] = std::move(op);
  return c;
}

// The explicit pool form of `o`, decoded for `target`: the decoder makes it valid for every party.
PoolOptions valid_pool(const PoolOptions& o, Target target) {
  std::vector<std::uint8_t> b = {kFormatVersion};
  put_explicit_pool(b, o);
  return Decoder(b, target).pool();
}

std::optional<bool> cycle(Rng& rng, const std::optional<bool>& v) {
  const std::optional<bool> choices[] = {std::nullopt, false, true};
  std::optional<bool> out = v;
  while (out == v) out = choices[rng.below(3)];
  return out;
}

std::optional<Candidate> change_pool(Rng& rng, const Parsed& p, Target target) {
  PoolOptions o = p.trace.pool;
  const LayoutParams lp = layout_params(o.layout);
  switch (rng.below(9)) {
    case 0:
    case 1: {
      std::vector<std::uint8_t> b = {kFormatVersion};
      for (int k = 0; k < 6; ++k) b.push_back(rng.byte());
      if (b[1] == kExplicitPool) b[1] = 0;
      o = Decoder(b, target).pool();
      break;
    }
    case 2: o.layout = o.layout == Layout::evm ? Layout::thing : Layout::evm; break;
    case 3:
      if (rng.chance(10)) {
        o.end.reset();
      } else {
        o.end = rng.chance(50) ? u256(0x200 + rng.below(0x3e01)) : u256(layout_params(o.layout).default_end >> rng.below(6));
      }
      break;
    case 4:
      if (o.align && rng.chance(30)) o.align.reset();
      else o.align = u256(lp.min_align << rng.below(8));
      break;
    case 5:
      if (o.min_split && rng.chance(30)) o.min_split.reset();
      else o.min_split = u256(rng.chance(50) ? lp.header + 1 + rng.below(255) : rng.below(4 * lp.header));
      break;
    case 6:
      if (o.start && rng.chance(30)) o.start.reset();
      else o.start = u256(1 + rng.below(rng.chance(50) ? 255 : 0x1000));
      break;
    case 7: o.compact = cycle(rng, o.compact); break;
    default: o.split = cycle(rng, o.split); break;
  }
  o = valid_pool(o, target);
  if (same_pool(o, p.trace.pool)) return std::nullopt;
  return Candidate{o, p.trace.ops, p.trace.ops.size()};
}

Mutation pick(Rng& rng, std::size_t n) {
  if (n == 0) return rng.chance(85) ? Mutation::insert : Mutation::change_pool;
  // insert 30, remove 14, duplicate 10, swap 10, change_argument 30, change_pool 6
  const std::size_t r = rng.below(100);
  if (r < 30) return n < kMaxOps ? Mutation::insert : Mutation::remove;
  if (r < 44) return Mutation::remove;
  if (r < 54) return n < kMaxOps ? Mutation::duplicate : Mutation::swap;
  if (r < 64) return n >= 2 ? Mutation::swap : Mutation::change_argument;
  if (r < 94) return Mutation::change_argument;
  return Mutation::change_pool;
}

bool same_trace(const Trace& a, const Trace& b) { return same_pool(a.pool, b.pool) && a.ops == b.ops; }

// The built-in byte mutation: one byte set, flipped, inserted or erased.
std::size_t byte_mutation(Rng& rng, std::uint8_t* data, std::size_t size, std::size_t max_size) {
  if (max_size == 0) return 0;
  size = std::min(size, max_size);
  const std::size_t r = rng.below(4);
  if (size == 0 || (r == 0 && size < max_size)) {
    const std::size_t at = rng.below(size + 1);
    std::memmove(data + at + 1, data + at, size - at);
    data[at] = rng.byte();
    return size + 1;
  }
  if (r == 1 && size > 1) {
    const std::size_t at = rng.below(size);
    std::memmove(data + at, data + at + 1, size - at - 1);
    return size - 1;
  }
  const std::size_t at = rng.below(size);
  if (r == 2) {
    data[at] ^= static_cast<std::uint8_t>(1u << rng.below(8));
  } else {
    data[at] = static_cast<std::uint8_t>(data[at] + 1 + rng.below(255));
  }
  return size;
}

// Normalizes a candidate; the canonical bytes when it is the mutation it meant to be, differs from
// `base` and fits.
std::optional<std::vector<std::uint8_t>> finish(const Candidate& c, const Parsed& base, std::size_t max_size,
                                                Target target, Parsed& out) {
  out = normalize(c.pool, c.ops, target);
  if (out.trace.ops.size() != c.expected_ops || same_trace(out.trace, base.trace)) return std::nullopt;
  std::vector<std::uint8_t> bytes = encode(out.trace);
  if (bytes.size() > max_size) return std::nullopt;
  return bytes;
}

}  // namespace

MutateResult mutate(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed, Target target,
                    const MutateOptions& options) {
  Rng rng(seed);
  try {
    const Parsed base = parse_cached({data, std::min(size, max_size)}, target);
    for (int attempt = 0; attempt < 12; ++attempt) {
      const Mutation kind = options.only ? *options.only : pick(rng, base.trace.ops.size());
      std::optional<Candidate> c;
      switch (kind) {
        case Mutation::insert: c = insert_op(rng, base, target); break;
        case Mutation::remove: c = remove_op(rng, base); break;
        case Mutation::duplicate: c = duplicate_op(rng, base); break;
        case Mutation::swap: c = swap_ops(rng, base); break;
        case Mutation::change_argument: c = change_argument(rng, base, target); break;
        case Mutation::change_pool: c = change_pool(rng, base, target); break;
        case Mutation::splice:
        case Mutation::bytes: break;
      }
      if (!c) continue;
      Parsed out;
      if (auto bytes = finish(*c, base, max_size, target, out)) {
        std::memcpy(data, bytes->data(), bytes->size());
        remember(*bytes, out, target);
        return MutateResult{bytes->size(), kind};
      }
    }
  } catch (const std::exception&) {
    // A harness limit (say, an operation list the encoder refuses): a byte mutation instead.
  }
  const std::size_t n = options.fallback != nullptr ? options.fallback(data, std::min(size, max_size), max_size)
                                                    : byte_mutation(rng, data, size, max_size);
  return MutateResult{n, Mutation::bytes};
}

std::size_t mutate_operations(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed, Target target,
                              ByteMutator fallback) {
  MutateOptions options;
  options.fallback = fallback;
  return mutate(data, size, max_size, seed, target, options).size;
}

std::size_t crossover_operations(const std::uint8_t* a, std::size_t a_size, const std::uint8_t* b, std::size_t b_size,
                                 std::uint8_t* out, std::size_t max_out_size, unsigned seed, Target target) {
  Rng rng(seed);
  try {
    const Parsed pa = parse_cached({a, a_size}, target);
    const Parsed pb = parse({b, b_size}, target);
    const std::size_t na = pa.trace.ops.size();
    const std::size_t nb = pb.trace.ops.size();
    if (nb == 0) return 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
      const std::size_t i = rng.below(na + 1);
      const std::size_t j = rng.below(nb);
      std::vector<Slot> slots = slots_of(pa, 0, 0, i);
      if (rng.chance(50)) {
        for (Slot& s : slots_of(pb, 1, j, nb)) slots.push_back(std::move(s));  // b's tail replaces a's
      } else {
        const std::size_t m = 1 + rng.below(std::min<std::size_t>(nb - j, 16));
        for (Slot& s : slots_of(pb, 1, j, j + m)) slots.push_back(std::move(s));
        for (Slot& s : slots_of(pa, 0, i, na)) slots.push_back(std::move(s));
      }
      if (slots.size() > kMaxOps) slots.resize(kMaxOps);
      Parsed result = normalize(pa.trace.pool, rebuild(slots, &pa, &pb), target);
      if (same_trace(result.trace, pa.trace)) continue;
      std::vector<std::uint8_t> bytes = encode(result.trace);
      if (bytes.size() > max_out_size) continue;
      std::memcpy(out, bytes.data(), bytes.size());
      remember(bytes, result, target);
      return bytes.size();
    }
  } catch (const std::exception&) {
  }
  return 0;
}

}  // namespace fealloc::fuzz
