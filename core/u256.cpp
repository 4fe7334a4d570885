// Text conversions for u256, written by hand so that overflow is detected exactly.
#include "core/u256.hpp"

namespace fealloc {

std::string to_hex(const u256& v) {
  if (v == 0) return "0x0";
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string reversed;
  u256 rest = v;
  while (rest != 0) {
    reversed.push_back(kDigits[static_cast<unsigned>(rest & 0xf)]);
    rest >>= 4;
  }
  return "0x" + std::string(reversed.rbegin(), reversed.rend());
}

namespace {
int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<u256> parse_u256(std::string_view text) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  // Accumulate in a wider type so that 2^256 itself is detected, not wrapped.
  using boost::multiprecision::uint512_t;
  static const uint512_t kMax = uint512_t(std::numeric_limits<u256>::max());
  uint512_t value = 0;
  for (char c : text) {
    int d = digit_value(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) return std::nullopt;
    value = value * base + static_cast<unsigned>(d);
    if (value > kMax) return std::nullopt;
  }
  return static_cast<u256>(value);
}

}  // namespace fealloc
