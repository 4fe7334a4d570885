// ThingPort's observers: stats() (MemPool.stats: walks both lists) and check(). They read with
// peek only, and they live in their own file because they observe rather than are tested: fuzz
// builds leave this file out of coverage instrumentation (fuzz/coverage-ignorelist.txt), so a
// long list walk adds no coverage features and no callback cost.
#include "reference/thing_port.hpp"

#include <string>

namespace fealloc {

std::uint64_t ThingPort::peek_word(std::uint64_t addr, bool allow_u64) const {
  if (config_.layout == Layout::thing) return memory_.peek_le32(addr);
  bool high_nonzero = false;
  const std::uint64_t value = memory_.peek_word32(addr, &high_nonzero);
  return checked_word(addr, value, high_nonzero, allow_u64);
}

ThingPort::Num ThingPort::peek_state(StateWord word) const {
  return Num(peek_word(config_.start + word * config_.params.word));
}

ThingPort::ListStep ThingPort::peek_list_step(Num block, std::uint64_t& steps) const {
  if (++steps > step_budget_) throw CorruptHeap("a list walk exceeded " + std::to_string(step_budget_) + " steps (a cycle)");
  const auto size_addr = field_addr(block, 0, false);
  const auto next_addr = field_addr(block, 1, false);
  if (!size_addr || !next_addr) throw CorruptHeap("read of a block header outside the buffer at block " + std::to_string(block));
  return {Num(peek_word(*size_addr)), Num(peek_word(*next_addr))};
}


Stats ThingPort::stats() const {
  // MemPool.stats(): walks both lists. An observer here: it reads with peek, so asking for stats
  // never changes msize (the package's reads are not EVM accesses either).
  Stats s;
  std::uint64_t steps = 0;
  auto walk = [&](Num block, std::uint64_t& count, std::uint64_t& size) {
    WalkCycle cycle;
    while (block != 0) {
      cycle.visit(block);
      const ListStep step = peek_list_step(block, steps);
      ++count;
      size += std::uint64_t(step.size);
      block = step.next;
    }
  };
  walk(peek_state(kStateFree), s.free_count, s.free_size);
  walk(peek_state(kStateUsed), s.used_count, s.used_size);
  s.top = std::uint64_t(peek_state(kStateTop));
  s.available = peek_state(kStateEnd) - Num(s.top) + Num(s.free_size);
  s.total = config_.end;  // thi.ng reports buf.byteLength, which is end here
  if (config_.layout == Layout::evm) {
    s.msize = memory_.msize();
    s.gas = memory_.expansion_gas();
  }
  return s;
}

std::string ThingPort::check(CheckScope scope) const {
  // Thing semantics breaks the invariants by design; only a terminating walk is required there.
  // The port keeps no side structures: what an operation touched is its words in memory, which
  // the executor compares byte for byte with the other parties after every operation. So the
  // touched scope checks the state words; the full scope walks both lists.
  const Num initial_top = Num(config_.initial_top);
  const Num align = Num(config_.align);
  std::string problem;
  try {
    const Num top = peek_state(kStateTop);
    if (!thing()) {
      if (top < initial_top || top > Num(config_.end)) return "state word top outside [initialTop, end]";
      for (const StateWord head : {kStateFree, kStateUsed}) {
        const Num block = peek_state(head);
        if (block != 0 && (block < initial_top || block >= top || (block - initial_top) % align != 0)) {
          return std::string(head == kStateFree ? "free" : "used") + " list head outside [initialTop, top) or unaligned";
        }
      }
    }
    if (scope == CheckScope::touched) return "";
    std::uint64_t steps = 0;
    auto walk = [&](Num block, bool sorted, const char* list) {
      Num last = 0;
      WalkCycle cycle;
      while (block != 0 && problem.empty()) {
        cycle.visit(block, last);  // the checks below also look at the block before
        if (!thing()) {
          if (block < initial_top || block >= top) problem = std::string(list) + " block outside [initialTop, top)";
          if ((block - initial_top) % align != 0) problem = std::string(list) + " block not aligned";
          if (sorted && block <= last) problem = std::string(list) + " list not sorted by address";
        }
        last = block;
        block = peek_list_step(block, steps).next;
      }
    };
    walk(peek_state(kStateFree), true, "free");
    walk(peek_state(kStateUsed), false, "used");
  } catch (const CorruptHeap& e) {
    problem = e.what();
  }
  return problem;
}

}  // namespace fealloc
