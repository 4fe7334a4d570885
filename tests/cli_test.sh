#!/usr/bin/env bash
# The CLI's conventions and its answers to bad input (issue 8), run against the built binary:
# help and version on stdout with status 0, usage errors with status 2, directories and missing
# files named, `-` for standard input, failed writes detected, strict counts, errors that name the
# right line and show a short printable token, `repro FILE.trace` refusing an illegal write, and
# `encode` refusing a too-long trace at its first operation past the limit.
# usage: tests/cli_test.sh FEALLOC SOURCE_DIR
set -uo pipefail
fealloc=$1
src=$2
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# expect STATUS DESCRIPTION -- COMMAND...: runs COMMAND, its stdout in $tmp/out, stderr in $tmp/err.
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit $got, want $want; stderr: $(head -c 300 "$tmp/err")"
}
contains() {  # FILE TEXT DESCRIPTION
  grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(basename "$1"): $(head -c 300 "$1")"
}

example=$src/corpus/examples/spec-example.trace

# Help, version, usage.
for args in "--help" "-h" "help"; do
  # shellcheck disable=SC2086  # word splitting of the arguments is wanted
  expect 0 "fealloc $args" -- "$fealloc" $args
  contains "$tmp/out" "exit status:" "fealloc $args"
  [ -s "$tmp/err" ] && fail "fealloc $args writes to stderr"
done
for command in replay check decode encode repro minimize dict; do
  expect 0 "$command --help" -- "$fealloc" "$command" --help
  contains "$tmp/out" "usage: fealloc $command" "$command --help"
  expect 0 "$command -h" -- "$fealloc" "$command" -h
  expect 0 "help $command" -- "$fealloc" help "$command"
done
# The README shows the usage as it is.
"$fealloc" --help | sed 's/^./    &/' >"$tmp/usage-indented"
while IFS= read -r line; do
  [ -z "$line" ] || grep -qxF -- "$line" "$src/README.md" || fail "README.md lacks the usage line: $line"
done <"$tmp/usage-indented"
expect 0 "--version" -- "$fealloc" --version
contains "$tmp/out" "fealloc " "--version"
expect 2 "no arguments" -- "$fealloc"
contains "$tmp/err" "exit status:" "usage on stderr"
expect 2 "unknown command" -- "$fealloc" frobnicate
expect 2 "unknown option" -- "$fealloc" replay --frob "$example"
expect 2 "missing operand" -- "$fealloc" replay
expect 2 "two operands" -- "$fealloc" replay "$example" "$example"
expect 2 "missing option value" -- "$fealloc" replay "$example" --impl
expect 2 "encode without -o" -- "$fealloc" encode "$example"

# Directories and missing files: an error naming the path, for every command that reads a file.
mkdir -p "$tmp/dir"
for command in replay check decode repro minimize; do
  expect 2 "$command DIR" -- "$fealloc" "$command" "$tmp/dir"
  contains "$tmp/err" "is a directory" "$command DIR"
  expect 2 "$command MISSING" -- "$fealloc" "$command" "$tmp/missing"
  contains "$tmp/err" "$tmp/missing" "$command MISSING"
done
expect 2 "encode DIR" -- "$fealloc" encode "$tmp/dir" -o "$tmp/x.bin"
expect 2 "encode to a directory" -- "$fealloc" encode "$example" -o "$tmp/dir"
contains "$tmp/err" "is a directory" "encode -o DIR"
mkdir -p "$tmp/dir.trace"
expect 2 "repro DIR.trace" -- "$fealloc" repro "$tmp/dir.trace"

# `-` is standard input, and reads the same as the file.
"$fealloc" replay "$example" >"$tmp/from-file"
"$fealloc" replay - <"$example" >"$tmp/from-stdin" || fail "replay - exits non-zero"
cmp -s "$tmp/from-file" "$tmp/from-stdin" || fail "replay - differs from replay FILE"
"$fealloc" encode "$example" -o - >"$tmp/stdout.bin" || fail "encode -o - exits non-zero"
"$fealloc" encode "$example" -o "$tmp/file.bin"
cmp -s "$tmp/stdout.bin" "$tmp/file.bin" || fail "encode -o - differs from encode -o FILE"
"$fealloc" decode - <"$tmp/file.bin" >"$tmp/decoded" || fail "decode - exits non-zero"
"$fealloc" decode "$tmp/file.bin" | cmp -s - "$tmp/decoded" || fail "decode - differs from decode FILE"

# Output that cannot be written is an error.
if [ -w /dev/full ]; then
  # shellcheck disable=SC2016  # $1 and $2 are the inner shell's
  expect 2 "replay > /dev/full" -- sh -c '"$1" replay "$2" >/dev/full' sh "$fealloc" "$example"
  expect 2 "encode -o /dev/full" -- "$fealloc" encode "$example" -o /dev/full
  # shellcheck disable=SC2016
  expect 2 "dict > /dev/full" -- sh -c '"$1" dict >/dev/full' sh "$fealloc"
fi

# --max-runs: a whole number from 1.
for bad in -1 5abc 0 "" 1e3 0x10 99999999999999999999; do
  expect 2 "--max-runs '$bad'" -- "$fealloc" minimize --max-runs "$bad" "$example"
  contains "$tmp/err" "--max-runs" "--max-runs '$bad'"
done

# A bad pool line is blamed on its own line.
printf '# one\n# two\n\npool start=0x100 end=0x80\nmalloc 1\n' >"$tmp/bad-pool.trace"
for command in replay check; do
  expect 2 "$command bad pool" -- "$fealloc" "$command" "$tmp/bad-pool.trace"
  contains "$tmp/err" "bad-pool.trace:4: bad pool options" "$command bad pool"
done

# Errors show a short, printable token.
{ printf 'pool\nmalloc '; head -c 1000000 /dev/zero | tr '\0' '7'; printf 'x\n'; } >"$tmp/long-token.trace"
expect 2 "a 1 MB token" -- "$fealloc" replay "$tmp/long-token.trace"
[ "$(wc -c <"$tmp/err")" -lt 300 ] || fail "a 1 MB token's error is $(wc -c <"$tmp/err") bytes"
contains "$tmp/err" "long-token.trace:2:" "a 1 MB token"
printf 'pool\n\xef\xbb\xbfmalloc 1\nma\vlloc 2\n' >"$tmp/invisible.trace"
expect 2 "a BOM" -- "$fealloc" replay "$tmp/invisible.trace"
contains "$tmp/err" "\\xef\\xbb\\xbfmalloc" "the BOM shown"
printf 'pool\nma\000lloc 1\n' >"$tmp/nul.trace"
expect 2 "a NUL" -- "$fealloc" check "$tmp/nul.trace"
contains "$tmp/err" "ma\\x00lloc" "the NUL shown"

# repro of a trace that writes outside a live block: the runtime error of check, not silence.
printf 'pool end=0x1000\nmalloc 8\nwrite @1 40 ff\nfree @1\n' >"$tmp/illegal.trace"
expect 3 "check illegal write" -- "$fealloc" check "$tmp/illegal.trace"
contains "$tmp/err" "illegal.trace:3: write outside a live block" "check illegal write"
expect 3 "repro illegal write" -- "$fealloc" repro "$tmp/illegal.trace"
contains "$tmp/err" "illegal.trace:3: write outside a live block" "repro illegal write"
expect 2 "encode illegal write" -- "$fealloc" encode "$tmp/illegal.trace" -o "$tmp/illegal.bin"

# encode refuses a trace longer than a fuzz input holds, at the first operation past the limit.
{ echo pool; for _ in $(seq 5000); do echo stats; done; } >"$tmp/long.trace"
expect 2 "encode 5000 operations" -- "$fealloc" encode "$tmp/long.trace" -o "$tmp/long.bin"
contains "$tmp/err" "long.trace:4098: more than 4096 operations" "encode 5000 operations"
[ -e "$tmp/long.bin" ] && fail "encode wrote a file for a refused trace"

finish "cli"
