// Which kind of target FEALLOC_FUZZ_TARGET (a bare word: differential, thing or trace) names, for
// the preprocessor: FEALLOC_FUZZ_TARGET_KIND is 1 for the differential targets (a binary input
// decoded into operations, fuzz/targets.hpp) and 2 for the trace parser target (text,
// fuzz/trace_target.hpp). The build passes FEALLOC_FUZZ_TARGET=NAME and nothing else.
#pragma once

#ifndef FEALLOC_FUZZ_TARGET
#error "define FEALLOC_FUZZ_TARGET as differential, thing or trace"
#endif

#define FEALLOC_FUZZ_KIND_OF_differential 1
#define FEALLOC_FUZZ_KIND_OF_thing 1
#define FEALLOC_FUZZ_KIND_OF_trace 2
#define FEALLOC_FUZZ_CONCAT_(a, b) a##b
#define FEALLOC_FUZZ_CONCAT(a, b) FEALLOC_FUZZ_CONCAT_(a, b)
// An unknown name expands to an undefined identifier, which #if reads as 0.
#define FEALLOC_FUZZ_TARGET_KIND FEALLOC_FUZZ_CONCAT(FEALLOC_FUZZ_KIND_OF_, FEALLOC_FUZZ_TARGET)

#if FEALLOC_FUZZ_TARGET_KIND != 1 && FEALLOC_FUZZ_TARGET_KIND != 2
#error "FEALLOC_FUZZ_TARGET must be differential, thing or trace"
#endif
