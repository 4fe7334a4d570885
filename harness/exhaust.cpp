// Exhaustive small-scope checking (harness/exhaust.hpp).
#include "harness/exhaust.hpp"

#include "harness/executor.hpp"
#include "harness/parties.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unordered_set>

namespace fealloc::exhaust {

namespace {

constexpr std::uint8_t kCallocFill = 0xa5;
constexpr std::uint8_t kWriteByte = 0xee;
constexpr std::uint64_t kMinimalBlocksToEnd = 6;
// thi.ng's align() truncates to int32: the smallest size that wraps (spec §4.4).
const u256 kInt32Wrap = u256(1) << 31;

std::uint64_t align_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }

// The pool's sizes (the data sizes whose padded blocks sit on its thresholds).
struct Sizes {
  std::uint64_t small = 1;  // the smallest block: padded(1)
  std::uint64_t below = 1;  // a block one align short of splitting off a block after `small`
  std::uint64_t at = 1;     // a block exactly minSplit larger than `small`: it splits
};

Sizes pool_sizes(const PoolConfig& c) {
  const std::uint64_t h = c.params.header;
  const std::uint64_t p1 = align_up(1 + h, c.align);
  const std::uint64_t excess = align_up(c.min_split, c.align);  // the least excess that splits
  Sizes s;
  s.below = p1 + excess - c.align - h;
  s.at = p1 + excess - h;
  return s;
}

// A 64-bit mix (splitmix64's finalizer) folded over words.
struct Hasher {
  std::uint64_t h = 0x6a09e667f3bcc908ull;
  void add(std::uint64_t v) {
    std::uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    h = z ^ (z >> 31);
  }
  void add(const u256& v) {
    add(low_u64(v));
    add(fits_u64(v) ? 0 : static_cast<std::uint64_t>(v.backend().size()));
    if (!fits_u64(v)) add(low_u64(v >> 64));
  }
  void add_bytes(const std::uint8_t* p, std::uint64_t n) {
    std::uint64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      add(w);
    }
    std::uint64_t rest = 0;
    for (; i < n; ++i) rest = (rest << 8) | p[i];
    add(rest);
  }
};

// Which address each live pointer was returned by: the last operation that returned it.
std::map<u256, std::uint32_t> refs_of(const TraceState& state) {
  std::map<u256, std::uint32_t> refs;
  for (std::size_t i = 0; i < state.result_count(); ++i) {
    const u256 r = state.result(i);
    if (r != 0) refs[r] = static_cast<std::uint32_t>(i + 1);
  }
  return refs;
}

// The freed pointer the alphabet offers, or 0 when there is none (or it is live again).
u256 freed_address(const Executor& ex, const PtrArg& last_freed) {
  if (last_freed.ref == 0) return 0;
  const u256 p = ex.state().resolve(last_freed).value_or(0);
  if (p == 0 || ex.state().live().count(p) != 0) return 0;
  return p;
}

}  // namespace

std::vector<PoolOptions> tiny_pools(Semantics semantics) {
  std::vector<PoolOptions> pools;
  for (Layout layout : {Layout::evm, Layout::thing}) {
    PoolOptions base;
    base.layout = layout;
    base.semantics = semantics;
    const PoolConfig defaults = resolve_pool_or_throw(base, EvmMemory::kDefaultCap);
    const std::uint64_t p1 = align_up(1 + defaults.params.header, defaults.align);
    base.end = u256(defaults.initial_top + kMinimalBlocksToEnd * p1);
    for (bool compact : {true, false}) {
      for (bool split : {true, false}) {
        for (int variant = 0; variant < (split ? 2 : 1); ++variant) {
          PoolOptions o = base;
          o.compact = compact;
          o.split = split;
          if (variant == 1) o.min_split = u256(defaults.min_split + defaults.align);
          pools.push_back(o);
        }
      }
    }
  }
  return pools;
}

std::vector<Operation> alphabet(Executor& ex, const PtrArg& last_freed) {
  const PoolConfig& c = ex.party(0).config();
  const Sizes sizes = pool_sizes(c);
  const std::uint64_t h = c.params.header;
  std::uint64_t top = c.initial_top;
  try {
    top = ex.party(0).stats().top;
  } catch (const std::exception&) {
    // a corrupt heap diverges before its state is extended
  }
  const std::uint64_t room = c.end > top ? (c.end - top) / c.align * c.align : 0;  // padded sizes that fit at top

  // Pointer arguments: the live blocks (by address, so that renamed states get the same
  // alphabet), then, for free only, an interior pointer, the last freed block and garbage.
  const auto refs = refs_of(ex.state());
  struct Live {
    PtrArg ptr;
    u256 address;
    u256 size;
  };
  std::vector<Live> live;
  for (const auto& [address, size] : ex.state().live()) {
    auto it = refs.find(address);
    if (it != refs.end()) live.push_back({PtrArg{it->second, 0}, address, size});
  }
  std::vector<PtrArg> bad_pointers;
  if (!live.empty()) bad_pointers.push_back(PtrArg{live.front().ptr.ref, 1});  // interior
  if (freed_address(ex, last_freed) != 0) bad_pointers.push_back(last_freed);
  bad_pointers.push_back(PtrArg{0, c.initial_top});  // garbage: a header address, not a data address

  std::vector<u256> new_sizes{sizes.small, sizes.below, sizes.at};
  if (room > h) {
    new_sizes.push_back(room - h);          // exactly to end
    new_sizes.push_back(room - h + c.align);  // one align past end
  }
  new_sizes.push_back(kInt32Wrap);

  std::vector<Operation> out;
  auto add = [&](Operation op) {
    if (std::find(out.begin(), out.end(), op) == out.end()) out.push_back(std::move(op));
  };
  for (const OpInfo& info : kOperations) {
    if (info.kind == OpKind::stats) continue;  // an observer: it never reaches a new state
    Operation op;
    op.kind = info.kind;
    if (!info.takes(Field::ptr)) {
      if (!info.takes(Field::size)) {
        add(op);  // free_all
        continue;
      }
      const auto& list = info.kind == OpKind::calloc ? std::vector<u256>{sizes.below} : new_sizes;
      for (const u256& n : list) {
        op.size = n;
        if (info.takes(Field::fill)) op.fill = kCallocFill;
        add(op);
      }
      continue;
    }
    for (const Live& b : live) {
      op.ptr = b.ptr;
      if (info.takes(Field::size)) {  // realloc: shrink, at the thresholds, grow to exactly end
        std::vector<u256> targets{sizes.small, sizes.below, sizes.at};
        if (c.end > b.address) targets.push_back(u256(c.end) - b.address);
        for (const u256& n : targets) {
          op.size = n;
          add(op);
        }
      } else if (info.takes(Field::offset)) {  // write: the last requested byte
        if (b.size == 0 || !fits_u64(b.size)) continue;
        op.offset = b.size - 1;
        op.bytes = {kWriteByte};
        add(op);
      } else {
        add(op);  // free
      }
    }
    if (info.kind == OpKind::free) {
      for (const PtrArg& p : bad_pointers) {
        op.ptr = p;
        add(op);
      }
    }
  }
  return out;
}

std::uint64_t fingerprint(Executor& ex, const PtrArg& last_freed) {
  Hasher hash;
  const std::uint64_t end = ex.party(0).config().end;
  for (std::size_t i = 0; i < ex.party_count(); ++i) {
    Allocator& a = ex.party(i);
    if (const EvmMemory* m = a.memory()) {
      const std::uint64_t n = std::min(end, m->backing_size());
      for (std::uint64_t at = 0; at < n;) {
        const EvmMemory::View v = m->view(at, n - at);
        if (v.bytes != nullptr) {
          hash.add_bytes(v.bytes, v.length);
        } else {  // a run of one value (a long fill): tiny pools have none, so this need not be canonical
          hash.add(v.value);
          hash.add(v.length);
        }
        at += v.length;
      }
      hash.add(n);
      hash.add(m->msize());
    }
    try {
      const Stats s = a.stats();
      for (std::uint64_t v : {s.free_count, s.free_size, s.used_count, s.used_size, s.top, s.total, s.msize, s.gas}) {
        hash.add(v);
      }
      hash.add(static_cast<std::uint64_t>(s.available));
    } catch (const std::exception&) {
      hash.add(0xdeadull);
    }
  }
  for (const auto& [address, size] : ex.state().live()) {
    hash.add(address);
    hash.add(size);
  }
  hash.add(freed_address(ex, last_freed));
  return hash.h;
}

namespace {

// One node of the search tree: the operation that extends its parent's sequence.
struct Node {
  std::uint32_t parent;  // kNoParent for a sequence of length 1
  Operation op;
};
constexpr std::uint32_t kNoParent = ~std::uint32_t{0};

struct PoolSearch {
  std::size_t index = 0;  // into Config::pools
  PoolOptions options;
  std::vector<Node> nodes;
  std::vector<std::uint32_t> frontier;  // nodes of the last finished depth, whose states were new
  std::unordered_set<std::uint64_t> seen;
  bool root_pending = true;  // depth 1 extends the empty sequence
  // Which first operations this shard runs (prefix sharding): j % prefix_count == prefix_index.
  std::size_t prefix_index = 0;
  std::size_t prefix_count = 1;
};

// Replays a sequence on a fresh executor; the executor and the last freed pointer, or nullptr
// when the sequence did not run clean (a divergence is reported through `diverged`).
struct Replayed {
  std::unique_ptr<Executor> ex;
  PtrArg last_freed;
  Executor::StepStatus status = Executor::StepStatus::ok;
};

Executor::Options executor_options() {
  Executor::Options o;
  o.checks = true;
  o.full_every = 1;  // every check after every operation: the pools are tiny
  o.full_every_scales = false;
  o.keep_trace = false;
  return o;
}

Executor::StepStatus step_tracking(Executor& ex, const Operation& op, PtrArg& last_freed) {
  const u256 p = takes(op.kind, Field::ptr) ? ex.state().resolve(op.ptr).value_or(0) : u256(0);
  const Executor::StepStatus status = ex.step(op);
  if (status != Executor::StepStatus::ok) return status;
  const OpResult& r = ex.last_result(0);
  if (op.kind == OpKind::free && r.ok) last_freed = op.ptr;
  if (op.kind == OpKind::realloc && r.pointer != 0 && r.pointer != p) last_freed = op.ptr;
  return status;
}

Replayed replay(const PoolOptions& pool, const std::vector<std::string>& parties, const std::vector<Operation>& ops) {
  Replayed out;
  std::string error;
  out.ex = Executor::create(pool, parties, error, executor_options());
  if (!out.ex) throw std::invalid_argument(error);
  for (const Operation& op : ops) {
    out.status = step_tracking(*out.ex, op, out.last_freed);
    if (out.status != Executor::StepStatus::ok) return out;
  }
  return out;
}

std::vector<Operation> sequence_of(const PoolSearch& search, std::uint32_t node) {
  std::vector<Operation> ops;
  for (std::uint32_t n = node; n != kNoParent; n = search.nodes[n].parent) ops.push_back(search.nodes[n].op);
  std::reverse(ops.begin(), ops.end());
  return ops;
}

using Clock = std::chrono::steady_clock;

}  // namespace

Result run(const Config& config) {
  const auto started = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  if (config.shards == 0 || config.shard >= config.shards) throw std::invalid_argument("bad shard");
  const std::vector<PoolOptions> pools = config.pools.empty() ? tiny_pools(config.semantics) : config.pools;
  const std::vector<std::string> parties =
      !config.parties.empty() ? config.parties
      : config.semantics == Semantics::thing ? std::vector<std::string>{"port-thing", "model"}
                                             : default_parties(config.semantics);

  // Sharding: up to one shard a pool, whole pools (every state of a pool in one seen set); with
  // more shards than pools, a pool's shards split its first operations among them.
  std::vector<PoolSearch> searches;
  const std::size_t p_count = pools.size();
  for (std::size_t p = 0; p < p_count; ++p) {
    PoolSearch s;
    s.index = p;
    s.options = pools[p];
    if (config.shards <= p_count) {
      if (p % config.shards != config.shard) continue;
    } else {
      if (config.shard % p_count != p) continue;
      s.prefix_count = (config.shards - p + p_count - 1) / p_count;
      s.prefix_index = config.shard / p_count;
    }
    searches.push_back(std::move(s));
  }

  Result result;
  result.pools = searches.size();
  std::mutex mutex;  // result.findings, signatures
  std::map<std::string, std::size_t> by_signature;  // index into result.findings
  std::atomic<bool> out_of_time{false};

  // The empty pools.
  for (PoolSearch& s : searches) {
    Replayed r = replay(s.options, parties, {});
    if (r.status == Executor::StepStatus::ok) r.status = r.ex->finish();
    if (r.status != Executor::StepStatus::ok) {
      Finding f;
      f.pool = s.index;
      f.trace.pool = s.options;
      f.divergence = *r.ex->divergence();
      result.findings.push_back(std::move(f));
      s.root_pending = false;
      continue;
    }
    s.seen.insert(fingerprint(*r.ex, r.last_freed));
  }

  // A state a work item reached that its pool had not seen before the depth began: merged into
  // the pool after the depth, in work-item order, so the result does not depend on the threads.
  struct Candidate {
    std::uint64_t fingerprint;
    std::uint32_t parent;
    Operation op;
  };
  struct WorkItem {
    std::size_t search;
    std::size_t from, to;  // a slice of its frontier; the root when the search's root is pending
    std::vector<Candidate> found;
    std::uint64_t run = 0;
  };

  // Extends one node (or the root): every child sequence, a fresh executor each. Reads the
  // pool's seen set only (nothing writes it during a depth).
  auto expand = [&](PoolSearch& s, std::uint32_t node, WorkItem& item, std::unordered_set<std::uint64_t>& local) {
    const std::vector<Operation> prefix = node == kNoParent ? std::vector<Operation>{} : sequence_of(s, node);
    std::vector<Operation> children;
    {
      Replayed parent = replay(s.options, parties, prefix);
      if (parent.status != Executor::StepStatus::ok) return;  // cannot happen: it ran clean before
      children = alphabet(*parent.ex, parent.last_freed);
    }
    for (std::size_t j = 0; j < children.size(); ++j) {
      if (out_of_time.load(std::memory_order_relaxed)) return;
      if (node == kNoParent && j % s.prefix_count != s.prefix_index) continue;
      std::vector<Operation> ops = prefix;
      ops.push_back(children[j]);
      Replayed child = replay(s.options, parties, ops);
      if (child.status == Executor::StepStatus::ok) child.status = child.ex->finish();
      ++item.run;
      if (child.status == Executor::StepStatus::trace_error) continue;
      if (child.status == Executor::StepStatus::diverged) {
        std::lock_guard lock(mutex);
        Finding f;
        f.pool = s.index;
        f.trace.pool = s.options;
        f.trace.ops = std::move(ops);
        f.divergence = *child.ex->divergence();
        f.order = (static_cast<std::uint64_t>(node == kNoParent ? 0 : node + 1) << 16) | j;
        // The first of each signature: the shortest, then the first pool (whichever thread ran first).
        const std::string sig = f.signature();
        auto it = by_signature.find(sig);
        if (it == by_signature.end()) {
          by_signature.emplace(sig, result.findings.size());
          result.findings.push_back(std::move(f));
        } else {
          Finding& old = result.findings[it->second];
          if (std::tuple(f.trace.ops.size(), f.pool, f.order) < std::tuple(old.trace.ops.size(), old.pool, old.order)) {
            old = std::move(f);
          }
        }
        continue;
      }
      const std::uint64_t fp = fingerprint(*child.ex, child.last_freed);
      if (s.seen.count(fp) != 0 || !local.insert(fp).second) continue;
      item.found.push_back(Candidate{fp, node, children[j]});
    }
  };

  constexpr std::size_t kNodesPerItem = 32;
  for (std::size_t depth = 1; depth <= config.max_depth; ++depth) {
    std::vector<WorkItem> items;
    for (std::size_t i = 0; i < searches.size(); ++i) {
      const PoolSearch& s = searches[i];
      if (s.root_pending) {
        items.push_back(WorkItem{i, 0, 0, {}, 0});
        continue;
      }
      for (std::size_t from = 0; from < s.frontier.size(); from += kNodesPerItem) {
        items.push_back(WorkItem{i, from, std::min(from + kNodesPerItem, s.frontier.size()), {}, 0});
      }
    }
    std::atomic<std::size_t> next_item{0};
    auto worker = [&] {
      std::unordered_set<std::uint64_t> local;
      for (;;) {
        const std::size_t i = next_item.fetch_add(1);
        if (i >= items.size()) return;
        WorkItem& item = items[i];
        PoolSearch& s = searches[item.search];
        local.clear();
        if (s.root_pending) {
          expand(s, kNoParent, item, local);
          continue;
        }
        for (std::size_t k = item.from; k < item.to; ++k) {
          if (config.max_seconds > 0 && elapsed() > config.max_seconds) out_of_time = true;
          if (out_of_time) break;
          expand(s, s.frontier[k], item, local);
        }
      }
    };
    const unsigned jobs = std::max(1u, config.jobs);
    if (jobs == 1) {
      worker();
    } else {
      std::vector<std::thread> threads;
      for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(worker);
      for (auto& t : threads) t.join();
    }
    // Merge, in item order.
    std::uint64_t level_run = 0;
    std::uint64_t level_new = 0;
    std::vector<std::vector<std::uint32_t>> next(searches.size());
    for (WorkItem& item : items) {
      PoolSearch& s = searches[item.search];
      level_run += item.run;
      for (Candidate& c : item.found) {
        if (!s.seen.insert(c.fingerprint).second) continue;
        ++level_new;
        s.nodes.push_back(Node{c.parent, std::move(c.op)});
        next[item.search].push_back(static_cast<std::uint32_t>(s.nodes.size() - 1));
      }
      item.found.clear();
      item.found.shrink_to_fit();
    }
    for (std::size_t i = 0; i < searches.size(); ++i) {
      searches[i].frontier = std::move(next[i]);
      searches[i].root_pending = false;
    }
    result.sequences += level_run;
    if (out_of_time) {
      result.timed_out = true;
      result.levels.push_back(Level{depth, level_run, level_new, elapsed()});
      if (config.progress) {
        config.progress("depth " + std::to_string(depth) + " (stopped by the time limit): " + std::to_string(level_run) +
                        " sequences, " + std::to_string(level_new) + " new states");
      }
      break;
    }
    result.depth = depth;
    result.levels.push_back(Level{depth, level_run, level_new, elapsed()});
    if (config.progress) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.1f", elapsed());
      config.progress("depth " + std::to_string(depth) + ": " + std::to_string(level_run) + " sequences, " +
                      std::to_string(level_new) + " new states, " + seconds + " s");
    }
    if (config.stop_at_divergence && !result.findings.empty()) break;
    bool any = false;
    for (const PoolSearch& s : searches) any = any || !s.frontier.empty();
    if (!any) {
      result.exhausted = true;
      break;
    }
  }
  for (const PoolSearch& s : searches) result.states += s.seen.size();
  // Shortest first, then by pool and place in the enumeration (unique: one divergence a sequence),
  // whatever thread found them first. (std::sort: libstdc++'s stable_sort buffer trips ASan.)
  std::sort(result.findings.begin(), result.findings.end(), [](const Finding& a, const Finding& b) {
    return std::tuple(a.trace.ops.size(), a.pool, a.order) < std::tuple(b.trace.ops.size(), b.pool, b.order);
  });
  result.seconds = elapsed();
  return result;
}

}  // namespace fealloc::exhaust
