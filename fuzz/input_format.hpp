// The binary fuzz input format, version 1 (docs/decisions.md, "Fuzz input format", has the whole
// layout). Every byte string decodes to a valid pool and a sequence of at most kMaxOps legal
// operations: nothing is rejected for its shape. Compact opcodes choose their values the way that
// finds bugs (live blocks, freed and interior pointers, sizes around the split threshold and the
// room left, huge sizes), which depends on what the run has returned so far, so decoding is
// interactive: a Decoder yields the next Operation given the executor's TraceState. Explicit-form
// opcodes carry exact values, so encode(trace) decodes back to exactly that trace.
#pragma once

#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fealloc::fuzz {

// Byte 0 of an input. encode() writes v1 for traces of at most kMaxOps operations (so every v1
// file stays byte for byte what it was) and v2 for longer ones. v2 = v1 plus the repeat statement
// and a larger operation budget. Any other byte 0 decodes as v1.
inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::uint8_t kFormatVersion2 = 2;
inline constexpr std::size_t kMaxOps = 512;     // v1: operations decoded from one input, at most
inline constexpr std::size_t kMaxOpsV2 = 4096;  // v2: operations, repeats expanded, at most
constexpr std::uint8_t effective_version(std::uint8_t byte0) { return byte0 == kFormatVersion2 ? kFormatVersion2 : kFormatVersion; }
constexpr std::size_t max_ops(std::uint8_t version) { return version == kFormatVersion2 ? kMaxOpsV2 : kMaxOps; }

// --- the targets -----------------------------------------------------------------------------

// What a fuzz input runs on. The target, not the input, decides the semantics of the pool.
enum class Target : std::uint8_t { differential, thing };
std::optional<Target> parse_target(std::string_view name);
std::string_view target_name(Target target);
Semantics target_semantics(Target target);
Target target_for(Semantics semantics);
// differential: optimized, port-seed, model; thing: port-thing, model (default_parties()).
std::vector<std::string> target_parties(Target target);

// --- the tables: every fixed byte value of the format is here -----------------------------------

// Byte 1: the explicit pool form's marker (any other value starts the compact pool form).
inline constexpr std::uint8_t kExplicitPool = 0xff;

// What an operation byte starts. Its range is looked up as c & kOpcodeMask; `first` is the
// canonical value (what the encoder writes and the dictionary lists). The compact operations take
// the fields of their OpKind (harness/operations.hpp) with the selectors below; a compact write
// takes its own four bytes (docs/decisions.md).
enum class Statement : std::uint8_t { operation, explicit_op, repeat, reserved };
inline constexpr std::uint8_t kOpcodeMask = 0x1f;
struct OpcodeRange {
  std::uint8_t first;
  std::uint8_t last;
  Statement statement;
  OpKind kind;  // for Statement::operation
  std::string_view name;
  std::uint8_t since;  // the format version that introduced it (before: reserved, skipped)
};
inline constexpr OpcodeRange kOpcodes[] = {
    {0x00, 0x07, Statement::operation, OpKind::malloc, "malloc", 1},
    {0x08, 0x09, Statement::operation, OpKind::calloc, "calloc", 1},
    {0x0a, 0x0e, Statement::operation, OpKind::realloc, "realloc", 1},
    {0x0f, 0x15, Statement::operation, OpKind::free, "free", 1},
    {0x16, 0x1a, Statement::operation, OpKind::write, "write", 1},
    {0x1b, 0x1b, Statement::operation, OpKind::stats, "stats", 1},
    {0x1c, 0x1c, Statement::operation, OpKind::free_all, "free_all", 1},
    {0x1d, 0x1d, Statement::explicit_op, OpKind::stats, "explicit", 1},
    {0x1e, 0x1e, Statement::repeat, OpKind::stats, "repeat", 2},
    {0x1f, 0x1f, Statement::reserved, OpKind::stats, "reserved", 1},
};
const OpcodeRange& opcode_of(std::uint8_t byte, std::uint8_t version);
std::uint8_t opcode_byte(OpKind kind);            // the canonical compact opcode
std::uint8_t opcode_byte(Statement statement);    // explicit_op, repeat

// After the explicit escape: a kind byte k selects op_by_wire(k) (harness/operations.hpp: the
// wire code, k % kWireKinds), then that operation's fields in trace order.

// v2's repeat statement `0x1e COUNT STRIDE STATEMENT`: the statement is decoded repeat_count(COUNT)
// times, each time against the run's current state, its block choices shifted by i * STRIDE in
// iteration i (so one repeat can free every other block of a big heap). A repeat inside a repeat
// is skipped.
constexpr std::size_t repeat_count(std::uint8_t c) { return c < 0x80 ? std::size_t{c} + 2 : (std::size_t{c & 0x7fu} + 1) * 32; }

// Selector classes, one table each. A size selector t (malloc, calloc, realloc):
enum class SizeClass : std::uint8_t { small, medium, split_edge, room_left, huge, raw };
// and a pointer selector p (realloc, free):
enum class PtrClass : std::uint8_t { live, earlier, interior, special, raw };
template <class Class>
struct SelectorRange {
  std::uint8_t first;
  std::uint8_t last;
  Class cls;
  std::string_view name;
};
inline constexpr SelectorRange<SizeClass> kSizeSelectors[] = {
    {0x00, 0x7f, SizeClass::small, "small"},        // t itself
    {0x80, 0xbf, SizeClass::medium, "medium"},      // ((t & 0x3f) << 8) | next byte
    {0xc0, 0xcf, SizeClass::split_edge, "split"},   // split edge + delta[t & 15]
    {0xd0, 0xdf, SizeClass::room_left, "room"},     // room left + delta[t & 15]
    {0xe0, 0xef, SizeClass::huge, "huge"},          // huge[t & 15]
    {0xf0, 0xff, SizeClass::raw, "raw"},            // a u256 follows
};
inline constexpr SelectorRange<PtrClass> kPtrSelectors[] = {
    {0x00, 0x9f, PtrClass::live, "live"},          // a live block (index p)
    {0xa0, 0xbf, PtrClass::earlier, "earlier"},    // an earlier result (maybe freed)
    {0xc0, 0xdf, PtrClass::interior, "interior"},  // a live block + 1 + (p & 31)
    {0xe0, 0xef, PtrClass::special, "special"},    // special[p & 15]
    {0xf0, 0xff, PtrClass::raw, "raw"},            // a u256 follows
};
template <class Class, std::size_t N>
constexpr Class selector_class(const SelectorRange<Class> (&table)[N], std::uint8_t v) {
  for (const auto& r : table) {
    if (v >= r.first && v <= r.last) return r.cls;
  }
  return table[N - 1].cls;
}
template <class Class, std::size_t N>
constexpr std::uint8_t selector_first(const SelectorRange<Class> (&table)[N], Class cls) {
  for (const auto& r : table) {
    if (r.cls == cls) return r.first;
  }
  return table[0].first;
}
inline constexpr std::uint8_t kSizeMedium = selector_first(kSizeSelectors, SizeClass::medium);
inline constexpr std::uint8_t kSizeSplit = selector_first(kSizeSelectors, SizeClass::split_edge);
inline constexpr std::uint8_t kSizeRoom = selector_first(kSizeSelectors, SizeClass::room_left);
inline constexpr std::uint8_t kSizeHuge = selector_first(kSizeSelectors, SizeClass::huge);
inline constexpr std::uint8_t kSizeRaw = selector_first(kSizeSelectors, SizeClass::raw);
inline constexpr std::uint8_t kPtrEarlier = selector_first(kPtrSelectors, PtrClass::earlier);
inline constexpr std::uint8_t kPtrInterior = selector_first(kPtrSelectors, PtrClass::interior);
inline constexpr std::uint8_t kPtrSpecial = selector_first(kPtrSelectors, PtrClass::special);
inline constexpr std::uint8_t kPtrRaw = selector_first(kPtrSelectors, PtrClass::raw);

// The names of delta[], huge[] and special[] (for the dictionary and the documentation).
extern const std::string_view kDeltaNames[16];
extern const std::string_view kHugeNames[16];
extern const std::string_view kSpecialNames[16];

// --- decoding ----------------------------------------------------------------------------------

class Decoder {
 public:
  // `data` must outlive the decoder.
  Decoder(std::span<const std::uint8_t> data, Target target);

  // Always valid options (for every party of either target), with the target's semantics.
  const PoolOptions& pool() const { return pool_; }
  const PoolConfig& config() const { return config_; }
  // Byte 0 as the input has it (an empty input has none: kFormatVersion), and the version it
  // decodes as (2 for byte 0 == 2, else 1).
  std::uint8_t version() const { return version_; }
  std::uint8_t decodes_as() const { return effective_version(version_); }

  // The next operation, its values chosen against `state`, which must hold the result of every
  // operation this decoder yielded before; nullopt once the input is used up or kMaxOps
  // operations were yielded. A yielded write is always legal.
  std::optional<Operation> next(const TraceState& state);
  std::size_t yielded() const { return kinds_.size(); }

 private:
  struct Block {
    u256 ptr = 0;
    u256 requested = 0;
  };

  std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : std::uint8_t{0}; }
  u256 read_u256();
  std::uint64_t read_varint();
  void sync(const TraceState& state);
  std::optional<Block> live_block(const TraceState& state, std::size_t index) const;
  PtrArg pointer_to(const u256& ptr, const u256& offset) const;
  std::uint64_t top_estimate(const TraceState& state) const;
  std::uint64_t padded(const u256& n) const;
  PtrArg pointer_arg(const TraceState& state, u256& resolved);
  u256 size_arg(const TraceState& state, const std::optional<u256>& realloc_ptr);
  std::optional<Operation> compact_write(const TraceState& state);
  std::optional<Operation> explicit_op(const TraceState& state);
  // One statement at pos_: an operation, nullopt for a skipped one; starts a repeat.
  std::optional<Operation> statement(const TraceState& state);

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::uint8_t version_ = kFormatVersion;
  PoolOptions pool_;
  PoolConfig config_;
  std::vector<OpKind> kinds_;           // the kinds of the operations yielded so far
  // A repeat in progress (v2): the statement at repeat_at_ runs repeat_left_ more times; bias_ is
  // added to every block choice of the current iteration.
  std::size_t repeat_at_ = 0;
  std::size_t repeat_left_ = 0;
  std::size_t repeat_stride_ = 0;
  std::size_t repeat_end_ = 0;
  std::size_t repeat_iteration_ = 0;
  std::size_t repeat_budget_ = 2 * kMaxOpsV2;  // iterations left in this input, yielding or not
  std::size_t bias_ = 0;
  std::size_t synced_ = 0;              // results taken from the state so far
  std::map<u256, std::uint32_t> latest_;  // pointer -> the latest operation that returned it
  std::vector<std::uint32_t> pointer_ops_;  // operations that returned a nonzero pointer, in order
};

// --- encoding ----------------------------------------------------------------------------------

class EncodeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The canonical bytes of a trace (version kFormatVersion): the compact pool form when it decodes
// to exactly these options, else the explicit one; malloc/calloc of sizes below 0x4000, stats and
// free_all as compact opcodes, every other operation in the explicit form. Decoding the result
// for target_for(trace.pool.semantics) gives back the same trace when it replays without a
// runtime error on the target's first party. Throws EncodeError when the pool options are not
// valid for every party (seed rules) or the trace has more than kMaxOps operations.
std::vector<std::uint8_t> encode(const Trace& trace);

// Building blocks of encode(), shared with the mutator: a raw number (length byte, then big-endian
// bytes) and the explicit pool form (marker, present bits, flag bits, the numbers).
void put_u256(std::vector<std::uint8_t>& out, const u256& v);
void put_explicit_pool(std::vector<std::uint8_t>& out, const PoolOptions& o);

// The dictionary for libFuzzer (-dict=) and AFL++ (-x), generated from the tables above.
std::string dictionary_text();

}  // namespace fealloc::fuzz
