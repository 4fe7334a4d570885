// Running a trace on an Allocator: pointer resolution (@k+d), the liveness rules for writes
// (docs/decisions.md), and the replay output of spec/trace-format.md.
#pragma once

#include "core/allocator.hpp"
#include "harness/trace.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory_resource>
#include <optional>
#include <ostream>
#include <string_view>
#include <string>
#include <vector>

namespace fealloc {

struct OpResult {
  enum class Kind : std::uint8_t { pointer, boolean, none };
  Kind kind = Kind::none;
  u256 pointer = 0;
  bool ok = false;
  bool operator==(const OpResult&) const = default;
};

// Tracks what one run of a trace has returned so far: the results that @k names and the live
// blocks a write may touch. One per run; every party of a differential run shares the results of
// the first party (they must agree, or the run stops).
class TraceState {
 public:
  // The live map's nodes come from a pool owned by the state: a freed block's node serves the next
  // allocation, so a steady run of mallocs and frees allocates nothing.
  using LiveBlocks = std::pmr::map<u256, u256>;
  explicit TraceState(const PoolConfig& config) : config_(config), live_(&node_pool_) {}
  TraceState(const TraceState&) = delete;
  TraceState& operator=(const TraceState&) = delete;

  // The pointer an argument names: its raw value, or @k's result plus d; nullopt when that sum is
  // past 2^256-1, which is an error of the trace at that operation (kErrorPointerPastMax).
  std::optional<u256> resolve(const PtrArg& ptr) const;
  // For a write: the absolute address, or an error message when the write is not legal.
  struct WriteTarget {
    std::uint64_t addr = 0;
    std::string error;
  };
  WriteTarget write_target(const Operation& op) const;
  void record(const Operation& op, const u256& resolved_ptr, const OpResult& result);
  const LiveBlocks& live() const { return live_; }
  // Room for n more operations' results, so that recording them allocates nothing.
  void reserve(std::size_t n) { results_.reserve(results_.size() + n); }
  // What operation i (0-based) returned: its pointer, or 0 when it returned none. @k is result(k-1).
  u256 result(std::size_t i) const;
  std::size_t result_count() const { return results_.size(); }
  // Every result so far (tests, the fuzz tools).
  std::vector<u256> results() const;

 private:
  const PoolConfig& config_;
  // Per operation: the pointer it returned (0 otherwise). Pointers fit 64 bits (they are inside a
  // memory of at most EvmMemory::kDefaultCap bytes) unless a party is wrong: those few are kept
  // whole in wide_results_, and results_ has all ones there. 8 bytes an operation, not 32.
  static constexpr std::uint64_t kWide = ~std::uint64_t{0};
  std::vector<std::uint64_t> results_;
  std::map<std::size_t, u256> wide_results_;
  std::pmr::unsynchronized_pool_resource node_pool_;
  LiveBlocks live_;  // pointer -> requested size
};

// Runs one operation on one allocator. Precondition for a write: write_target() had no error.
OpResult apply_operation(Allocator& allocator, const Operation& op, const u256& resolved_ptr, std::uint64_t write_addr);

std::string ret_json(const OpResult& result);
std::string stats_json(const Stats& stats, Layout layout);
std::string heap_hex(std::uint64_t hash);
// One replay line: {"op":K,"ret":...,"stats":{...},"heap":"..."}.
std::string replay_line(std::size_t op_number, const OpResult& result, const Stats& stats, Layout layout, const std::string& heap);
std::string error_line(std::size_t op_number, const std::string& kind);

// The runtime errors of a replay line (docs/decisions.md, "Replay output on runtime errors"). The
// last two are errors of the trace at that operation, found before it runs.
inline constexpr std::string_view kErrorCorrupt = "corrupt";
inline constexpr std::string_view kErrorIllegalWrite = "write outside a live block";
inline constexpr std::string_view kErrorPointerPastMax = "pointer past 2^256-1";

inline constexpr int kExitOk = 0;
inline constexpr int kExitDiverged = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitRuntimeError = 3;

// Replays every operation on one party (the implementation `impl` of the trace's semantics: the
// executor with that one party) and prints the lines, or only the last with final_only: then the
// heap is hashed once, for the line printed. Returns kExitOk, or kExitRuntimeError after printing
// an error line (corrupt heap, illegal write, pointer past 2^256-1). Throws std::invalid_argument
// for an unknown implementation or bad options, std::runtime_error for any other failure of the
// party.
int replay(const Trace& trace, std::string_view impl, bool final_only, std::ostream& out);
// The same from any source of operations: next(op) yields them in order and false at the end.
// Keeps nothing per operation but its result (8 bytes), so a trace of any length replays from a
// stream. Stops early once `out` has failed.
// With evm_gas (impl evm only), each line also has "evm_gas":{"total":T,"expansion":E,"execution":X}
// before its closing brace: the operation's gas on the EVM, its memory expansion part, and the rest.
int replay(const PoolOptions& pool, const std::function<bool(Operation&)>& next, std::string_view impl, bool final_only,
           std::ostream& out, bool evm_gas = false);

// The heap field for an allocator: FNV-1a of its memory over [0, end), or "" for a party that
// keeps no memory (the model), which prints null.
std::string heap_field(Allocator& allocator);

}  // namespace fealloc
