# shellcheck shell=bash
# The sanitizer environment for running our ASan+UBSan targets under AFL++ (afl-fuzz, afl-cmin),
# sourced by the scripts that run them so that it is written once: `env "${afl_sanitizer_env[@]}"`.
# - ASan and UBSan abort (not exit) on an error, so that afl-fuzz sees a crash; no symbolizing in
#   the fuzzed process (afl-fuzz refuses custom options without abort_on_error=1 and symbolize=0).
# - LSAN_OPTIONS too: without it afl-fuzz sets its own, which hold fast_unwind_on_malloc=0, and
#   ASan reads LSAN_OPTIONS after ASAN_OPTIONS, so every allocation recorded its stack with
#   libgcc's slow unwinder: 48 % of fuzz_differential's time in a perf profile, and 2,325 against
#   3,359 exec/s side by side without and with this line.
# scripts/fuzz.sh sets none of these: it leaves afl-fuzz its own defaults, whose
# malloc_context_size=0 records no allocation stacks at all.
# shellcheck disable=SC2034
afl_sanitizer_env=(
  ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0
  UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:symbolize=0
  LSAN_OPTIONS=exitcode=23:symbolize=0:print_suppressions=0
)
