// The environment lists the fuzz targets read (FEALLOC_IGNORE, FEALLOC_TRACE_IGNORE): items
// separated by commas, blanks around an item ignored, empty items skipped. Header-only, because
// fuzz_trace links no library but fealloc_core.
#pragma once

#include <string_view>
#include <vector>

namespace fealloc::fuzz {

inline std::vector<std::string_view> comma_list_items(std::string_view list) {
  std::vector<std::string_view> items;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.push_back(item);
    pos = comma + 1;
  }
  return items;
}

}  // namespace fealloc::fuzz
