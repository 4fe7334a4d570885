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

inline bool fits_u64(const u256& v) { return v <= std::numeric_limits<std::uint64_t>::max(); }

// Precondition: fits_u64(v).
inline std::uint64_t low_u64(const u256& v) { return static_cast<std::uint64_t>(v & std::numeric_limits<std::uint64_t>::max()); }

// Lowercase "0x..." with no leading zeros ("0x0" for zero).
std::string to_hex(const u256& v);

// Decimal or 0x/0X hex, no sign, no spaces; nullopt when malformed or above 2^256-1.
std::optional<u256> parse_u256(std::string_view text);

}  // namespace fealloc
