// Classifier of thi.ng's known deviations. Each rule looks only at the diverging operation and
// the first field that differs, which is where each deviation first shows (see tests).
#include "harness/thing_deviations.hpp"

namespace fealloc {

namespace {
constexpr KnownDeviation kDeviations[] = {
    {"thing-4.1", "realloc's move path frees the header address, so the old block leaks and stays valid"},
    {"thing-4.2", "shrinking the top block without a split moves top but leaves the block's size word"},
    {"thing-4.3", "growth in place at top needs b + padded < end, while malloc accepts <= end"},
    {"thing-4.4", "sizes are JS numbers: ToInt32 in the size rounding wraps sizes from about 2^31 up"},
    // Not in spec §4's list, but the same JS-number rule applied to the options: the evm layout
    // takes align and min_split above 2^32, which thi.ng's u32 state words cannot hold.
    {"thing-opt-u32", "state words are stored with ToUint32: align or min_split of 2^32 and more wrap"},
};

bool in_wrap_region(const u256& size, const PoolConfig& config) {
  // padded(n) = ToInt32(n + H + align - 1) & ~(align - 1) differs from the exact value once the sum
  // leaves [0, 2^31).
  // Written as a subtraction: the sum itself overflows u256 for sizes near 2^256-1.
  return size >= (u256(1) << 31) - (config.params.header + config.align - 1);
}
}  // namespace

const KnownDeviation* known_deviations(std::size_t& count) {
  count = std::size(kDeviations);
  return kDeviations;
}

std::string_view deviation_description(std::string_view id) {
  for (const auto& d : kDeviations) {
    if (d.id == id) return d.description;
  }
  return "";
}

std::string classify_thing_deviation(const Operation& op, const u256& ptr, const u256& returned, const Divergence& d,
                                     const PoolConfig& config) {
  constexpr std::uint64_t kU32Max = 0xffffffffULL;
  if (config.align > kU32Max || config.min_split > kU32Max) return "thing-opt-u32";
  const bool sized = op.kind == OpKind::malloc || op.kind == OpKind::calloc || op.kind == OpKind::realloc;
  if (sized && op.size != 0 && in_wrap_region(op.size, config)) return "thing-4.4";
  if (op.kind != OpKind::realloc) return "";
  // Growth to exactly end: seed keeps the pointer, thi.ng moves or fails.
  if (d.field == "ret") return "thing-4.3";
  // Any other field is compared only after the returns agreed (`returned` is that pointer).
  if (d.field.rfind("stats.", 0) != 0 && d.field != "verify") return "";
  if (returned != 0 && returned != ptr) return "thing-4.1";  // moved: the old block's fate differs
  if (returned == ptr) return "thing-4.2";                   // shrunk in place: the size word differs
  return "";
}

}  // namespace fealloc
