// Google Benchmark workloads over every party (optimized, port in seed semantics, model) and glibc
// malloc/free for scale. Each benchmark reports per_op: time divided by allocator calls.
//   churn/N        N live blocks; each step frees a random one and mallocs a random size
//   realloc/N      N live blocks; each step reallocs a random one to a random size
//   lifo, fifo     allocate 1000 blocks, then free them newest-first / oldest-first
//   fragmented/N   N live blocks with a free hole after every other one; each step mallocs a size
//                  that only the last hole fits (first fit far down the list) and frees it again
// Sizes are 1..256 bytes from a fixed-seed generator; pools are 64 MiB so 100k blocks fit.
#include "core/allocator.hpp"
#include "harness/parties.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

namespace fealloc {
namespace {

constexpr std::uint64_t kPoolEnd = std::uint64_t{64} << 20;

// A uniform face over our allocators and glibc so that each workload is written once.
class Heap {
 public:
  virtual ~Heap() = default;
  virtual std::uint64_t alloc(std::uint64_t n) = 0;
  virtual void release(std::uint64_t p) = 0;
  virtual std::uint64_t resize(std::uint64_t p, std::uint64_t n) = 0;
  // Gives back blocks still live at the end of a benchmark. Our pools just go away with the heap
  // (freeing 100k blocks one by one is quadratic in the port); glibc's blocks must be freed.
  virtual void discard(const std::vector<std::uint64_t>& live) { (void)live; }
};

class PartyHeap final : public Heap {
 public:
  explicit PartyHeap(const char* impl) {
    PoolOptions o;
    o.end = kPoolEnd;
    party_ = make_party(impl, resolve_pool_or_throw(o, EvmMemory::kDefaultCap));
  }
  std::uint64_t alloc(std::uint64_t n) override { return low_u64(party_->malloc(n)); }
  void release(std::uint64_t p) override { party_->free(p); }
  std::uint64_t resize(std::uint64_t p, std::uint64_t n) override { return low_u64(party_->realloc(p, n)); }

 private:
  std::unique_ptr<Allocator> party_;
};

class GlibcHeap final : public Heap {
 public:
  std::uint64_t alloc(std::uint64_t n) override {
    void* p = std::malloc(n);
    return reinterpret_cast<std::uint64_t>(p);
  }
  void release(std::uint64_t p) override { std::free(reinterpret_cast<void*>(p)); }
  std::uint64_t resize(std::uint64_t p, std::uint64_t n) override {
    return reinterpret_cast<std::uint64_t>(std::realloc(reinterpret_cast<void*>(p), n));
  }
  void discard(const std::vector<std::uint64_t>& live) override {
    for (auto p : live) release(p);
  }
};

std::unique_ptr<Heap> make_heap(int party) {
  switch (party) {
    case 0: return std::make_unique<PartyHeap>("optimized");
    case 1: return std::make_unique<PartyHeap>("port");
    case 2: return std::make_unique<PartyHeap>("model");
    default: return std::make_unique<GlibcHeap>();
  }
}

const char* party_label(int party) {
  static const char* const kNames[] = {"optimized", "port_seed", "model", "glibc"};
  return kNames[party];
}

void report(benchmark::State& state, std::int64_t ops, int party) {
  // Seconds per allocator call, printed with an SI prefix (e.g. 143n = 143 ns).
  state.counters["per_op"] =
      benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel(party_label(party));
}

std::vector<std::uint64_t> fill(Heap& heap, std::size_t count, std::mt19937_64& rng) {
  std::vector<std::uint64_t> live(count);
  for (auto& p : live) {
    p = heap.alloc(1 + rng() % 256);
    if (p == 0) throw std::runtime_error("pool exhausted while filling");
  }
  return live;
}

void BM_Churn(benchmark::State& state) {
  const int party = static_cast<int>(state.range(0));
  const auto live_count = static_cast<std::size_t>(state.range(1));
  auto heap = make_heap(party);
  std::mt19937_64 rng(42);
  auto live = fill(*heap, live_count, rng);
  std::int64_t ops = 0;
  for (auto _ : state) {
    auto& slot = live[rng() % live.size()];
    heap->release(slot);
    slot = heap->alloc(1 + rng() % 256);
    benchmark::DoNotOptimize(slot);
    ops += 2;
  }
  heap->discard(live);
  report(state, ops, party);
}

void BM_Realloc(benchmark::State& state) {
  const int party = static_cast<int>(state.range(0));
  const auto live_count = static_cast<std::size_t>(state.range(1));
  auto heap = make_heap(party);
  std::mt19937_64 rng(43);
  auto live = fill(*heap, live_count, rng);
  std::int64_t ops = 0;
  for (auto _ : state) {
    auto& slot = live[rng() % live.size()];
    const std::uint64_t moved = heap->resize(slot, 1 + rng() % 512);
    if (moved != 0) slot = moved;
    ops += 1;
  }
  heap->discard(live);
  report(state, ops, party);
}

void BM_Batch(benchmark::State& state, bool lifo) {
  const int party = static_cast<int>(state.range(0));
  auto heap = make_heap(party);
  std::mt19937_64 rng(44);
  std::vector<std::uint64_t> batch(1000);
  std::int64_t ops = 0;
  for (auto _ : state) {
    for (auto& p : batch) p = heap->alloc(1 + rng() % 256);
    if (lifo) {
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) heap->release(*it);
    } else {
      for (auto p : batch) heap->release(p);
    }
    ops += 2000;
  }
  report(state, ops, party);
}
void BM_Lifo(benchmark::State& state) { BM_Batch(state, true); }
void BM_Fifo(benchmark::State& state) { BM_Batch(state, false); }

void BM_Fragmented(benchmark::State& state) {
  const int party = static_cast<int>(state.range(0));
  const auto live_count = static_cast<std::size_t>(state.range(1));
  auto heap = make_heap(party);
  // Pairs of (hole, keeper): freeing every hole leaves live_count small free blocks apart from each
  // other; the last hole is larger, so only it fits the probe size.
  std::vector<std::uint64_t> holes;
  std::vector<std::uint64_t> keepers;
  for (std::size_t i = 0; i < live_count; ++i) {
    holes.push_back(heap->alloc(i + 1 == live_count ? 2000 : 64));
    keepers.push_back(heap->alloc(64));
  }
  for (auto p : holes) heap->release(p);
  std::int64_t ops = 0;
  for (auto _ : state) {
    const std::uint64_t p = heap->alloc(2000);
    benchmark::DoNotOptimize(p);
    heap->release(p);
    ops += 2;
  }
  heap->discard(keepers);
  report(state, ops, party);
}

// Parties: 0 optimized, 1 port (seed), 2 model, 3 glibc.
void live_args(benchmark::internal::Benchmark* b) {
  for (int party = 0; party < 4; ++party) {
    for (int live : {1000, 10000, 100000}) b->Args({party, live});
  }
}
// Building the fragmented heap frees every other block; in the port and the model each free walks
// the used list, so 100k blocks would take O(n^2) = 10^10 steps to set up: they stop at 10k.
void fragmented_args(benchmark::internal::Benchmark* b) {
  for (int party = 0; party < 4; ++party) {
    for (int live : {1000, 10000, 100000}) {
      if (live <= 10000 || party == 0 || party == 3) b->Args({party, live});
    }
  }
}
void party_args(benchmark::internal::Benchmark* b) {
  for (int party = 0; party < 4; ++party) b->Args({party});
}

BENCHMARK(BM_Churn)->Apply(live_args)->ArgNames({"party", "live"});
BENCHMARK(BM_Realloc)->Apply(live_args)->ArgNames({"party", "live"});
BENCHMARK(BM_Fragmented)->Apply(fragmented_args)->ArgNames({"party", "live"});
BENCHMARK(BM_Lifo)->Apply(party_args)->ArgNames({"party"});
BENCHMARK(BM_Fifo)->Apply(party_args)->ArgNames({"party"});

}  // namespace
}  // namespace fealloc

BENCHMARK_MAIN();
