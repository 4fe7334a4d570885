// Replay driver and the JSON lines it prints.
#include "harness/replay.hpp"

#include "harness/evm_party.hpp"
#include "harness/executor.hpp"

#include <cstdio>
#include <stdexcept>

namespace fealloc {

std::optional<u256> TraceState::resolve(const PtrArg& ptr) const {
  if (ptr.ref == 0) return ptr.value;
  // @k+d past 2^256-1 names no pointer at all: not a wrapped one (issue 8), an error of the trace.
  const u256 base = result(ptr.ref - 1);
  if (ptr.value > ~u256(0) - base) return std::nullopt;
  return base + ptr.value;
}

u256 TraceState::result(std::size_t i) const {
  const std::uint64_t low = results_.at(i);
  return low == kWide ? wide_results_.at(i) : u256(low);
}

std::vector<u256> TraceState::results() const {
  std::vector<u256> all;
  all.reserve(results_.size());
  for (std::size_t i = 0; i < results_.size(); ++i) all.push_back(result(i));
  return all;
}

TraceState::WriteTarget TraceState::write_target(const Operation& op) const {
  const std::optional<u256> resolved = resolve(op.ptr);
  if (!resolved) return {0, std::string(kErrorPointerPastMax)};
  const u256& ptr = *resolved;
  auto it = live_.find(ptr);
  if (it == live_.end()) return {0, std::string(kErrorIllegalWrite)};
  const u256 last = op.offset + op.bytes.size();
  if (op.offset > it->second || last > it->second) return {0, std::string(kErrorIllegalWrite)};
  const u256 addr = ptr + op.offset;
  if (addr + op.bytes.size() > config_.end) return {0, std::string(kErrorIllegalWrite)};
  return {low_u64(addr), ""};
}

void TraceState::record(const Operation& op, const u256& resolved_ptr, const OpResult& result) {
  const u256 pointer = result.kind == OpResult::Kind::pointer ? result.pointer : u256(0);
  if (pointer >= kWide) {
    wide_results_[results_.size()] = pointer;
    results_.push_back(kWide);
  } else {
    results_.push_back(low_u64(pointer));
  }
  switch (op.kind) {
    case OpKind::malloc:
    case OpKind::calloc:
      if (result.pointer != 0) live_[result.pointer] = op.size;
      break;
    case OpKind::realloc:
      if (result.pointer != 0) {
        live_.erase(resolved_ptr);
        live_[result.pointer] = op.size;
      }
      break;
    case OpKind::free:
      if (result.ok) live_.erase(resolved_ptr);
      break;
    case OpKind::free_all: live_.clear(); break;
    case OpKind::stats:
    case OpKind::write: break;
  }
}

OpResult apply_operation(Allocator& allocator, const Operation& op, const u256& resolved_ptr, std::uint64_t write_addr) {
  OpResult r;
  switch (op.kind) {
    case OpKind::malloc:
      r.kind = OpResult::Kind::pointer;
      r.pointer = allocator.malloc(op.size);
      break;
    case OpKind::calloc:
      r.kind = OpResult::Kind::pointer;
      r.pointer = allocator.calloc(op.size, op.fill);
      break;
    case OpKind::realloc:
      r.kind = OpResult::Kind::pointer;
      r.pointer = allocator.realloc(resolved_ptr, op.size);
      break;
    case OpKind::free:
      r.kind = OpResult::Kind::boolean;
      r.ok = allocator.free(resolved_ptr);
      break;
    case OpKind::free_all: allocator.free_all(); break;
    case OpKind::write: allocator.user_write(write_addr, op.bytes); break;
    case OpKind::stats: break;
  }
  return r;
}

std::string ret_json(const OpResult& result) {
  switch (result.kind) {
    case OpResult::Kind::pointer: return "\"" + to_hex(result.pointer) + "\"";
    case OpResult::Kind::boolean: return result.ok ? "true" : "false";
    case OpResult::Kind::none: break;
  }
  return "null";
}

std::string stats_json(const Stats& s, Layout layout) {
  std::string out = "{\"free_count\":" + std::to_string(s.free_count) + ",\"free_size\":" + std::to_string(s.free_size) +
                    ",\"used_count\":" + std::to_string(s.used_count) + ",\"used_size\":" + std::to_string(s.used_size) +
                    ",\"top\":\"" + to_hex(s.top) + "\",\"available\":" + std::to_string(s.available) +
                    ",\"total\":" + std::to_string(s.total);
  if (layout == Layout::evm) out += ",\"msize\":" + std::to_string(s.msize) + ",\"gas\":" + std::to_string(s.gas);
  return out + "}";
}

std::string heap_hex(std::uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

std::string heap_field(Allocator& allocator) {
  EvmMemory* memory = allocator.memory();
  return memory == nullptr ? "" : heap_hex(memory->fnv1a(allocator.config().end));
}

std::string replay_line(std::size_t op_number, const OpResult& result, const Stats& stats, Layout layout, const std::string& heap) {
  return "{\"op\":" + std::to_string(op_number) + ",\"ret\":" + ret_json(result) + ",\"stats\":" + stats_json(stats, layout) +
         ",\"heap\":" + (heap.empty() ? std::string("null") : "\"" + heap + "\"") + "}";
}

std::string error_line(std::size_t op_number, const std::string& kind) {
  return "{\"op\":" + std::to_string(op_number) + ",\"error\":\"" + kind + "\"}";
}

int replay(const Trace& trace, std::string_view impl, bool final_only, std::ostream& out) {
  std::size_t next_op = 0;
  return replay(
      trace.pool,
      [&](Operation& op) {
        if (next_op == trace.ops.size()) return false;
        op = trace.ops[next_op++];
        return true;
      },
      impl, final_only, out);
}

int replay(const PoolOptions& pool, const std::function<bool(Operation&)>& next, std::string_view impl, bool final_only,
           std::ostream& out, bool evm_gas) {
  const PartyInfo* party = find_implementation(impl, pool.semantics);
  if (party == nullptr) {
    throw std::invalid_argument("no implementation '" + std::string(impl) + "' of " +
                                std::string(semantics_name(pool.semantics)) + " semantics (" + implementation_list() + ")");
  }
  Executor::Options options;
  options.checks = false;
  options.full_every = 0;
  options.stats_every_op = true;  // each line has them, and a thi.ng stats walk may find a corrupt heap
  options.keep_trace = false;
  std::string error;
  auto ex = Executor::create(pool, {std::string(party->name)}, error, options);
  if (!ex) throw std::invalid_argument(error);
  const Layout layout = ex->party(0).config().layout;
  EvmParty* evm = evm_gas ? dynamic_cast<EvmParty*>(&ex->party(0)) : nullptr;
  if (evm_gas && evm == nullptr) throw std::invalid_argument("the gas of each operation is known for --impl evm only");
  std::uint64_t evm_ops = evm != nullptr ? evm->operations() : 0;
  std::string gas_field;
  std::size_t number = 0;
  // The line of the last operation, with its gas on the EVM when asked.
  auto line = [&]() {
    std::string text = replay_line(number, ex->last_result(0), ex->last_stats(0), layout, heap_field(ex->party(0)));
    if (evm != nullptr) text.insert(text.size() - 1, gas_field);
    return text;
  };
  Operation op;
  while (out && next(op)) {
    ++number;
    const Executor::StepStatus status = ex->step(op);
    if (evm != nullptr) {
      // An operation that did not reach the EVM (stats: the answer is a walk, not an operation) used none.
      const bool ran = evm->operations() != evm_ops;
      evm_ops = evm->operations();
      const std::uint64_t total = ran ? evm->last_gas() : 0;
      const std::uint64_t expansion = ran ? evm->last_expansion_gas() : 0;
      gas_field = ",\"evm_gas\":{\"total\":" + std::to_string(total) + ",\"expansion\":" + std::to_string(expansion) +
                  ",\"execution\":" + std::to_string(total - expansion) + "}";
    }
    if (status == Executor::StepStatus::trace_error) {
      out << error_line(number, ex->trace_error()) << '\n';
      return kExitRuntimeError;
    }
    if (status == Executor::StepStatus::diverged) {
      const Divergence& d = *ex->divergence();
      if (d.field != "corrupt") throw std::runtime_error(d.value_a);
      out << error_line(number, std::string(kErrorCorrupt)) << '\n';
      return kExitRuntimeError;
    }
    if (!final_only) out << line() << '\n';
  }
  // The last line is known to be the last only now: its state is still the party's.
  if (final_only && number > 0) {
    out << line() << '\n';
  }
  return kExitOk;
}

}  // namespace fealloc
