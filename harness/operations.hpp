// The operation vocabulary, written once: every operation's kind, trace word, wire code in the fuzz
// format's explicit form, the fields it takes (in trace order) and what it returns. The trace
// parser and printer, the fuzz decoder, encoder and dictionary, the mutator, the minimizer and the
// executor read this table; none of them lists operations of its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fealloc {

// In-memory only: nothing stores an OpKind's numeric value (the wire codes below are the format).
enum class OpKind : std::uint8_t { malloc, calloc, realloc, free, free_all, stats, write };

// An operation's arguments, in the order the trace writes them.
enum class Field : std::uint8_t {
  ptr,     // a pointer: @k, @k+d or a raw value
  size,    // a byte count, any u256
  fill,    // calloc's fill byte
  offset,  // a write's offset into the block's data
  bytes,   // a write's data (hex in a trace)
};

enum class Returns : std::uint8_t { pointer, boolean, nothing };

struct OpInfo {
  OpKind kind;
  std::string_view name;  // the trace word
  std::uint8_t wire;      // the kind byte of the fuzz format's explicit form (fixed forever)
  std::uint8_t field_count;
  std::array<Field, 3> fields;
  Returns returns;

  constexpr std::span<const Field> args() const { return {fields.data(), field_count}; }
  constexpr bool takes(Field f) const {
    for (Field g : args()) {
      if (g == f) return true;
    }
    return false;
  }
};

inline constexpr std::array<OpInfo, 7> kOperations{{
    {OpKind::malloc, "malloc", 0, 1, {Field::size}, Returns::pointer},
    {OpKind::calloc, "calloc", 1, 2, {Field::size, Field::fill}, Returns::pointer},
    {OpKind::realloc, "realloc", 2, 2, {Field::ptr, Field::size}, Returns::pointer},
    {OpKind::free, "free", 3, 1, {Field::ptr}, Returns::boolean},
    {OpKind::free_all, "free_all", 4, 0, {}, Returns::nothing},
    {OpKind::stats, "stats", 5, 0, {}, Returns::nothing},
    {OpKind::write, "write", 6, 3, {Field::ptr, Field::offset, Field::bytes}, Returns::nothing},
}};

// The fuzz format's explicit form reads its kind byte modulo this (format v1).
inline constexpr std::uint8_t kWireKinds = kOperations.size();

constexpr const OpInfo& op_info(OpKind kind) {
  for (const OpInfo& info : kOperations) {
    if (info.kind == kind) return info;
  }
  return kOperations[0];  // unreachable: every kind has an entry
}
// nullptr for a word that names no operation.
constexpr const OpInfo* find_operation(std::string_view name) {
  for (const OpInfo& info : kOperations) {
    if (info.name == name) return &info;
  }
  return nullptr;
}
// The operation of a wire code (taken modulo kWireKinds).
constexpr const OpInfo& op_by_wire(std::uint8_t code) {
  const auto wire = static_cast<std::uint8_t>(code % kWireKinds);
  for (const OpInfo& info : kOperations) {
    if (info.wire == wire) return info;
  }
  return kOperations[0];  // unreachable: the wire codes are 0 .. kWireKinds - 1
}

constexpr std::string_view op_name(OpKind kind) { return op_info(kind).name; }
constexpr bool returns_pointer(OpKind kind) { return op_info(kind).returns == Returns::pointer; }
constexpr bool takes(OpKind kind, Field field) { return op_info(kind).takes(field); }

}  // namespace fealloc
