// ReferenceModel: the seed semantics of spec/semantics.md §3, written from the spec as plainly as
// possible. Blocks are abstract (address, size) pairs in ordinary containers; the model keeps no
// EVM memory. It predicts every pointer and every Stats field (including msize and gas, from the
// addresses the spec's algorithm touches), remembers every byte a program stored (user_write,
// calloc) in each live block, and can check another party's memory against all of that (verify).
// Clarity over speed: every operation is O(number of blocks).
#pragma once

#include "core/allocator.hpp"

#include <cstdint>
#include <map>
#include <optional>
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
  Stats stats() const override;
  // Precondition (as the interface says): [addr, addr + size) lies in one live block's requested
  // size; a write anywhere else throws std::logic_error and changes nothing.
  void user_write(std::uint64_t addr, std::span<const std::uint8_t> bytes) override;
  EvmMemory* memory() override { return nullptr; }
  std::string check(CheckScope /*scope*/ = CheckScope::full) const override { return check_invariants(); }

  // The model's own invariants (also what check() returns): "" or the first one that fails.
  // initialTop <= top <= end; used and free blocks are disjoint, each with an aligned data address
  // and a size that is a multiple of align above H; together they tile [initialTop, top) with no
  // gap or overlap (so all lie inside it); with compact, no two free blocks are adjacent and none
  // touches top; each used block holds padded(requested) and knows no byte past requested. (The
  // free list is sorted by construction: it is a map by address.)
  std::string check_invariants() const;

  // Checks another party's memory against the model: the seven state words, the header of every
  // used and free block, and every byte the model remembers. Reads only with peek (no msize
  // change). Returns "" or the first difference, with expected and found values in hex.
  std::string verify(const EvmMemory& memory) const override;
  // Until the model records what its operations change, the ranged form verifies everything.
  std::string verify(const EvmMemory& memory, std::span<const EvmMemory::Range> /*written*/) const override {
    return verify(memory);
  }

  // --- read access for tests ---
  // What a program is guaranteed to find in a block's data: disjoint runs of bytes it stored,
  // keyed by data offset. Everything outside the runs is unknown.
  using KnownBytes = std::map<std::uint64_t, std::vector<std::uint8_t>>;
  struct UsedBlock {
    std::uint64_t addr = 0;       // header address b; the data is at b + H
    std::uint64_t size = 0;       // the size word: header + data + padding
    std::uint64_t requested = 0;  // n of the malloc/calloc/realloc that made it
    KnownBytes known;             // never reaches past `requested`
  };
  // The used list from its head (the most recently used block) to its end.
  const std::vector<UsedBlock>& used_blocks() const { return used_; }
  // The free list: address -> size, in address order.
  const std::map<std::uint64_t, std::uint64_t>& free_blocks() const { return free_; }
  std::uint64_t top() const { return top_; }
  std::uint64_t msize() const { return msize_; }  // kept in both layouts; stats() shows it for evm

 private:
  std::uint64_t header() const { return config_.params.header; }
  std::uint64_t word() const { return config_.params.word; }
  // padded(n) = alignUp(n + H, align), or nullopt when n > end: then padded(n) > end, so no block
  // of that size can exist below end and every path of the spec fails for it (spec §5).
  std::optional<std::uint64_t> padded(const u256& n) const;
  // The used block whose data address is ptr, or used_.end().
  std::vector<UsedBlock>::iterator find_used(const u256& ptr);

  // The spec's malloc(n) on the block lists only: the new block's header address or nullopt.
  // Pushes the block (requested = n, nothing known) onto the used list.
  std::optional<std::uint64_t> allocate(std::uint64_t n, std::uint64_t padded_n);
  void split(UsedBlock& block, std::uint64_t keep);  // compacts the free list (not the used list)
  void release(std::vector<UsedBlock>::iterator block);  // free(): to the free list, compact
  void insert_free(std::uint64_t addr, std::uint64_t size);
  void compact();

  // Records that the algorithm reads or writes bytes [addr, addr + length): raises msize.
  void touch(std::uint64_t addr, std::uint64_t length);
  void touch_header(std::uint64_t addr) { touch(addr, header()); }

  PoolConfig config_;
  std::vector<UsedBlock> used_;                 // front = head of the used list
  std::map<std::uint64_t, std::uint64_t> free_;  // address -> size
  std::uint64_t top_ = 0;
  std::uint64_t msize_ = 0;
};

}  // namespace fealloc
