// Trace edits (harness/trace_edit.hpp): the one place where `@k` references are renumbered.
#include "harness/trace_edit.hpp"

#include "harness/operations.hpp"


namespace fealloc::trace_edit {

std::vector<Slot> slots_of(const Source& source, std::size_t index, std::size_t from, std::size_t to) {
  std::vector<Slot> out;
  for (std::size_t i = from; i < to && i < source.ops.size(); ++i) out.push_back(Slot{source.ops[i], index, static_cast<long>(i)});
  return out;
}

std::vector<Operation> assemble(std::span<const Slot> slots, std::span<const Source> sources) {
  // Where each source operation landed first in the new list (-1: not there).
  std::vector<std::vector<long>> landed(sources.size());
  for (std::size_t s = 0; s < sources.size(); ++s) landed[s].assign(sources[s].ops.size(), -1);
  for (std::size_t k = 0; k < slots.size(); ++k) {
    const Slot& slot = slots[k];
    auto& where = landed[slot.source];
    if (slot.self >= 0 && static_cast<std::size_t>(slot.self) < where.size() && where[static_cast<std::size_t>(slot.self)] < 0) {
      where[static_cast<std::size_t>(slot.self)] = static_cast<long>(k);
    }
  }
  std::vector<Operation> out;
  out.reserve(slots.size());
  for (std::size_t k = 0; k < slots.size(); ++k) {
    Operation op = slots[k].op;
    if (takes(op.kind, Field::ptr) && op.ptr.ref != 0) {
      const std::size_t index = op.ptr.ref - 1;
      const auto& where = landed[slots[k].source];
      const long at = index < where.size() ? where[index] : -1;
      if (at >= 0 && static_cast<std::size_t>(at) < k) {
        op.ptr.ref = static_cast<std::uint32_t>(at + 1);
      } else {
        const std::span<const u256> results = sources[slots[k].source].results;
        op.ptr = PtrArg{0, (index < results.size() ? results[index] : u256(0)) + op.ptr.value};
      }
    }
    out.push_back(std::move(op));
  }
  return out;
}

std::vector<Operation> remove(const Source& source, std::size_t from, std::size_t count) {
  std::vector<Slot> slots = slots_of(source, 0, 0, from);
  if (from < source.ops.size() && count < source.ops.size() - from) {
    std::vector<Slot> rest = slots_of(source, 0, from + count, source.ops.size());
    slots.insert(slots.end(), rest.begin(), rest.end());
  }
  return assemble(slots, std::span(&source, 1));
}

}  // namespace fealloc::trace_edit
