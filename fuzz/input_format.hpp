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

inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::size_t kMaxOps = 512;  // operations decoded from one input, at most

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

enum class Opcode : std::uint8_t { malloc, calloc, realloc, free, free_all, stats, write, explicit_op, reserved };

// An operation byte c selects the entry whose range holds c & kOpcodeMask; `first` is the
// canonical value (what the encoder writes and the dictionary lists).
inline constexpr std::uint8_t kOpcodeMask = 0x1f;
struct OpcodeRange {
  std::uint8_t first;
  std::uint8_t last;
  Opcode opcode;
  std::string_view name;
};
inline constexpr OpcodeRange kOpcodes[] = {
    {0x00, 0x07, Opcode::malloc, "malloc"},     {0x08, 0x09, Opcode::calloc, "calloc"},
    {0x0a, 0x0e, Opcode::realloc, "realloc"},   {0x0f, 0x15, Opcode::free, "free"},
    {0x16, 0x1a, Opcode::write, "write"},       {0x1b, 0x1b, Opcode::stats, "stats"},
    {0x1c, 0x1c, Opcode::free_all, "free_all"}, {0x1d, 0x1d, Opcode::explicit_op, "explicit"},
    {0x1e, 0x1f, Opcode::reserved, "reserved"},
};
Opcode opcode_of(std::uint8_t byte);
std::uint8_t opcode_byte(Opcode opcode);  // the canonical value

// After the explicit escape: a kind byte k selects OpKind(k % kExplicitKinds) (OpKind's values:
// malloc 0, calloc 1, realloc 2, free 3, free_all 4, stats 5, write 6).
inline constexpr std::uint8_t kExplicitKinds = 7;

// Size selector t (malloc, calloc, realloc): its class is chosen by t's value.
inline constexpr std::uint8_t kSizeMedium = 0x80;  // 0x80..0xbf: ((t & 0x3f) << 8) | next byte
inline constexpr std::uint8_t kSizeSplit = 0xc0;   // 0xc0..0xcf: split edge + delta[t & 15]
inline constexpr std::uint8_t kSizeRoom = 0xd0;    // 0xd0..0xdf: room left + delta[t & 15]
inline constexpr std::uint8_t kSizeHuge = 0xe0;    // 0xe0..0xef: huge[t & 15]
inline constexpr std::uint8_t kSizeRaw = 0xf0;     // 0xf0..0xff: a u256 follows
// Pointer selector p (realloc, free).
inline constexpr std::uint8_t kPtrEarlier = 0xa0;   // 0xa0..0xbf: an earlier result (maybe freed)
inline constexpr std::uint8_t kPtrInterior = 0xc0;  // 0xc0..0xdf: a live block + 1 + (p & 31)
inline constexpr std::uint8_t kPtrSpecial = 0xe0;   // 0xe0..0xef: special[p & 15]
inline constexpr std::uint8_t kPtrRaw = 0xf0;       // 0xf0..0xff: a u256 follows

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
  // Byte 0 as the input has it (an empty input has none: kFormatVersion). Every value decodes as v1.
  std::uint8_t version() const { return version_; }

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

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::uint8_t version_ = kFormatVersion;
  PoolOptions pool_;
  PoolConfig config_;
  std::vector<OpKind> kinds_;           // the kinds of the operations yielded so far
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
