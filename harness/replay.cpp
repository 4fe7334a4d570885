// Replay driver and the JSON lines it prints.
#include "harness/replay.hpp"

#include <cstdio>

namespace fealloc {

u256 TraceState::resolve(const PtrArg& ptr) const {
  if (ptr.ref == 0) return ptr.value;
  // A pointer may exceed 2^256-1 only by adding d to a result; the sum wraps as u256 arithmetic
  // would, which any party then rejects as a garbage pointer (no live block is that high).
  return results_.at(ptr.ref - 1) + ptr.value;
}

TraceState::WriteTarget TraceState::write_target(const Operation& op) const {
  const u256 ptr = resolve(op.ptr);
  auto it = live_.find(ptr);
  if (it == live_.end()) return {0, "write outside a live block"};
  const u256 last = op.offset + op.bytes.size();
  if (op.offset > it->second || last > it->second) return {0, "write outside a live block"};
  const u256 addr = ptr + op.offset;
  if (addr + op.bytes.size() > config_.end) return {0, "write outside a live block"};
  return {low_u64(addr), ""};
}

void TraceState::record(const Operation& op, const u256& resolved_ptr, const OpResult& result) {
  results_.push_back(result.kind == OpResult::Kind::pointer ? result.pointer : u256(0));
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

int replay(const Trace& trace, Allocator& allocator, bool final_only, std::ostream& out) {
  TraceState state(allocator.config());
  std::string last;
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    const Operation& op = trace.ops[i];
    const std::size_t number = i + 1;
    std::string error;
    OpResult result;
    Stats stats;
    const u256 ptr = op.kind == OpKind::malloc || op.kind == OpKind::calloc || op.kind == OpKind::free_all || op.kind == OpKind::stats
                         ? u256(0)
                         : state.resolve(op.ptr);
    std::uint64_t write_addr = 0;
    if (op.kind == OpKind::write) {
      auto target = state.write_target(op);
      error = target.error;
      write_addr = target.addr;
    }
    if (error.empty()) {
      try {
        result = apply_operation(allocator, op, ptr, write_addr);
        stats = allocator.stats();
      } catch (const CorruptHeap&) {
        error = "corrupt";
      }
    }
    if (!error.empty()) {
      out << error_line(number, error) << '\n';
      return kExitRuntimeError;
    }
    state.record(op, ptr, result);
    std::string line = replay_line(number, result, stats, allocator.config().layout, heap_field(allocator));
    if (final_only) {
      last = std::move(line);
    } else {
      out << line << '\n';
    }
  }
  if (final_only && !last.empty()) out << last << '\n';
  return kExitOk;
}

}  // namespace fealloc
