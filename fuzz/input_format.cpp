// Fuzz input format v1: decoder, encoder and dictionary (docs/decisions.md, "Fuzz input format").
#include "fuzz/input_format.hpp"

#include "core/evm_memory.hpp"
#include "harness/executor.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <iterator>

namespace fealloc::fuzz {

// --- targets ---------------------------------------------------------------------------------

std::optional<Target> parse_target(std::string_view name) {
  if (name == "differential") return Target::differential;
  if (name == "thing") return Target::thing;
  return std::nullopt;
}

std::string_view target_name(Target target) { return target == Target::thing ? "thing" : "differential"; }

Semantics target_semantics(Target target) { return target == Target::thing ? Semantics::thing : Semantics::seed; }

Target target_for(Semantics semantics) { return semantics == Semantics::thing ? Target::thing : Target::differential; }

std::vector<std::string> target_parties(Target target) {
  // FEALLOC_FUZZ_PARTIES=optimized,evm: fuzz_differential against parties of one's choice (the
  // opt-in party evm: scripts/fuzz.sh --target evm). Seed semantics only.
  if (target == Target::differential) {
    if (const char* list = std::getenv("FEALLOC_FUZZ_PARTIES"); list != nullptr && *list != '\0') {
      std::vector<std::string> names;
      std::string_view rest(list);
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        if (comma != 0) names.emplace_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      if (!names.empty()) return names;
    }
  }
  return default_parties(target_semantics(target));
}

// --- tables ----------------------------------------------------------------------------------

const OpcodeRange& opcode_of(std::uint8_t byte, std::uint8_t version) {
  const std::uint8_t c = byte & kOpcodeMask;
  const OpcodeRange* reserved = nullptr;
  for (const OpcodeRange& r : kOpcodes) {
    if (r.statement == Statement::reserved) reserved = &r;
  }
  for (const OpcodeRange& r : kOpcodes) {
    if (c >= r.first && c <= r.last) return r.since <= effective_version(version) ? r : *reserved;
  }
  return *reserved;
}

std::uint8_t opcode_byte(OpKind kind) {
  for (const OpcodeRange& r : kOpcodes) {
    if (r.statement == Statement::operation && r.kind == kind) return r.first;
  }
  return kOpcodeMask;
}

std::uint8_t opcode_byte(Statement statement) {
  for (const OpcodeRange& r : kOpcodes) {
    if (r.statement == statement) return r.first;
  }
  return kOpcodeMask;
}

const std::string_view kDeltaNames[16] = {
    "zero",       "plus1",      "minus1",      "plus_align",   "minus_align",    "plus_align_m1",
    "minus_align_m1", "plus_2align", "minus_2align", "plus_word", "minus_word",     "plus_header",
    "minus_header", "plus_min_split", "minus_min_split", "plus8",
};
const std::string_view kHugeNames[16] = {
    "pow31_minus1", "pow31", "wrap31", "pow32_minus1", "pow32",  "pow32_plus1",      "wrap32_zero", "wrap32_small",
    "pow53",        "pow64_minus1", "pow64", "pow128", "pow255", "max", "max_minus_header", "end",
};
const std::string_view kSpecialNames[16] = {
    "zero", "one", "header", "first", "initial_top", "end", "next", "after",
    "minus_align", "start", "alias64", "alias32", "max", "top_bit", "alias128", "small",
};

namespace {

constexpr std::uint64_t kCompactEndDefault = 0x1000;
constexpr std::uint64_t kCompactEndMin = 0x200;
constexpr std::uint64_t kCompactEndMax = 0x4000;
constexpr std::uint64_t kMaxWrite = 64;  // bytes in one compact write, at most

struct Reader {
  std::span<const std::uint8_t> data;
  std::size_t& pos;
  std::uint8_t byte() { return pos < data.size() ? data[pos++] : std::uint8_t{0}; }
  // A length byte (mod 33), then that many big-endian bytes.
  u256 number() {
    const unsigned len = byte() % 33u;
    u256 v = 0;
    for (unsigned i = 0; i < len; ++i) v = (v << 8) | byte();
    return v;
  }
  // LEB128, at most 5 bytes.
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
      const std::uint8_t b = byte();
      v |= std::uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) break;
    }
    return v;
  }
  std::size_t remaining() const { return pos < data.size() ? data.size() - pos : 0; }
};

bool valid_for_every_party(PoolOptions o) {
  // Seed rules are the stricter ones (thing semantics also takes align=0 and min_split=0), and
  // the model (seed) is a party of both targets.
  o.semantics = Semantics::seed;
  return std::holds_alternative<PoolConfig>(resolve_pool(o, EvmMemory::kDefaultCap));
}

// Invalid options lose start, then align, then min_split; if they are still invalid the pool is
// the default compact pool of the same layout.
PoolOptions make_valid(PoolOptions o) {
  if (valid_for_every_party(o)) return o;
  o.start.reset();
  if (valid_for_every_party(o)) return o;
  o.align.reset();
  if (valid_for_every_party(o)) return o;
  o.min_split.reset();
  if (valid_for_every_party(o)) return o;
  PoolOptions d;
  d.layout = o.layout;
  d.semantics = o.semantics;
  d.end = kCompactEndDefault;
  return d;
}

PoolOptions decode_pool(Reader& in, Semantics semantics) {
  PoolOptions o;
  o.semantics = semantics;
  const std::uint8_t first = in.byte();
  if (first == kExplicitPool) {
    const std::uint8_t present = in.byte();
    const std::uint8_t values = in.byte();
    o.layout = (present & 0x40) != 0 ? Layout::thing : Layout::evm;
    if ((present & 0x01) != 0) o.start = in.number();
    if ((present & 0x02) != 0) o.end = in.number();
    if ((present & 0x04) != 0) o.align = in.number();
    if ((present & 0x08) != 0) o.min_split = in.number();
    if ((present & 0x10) != 0) o.compact = (values & 0x01) != 0;
    if ((present & 0x20) != 0) o.split = (values & 0x02) != 0;
    return make_valid(o);
  }
  o.layout = (first & 0x03) == 0x03 ? Layout::thing : Layout::evm;
  if ((first & 0x0c) == 0x0c) o.compact = false;
  if ((first & 0x30) == 0x30) o.split = false;
  const LayoutParams p = layout_params(o.layout);
  const unsigned hi = in.byte();
  const unsigned e = (hi << 8) | in.byte();
  std::uint64_t end = e == 0 ? kCompactEndDefault : kCompactEndMin + (e - 1) % (kCompactEndMax - kCompactEndMin + 1);
  if (o.layout == Layout::thing) end &= ~std::uint64_t{3};
  o.end = end;
  if (const std::uint8_t a = in.byte(); a != 0) o.align = p.min_align << (a % 8);
  if (const std::uint8_t m = in.byte(); m != 0) o.min_split = p.header + m;
  if (const std::uint8_t s = in.byte(); s != 0) o.start = s;
  return make_valid(o);
}

bool same_pool(const PoolOptions& a, const PoolOptions& b) {
  return a.layout == b.layout && a.semantics == b.semantics && a.start == b.start && a.end == b.end &&
         a.align == b.align && a.min_split == b.min_split && a.compact == b.compact && a.split == b.split;
}

std::int64_t delta(unsigned index, const PoolConfig& c) {
  const auto align = static_cast<std::int64_t>(c.align);
  const auto word = static_cast<std::int64_t>(c.params.word);
  const auto header = static_cast<std::int64_t>(c.params.header);
  const auto min_split = static_cast<std::int64_t>(c.min_split);
  const std::int64_t table[16] = {0,     1,          -1,     align,   -align,     align - 1,  -(align - 1), 2 * align,
                                  -2 * align, word, -word, header, -header, min_split, -min_split, 8};
  return table[index & 15];
}

u256 huge(unsigned index, const PoolConfig& c) {
  const u256 one = 1;
  const u256 h = c.params.header;
  const u256 a = c.align;
  switch (index & 15) {
    case 0: return (one << 31) - 1;
    case 1: return one << 31;
    case 2: return (one << 31) - h - a + 1;  // thing: n + H + align - 1 == 2^31, ToInt32 goes negative
    case 3: return (one << 32) - 1;
    case 4: return one << 32;
    case 5: return (one << 32) + 1;
    case 6: return (one << 32) - h - a + 1;  // thing: ToInt32(2^32) == 0, a zero-size block
    case 7: return (one << 32) - h - a + 1 + 4 * a;  // thing: padded wraps to 4 * align
    case 8: return one << 53;
    case 9: return (one << 64) - 1;
    case 10: return one << 64;
    case 11: return one << 128;
    case 12: return one << 255;
    case 13: return ~u256(0);
    case 14: return ~u256(0) - h + 1;  // n + H overflows 256 bits
    default: return c.end;
  }
}

u256 clamp_add(std::uint64_t base, std::int64_t d) {
  if (d < 0 && static_cast<std::uint64_t>(-d) > base) return 0;
  return d < 0 ? u256(base - static_cast<std::uint64_t>(-d)) : u256(base) + static_cast<std::uint64_t>(d);
}

}  // namespace

// --- decoder ---------------------------------------------------------------------------------

Decoder::Decoder(std::span<const std::uint8_t> data, Target target) : data_(data) {
  if (!data_.empty()) version_ = data_[pos_++];  // every value decodes as v1
  Reader in{data_, pos_};
  pool_ = decode_pool(in, target_semantics(target));
  config_ = resolve_pool_or_throw(pool_, EvmMemory::kDefaultCap);
}

u256 Decoder::read_u256() {
  Reader in{data_, pos_};
  return in.number();
}

std::uint64_t Decoder::read_varint() {
  Reader in{data_, pos_};
  return in.varint();
}

void Decoder::sync(const TraceState& state) {
  if (state.result_count() != kinds_.size()) {
    throw std::logic_error("fuzz::Decoder::next: the state must hold the result of every operation yielded before");
  }
  for (; synced_ < kinds_.size(); ++synced_) {
    if (!returns_pointer(kinds_[synced_])) continue;
    const u256 result = state.result(synced_);
    if (result == 0) continue;
    const auto k = static_cast<std::uint32_t>(synced_ + 1);
    latest_[result] = k;
    pointer_ops_.push_back(k);
  }
}

std::optional<Decoder::Block> Decoder::live_block(const TraceState& state, std::size_t index) const {
  const auto& live = state.live();
  if (live.empty()) return std::nullopt;
  auto it = live.begin();
  std::advance(it, static_cast<std::ptrdiff_t>((index + bias_) % live.size()));
  return Block{it->first, it->second};
}

PtrArg Decoder::pointer_to(const u256& ptr, const u256& offset) const {
  auto it = latest_.find(ptr);
  if (it == latest_.end()) return PtrArg{0, ptr + offset};
  return PtrArg{it->second, offset};
}

std::uint64_t Decoder::padded(const u256& n) const {
  const std::uint64_t a = config_.align;
  if (n > config_.end) return config_.end;  // no block that big exists below end
  return (low_u64(n) + config_.params.header + a - 1) / a * a;
}

std::uint64_t Decoder::top_estimate(const TraceState& state) const {
  // The highest live block's end: top itself unless free blocks lie above it.
  const auto& live = state.live();
  if (live.empty()) return config_.initial_top;
  const auto& [ptr, requested] = *live.rbegin();
  if (ptr >= config_.end) return config_.end;
  const std::uint64_t top = low_u64(ptr) - config_.params.header + padded(requested);
  return std::clamp(top, config_.initial_top, config_.end);
}

PtrArg Decoder::pointer_arg(const TraceState& state, u256& resolved) {
  const std::uint8_t p = byte();
  const std::uint64_t first = config_.initial_top + config_.params.header;
  PtrArg arg{0, first};
  auto earlier = [&](std::size_t index) {
    if (pointer_ops_.empty()) return PtrArg{0, first};
    return PtrArg{pointer_ops_[pointer_ops_.size() - 1 - (index + bias_) % pointer_ops_.size()], 0};
  };
  if (p < kPtrEarlier) {
    if (auto b = live_block(state, p)) {
      arg = pointer_to(b->ptr, 0);
    } else {
      arg = earlier(p);
    }
  } else if (p < kPtrInterior) {
    arg = earlier(p & 0x1fu);
  } else if (p < kPtrSpecial) {
    const std::uint8_t index = byte();
    const unsigned d = 1 + (p & 0x1fu);
    auto b = live_block(state, index);
    arg = b ? pointer_to(b->ptr, d) : PtrArg{0, u256(first) + d};
  } else if (p < kPtrRaw) {
    const std::uint8_t index = byte();
    const auto b = live_block(state, index);
    const u256 base = b ? b->ptr : u256(first);
    auto derived = [&](const u256& offset) { return b ? pointer_to(b->ptr, offset) : PtrArg{0, base + offset}; };
    switch (p & 15u) {
      case 0: arg = PtrArg{0, 0}; break;
      case 1: arg = PtrArg{0, 1}; break;
      case 2: arg = PtrArg{0, base - config_.params.header}; break;
      case 3: arg = PtrArg{0, first}; break;
      case 4: arg = PtrArg{0, config_.initial_top}; break;
      case 5: arg = PtrArg{0, config_.end}; break;
      case 6: arg = PtrArg{0, u256(top_estimate(state)) + config_.params.header}; break;
      case 7: arg = derived(b ? padded(b->requested) : config_.align); break;
      case 8: arg = PtrArg{0, base - config_.align}; break;
      case 9: arg = PtrArg{0, config_.start}; break;
      case 10: arg = derived(u256(1) << 64); break;
      case 11: arg = derived(u256(1) << 32); break;
      case 12: arg = PtrArg{0, ~u256(0)}; break;
      case 13: arg = PtrArg{0, u256(1) << 255}; break;
      case 14: arg = derived(u256(1) << 128); break;
      default: arg = PtrArg{0, index}; break;
    }
  } else {
    arg = PtrArg{0, read_u256()};
  }
  // Every compact choice is a block below end plus at most 2^128: a reference never passes
  // 2^256-1 here. Were it to, the raw value, as in the explicit form.
  const std::optional<u256> r = state.resolve(arg);
  if (!r) arg = PtrArg{0, arg.value};
  resolved = r.value_or(arg.value);
  return arg;
}

u256 Decoder::size_arg(const TraceState& state, const std::optional<u256>& realloc_ptr) {
  const std::uint8_t t = byte();
  if (t < kSizeMedium) return t;
  if (t < kSizeSplit) return (u256(t & 0x3fu) << 8) | byte();
  const std::uint64_t h = config_.params.header;
  if (t < kSizeRoom) {
    // The split edge: for a live block being resized, the size whose padded block leaves exactly
    // min_split behind; otherwise the size whose padded block is about min_split.
    std::int64_t base = static_cast<std::int64_t>(config_.min_split) - static_cast<std::int64_t>(h);
    if (realloc_ptr) {
      auto it = state.live().find(*realloc_ptr);
      if (it != state.live().end()) {
        base = static_cast<std::int64_t>(padded(it->second)) - static_cast<std::int64_t>(config_.min_split) -
               static_cast<std::int64_t>(h);
      }
    }
    const std::int64_t n = base + delta(t, config_);
    return n < 0 ? u256(0) : u256(static_cast<std::uint64_t>(n));
  }
  if (t < kSizeHuge) {
    // The room left: a resized block reaching exactly end, or a new block filling [top, end).
    std::uint64_t base = 0;
    if (realloc_ptr && *realloc_ptr < config_.end) {
      base = config_.end - low_u64(*realloc_ptr);
    } else {
      const std::uint64_t top = top_estimate(state);
      base = top + h < config_.end ? config_.end - top - h : 0;
    }
    return clamp_add(base, delta(t, config_));
  }
  if (t < kSizeRaw) return huge(t, config_);
  return read_u256();
}

std::optional<Operation> Decoder::compact_write(const TraceState& state) {
  const std::uint8_t sel = byte();
  const std::uint8_t len_byte = byte();
  const std::uint8_t off_byte = byte();
  const std::uint8_t data_byte = byte();
  const auto b = live_block(state, sel);
  if (!b || b->ptr >= config_.end) return std::nullopt;
  const std::uint64_t room = config_.end - low_u64(b->ptr);
  const std::uint64_t size = b->requested < room ? low_u64(b->requested) : room;
  if (size == 0) return std::nullopt;
  const std::uint64_t len = 1 + len_byte % std::min(size, kMaxWrite);
  const std::uint64_t slack = size - len;  // the largest legal offset
  std::uint64_t offset = 0;
  if ((off_byte & 0x80) != 0) {
    const std::uint64_t back = off_byte & 0x7fu;  // counted from the block's last legal offset
    offset = slack > back ? slack - back : 0;
  } else {
    offset = (off_byte & 0x7fu) % (slack + 1);
  }
  Operation op;
  op.kind = OpKind::write;
  op.ptr = pointer_to(b->ptr, 0);
  op.offset = offset;
  for (std::uint64_t i = 0; i < len; ++i) op.bytes.push_back(static_cast<std::uint8_t>(data_byte + i));
  if (!state.write_target(op).error.empty()) return std::nullopt;  // cannot happen; never yield an illegal write
  return op;
}

std::optional<Operation> Decoder::explicit_op(const TraceState& state) {
  Operation op;
  const OpInfo& info = op_by_wire(byte());
  op.kind = info.kind;
  for (const Field field : info.args()) {
    switch (field) {
      case Field::ptr: {
        const unsigned hi = byte();
        const std::uint32_t ref = (hi << 8) | byte();
        const u256 value = read_u256();
        // @k must name an earlier operation that returns a pointer, and @k+value must not pass
        // 2^256-1 (an error of a trace); anything else is the raw value.
        op.ptr = ref != 0 && ref <= kinds_.size() && returns_pointer(kinds_[ref - 1]) ? PtrArg{ref, value} : PtrArg{0, value};
        if (!state.resolve(op.ptr)) op.ptr = PtrArg{0, value};
        break;
      }
      case Field::size: op.size = read_u256(); break;
      case Field::fill: op.fill = byte(); break;
      case Field::offset: op.offset = read_u256(); break;
      case Field::bytes: {
        // The data is truncated to the bytes the input still has.
        const std::uint64_t len = std::min<std::uint64_t>(read_varint(), data_.size() - std::min(pos_, data_.size()));
        for (std::uint64_t i = 0; i < len; ++i) op.bytes.push_back(byte());
        break;
      }
    }
  }
  if (op.kind == OpKind::write && (op.bytes.empty() || !state.write_target(op).error.empty())) return std::nullopt;  // skipped
  return op;
}

std::optional<Operation> Decoder::statement(const TraceState& state) {
  const std::uint8_t c = byte();
  const OpcodeRange& opcode = opcode_of(c, version_);
  switch (opcode.statement) {
    case Statement::explicit_op: return explicit_op(state);
    case Statement::reserved: return std::nullopt;
    case Statement::repeat: {
      const std::size_t count = repeat_count(byte());
      const std::size_t stride = byte();
      // Nested, nothing to repeat, or the input's repeat budget is spent: skipped.
      if (repeat_left_ != 0 || repeat_budget_ == 0 || pos_ >= data_.size()) return std::nullopt;
      repeat_at_ = pos_;
      repeat_left_ = count;
      repeat_iteration_ = 0;
      repeat_stride_ = stride;
      repeat_end_ = pos_;
      return std::nullopt;
    }
    case Statement::operation: break;
  }
  if (opcode.kind == OpKind::write) return compact_write(state);
  Operation op;
  op.kind = opcode.kind;
  u256 resolved = 0;
  bool has_ptr = false;
  for (const Field field : op_info(op.kind).args()) {
    switch (field) {
      case Field::ptr:
        op.ptr = pointer_arg(state, resolved);
        has_ptr = true;
        break;
      case Field::size: op.size = size_arg(state, has_ptr ? std::optional<u256>(resolved) : std::nullopt); break;
      case Field::fill: op.fill = byte(); break;
      case Field::offset:
      case Field::bytes: break;  // only writes take them, and a compact write is its own form
    }
  }
  return op;
}

std::optional<Operation> Decoder::next(const TraceState& state) {
  sync(state);
  const std::size_t limit = max_ops(version_);
  while (kinds_.size() < limit) {
    std::optional<Operation> op;
    if (repeat_left_ != 0) {
      // The repeated statement once more, its block choices shifted by the iteration.
      pos_ = repeat_at_;
      bias_ = repeat_iteration_++ * repeat_stride_;
      op = statement(state);
      repeat_end_ = pos_;  // the same every time: a statement's length depends only on its bytes
      bias_ = 0;
      if (--repeat_budget_ == 0) repeat_left_ = 1;  // no more repeating in this input (the budget is
                                                     // never 0 here: a repeat needs it to start)
      if (--repeat_left_ == 0) pos_ = repeat_end_;
    } else {
      if (pos_ >= data_.size()) break;
      op = statement(state);
    }
    if (op) {
      kinds_.push_back(op->kind);
      return op;
    }
  }
  return std::nullopt;
}

// --- encoder ---------------------------------------------------------------------------------

void put_u256(std::vector<std::uint8_t>& out, const u256& v) {
  std::array<std::uint8_t, 32> bytes{};
  unsigned len = 0;
  for (u256 x = v; x != 0; x >>= 8) bytes[len++] = static_cast<std::uint8_t>(low_u64(x & 0xff));
  out.push_back(static_cast<std::uint8_t>(len));
  for (unsigned i = len; i-- > 0;) out.push_back(bytes[i]);
}

void put_explicit_pool(std::vector<std::uint8_t>& out, const PoolOptions& o) {
  unsigned present = o.layout == Layout::thing ? 0x40u : 0u;
  unsigned values = 0;
  if (o.start) present |= 0x01u;
  if (o.end) present |= 0x02u;
  if (o.align) present |= 0x04u;
  if (o.min_split) present |= 0x08u;
  if (o.compact) {
    present |= 0x10u;
    if (*o.compact) values |= 0x01u;
  }
  if (o.split) {
    present |= 0x20u;
    if (*o.split) values |= 0x02u;
  }
  out.push_back(kExplicitPool);
  out.push_back(static_cast<std::uint8_t>(present));
  out.push_back(static_cast<std::uint8_t>(values));
  for (const auto* v : {&o.start, &o.end, &o.align, &o.min_split}) {
    if (*v) put_u256(out, **v);
  }
}

namespace {

void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  do {
    const auto b = static_cast<std::uint8_t>(v & 0x7f);
    v >>= 7;
    out.push_back(v != 0 ? static_cast<std::uint8_t>(b | 0x80) : b);
  } while (v != 0);
}

void put_ptr(std::vector<std::uint8_t>& out, const PtrArg& p) {
  out.push_back(static_cast<std::uint8_t>(p.ref >> 8));
  out.push_back(static_cast<std::uint8_t>(p.ref & 0xff));
  put_u256(out, p.value);
}

// The compact form of the options, or nullopt when it cannot say exactly these.
std::optional<std::array<std::uint8_t, 6>> compact_pool(const PoolOptions& o) {
  const LayoutParams p = layout_params(o.layout);
  std::array<std::uint8_t, 6> b{};
  if (o.layout == Layout::thing) b[0] |= 0x03;
  if (o.compact) {
    if (*o.compact) return std::nullopt;
    b[0] |= 0x0c;
  }
  if (o.split) {
    if (*o.split) return std::nullopt;
    b[0] |= 0x30;
  }
  if (!o.end) return std::nullopt;
  if (*o.end != kCompactEndDefault) {
    if (*o.end < kCompactEndMin || *o.end > kCompactEndMax) return std::nullopt;
    const std::uint64_t e = low_u64(*o.end) - kCompactEndMin + 1;
    b[1] = static_cast<std::uint8_t>(e >> 8);
    b[2] = static_cast<std::uint8_t>(e & 0xff);
  }
  if (o.align) {
    unsigned k = 0;
    while (k < 8 && u256(p.min_align << k) != *o.align) ++k;
    if (k == 8) return std::nullopt;
    b[3] = static_cast<std::uint8_t>(k == 0 ? 8 : k);
  }
  if (o.min_split) {
    if (*o.min_split <= p.header || *o.min_split > p.header + 255) return std::nullopt;
    b[4] = static_cast<std::uint8_t>(low_u64(*o.min_split) - p.header);
  }
  if (o.start) {
    if (*o.start == 0 || *o.start > 255) return std::nullopt;
    b[5] = static_cast<std::uint8_t>(low_u64(*o.start));
  }
  return b;
}

void put_pool(std::vector<std::uint8_t>& out, const PoolOptions& o) {
  if (auto compact = compact_pool(o)) {
    std::size_t pos = 0;
    Reader in{*compact, pos};
    if (same_pool(decode_pool(in, o.semantics), o)) {
      out.insert(out.end(), compact->begin(), compact->end());
      return;
    }
  }
  put_explicit_pool(out, o);
}

// A size as the compact selector says it when it can (below 0x4000), else nullopt.
bool put_compact_size(std::vector<std::uint8_t>& out, const u256& n) {
  if (n < kSizeMedium) {
    out.push_back(static_cast<std::uint8_t>(low_u64(n)));
    return true;
  }
  if (n < 0x4000) {
    const std::uint64_t v = low_u64(n);
    out.push_back(static_cast<std::uint8_t>(kSizeMedium | (v >> 8)));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
    return true;
  }
  return false;
}

}  // namespace

std::vector<std::uint8_t> encode(const Trace& trace) {
  if (trace.ops.size() > kMaxOpsV2) {
    throw EncodeError("the trace has " + std::to_string(trace.ops.size()) + " operations; a fuzz input holds at most " +
                      std::to_string(kMaxOpsV2));
  }
  if (!valid_for_every_party(trace.pool)) {
    throw EncodeError("the pool options are not valid for every party of the " +
                      std::string(target_name(target_for(trace.pool.semantics))) + " target");
  }
  // v1 whenever it can hold the trace, so that every v1 file stays what it was; v2 above that.
  const bool v2 = trace.ops.size() > kMaxOps;
  std::vector<std::uint8_t> out{v2 ? kFormatVersion2 : kFormatVersion};
  put_pool(out, trace.pool);
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    const Operation& op = trace.ops[i];
    const OpInfo& info = op_info(op.kind);
    // Compact where the compact form says exactly this: no fields, or malloc/calloc of a small size.
    // Such a statement decodes to the same operation whatever the state, so in v2 a run of equal
    // ones is written as repeats.
    std::vector<std::uint8_t> compact{opcode_byte(op.kind)};
    const bool is_compact = info.field_count == 0 ||
                            (!info.takes(Field::ptr) && info.takes(Field::size) && put_compact_size(compact, op.size));
    if (is_compact) {
      if (info.takes(Field::fill)) compact.push_back(op.fill);
      std::size_t run = 1;
      while (v2 && i + run < trace.ops.size() && trace.ops[i + run] == op) ++run;
      i += run - 1;
      while (run >= 2) {
        const std::size_t count = run >= 32 ? std::min<std::size_t>(run / 32, 128) * 32 : std::min<std::size_t>(run, 129);
        const auto count_byte = static_cast<std::uint8_t>(count >= 32 && count % 32 == 0 && count > 129
                                                              ? 0x80 | (count / 32 - 1)
                                                              : count - 2);
        out.push_back(opcode_byte(Statement::repeat));
        out.push_back(count_byte);
        out.push_back(0);  // stride: the statement takes no blocks
        out.insert(out.end(), compact.begin(), compact.end());
        run -= repeat_count(count_byte);
      }
      if (run == 1) out.insert(out.end(), compact.begin(), compact.end());
      continue;
    }
    // Explicit: the wire code, then every field in trace order.
    out.push_back(opcode_byte(Statement::explicit_op));
    out.push_back(info.wire);
    for (const Field field : info.args()) {
      switch (field) {
        case Field::ptr: put_ptr(out, op.ptr); break;
        case Field::size: put_u256(out, op.size); break;
        case Field::fill: out.push_back(op.fill); break;
        case Field::offset: put_u256(out, op.offset); break;
        case Field::bytes:
          put_varint(out, op.bytes.size());
          out.insert(out.end(), op.bytes.begin(), op.bytes.end());
          break;
      }
    }
  }
  return out;
}

// --- dictionary ------------------------------------------------------------------------------

std::string dictionary_text() {
  std::string out =
      "# The fealloc fuzz input dictionary (format v1), for libFuzzer -dict= and AFL++ -x.\n"
      "# Generated by `fealloc dict` from the tables of fuzz/input_format.hpp; a test checks that it is current.\n";
  auto entry = [&](std::string_view name, std::initializer_list<std::uint8_t> bytes) {
    out += name;
    out += "=\"";
    char buf[8];
    for (std::uint8_t b : bytes) {
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      out += buf;
    }
    out += "\"\n";
  };
  auto named = [](std::string_view a, std::string_view b) { return std::string(a) + std::string(b); };
  entry("version_1", {kFormatVersion});
  entry("pool_explicit", {kExplicitPool});
  entry("version_2", {kFormatVersion2});
  for (const OpcodeRange& r : kOpcodes) {
    if (r.statement != Statement::reserved) entry(named("op_", r.name), {r.first});
  }
  const std::uint8_t escape = opcode_byte(Statement::explicit_op);
  for (const OpInfo& info : kOperations) entry(named("explicit_", info.name), {escape, info.wire});
  const std::uint8_t repeat = opcode_byte(Statement::repeat);
  for (const std::uint8_t count : std::array<std::uint8_t, 4>{0x7f, 0x8f, 0x9f, 0xff}) {
    entry("repeat_" + std::to_string(repeat_count(count)), {repeat, count, 0x01});
  }
  const std::uint8_t op_malloc = opcode_byte(OpKind::malloc);
  const std::uint8_t op_realloc = opcode_byte(OpKind::realloc);
  const std::uint8_t op_free = opcode_byte(OpKind::free);
  for (std::uint8_t i = 0; i < 16; ++i) {
    entry(named("malloc_huge_", kHugeNames[i]), {op_malloc, static_cast<std::uint8_t>(kSizeHuge | i)});
  }
  for (std::uint8_t i = 0; i < 16; ++i) {
    entry(named("malloc_split_", kDeltaNames[i]), {op_malloc, static_cast<std::uint8_t>(kSizeSplit | i)});
  }
  for (std::uint8_t i = 0; i < 16; ++i) {
    entry(named("malloc_room_", kDeltaNames[i]), {op_malloc, static_cast<std::uint8_t>(kSizeRoom | i)});
  }
  for (std::uint8_t i = 0; i < 16; ++i) {
    entry(named("realloc_split_", kDeltaNames[i]), {op_realloc, 0x00, static_cast<std::uint8_t>(kSizeSplit | i)});
  }
  for (std::uint8_t i = 0; i < 16; ++i) {
    entry(named("realloc_room_", kDeltaNames[i]), {op_realloc, 0x00, static_cast<std::uint8_t>(kSizeRoom | i)});
  }
  for (std::uint8_t i = 0; i < 16; ++i) {
    entry(named("free_special_", kSpecialNames[i]), {op_free, static_cast<std::uint8_t>(kPtrSpecial | i), 0x00});
  }
  entry("free_earlier", {op_free, kPtrEarlier});
  entry("free_interior", {op_free, kPtrInterior, 0x00});
  entry("realloc_earlier", {op_realloc, kPtrEarlier});
  return out;
}

}  // namespace fealloc::fuzz
