// ReferenceModel: the seed semantics of spec/semantics.md §3, written from the spec as plainly as
// possible. Blocks are abstract (address, size) pairs in ordinary containers; the model keeps no
// EVM memory. It predicts every pointer and every Stats field (including msize and gas, from the
// addresses the spec's algorithm touches), remembers every byte a program stored (user_write,
// calloc) in each live block, and can check another party's memory against all of that (verify).
//
// Representation: the used list is a std::list of blocks in LIFO order (front = head, exactly the
// spec's list) with an index by header address (std::map) for O(log n) lookups; the free list is a
// std::map address -> size (sorted by construction, as the spec's free list). The algorithms stay
// the spec's literal ones (first fit walks the free list in address order, compact walks it all),
// so malloc and free cost O(free blocks); finding a block, stats() and the ranged checks do not
// depend on the heap's size. Every mutating operation records which addresses of the model's
// expectations it changed (changed_ranges()), so that check(touched) and verify(memory, written)
// can look only there.
#pragma once

#include "core/allocator.hpp"

#include <cstdint>
#include <list>
#include <map>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fealloc {

class ReferenceModel final : public Allocator, public MemoryVerifier {
 public:
  // Throws std::invalid_argument unless config.semantics is seed (either layout).
  explicit ReferenceModel(const PoolConfig& config);

  std::string_view name() const override { return "model"; }
  const PoolConfig& config() const override { return config_; }

  u256 malloc(const u256& size) override;
  u256 calloc(const u256& size, std::uint8_t fill) override;
  u256 realloc(const u256& ptr, const u256& size) override;
  bool free(const u256& ptr) override;
  void free_all() override;
  // O(1): the counts and byte totals are kept as blocks change (check(full) recounts them).
  Stats stats() const override;
  // Precondition (as the interface says): [addr, addr + size) lies in one live block's requested
  // size; a write anywhere else throws std::logic_error and changes nothing.
  void user_write(std::uint64_t addr, std::span<const std::uint8_t> bytes) override;
  EvmMemory* memory() override { return nullptr; }

  // The model's own invariants: "" or the first one that fails (reference/model_verify.cpp).
  // full: check_invariants() and the Stats counters recounted from the containers, O(n log n).
  // touched: the same invariants, but only around the blocks that changed_ranges() covers (each
  // such block's own shape and how it tiles with its address neighbours) plus the global ends
  // (top, the first and the last block): O(blocks changed * log n).
  std::string check(CheckScope scope = CheckScope::full) const override;

  // Every invariant over the whole heap: initialTop <= top <= end; used and free blocks are
  // disjoint, each with an aligned data address and a size that is a multiple of align above H;
  // together they tile [initialTop, top) with no gap or overlap (so all lie inside it); with
  // compact, no two free blocks are adjacent and none touches top; each used block holds
  // padded(requested) and knows no byte past requested; the used list and its index agree.
  std::string check_invariants() const;

  // Checks another party's memory against the model (whose own invariants the caller has checked
  // with check()): the seven state words, the header of every used and free block, and every
  // byte the model remembers. Reads
  // only through the memory's const observers (no msize change). Returns "" or the first
  // difference, with expected and found values in hex.
  std::string verify(const EvmMemory& memory) const override;
  // The same, restricted to what can have become different since the last verification: the
  // expectations that lie in `written` (the ranges the party's memory wrote during the operation)
  // or in changed_ranges() (where the model's expectations changed): the seven state words
  // (always), the header of every block whose header overlaps those ranges, and the known bytes
  // that overlap them. See model_verify.cpp for the soundness argument and
  // the cost, O((ranges + blocks touched) * log n + known bytes in the ranges).
  std::string verify(const EvmMemory& memory, std::span<const EvmMemory::Range> written) const override;

  // Where the last mutating public operation (malloc, calloc, realloc, free, free_all,
  // user_write) changed the model's expectations of memory: the header (H bytes at the block
  // address) of every block whose expected size or next word changed or that was created, the
  // state words [start, start + S) when free, used or top changed, and the data bytes the
  // operation made known (calloc's fill, a user write, what a moving realloc carries). An
  // operation that changes nothing (a failed one) leaves it empty. Ranges are half-open, in the
  // order recorded, and may overlap.
  const std::vector<EvmMemory::Range>& changed_ranges() const { return changed_; }

  // --- read access for tests ---
  // One run of bytes a program stored: the bytes themselves (a user write), or `count` copies of
  // one byte (a calloc's fill), so that a calloc of 256 MiB costs the model nothing (issue 8).
  class KnownRun {
   public:
    explicit KnownRun(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)), size_(bytes_.size()) {}
    KnownRun(std::uint64_t count, std::uint8_t fill) : size_(count), fill_(fill), uniform_(true) {}
    std::uint64_t size() const { return size_; }
    std::uint8_t operator[](std::uint64_t i) const { return uniform_ ? fill_ : bytes_[i]; }
    // Bytes [from, to) as a run of their own.
    KnownRun slice(std::uint64_t from, std::uint64_t to) const;
    // The first k < n at which byte from + k differs from found[k], or n.
    std::uint64_t mismatch(std::uint64_t from, const std::uint8_t* found, std::uint64_t n) const;
    // The first k < n at which byte from + k is not `value`, or n.
    std::uint64_t first_not(std::uint64_t from, std::uint64_t n, std::uint8_t value) const;

   private:
    std::vector<std::uint8_t> bytes_;  // empty when uniform
    std::uint64_t size_ = 0;
    std::uint8_t fill_ = 0;
    bool uniform_ = false;
  };
  // What a program is guaranteed to find in a block's data: disjoint runs of bytes it stored,
  // keyed by data offset. Everything outside the runs is unknown.
  using KnownBytes = std::map<std::uint64_t, KnownRun>;
  struct UsedBlock {
    std::uint64_t addr = 0;       // header address b; the data is at b + H
    std::uint64_t size = 0;       // the size word: header + data + padding
    std::uint64_t requested = 0;  // n of the malloc/calloc/realloc that made it
    KnownBytes known;             // never reaches past `requested`
  };
  // The used list from its head (the most recently used block) to its end: each block's next
  // word is the address of the block after it in this list (0 for the last).
  using UsedList = std::pmr::list<UsedBlock>;
  // The free list: address -> size, in address order (each block's next word is the next key).
  using FreeList = std::pmr::map<std::uint64_t, std::uint64_t>;
  const UsedList& used_blocks() const { return used_list_; }
  const FreeList& free_blocks() const { return free_; }
  // The used block whose header is at addr, or nullptr. O(log n).
  const UsedBlock* used_block_at(std::uint64_t addr) const;
  std::uint64_t top() const { return top_; }
  std::uint64_t msize() const { return msize_; }  // kept in both layouts; stats() shows it for evm

 private:
  using UsedIndex = std::pmr::map<std::uint64_t, UsedList::iterator>;  // header address -> block
  class Recording;  // clears changed_ at the start of a public operation, notes the state words

  std::uint64_t header() const { return config_.params.header; }
  std::uint64_t word() const { return config_.params.word; }
  // padded(n) = alignUp(n + H, align), or nullopt when n > end: then padded(n) > end, so no block
  // of that size can exist below end and every path of the spec fails for it (spec §5).
  std::optional<std::uint64_t> padded(const u256& n) const;
  // The used block whose data address is ptr, or used_at_.end(). O(log n).
  UsedIndex::iterator find_used(const u256& ptr);

  // The spec's malloc(n) on the block lists only: the new block's header address or nullopt.
  // Pushes the block (requested = n, nothing known) onto the used list.
  std::optional<std::uint64_t> allocate(std::uint64_t n, std::uint64_t padded_n);
  u256 malloc_block(const u256& size);               // malloc() without starting a new record
  void split(UsedBlock& block, std::uint64_t keep);  // compacts the free list (not the used list)
  void release(UsedIndex::iterator block);           // free(): to the free list, compact
  void compact();

  // The only places where the lists change: each keeps the Stats counters and records the
  // headers whose expected words change (the block itself and the list neighbour whose next
  // word now names a different block).
  UsedBlock& push_used(std::uint64_t addr, std::uint64_t size, std::uint64_t requested);
  void unlink_used(UsedIndex::iterator block);
  void resize_used(UsedBlock& block, std::uint64_t size);
  void insert_free(std::uint64_t addr, std::uint64_t size);
  FreeList::iterator erase_free(FreeList::iterator block);
  void resize_free(FreeList::iterator block, std::uint64_t size);

  // Records an address range whose expectations changed (see changed_ranges()).
  void mark(std::uint64_t lo, std::uint64_t hi);
  void mark_header(std::uint64_t addr) { mark(addr, addr + header()); }

  // Records that the algorithm reads or writes bytes [addr, addr + length): raises msize.
  void touch(std::uint64_t addr, std::uint64_t length);
  void touch_header(std::uint64_t addr) { touch(addr, header()); }

  // --- model_verify.cpp ---
  struct BlockView {  // a used or free block as check() sees it
    std::uint64_t addr;
    std::uint64_t size;
    bool used;
  };
  std::optional<BlockView> block_below(std::uint64_t addr) const;        // the highest block below addr
  std::optional<BlockView> block_at_or_above(std::uint64_t addr) const;  // the lowest block from addr on
  std::string check_touched() const;
  std::string check_block_here(std::uint64_t addr) const;  // one block and its address neighbours
  std::string check_counters() const;
  std::string verify_ranges(const EvmMemory& memory, std::span<const EvmMemory::Range> ranges) const;

  PoolConfig config_;
  // The node containers allocate from this pool, so steady churn reuses freed nodes instead of
  // asking the global heap on every operation. Declared first: destroyed last.
  std::pmr::unsynchronized_pool_resource pool_;
  UsedList used_list_{&pool_};  // front = head of the used list
  UsedIndex used_at_{&pool_};   // every block of used_list_ by header address
  FreeList free_{&pool_};       // address -> size
  std::uint64_t top_ = 0;
  std::uint64_t msize_ = 0;
  std::uint64_t used_size_ = 0;  // sum of used_list_'s sizes
  std::uint64_t free_size_ = 0;  // sum of free_'s sizes
  std::vector<EvmMemory::Range> changed_;
  mutable std::vector<EvmMemory::Range> verify_scratch_;  // verify()'s merged ranges, kept for reuse
};

}  // namespace fealloc
