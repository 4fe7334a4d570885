// Differential executor implementation.
#include "harness/executor.hpp"

#include "harness/parties.hpp"
#include "harness/thing_deviations.hpp"
#include "reference/model.hpp"

#include <algorithm>

namespace fealloc {

namespace {

struct PartySpec {
  std::string impl;
  Semantics semantics;
};

std::optional<PartySpec> parse_party(const std::string& name) {
  if (name == "optimized") return PartySpec{"optimized", Semantics::seed};
  if (name == "model") return PartySpec{"model", Semantics::seed};
  if (name == "port-seed") return PartySpec{"port", Semantics::seed};
  if (name == "port-thing") return PartySpec{"port", Semantics::thing};
  return std::nullopt;
}

std::string stat_hex(std::uint64_t v) { return to_hex(u256(v)); }
std::string stat_hex(std::int64_t v) { return v < 0 ? "-" + to_hex(u256(static_cast<std::uint64_t>(-v))) : to_hex(u256(v)); }

}  // namespace

std::vector<std::string> default_parties(Semantics semantics) {
  if (semantics == Semantics::thing) return {"port-thing", "model"};
  return {"optimized", "port-seed", "model"};
}

bool is_party_name(const std::string& name) { return parse_party(name).has_value(); }

Executor::Executor(const PoolOptions& options, const PoolConfig& config)
    : config_(config), state_(config_) {
  trace_.pool = options;
}

std::unique_ptr<Executor> Executor::create(const PoolOptions& options, const std::vector<std::string>& parties,
                                           std::string& error) {
  if (parties.empty()) {
    error = "no parties";
    return nullptr;
  }
  std::unique_ptr<Executor> ex;
  for (const std::string& name : parties) {
    const auto spec = parse_party(name);
    if (!spec) {
      error = "unknown party '" + name + "' (optimized, port-seed, port-thing, model)";
      return nullptr;
    }
    PoolOptions party_options = options;
    party_options.semantics = spec->semantics;
    auto resolved = resolve_pool(party_options, EvmMemory::kDefaultCap);
    if (auto* message = std::get_if<std::string>(&resolved)) {
      error = "bad pool options for " + name + ": " + *message;
      return nullptr;
    }
    const PoolConfig& config = std::get<PoolConfig>(resolved);
    if (!ex) ex.reset(new Executor(options, config));
    auto party = make_party(spec->impl, config);
    if (!party) {
      error = "party " + name + " is not available for these options";
      return nullptr;
    }
    if (spec->impl == "model") ex->model_ = static_cast<ReferenceModel*>(party.get());
    if (EvmMemory* memory = party->memory()) memory->set_write_tracking(true);
    ex->parties_.push_back(std::move(party));
    ex->names_.push_back(name);
  }
  ex->ranges_.resize(ex->parties_.size());
  return ex;
}

void Executor::diverge(std::string field, std::size_t a, std::size_t b, std::string value_a, std::string value_b,
                       std::string detail) {
  Divergence d;
  d.op_number = trace_.ops.size();
  d.op_kind = trace_.ops.back().kind;
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
    if (at < config_.end) {
      const std::uint64_t from = at >= 32 ? (at - 32) / 16 * 16 : 0;
      const std::uint64_t to = std::min(config_.end, from + 80);
      d.detail += "memories first differ at " + to_hex(u256(at)) + "\n" + d.party_a + ":\n" + hexdump(*ma, from, to) +
                  d.party_b + ":\n" + hexdump(*mb, from, to);
    }
  }
  divergence_ = std::move(d);
}

bool Executor::compare_memories(std::size_t a, std::size_t b) {
  const EvmMemory& ma = *parties_[a]->memory();
  const EvmMemory& mb = *parties_[b]->memory();
  // Bytes change only through writes, and both memories were equal after the previous operation:
  // only what either party wrote since then can differ.
  for (const auto* ranges : {&ranges_[a], &ranges_[b]}) {
    for (const EvmMemory::Range& r : *ranges) {
      const std::uint64_t at = first_difference(ma, mb, r.lo, std::min(r.hi, config_.end));
      ++comparisons_;
      if (at < std::min(r.hi, config_.end)) {
        const std::uint64_t from = at >= 32 ? (at - 32) / 16 * 16 : 0;
        const std::uint64_t to = std::min(config_.end, from + 80);
        diverge("heap", a, b, "byte " + to_hex(u256(at)) + " = " + to_hex(u256(ma.peek(at))),
                "byte " + to_hex(u256(at)) + " = " + to_hex(u256(mb.peek(at))),
                "memories first differ at " + to_hex(u256(at)) + "\n" + names_[a] + ":\n" + hexdump(ma, from, to) +
                    names_[b] + ":\n" + hexdump(mb, from, to));
        return false;
      }
    }
  }
  return true;
}

Executor::StepStatus Executor::step(const Operation& op) {
  if (divergence_) return StepStatus::diverged;
  trace_.ops.push_back(op);
  const bool takes_ptr = op.kind == OpKind::realloc || op.kind == OpKind::free || op.kind == OpKind::write;
  const u256 ptr = takes_ptr ? state_.resolve(op.ptr) : u256(0);
  std::uint64_t write_addr = 0;
  if (op.kind == OpKind::write) {
    const auto target = state_.write_target(op);
    if (!target.error.empty()) return StepStatus::illegal_write;
    write_addr = target.addr;
  }

  const std::size_t n = parties_.size();
  std::vector<OpResult>& results = last_results_;
  std::vector<Stats>& stats = last_stats_;
  std::vector<std::string>& failures = last_failures_;
  results.assign(n, OpResult{});
  stats.assign(n, Stats{});
  failures.assign(n, "");
  for (std::size_t i = 0; i < n; ++i) {
    try {
      results[i] = apply_operation(*parties_[i], op, ptr, write_addr);
      stats[i] = parties_[i]->stats();
    } catch (const CorruptHeap& e) {
      failures[i] = std::string("corrupt heap: ") + e.what();
    } catch (const std::exception& e) {
      failures[i] = std::string("exception: ") + e.what();
    }
  }

  auto finish_divergence = [&](const OpResult& agreed) {
    // Name the thi.ng deviation when exactly one side runs thing semantics.
    Divergence& d = *divergence_;
    const bool a_thing = d.party_a == "port-thing";
    const bool b_thing = d.party_b == "port-thing";
    if (a_thing != b_thing) d.known = classify_thing_deviation(op, ptr, agreed.pointer, d, config_);
    return StepStatus::diverged;
  };

  // Exceptions first: a party that failed has nothing to compare.
  for (std::size_t i = 0; i < n; ++i) {
    if (!failures[i].empty()) {
      const std::size_t other = i == 0 ? (n > 1 ? 1 : 0) : 0;
      diverge(failures[i].rfind("corrupt", 0) == 0 ? "corrupt" : "exception", i, other, failures[i],
              failures[other].empty() ? "no error" : failures[other]);
      return finish_divergence(results[other]);
    }
  }
  for (std::size_t i = 1; i < n; ++i) {
    ++comparisons_;
    if (!(results[i] == results[0])) {
      diverge("ret", 0, i, ret_json(results[0]), ret_json(results[i]));
      return finish_divergence(results[0]);
    }
  }
  for (std::size_t i = 1; i < n; ++i) {
    const Stats& a = stats[0];
    const Stats& b = stats[i];
    ++comparisons_;
    if (a == b) continue;
    // Only now, with a difference to report, are the values formatted.
    const struct {
      const char* name;
      bool differs;
      std::string va, vb;
    } fields[] = {
        {"stats.free_count", a.free_count != b.free_count, stat_hex(a.free_count), stat_hex(b.free_count)},
        {"stats.free_size", a.free_size != b.free_size, stat_hex(a.free_size), stat_hex(b.free_size)},
        {"stats.used_count", a.used_count != b.used_count, stat_hex(a.used_count), stat_hex(b.used_count)},
        {"stats.used_size", a.used_size != b.used_size, stat_hex(a.used_size), stat_hex(b.used_size)},
        {"stats.top", a.top != b.top, stat_hex(a.top), stat_hex(b.top)},
        {"stats.available", a.available != b.available, stat_hex(a.available), stat_hex(b.available)},
        {"stats.total", a.total != b.total, stat_hex(a.total), stat_hex(b.total)},
        {"stats.msize", a.msize != b.msize, stat_hex(a.msize), stat_hex(b.msize)},
        {"stats.gas", a.gas != b.gas, stat_hex(a.gas), stat_hex(b.gas)},
    };
    for (const auto& f : fields) {
      if (f.differs) {
        diverge(f.name, 0, i, f.va, f.vb);
        return finish_divergence(results[0]);
      }
    }
  }

  for (std::size_t i = 0; i < n; ++i) {
    if (EvmMemory* m = parties_[i]->memory()) m->take_written_ranges(ranges_[i]);
  }
  if (trace_.ops.size() == 1) {
    // The constructors' stores (the state words) happened before write tracking was on: the
    // first comparison covers the whole pool once.
    for (auto& ranges : ranges_) ranges.push_back({0, config_.end});
  }
  std::size_t first_memory = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (parties_[i]->memory() == nullptr) continue;
    if (first_memory == n) {
      first_memory = i;
    } else if (!compare_memories(first_memory, i)) {
      return finish_divergence(results[0]);
    }
  }

  if (deep_checks_) {
    for (std::size_t i = 0; i < n; ++i) {
      ++comparisons_;
      std::string problem = parties_[i]->check();
      if (!problem.empty()) {
        diverge("check", i, i, problem, "(own invariants)");
        return finish_divergence(results[0]);
      }
    }
    if (model_ != nullptr) {
      const std::size_t model_index =
          static_cast<std::size_t>(std::find(names_.begin(), names_.end(), "model") - names_.begin());
      for (std::size_t i = 0; i < n; ++i) {
        const EvmMemory* m = parties_[i]->memory();
        if (m == nullptr) continue;
        ++comparisons_;
        std::string problem = model_->verify(*m);
        if (!problem.empty()) {
          diverge("verify", i, model_index, problem, "(the model's expectation)");
          return finish_divergence(results[0]);
        }
      }
    }
  }
  state_.record(op, ptr, results[0]);
  return StepStatus::ok;
}

std::vector<std::string> Executor::last_lines() {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < last_results_.size(); ++i) {
    lines.push_back(!last_failures_[i].empty()
                        ? last_failures_[i]
                        : replay_line(trace_.ops.size(), last_results_[i], last_stats_[i], config_.layout,
                                      heap_field(*parties_[i])));
  }
  return lines;
}

Executor::RunResult Executor::run(const std::vector<Operation>& ops) {
  RunResult r;
  for (const Operation& op : ops) {
    r.status = step(op);
    if (r.status != StepStatus::ok) return r;
    ++r.ops_run;
  }
  return r;
}

}  // namespace fealloc
