#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for fealloc. oss-fuzz/build.sh hands over to this file;
# scripts/oss-fuzz-check.sh runs it the way OSS-Fuzz does, without docker.
#
# It uses only what OSS-Fuzz defines: $CXX, $CXXFLAGS (the sanitizer and coverage flags),
# $LIB_FUZZING_ENGINE (libFuzzer, AFL++'s driver or honggfuzz), $SRC (the sources: $SRC/fealloc),
# $WORK (scratch) and $OUT (the result). The project's CMake fuzz build is not used: it picks its
# own engine flags, and here the engine comes from $LIB_FUZZING_ENGINE. So the library sources are
# compiled directly with $CXXFLAGS, and each target (fuzz/fuzz_target.cpp with
# FEALLOC_FUZZ_TARGET) is linked with $LIB_FUZZING_ENGINE.
#
# $OUT gets, for TARGET in differential, thing and trace:
#   fuzz_TARGET                  the fuzz target
#   fuzz_TARGET_seed_corpus.zip  corpus/seeds/TARGET/*.bin (the .trace files beside them are not
#                                inputs); for trace, corpus/seeds/trace/*.trace (traces are its inputs)
#   fuzz_TARGET.dict             fuzz/fealloc.dict; for trace, fuzz/trace.dict
#   fuzz_TARGET.options          [libfuzzer] dict and max_len
set -euo pipefail
: "${CXX:?}" "${CXXFLAGS?}" "${LIB_FUZZING_ENGINE:?}" "${SRC:?}" "${WORK:?}" "${OUT:?}"

project="$SRC/fealloc"
build="$WORK/fealloc-build"
rm -rf "$build"
mkdir -p "$build/obj" "$OUT"
cd "$project"

# Boost is header-only here (multiprecision). Debian/Ubuntu's libboost-dev puts it in /usr/include,
# already a system include directory (and one that must not be given as -isystem: that breaks the
# C++ library's #include_next). A Boost unpacked under $SRC (e.g. $SRC/boost_1_83_0) is used
# instead when present, as -isystem so that its headers' warnings are not reported as ours.
boost_flags=()
for dir in "$SRC"/boost "$SRC"/boost_*; do
  if [ -f "$dir/boost/multiprecision/cpp_int.hpp" ]; then
    boost_flags=(-isystem "$dir")
    break
  fi
done

# The project's language level and warnings (no -Werror: a newer compiler in the OSS-Fuzz image
# must not break the build on a new warning).
# shellcheck disable=SC2153  # CXXFLAGS comes from OSS-Fuzz
read -r -a cxxflags <<<"$CXXFLAGS"
flags=("${cxxflags[@]}" -std=c++20 -I"$project" "${boost_flags[@]}"
       -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)

# Code that checks rather than is checked stays out of coverage instrumentation, as in the CMake
# fuzz builds (fuzz/coverage-ignorelist.txt says which files and why): AFL++ reads the list from
# its environment; clang's sanitizer coverage (libFuzzer, honggfuzz) takes it as a flag.
# fuzz_trace tests the trace parser, so the sources it compiles itself (harness/trace.cpp and its
# oracle fuzz/trace_target.cpp) take fuzz/coverage-ignorelist-trace.txt instead, which leaves the
# parser instrumented: `with_ignorelist LIST CMD...` runs a compile with LIST.
ignorelist="$project/fuzz/coverage-ignorelist.txt"
trace_ignorelist="$project/fuzz/coverage-ignorelist-trace.txt"
sancov_ignorelist=0
if [[ "$CXX" != *afl-* ]] &&
   [[ " $CXXFLAGS " == *" -fsanitize=fuzzer"* || " $CXXFLAGS " == *" -fsanitize-coverage="* ]]; then
  sancov_ignorelist=1
fi
with_ignorelist() {
  local list=$1
  shift
  if [[ "$CXX" == *afl-* ]]; then
    AFL_LLVM_DENYLIST="$list" "$@"
  elif [ "$sancov_ignorelist" = 1 ]; then
    "$@" -fsanitize-coverage-ignorelist="$list"
  else
    "$@"
  fi
}

# The libraries the targets need, as the CMake build defines them: the sources of every
# `add_library(fealloc_... STATIC` in CMakeLists.txt (core, reference, harness) and
# fuzz/CMakeLists.txt (fealloc_fuzz), one file a line. The entry points (fuzz/fuzz_target.cpp,
# compiled once per target below) and the engine-specific extras are not in them.
cmake_library_sources() {  # CMakeLists.txt, the directory its paths are relative to[, one library]
  awk -v lib="${3:-fealloc_[a-z_]+}" '$0 ~ "^add_library\\(" lib " STATIC" { on = 1; next }
       on && /^\)/ { on = 0 }
       on && $1 !~ /^#/ && NF > 0 { print $1 }' "$1" | sed "s|^|$2|"
}
mapfile -t sources < <(cmake_library_sources CMakeLists.txt ""; cmake_library_sources fuzz/CMakeLists.txt fuzz/)
if [ "${#sources[@]}" -eq 0 ]; then
  echo "build.sh: no library sources found in CMakeLists.txt" >&2
  exit 1
fi
for src in "${sources[@]}"; do
  if [ ! -f "$src" ]; then
    echo "build.sh: $src (from the CMake library sources) does not exist" >&2
    exit 1
  fi
done
jobs=$(nproc 2>/dev/null || echo 1)
compile_slot() {  # every jobs-th source from the $1-th, one after the other
  local i src
  for ((i = $1; i < ${#sources[@]}; i += jobs)); do
    src=${sources[$i]}
    with_ignorelist "$ignorelist" "$CXX" "${flags[@]}" -c "$src" -o "$build/obj/${src//\//_}.o"
  done
}
pids=()
for ((slot = 0; slot < jobs; slot++)); do
  compile_slot "$slot" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid"
done
objects=("$build"/obj/*.o)
if [ "${#objects[@]}" -ne "${#sources[@]}" ]; then
  echo "build.sh: ${#sources[@]} sources but ${#objects[@]} objects" >&2
  exit 1
fi
rm -f "$build/libfealloc.a" "$build/libfealloc_core.a"
ar rcs "$build/libfealloc.a" "${objects[@]}"
# fuzz_trace links only the core library (u256, resolve_pool), as in CMake, and compiles the
# parser itself: no second, uninstrumented copy of the parser can be linked in.
mapfile -t core_sources < <(cmake_library_sources CMakeLists.txt "" fealloc_core)
core_objects=()
for src in "${core_sources[@]}"; do
  core_objects+=("$build/obj/${src//\//_}.o")
done
if [ "${#core_objects[@]}" -eq 0 ]; then
  echo "build.sh: no fealloc_core sources found in CMakeLists.txt" >&2
  exit 1
fi
ar rcs "$build/libfealloc_core.a" "${core_objects[@]}"
for src in harness/trace.cpp fuzz/trace_target.cpp; do
  with_ignorelist "$trace_ignorelist" "$CXX" "${flags[@]}" -c "$src" -o "$build/trace-${src//\//_}.o"
done

# fuzz_thing crashes on every divergence that FEALLOC_IGNORE does not list, and the spec §4
# deviations of thi.ng (thing-4.1 .. thing-4.4, documented and expected) are found within seconds:
# without a default list every report would be one of them. OSS-Fuzz cannot set a fuzzer's
# environment, so fuzz_thing gets an LLVMFuzzerInitialize (libFuzzer, AFL++'s driver and honggfuzz
# all call it before the first input) that sets FEALLOC_IGNORE to those four ids unless it is
# already set (FEALLOC_IGNORE= with an empty value turns the default off, e.g. when reproducing).
cat >"$build/thing_ignore_default.cpp" <<'EOF'
// Generated by build.sh (OSS-Fuzz): fuzz_thing's default FEALLOC_IGNORE, the spec §4 deviations.
#include <stdlib.h>
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("FEALLOC_IGNORE", "thing-4.1,thing-4.2,thing-4.3,thing-4.4,thing-opt-u32", 0);
  return 0;
}
EOF

# max_len: 512 operations at most are decoded; 4096 bytes hold 512 compact operations (a compact
# write is the longest, 5 bytes) and the pool. The largest seed is 266 bytes. fuzz_trace: the
# seeds are traces of at most 4096 bytes too (the largest is 663); the parser takes any length.
for target in differential thing trace; do
  extra=()
  libs=("$build/libfealloc.a")
  list=$ignorelist
  seeds=(corpus/seeds/"$target"/*.bin)
  dict=fuzz/fealloc.dict
  if [ "$target" = thing ]; then
    extra=("$build/thing_ignore_default.cpp")
  elif [ "$target" = trace ]; then
    extra=("$build/trace-harness_trace.cpp.o" "$build/trace-fuzz_trace_target.cpp.o")
    libs=("$build/libfealloc_core.a")
    list=$trace_ignorelist
    seeds=(corpus/seeds/trace/*.trace)
    dict=fuzz/trace.dict
  fi
  # $LIB_FUZZING_ENGINE may be several words (OSS-Fuzz leaves it unquoted too).
  # shellcheck disable=SC2086
  with_ignorelist "$list" "$CXX" "${flags[@]}" -DFEALLOC_FUZZ_TARGET="$target" fuzz/fuzz_target.cpp "${extra[@]}" \
    "${libs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/fuzz_$target"

  rm -f "$OUT/fuzz_${target}_seed_corpus.zip"
  zip -q -j "$OUT/fuzz_${target}_seed_corpus.zip" "${seeds[@]}"
  cp "$dict" "$OUT/fuzz_$target.dict"
  printf '[libfuzzer]\ndict = fuzz_%s.dict\nmax_len = 4096\n' "$target" >"$OUT/fuzz_$target.options"
done
