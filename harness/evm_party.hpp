// EvmParty: the party `evm`. tiny_alloc.yul (evm/) running on a real EVM (@ethereumjs/evm under
// node), driven operation by operation: one node runner process (evm/runner.mjs) per fealloc
// process, over a socket pair, with one paused EVM execution per pool. After every operation the
// runner answers the return value, the stats the Yul code computed by walking its lists, the EVM's
// msize, the operation's gas and the bytes of EVM memory that changed; this party applies those
// bytes to its own EvmMemory, so the executor compares it like any other party (heap bytes,
// msize, expansion gas). Evm layout, seed semantics only (docs/decisions.md, "The party evm").
#pragma once

#include "core/allocator.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fealloc {

class EvmParty final : public Allocator {
 public:
  // Throws std::invalid_argument for the thing layout or semantics; std::runtime_error when the
  // runner cannot start (node or the npm packages of evm/ missing) or does not answer.
  explicit EvmParty(const PoolConfig& config);
  ~EvmParty() override;

  std::string_view name() const override { return "evm"; }
  const PoolConfig& config() const override { return config_; }

  u256 malloc(const u256& size) override;
  u256 calloc(const u256& size, std::uint8_t fill) override;
  u256 realloc(const u256& ptr, const u256& size) override;
  bool free(const u256& ptr) override;
  void free_all() override;
  Stats stats() const override;
  void user_write(std::uint64_t address, std::span<const std::uint8_t> data) override;
  EvmMemory* memory() override { return &memory_; }
  std::string check(CheckScope scope = CheckScope::full) const override;

  // The last operation's gas on the EVM, memory expansion included, and the expansion part
  // (the growth of 3w + w*w/512 over the operation).
  std::uint64_t last_gas() const { return last_gas_; }
  std::uint64_t last_expansion_gas() const { return last_expansion_; }
  // How many operations reached the EVM so far (a stats request is not one).
  std::uint64_t operations() const { return operations_; }

  // "" when the party can run here, else why not (node or evm/node_modules missing).
  static std::string unavailable_reason();
  // Ends the shared runner process, if one runs; the next EvmParty starts a new one (tests, and
  // a change of FEALLOC_NODE / FEALLOC_EVM_DIR / FEALLOC_EVM_TIMEOUT in between).
  static void stop_runner();

 private:
  // Sends one request line, applies the answer; returns the answer's RET.
  u256 request(const std::string& line);

  PoolConfig config_;
  EvmMemory memory_;
  std::uint64_t session_ = 0;
  bool open_ = false;
  mutable Stats stats_;           // as of the last stats request
  mutable bool stats_known_ = false;
  std::uint64_t last_gas_ = 0;
  std::uint64_t last_expansion_ = 0;
  std::uint64_t operations_ = 0;
};

}  // namespace fealloc
