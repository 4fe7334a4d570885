// u256: the integer type of every pointer and size at fealloc's public boundary.
// Boost's uint256_t is slow; it stays at the API and everything inside uses 64-bit words.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace fealloc {

using u256 = boost::multiprecision::uint256_t;

// Boost keeps cpp_int normalized (no leading zero limbs), so reading the limbs directly is exact
// and avoids 256-bit arithmetic on every call at the API.
static_assert(sizeof(boost::multiprecision::limb_type) == 8, "u256 limbs are expected to be 64-bit");

inline bool fits_u64(const u256& v) { return v.backend().size() == 1; }

// The low 64 bits (the whole value when fits_u64(v)).
inline std::uint64_t low_u64(const u256& v) { return v.backend().limbs()[0]; }

// Lowercase "0x..." with no leading zeros ("0x0" for zero).
std::string to_hex(const u256& v);

// Decimal or 0x/0X hex, no sign, no spaces; nullopt when malformed or above 2^256-1.
std::optional<u256> parse_u256(std::string_view text);

}  // namespace fealloc
