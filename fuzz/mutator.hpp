// A structure-aware mutator over whole operations, one source for libFuzzer
// (LLVMFuzzerCustomMutator / LLVMFuzzerCustomCrossOver, fuzz/libfuzzer_mutator.cpp, built with
// FEALLOC_CUSTOM_MUTATOR) and AFL++ (the fuzz_mutator_afl library, fuzz/afl_mutator.cpp).
//
// An input is decoded to its operations the way fuzz::decode() does (the format's decoder against
// the target's first party alone), one structural mutation is applied to the operation list
// (insert, remove, duplicate, swap, change one argument, change the pool options; or splice two
// inputs), the result is run once more on the first party to drop what the decoder would skip
// (writes that became illegal) and to renumber the @k references, and it is written back in the
// canonical encoding (fuzz::encode(), version byte 1). New operations and new sizes and pointers
// are chosen by the format's own compact selectors against the run's real state (live blocks,
// split edges, the room left, huge sizes), so they are as pointed as what the decoder makes of
// random bytes. Every output decodes, fits max_size and is canonical: encode(decode(out)) == out.
#pragma once

#include "fuzz/input_format.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fealloc::fuzz {

enum class Mutation : std::uint8_t {
  insert,           // a new operation (random kind, arguments chosen by the compact selectors)
  remove,           // one operation; references to it become the raw pointer it returned
  duplicate,        // a copy of one operation, placed later
  swap,             // two operations trade places (references follow them; a forward one goes raw)
  change_argument,  // one size, pointer, fill, offset or written bytes of one operation
  change_pool,      // the pool options (always valid for every party of the target)
  splice,           // crossover: operations of two inputs
  bytes,            // the fallback: a plain byte mutation (no structural mutation fitted)
};
inline constexpr std::size_t kMutationKinds = 8;
std::string_view mutation_name(Mutation m);

// A plain byte mutator for the fallback (LLVMFuzzerMutate's signature): mutates data[0, size) in
// place within max_size bytes and returns the new size.
using ByteMutator = std::size_t (*)(std::uint8_t* data, std::size_t size, std::size_t max_size);

struct MutateOptions {
  ByteMutator fallback = nullptr;  // nullptr: a built-in byte mutation
  std::optional<Mutation> only;    // tests: apply only this structural mutation (else the fallback)
};

struct MutateResult {
  std::size_t size = 0;           // of the output, in data[0, size)
  Mutation kind = Mutation::bytes;
};

// Mutates data[0, size) in place (data has room for max_size bytes) with one structural mutation
// for `target`, deterministically for a given seed. Falls back to a byte mutation when no
// structural mutation gives a different canonical input of at most max_size bytes.
MutateResult mutate(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed, Target target,
                    const MutateOptions& options = {});

// mutate(), returning the new size.
std::size_t mutate_operations(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed, Target target,
                              ByteMutator fallback = nullptr);

// Crossover: the operations of `a` with a run of `b`'s operations spliced in (or replacing a's
// tail), a's pool, canonical, into out[0, max_out_size). Returns the size, or 0 when nothing fits
// or differs from `a`.
std::size_t crossover_operations(const std::uint8_t* a, std::size_t a_size, const std::uint8_t* b, std::size_t b_size,
                                 std::uint8_t* out, std::size_t max_out_size, unsigned seed, Target target);

}  // namespace fealloc::fuzz
