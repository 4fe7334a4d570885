// Trace minimizer: delta debugging on operations, then values, then pool options.
#include "fuzz/minimize.hpp"

#include "fuzz/targets.hpp"
#include "harness/trace_edit.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace fealloc::fuzz {

namespace {

class Minimizer {
 public:
  Minimizer(Target target, std::string signature, std::size_t max_runs)
      : target_(target), signature_(std::move(signature)), max_runs_(max_runs) {}

  // Runs a candidate; when it shows the signature it becomes the best trace (cut at its divergence).
  bool attempt(const Trace& candidate) {
    if (runs_ >= max_runs_) return false;
    ++runs_;
    RunOutcome out;
    try {
      out = run_trace(candidate, target_);
    } catch (const std::invalid_argument&) {
      return false;  // pool options a party rejects
    }
    if (!out.trace_error.empty() || !out.divergence || out.divergence->signature() != signature_) return false;
    best_ = std::move(out.trace);
    results_ = std::move(out.results);
    divergence_ = *out.divergence;
    return true;
  }

  // The trace without operations [from, from + count); references to a removed operation become
  // the raw pointer that operation returned in the best run.
  Trace without(std::size_t from, std::size_t count) const {
    Trace out;
    out.pool = best_.pool;
    out.ops = trace_edit::remove(trace_edit::Source{best_.ops, results_}, from, count);
    return out;
  }

  bool remove_operations() {
    bool changed = false;
    for (std::size_t chunk = std::max<std::size_t>(1, best_.ops.size() / 2);; chunk /= 2) {
      std::size_t i = 0;
      while (i < best_.ops.size() && runs_ < max_runs_) {
        if (attempt(without(i, chunk))) {
          changed = true;
        } else {
          i += chunk;
        }
      }
      if (chunk <= 1) break;
    }
    return changed;
  }

  static std::vector<u256> smaller(const u256& v) {
    std::vector<u256> out;
    auto add = [&](const u256& c) {
      if (c < v && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    };
    add(0);
    add(1);
    if (v > 1) {
      add(u256(1) << boost::multiprecision::msb(v));
      add(v & (v - 1));
      add(v >> 1);
    }
    return out;
  }

  // Shrinks one number of the trace (field() finds it, or gives nullptr once it is gone) while the
  // signature holds.
  bool shrink(const std::function<u256*(Trace&)>& field) {
    bool changed = false;
    for (int step = 0; step < 64; ++step) {
      u256* current = field(best_);
      if (current == nullptr) break;
      bool improved = false;
      for (const u256& c : smaller(*current)) {
        Trace candidate = best_;
        *field(candidate) = c;
        if (attempt(candidate)) {
          improved = changed = true;
          break;
        }
      }
      if (!improved) break;
    }
    return changed;
  }

  bool shrink(std::size_t index, u256 Operation::*member) {
    return shrink([index, member](Trace& t) { return index < t.ops.size() ? &(t.ops[index].*member) : nullptr; });
  }

  bool shrink_values() {
    bool changed = false;
    for (std::size_t i = 0; i < best_.ops.size() && runs_ < max_runs_; ++i) {
      for (const Field field : op_info(best_.ops[i].kind).args()) {
        if (i >= best_.ops.size() || runs_ >= max_runs_) break;
        switch (field) {
          case Field::size: changed |= shrink(i, &Operation::size); break;
          case Field::ptr:
            changed |= shrink([i](Trace& t) { return i < t.ops.size() ? &t.ops[i].ptr.value : nullptr; });
            break;
          case Field::offset: changed |= shrink(i, &Operation::offset); break;
          case Field::fill:
            if (best_.ops[i].fill != 0) {
              Trace candidate = best_;
              candidate.ops[i].fill = 0;
              changed |= attempt(candidate);
            }
            break;
          case Field::bytes:
            for (std::size_t len : {std::size_t{1}, std::size_t{0}}) {
              if (i >= best_.ops.size()) break;
              const std::size_t have = best_.ops[i].bytes.size();
              const std::size_t want = len != 0 ? len : have / 2;
              if (want == 0 || want >= have) continue;
              Trace candidate = best_;
              candidate.ops[i].bytes.resize(want);
              changed |= attempt(candidate);
            }
            break;
        }
      }
    }
    return changed;
  }

  // A raw pointer that an earlier operation returned (or lies just above such a result) reads
  // better as @k or @k+d: try that form.
  bool prefer_references() {
    bool changed = false;
    for (std::size_t i = 0; i < best_.ops.size() && runs_ < max_runs_; ++i) {
      const Operation& op = best_.ops[i];
      if (op.ptr.ref != 0 || op.ptr.value == 0) continue;
      if (!takes(op.kind, Field::ptr)) continue;
      std::uint32_t ref = 0;
      u256 d = 0;
      for (std::size_t k = std::min(i, results_.size()); k-- > 0;) {
        const u256& r = results_[k];
        if (!returns_pointer(best_.ops[k].kind) || r == 0 || r > op.ptr.value || op.ptr.value - r >= 256) continue;
        if (ref == 0 || op.ptr.value - r < d) {
          ref = static_cast<std::uint32_t>(k + 1);
          d = op.ptr.value - r;
        }
      }
      if (ref == 0) continue;
      Trace candidate = best_;
      candidate.ops[i].ptr = PtrArg{ref, d};
      changed |= attempt(candidate);
    }
    return changed;
  }

  bool shrink_pool() {
    bool changed = false;
    for (int key = 0; key < 5; ++key) {
      Trace candidate = best_;
      PoolOptions& o = candidate.pool;
      bool had = false;
      switch (key) {
        case 0: had = o.start.has_value(); o.start.reset(); break;
        case 1: had = o.align.has_value(); o.align.reset(); break;
        case 2: had = o.min_split.has_value(); o.min_split.reset(); break;
        case 3: had = o.compact.has_value() && *o.compact; if (had) o.compact.reset(); break;
        default: had = o.split.has_value() && *o.split; if (had) o.split.reset(); break;
      }
      if (had) changed |= attempt(candidate);
    }
    for (std::optional<u256> PoolOptions::*key : {&PoolOptions::min_split, &PoolOptions::align, &PoolOptions::start,
                                                   &PoolOptions::end}) {
      changed |= shrink([key](Trace& t) { return (t.pool.*key) ? &*(t.pool.*key) : nullptr; });
    }
    return changed;
  }

  std::size_t runs() const { return runs_; }
  const Trace& best() const { return best_; }
  const Divergence& divergence() const { return divergence_; }

 private:
  Target target_;
  std::string signature_;
  std::size_t max_runs_;
  std::size_t runs_ = 0;
  Trace best_;
  std::vector<u256> results_;
  Divergence divergence_;
};

}  // namespace

std::optional<MinimizeResult> minimize(const Trace& trace, Target target, const std::string& signature,
                                       std::size_t max_runs) {
  Minimizer m(target, signature, std::max<std::size_t>(max_runs, 1));
  Trace start = trace;
  start.pool.semantics = target_semantics(target);
  if (!m.attempt(start)) return std::nullopt;
  for (int round = 0; round < 8; ++round) {
    bool changed = m.remove_operations();
    changed |= m.shrink_values();
    changed |= m.shrink_pool();
    changed |= m.prefer_references();
    if (!changed) break;
  }
  return MinimizeResult{m.best(), m.divergence(), m.runs()};
}

}  // namespace fealloc::fuzz
