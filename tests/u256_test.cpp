// u256 helpers at the API boundary: limb-level narrowing, hex and parsing.
#include "core/u256.hpp"

#include <gtest/gtest.h>

namespace fealloc {
namespace {

TEST(U256, NarrowingReadsTheLowLimbExactly) {
  const u256 two64 = u256(1) << 64;
  EXPECT_TRUE(fits_u64(0));
  EXPECT_TRUE(fits_u64(UINT64_MAX));
  EXPECT_FALSE(fits_u64(two64));
  EXPECT_FALSE(fits_u64(~u256(0)));
  EXPECT_EQ(low_u64(two64 + 5), 5u);
  EXPECT_EQ(low_u64(~u256(0)), UINT64_MAX);
  u256 back = two64 + 7;
  back -= two64;  // arithmetic leaves the value normalized again
  EXPECT_TRUE(fits_u64(back));
  EXPECT_EQ(low_u64(back), 7u);
  u256 wrapped = ~u256(0);
  wrapped += 1;
  EXPECT_TRUE(fits_u64(wrapped));
  EXPECT_EQ(low_u64(wrapped), 0u);
}

TEST(U256, HexAndParse) {
  EXPECT_EQ(to_hex(0), "0x0");
  EXPECT_EQ(to_hex(u256(0x120)), "0x120");
  EXPECT_EQ(parse_u256("0x10"), u256(16));
  EXPECT_EQ(parse_u256("0X1f"), u256(31));
  EXPECT_EQ(parse_u256("007"), u256(7));
  EXPECT_FALSE(parse_u256("").has_value());
  EXPECT_FALSE(parse_u256("0x").has_value());
  EXPECT_FALSE(parse_u256("-1").has_value());
  EXPECT_FALSE(parse_u256("1 ").has_value());
  EXPECT_EQ(parse_u256("0x" + std::string(64, 'f')), ~u256(0));
  EXPECT_FALSE(parse_u256("0x1" + std::string(64, '0')).has_value());
}

}  // namespace
}  // namespace fealloc
