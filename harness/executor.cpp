// Differential executor implementation.
#include "harness/executor.hpp"

#include "harness/thing_deviations.hpp"

#include <algorithm>
#include <stdexcept>

namespace fealloc {

namespace {
std::string stat_hex(std::uint64_t v) { return to_hex(u256(v)); }
std::string stat_hex(std::int64_t v) { return v < 0 ? "-" + to_hex(u256(static_cast<std::uint64_t>(-v))) : to_hex(u256(v)); }
}  // namespace

Executor::Executor(const PoolOptions& options, const PoolConfig& config, const Options& run_options)
    : config_(config), options_(run_options), state_(config_), pool_(options) {}

std::unique_ptr<Executor> Executor::create(const PoolOptions& options, const std::vector<std::string>& parties,
                                           std::string& error, const Options& run_options) {
  if (parties.empty()) {
    error = "no parties";
    return nullptr;
  }
  std::unique_ptr<Executor> ex;
  for (const std::string& name : parties) {
    const PartyInfo* info = find_party(name);
    if (info == nullptr) {
      error = "unknown party '" + name + "' (" + party_list() + ")";
      return nullptr;
    }
    PoolOptions party_options = options;
    party_options.semantics = info->semantics;
    auto resolved = resolve_pool(party_options, EvmMemory::kDefaultCap);
    if (auto* message = std::get_if<std::string>(&resolved)) {
      error = "bad pool options for " + name + ": " + *message;
      return nullptr;
    }
    const PoolConfig& config = std::get<PoolConfig>(resolved);
    if (!ex) ex.reset(new Executor(options, config, run_options));
    std::unique_ptr<Allocator> party;
    try {
      party = info->make(config);
    } catch (const std::invalid_argument& e) {
      error = "party " + name + " is not available for these options: " + e.what();
      return nullptr;
    } catch (const std::runtime_error& e) {
      error = e.what();  // a party that could not start (evm: node or its packages missing)
      return nullptr;
    }
    ex->verifiers_.push_back(info->can.verifies_memory ? dynamic_cast<const MemoryVerifier*>(party.get()) : nullptr);
    ex->parties_.push_back(std::move(party));
    ex->info_.push_back(info);
    ex->names_.push_back(name);
  }
  const std::size_t n = ex->parties_.size();
  std::size_t memories = 0;
  bool verifier = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (ex->parties_[i]->memory() != nullptr) ++memories;
    verifier = verifier || ex->verifiers_[i] != nullptr;
  }
  // Written ranges are only needed to compare memories or verify them; a lone replay keeps none.
  ex->track_writes_ = memories >= 2 || (verifier && memories >= 1 && ex->options_.checks);
  for (auto& party : ex->parties_) {
    if (EvmMemory* memory = party->memory()) memory->set_write_tracking(ex->track_writes_);
  }
  ex->results_.resize(n);
  ex->stats_.resize(n);
  ex->stats_full_.resize(n);
  ex->failures_.resize(n);
  ex->ranges_.resize(n);
  return ex;
}

const Trace& Executor::trace_so_far() const {
  if (!options_.keep_trace) throw std::logic_error("Executor::trace_so_far() needs Options::keep_trace");
  if (trace_built_ == 0) trace_.pool = pool_;
  for (; trace_built_ < ops_.size(); ++trace_built_) {
    Operation op = ops_[trace_built_];
    if (op.kind == OpKind::write) {
      const std::size_t begin = trace_writes_ == 0 ? 0 : write_ends_[trace_writes_ - 1];
      const std::size_t end = write_ends_[trace_writes_++];
      op.bytes.assign(write_bytes_.begin() + static_cast<std::ptrdiff_t>(begin),
                      write_bytes_.begin() + static_cast<std::ptrdiff_t>(end));
    }
    trace_.ops.push_back(std::move(op));
  }
  return trace_;
}

void Executor::diverge(std::string field, std::size_t a, std::size_t b, std::string value_a, std::string value_b,
                       std::string detail) {
  Divergence d;
  d.op_number = op_count_;
  d.op_kind = last_op_.kind;
  d.field = std::move(field);
  d.party_a = names_[a];
  d.party_b = names_[b];
  d.value_a = std::move(value_a);
  d.value_b = std::move(value_b);
  d.detail = std::move(detail);
  // Whatever diverged, show where the two memories first differ, if they do.
  EvmMemory* ma = parties_[a]->memory();
  EvmMemory* mb = parties_[b]->memory();
  if (ma != nullptr && mb != nullptr && d.field != "heap") {
    const std::uint64_t at = first_difference(*ma, *mb, 0, config_.end);
    if (at < config_.end) d.detail += memory_difference(*ma, *mb, at, config_.end, d.party_a, d.party_b);
  }
  divergence_ = std::move(d);
}

Executor::StepStatus Executor::diverged() {
  // Name the thi.ng deviation when exactly one side runs thing semantics.
  Divergence& d = *divergence_;
  const PartyInfo* a = find_party(d.party_a);
  const PartyInfo* b = find_party(d.party_b);
  if (a != nullptr && b != nullptr && (a->semantics == Semantics::thing) != (b->semantics == Semantics::thing)) {
    d.known = classify_thing_deviation(last_op_, last_ptr_, results_[0].pointer, d, config_);
  }
  return StepStatus::diverged;
}

void Executor::ask_stats(std::size_t i) {
  try {
    stats_[i] = parties_[i]->stats();
    stats_full_[i] = true;
  } catch (const CorruptHeap& e) {
    if (failures_[i].empty()) failures_[i] = std::string("corrupt heap: ") + e.what();
  } catch (const std::exception& e) {
    if (failures_[i].empty()) failures_[i] = std::string("exception: ") + e.what();
  }
}

bool Executor::compare_failures() {
  const std::size_t n = parties_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (failures_[i].empty()) continue;
    const std::size_t other = i == 0 ? (n > 1 ? 1 : 0) : 0;
    diverge(failures_[i].rfind("corrupt", 0) == 0 ? "corrupt" : "exception", i, other, failures_[i],
            failures_[other].empty() ? "no error" : failures_[other]);
    return false;
  }
  return true;
}

bool Executor::compare_returns() {
  for (std::size_t i = 1; i < parties_.size(); ++i) {
    ++comparisons_;
    if (!(results_[i] == results_[0])) {
      diverge("ret", 0, i, ret_json(results_[0]), ret_json(results_[i]));
      return false;
    }
  }
  return true;
}

// Compares each party's stats with the first party's: every field where both are known (full),
// else msize and gas, which every party knows after every operation.
bool Executor::compare_stats(bool full) {
  for (std::size_t i = 1; i < parties_.size(); ++i) {
    const Stats& a = stats_[0];
    const Stats& b = stats_[i];
    ++comparisons_;
    const bool all_fields = full || (stats_full_[0] && stats_full_[i]);
    if (all_fields ? a == b : (a.msize == b.msize && a.gas == b.gas)) continue;
    // Only now, with a difference to report, are the values formatted.
    const struct {
      const char* name;
      bool differs;
      bool known;
      std::string va, vb;
    } fields[] = {
        {"stats.free_count", a.free_count != b.free_count, all_fields, stat_hex(a.free_count), stat_hex(b.free_count)},
        {"stats.free_size", a.free_size != b.free_size, all_fields, stat_hex(a.free_size), stat_hex(b.free_size)},
        {"stats.used_count", a.used_count != b.used_count, all_fields, stat_hex(a.used_count), stat_hex(b.used_count)},
        {"stats.used_size", a.used_size != b.used_size, all_fields, stat_hex(a.used_size), stat_hex(b.used_size)},
        {"stats.top", a.top != b.top, all_fields, stat_hex(a.top), stat_hex(b.top)},
        {"stats.available", a.available != b.available, all_fields, stat_hex(a.available), stat_hex(b.available)},
        {"stats.total", a.total != b.total, all_fields, stat_hex(a.total), stat_hex(b.total)},
        {"stats.msize", a.msize != b.msize, true, stat_hex(a.msize), stat_hex(b.msize)},
        {"stats.gas", a.gas != b.gas, true, stat_hex(a.gas), stat_hex(b.gas)},
    };
    for (const auto& f : fields) {
      if (f.known && f.differs) {
        diverge(f.name, 0, i, f.va, f.vb);
        return false;
      }
    }
  }
  return true;
}

bool Executor::compare_memories(std::size_t a, std::size_t b, bool whole) {
  const EvmMemory& ma = *parties_[a]->memory();
  const EvmMemory& mb = *parties_[b]->memory();
  auto differs_in = [&](std::uint64_t lo, std::uint64_t hi) {
    ++comparisons_;
    const std::uint64_t at = first_difference(ma, mb, lo, hi);
    if (at >= hi) return false;
    diverge("heap", a, b, "byte " + to_hex(u256(at)) + " = " + to_hex(u256(ma.peek(at))),
            "byte " + to_hex(u256(at)) + " = " + to_hex(u256(mb.peek(at))),
            memory_difference(ma, mb, at, config_.end, names_[a], names_[b]));
    return true;
  };
  if (whole) return !differs_in(0, config_.end);
  // Bytes change only through writes, and both memories were equal after the previous operation:
  // only what either party wrote since then can differ.
  for (const auto* ranges : {&ranges_[a], &ranges_[b]}) {
    for (const EvmMemory::Range& r : *ranges) {
      if (r.lo < config_.end && differs_in(r.lo, std::min(r.hi, config_.end))) return false;
    }
  }
  return true;
}

bool Executor::compare_all_memories(bool whole) {
  const std::size_t n = parties_.size();
  std::size_t first = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (parties_[i]->memory() == nullptr) continue;
    if (first == n) {
      first = i;
    } else if (!compare_memories(first, i, whole)) {
      return false;
    }
  }
  return true;
}

bool Executor::run_checks(CheckScope scope) {
  const std::size_t n = parties_.size();
  for (std::size_t i = 0; i < n; ++i) {
    ++comparisons_;
    std::string problem = parties_[i]->check(scope);
    if (!problem.empty()) {
      diverge("check", i, i, std::move(problem), "(own invariants)");
      return false;
    }
  }
  for (std::size_t v = 0; v < n; ++v) {
    if (verifiers_[v] == nullptr) continue;
    for (std::size_t i = 0; i < n; ++i) {
      const EvmMemory* m = parties_[i]->memory();
      if (m == nullptr) continue;
      ++comparisons_;
      std::string problem = scope == CheckScope::full ? verifiers_[v]->verify(*m) : verifiers_[v]->verify(*m, ranges_[i]);
      if (!problem.empty()) {
        diverge("verify", i, v, std::move(problem), "(the model's expectation)");
        return false;
      }
    }
  }
  return true;
}

// Everything, in the order a report names the first difference: exceptions (the parties' stats
// walks included), returns, every stats field, heap bytes, check(full), verify of whole memories.
bool Executor::full_comparison(bool whole_memories) {
  ++full_comparisons_;
  since_full_ = 0;
  for (std::size_t i = 0; i < parties_.size(); ++i) {
    if (failures_[i].empty() && !stats_full_[i]) ask_stats(i);
  }
  // The whole memories (once per input) cover what the operation wrote, so that is not compared twice.
  if (!compare_failures() || !compare_returns() || !compare_stats(true) || !compare_all_memories(whole_memories)) {
    return false;
  }
  return !options_.checks || run_checks(CheckScope::full);
}

Executor::StepStatus Executor::step(const Operation& op) {
  if (divergence_) return StepStatus::diverged;
  u256 ptr = 0;
  if (takes(op.kind, Field::ptr)) {
    const std::optional<u256> resolved = state_.resolve(op.ptr);
    if (!resolved) {
      trace_error_ = kErrorPointerPastMax;
      return StepStatus::trace_error;
    }
    ptr = *resolved;
  }
  std::uint64_t write_addr = 0;
  if (op.kind == OpKind::write) {
    auto target = state_.write_target(op);
    if (!target.error.empty()) {
      trace_error_ = std::move(target.error);
      return StepStatus::trace_error;
    }
    write_addr = target.addr;
  }
  // Kept without a write's bytes (those go to one flat buffer), so that stepping allocates nothing
  // once the buffers have grown.
  ++op_count_;
  last_op_.kind = op.kind;
  last_op_.ptr = op.ptr;
  last_op_.size = op.size;
  last_op_.fill = op.fill;
  last_op_.offset = op.offset;
  last_op_.line = op.line;
  if (options_.keep_trace) {
    ops_.push_back(last_op_);
    if (op.kind == OpKind::write) {
      write_bytes_.insert(write_bytes_.end(), op.bytes.begin(), op.bytes.end());
      write_ends_.push_back(write_bytes_.size());
    }
  }
  last_ptr_ = ptr;

  const std::size_t n = parties_.size();
  for (std::size_t i = 0; i < n; ++i) {
    Allocator& party = *parties_[i];
    failures_[i].clear();
    stats_full_[i] = false;
    try {
      results_[i] = apply_operation(party, op, ptr, write_addr);
    } catch (const CorruptHeap& e) {
      failures_[i] = std::string("corrupt heap: ") + e.what();
      continue;
    } catch (const std::exception& e) {
      failures_[i] = std::string("exception: ") + e.what();
      continue;
    }
    if (options_.stats_every_op || info_[i]->can.stats_are_cheap) {
      ask_stats(i);
    } else if (const EvmMemory* m = party.memory(); m != nullptr && config_.layout == Layout::evm) {
      stats_[i].msize = m->msize();
      stats_[i].gas = m->expansion_gas();
    } else {
      stats_[i].msize = stats_[i].gas = 0;
    }
  }
  if (track_writes_) {
    for (std::size_t i = 0; i < n; ++i) {
      if (EvmMemory* m = parties_[i]->memory()) m->take_written_ranges(ranges_[i]);
    }
    if (op_count_ == 1) {
      // The constructors' stores (the state words) happened before write tracking was on: the
      // first comparison covers the whole pool once.
      for (auto& ranges : ranges_) ranges.push_back({0, config_.end});
    }
  }

  // The per-operation comparison: what the operation touched.
  const bool quick_ok = compare_failures() && compare_returns() && compare_stats(false) && compare_all_memories(false) &&
                        (!options_.checks || run_checks(CheckScope::touched));
  ++since_full_;
  if (!quick_ok || (options_.full_every != 0 && since_full_ >= full_interval())) {
    // On a difference the full comparison names the first differing field in report order; if it
    // finds none (it sees everything the quick one saw), the quick finding stands.
    std::optional<Divergence> quick = std::move(divergence_);
    divergence_.reset();
    if (!full_comparison(false) || quick) {
      if (!divergence_) divergence_ = std::move(quick);
      return diverged();
    }
  }
  state_.record(op, ptr, results_[0]);
  return StepStatus::ok;
}

std::uint64_t Executor::full_interval() const {
  if (!options_.full_every_scales) return options_.full_every;
  // The blocks of the heap, from a party that knows them after every operation; without one,
  // the operations so far bound them.
  std::uint64_t blocks = 0;
  bool known = false;
  for (std::size_t i = 0; i < parties_.size(); ++i) {
    if (!stats_full_[i]) continue;
    known = true;
    blocks = std::max(blocks, stats_[i].used_count + stats_[i].free_count);
  }
  if (!known) blocks = op_count_;
  return std::max<std::uint64_t>(options_.full_every, blocks / kBlocksPerOperation);
}

Executor::StepStatus Executor::finish() {
  if (divergence_) return StepStatus::diverged;
  if (op_count_ == 0) return StepStatus::ok;
  // Once per input: also the whole memories, not just what the last operation wrote.
  if (!full_comparison(true)) return diverged();
  return StepStatus::ok;
}

std::vector<std::string> Executor::last_lines() {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < parties_.size(); ++i) {
    if (failures_[i].empty() && !stats_full_[i]) ask_stats(i);
    lines.push_back(!failures_[i].empty()
                        ? failures_[i]
                        : replay_line(op_count_, results_[i], stats_[i], config_.layout, heap_field(*parties_[i])));
  }
  return lines;
}

Executor::RunResult Executor::run(const std::vector<Operation>& ops) {
  RunResult r;
  reserve(ops.size());
  for (const Operation& op : ops) {
    r.status = step(op);
    if (r.status != StepStatus::ok) return r;
    ++r.ops_run;
  }
  r.status = finish();
  if (r.status != StepStatus::ok) --r.ops_run;  // the last operation is the one that diverged
  return r;
}

}  // namespace fealloc
