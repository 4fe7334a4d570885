// Trace edits: building a new operation list out of pieces of one or two traces (insert, remove,
// duplicate, swap, splice) while keeping every `@k` reference right. The mutator and the
// minimizer both edit through here, so the renumbering rule is written once:
//   a reference follows the operation it names when that operation is still in the list and still
//   earlier; otherwise it becomes the raw pointer that operation returned in its source's run
//   (plus its offset), so the edited operation still aims where it aimed.
#pragma once

#include "core/u256.hpp"
#include "harness/trace.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace fealloc::trace_edit {

// A trace as it ran: its operations and what each returned (@k is results[k-1]).
struct Source {
  std::span<const Operation> ops;
  std::span<const u256> results;
};

// One operation of the new list, its reference numbered in its source's trace; `self` is its
// index there, or -1 for a new operation or a copy (which no reference follows).
struct Slot {
  Operation op;
  std::size_t source = 0;  // index into the sources
  long self = -1;
};

// The slots of source.ops[from, to) (to clamped to its size), as themselves; `index` is the
// source's place among the sources of the edit.
std::vector<Slot> slots_of(const Source& source, std::size_t index, std::size_t from, std::size_t to);

// The list in its own numbering, by the rule above.
std::vector<Operation> assemble(std::span<const Slot> slots, std::span<const Source> sources);

// The trace without operations [from, from + count).
std::vector<Operation> remove(const Source& source, std::size_t from, std::size_t count);

}  // namespace fealloc::trace_edit
