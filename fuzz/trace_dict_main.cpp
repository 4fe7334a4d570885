// Prints fuzz_trace's dictionary (fuzz/trace.dict): build/dev/fuzz/fuzz_trace_dict > fuzz/trace.dict
#include "fuzz/trace_target.hpp"

#include <iostream>

int main() {
  std::cout << fealloc::fuzz::trace_dictionary_text();
  return std::cout ? 0 : 1;
}
