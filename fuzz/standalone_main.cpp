// The engine-free replay driver: runs LLVMFuzzerTestOneInput on every file given, and on every
// file under every directory given (sorted, recursively; the readable files kept beside corpus
// binaries, *.trace *.signature *.md, are passed over; for fuzz_trace, whose inputs are traces,
// only *.signature and *.md), or on stdin when given nothing. A crash file of either engine
// reproduces here without any fuzz engine; a divergence aborts as in fuzzing.
#include "fuzz/target_kind.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// What a directory holds beside the inputs.
bool is_input(const std::filesystem::path& path) {
  const auto ext = path.extension();
#if FEALLOC_FUZZ_TARGET_KIND == 2
  return ext != ".signature" && ext != ".md";
#else
  return ext != ".trace" && ext != ".signature" && ext != ".md";
#endif
}

bool run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path.string() << ": cannot read the file\n";
    return false;
  }
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::cerr << "running " << path.string() << " (" << bytes.size() << " bytes)\n";
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t ran = 0;
  bool ok = true;
  if (argc < 2) {
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    ++ran;
  }
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file() && is_input(entry.path())) {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (run_file(f)) ++ran;
        else ok = false;
      }
    } else if (run_file(arg)) {
      ++ran;
    } else {
      ok = false;
    }
  }
  std::cerr << "ran " << ran << " input" << (ran == 1 ? "" : "s") << " without a divergence\n";
  return ok ? 0 : 2;
}
