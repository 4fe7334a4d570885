#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of fealloc: the project's CMake build with
# FEALLOC_FUZZ_ENGINE=external, which takes $CXX and $CXXFLAGS as OSS-Fuzz sets them, links each
# target with $LIB_FUZZING_ENGINE and installs the targets, seed corpora, dictionaries and
# options into $OUT (fuzz/CMakeLists.txt). oss-fuzz/build.sh is the same file.
# Boost: the Dockerfile unpacks a pinned Boost into $SRC/boost (docs/decisions.md, "Boost in the
# OSS-Fuzz image"); without it CMake looks in the system directories.
build="$WORK/fealloc-build"
boost=()
if [ -f "$SRC/boost/boost/version.hpp" ]; then boost=(-DBoost_ROOT="$SRC/boost" -DBoost_NO_SYSTEM_PATHS=ON); fi
cmake -S "$SRC/fealloc" -B "$build" -DCMAKE_BUILD_TYPE= -DFEALLOC_FUZZ=ON -DFEALLOC_FUZZ_ENGINE=external \
  -DFEALLOC_TESTS=OFF -DFEALLOC_BENCH=OFF -DFEALLOC_WERROR=OFF "${boost[@]}"
cmake --build "$build" --target fuzz_out -j"$(nproc)"
cmake --install "$build" --component fuzz --prefix "$OUT"
