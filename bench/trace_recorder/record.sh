#!/bin/sh
# Records the benchmark traces in bench/traces/ (see bench/traces/README.md):
#   bench/trace_recorder/record.sh [OUTDIR]      (default: bench/traces)
# Needs cc, python3 (the real interpreter is found through `sys.executable`, so that a pyenv shim
# script is not what gets recorded), perl and gcc. Each program runs under the recorder with
# MALLOC_RECORD_LOG=DIR/NAME.%p.log; the log of the process with the most calls is converted.
# Hash seeds are pinned (PYTHONHASHSEED, PERL_HASH_SEED) so that reruns record the same calls.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../traces"}
max_ops=${MAX_OPS:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$here/build.sh" "$work/malloc_recorder.so" >/dev/null
py=$(python3 -c 'import sys; print(sys.executable)')

record() { # NAME DESCRIPTION COMMAND...
  name=$1 desc=$2
  shift 2
  MALLOC_RECORD_LOG="$work/$name.%p.log" LD_PRELOAD="$work/malloc_recorder.so" "$@" >/dev/null
  biggest=$(wc -l "$work/$name".*.log | grep -v ' total$' | sort -n | tail -1 | awk '{print $2}')
  echo "$name: $(wc -l < "$biggest") log lines in $(basename "$biggest")"
  python3 "$here/log_to_trace.py" --max-ops "$max_ops" --name "$desc" -o "$out/$name.trace.gz" "$biggest"
}

# (a) python3: build a ~2.6 MB JSON document, json.dumps it, json.loads it back. PYTHONMALLOC=malloc
# sends every object to malloc (by default pymalloc serves objects up to 512 bytes from its arenas
# and the log holds only ~7k calls).
PYTHONMALLOC=malloc PYTHONHASHSEED=0 record python_json "python3 json: build a 2.6 MB document, dumps, loads (PYTHONMALLOC=malloc)" \
  "$py" "$here/workloads/python_json.py"

# (b) perl: a hash of 90k generated strings with deletes and appends, then sorted by value.
PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 record perl_hash "perl: hash of 90k strings with deletes and appends, sorted" \
  perl "$here/workloads/perl_hash.pl"

# (c) gcc -O2 -c of a generated 4,500-line C file; the biggest log is cc1's.
python3 "$here/workloads/gen_c.py" > "$work/gen.c"
record gcc_cc1 "gcc -O2 -c of a generated 4500-line C file (cc1)" \
  gcc -O2 -c "$work/gen.c" -o "$work/gen.o"
