#!/usr/bin/env bash
# Does the structure-aware custom mutator (fuzz/mutator.hpp, FEALLOC_CUSTOM_MUTATOR) find bugs
# sooner? Builds fuzz_differential twice (libFuzzer, clang++ Release, no sanitizers: with and
# without the mutator) for each of three bugs planted in core/optimized_allocator.cpp, and measures
# the time to the first crash from an EMPTY corpus, for seeds 1..N, both variants side by side.
# Prints a table with the medians (a run that finds nothing counts as > max-time).
#
#   scripts/measure-mutator.sh [--seeds N] [--max-time S] [--jobs J] [--plants split,link,merge]
#                              [--from-head] [--no-dict] [--out DIR] [--keep]
#
# Defaults: 5 seeds, 120 s, 2 runs at a time (the two variants of one seed together), all plants,
# the dictionary on (as the README runs it). The copy is a `git worktree` in /tmp of HEAD with the
# work tree's uncommitted and untracked files laid over it (--from-head: HEAD alone); the
# repository's files are never modified, and the worktree is removed at the end (--keep keeps it
# and every run's log). Env FEALLOC_MUTATOR_BYTES passes through (the share of libFuzzer's own
# mutations, default 50). `--plants none` is the control: the unplanted tree, where neither variant
# should find anything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

seeds=5
max_time=120
jobs=2
plants="split,link,merge"
from_head=0
dict=1
out=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --max-time) max_time=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --plants) plants=$2; shift 2 ;;
    --from-head) from_head=1; shift ;;
    --no-dict) dict=0; shift ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "measure-mutator.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

scratch=$(mktemp -d /tmp/fealloc-measure.XXXXXX)
wt="$scratch/tree"
[ -n "$out" ] || out="$scratch/results"
mkdir -p "$out"
cleanup() {
  if [ "$keep" = 0 ]; then
    git -C "$root" worktree remove --force "$wt" >/dev/null 2>&1 || true
    git -C "$root" worktree prune >/dev/null 2>&1 || true
    case "$out" in "$scratch"/*) ;; *) rm -rf "$scratch" ;; esac
  else
    echo "kept: $scratch (remove the worktree with: git worktree remove --force $wt)"
  fi
}
trap cleanup EXIT

echo "== scratch copy: $wt"
git -C "$root" worktree add --detach --quiet "$wt" HEAD
if [ "$from_head" = 0 ]; then
  # The work tree as it is: tracked files (modified or not) and untracked, not ignored, ones.
  (cd "$root" && git ls-files -z --cached --others --exclude-standard |
     tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$wt"
  (cd "$root" && git ls-files -z --deleted) | (cd "$wt" && xargs -0 -r rm -f)
fi

file="$wt/core/optimized_allocator.cpp"
cp "$file" "$scratch/optimized_allocator.cpp.orig"

# plant NAME: applies the bug to the pristine file; fails when its line is not there.
plant() {
  cp "$scratch/optimized_allocator.cpp.orig" "$file"
  case "$1" in
    split) # a remainder of exactly min_split is no longer split off (first occurrence only)
      sed -i '0,/old_size - size >= min_split_/s//old_size - size > min_split_/' "$file" ;;
    link) # a block goes into the free list linked to the wrong neighbour
      sed -i 's/^  store_next(s, link_addr(next));$/  store_next(s, link_addr(prev));/' "$file" ;;
    merge) # a block freed between two free ones merges with the lower one only
      sed -i 's/const bool merge_next = next != kNone && s + blocks_\.units(s) == next;/const bool merge_next = !merge_prev \&\& next != kNone \&\& s + blocks_.units(s) == next;/' "$file" ;;
    none) ;;
    *) echo "measure-mutator.sh: unknown plant $1 (split, link, merge)" >&2; exit 2 ;;
  esac
  if [ "$1" != none ] && cmp -s "$file" "$scratch/optimized_allocator.cpp.orig"; then
    echo "measure-mutator.sh: plant $1: its line is not in core/optimized_allocator.cpp any more" >&2
    exit 1
  fi
}

# Check every plant before spending time on builds.
IFS=, read -r -a plant_list <<<"$plants"
for p in "${plant_list[@]}"; do plant "$p"; done
plant none

configure() {  # DIR MUTATOR
  cmake -S "$wt" -B "$1" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DFEALLOC_FUZZ=ON \
    -DFEALLOC_FUZZ_ENGINE=libfuzzer -DFEALLOC_TESTS=OFF -DFEALLOC_BENCH=OFF -DFEALLOC_WERROR=OFF \
    -DFEALLOC_CUSTOM_MUTATOR="$2" >"$1.configure.log" 2>&1 ||
    { tail -20 "$1.configure.log" >&2; exit 1; }
}
configure "$scratch/build-base" OFF
configure "$scratch/build-mutator" ON
mkdir -p "$scratch/bin"
for p in "${plant_list[@]}"; do
  echo "== build: plant $p"
  plant "$p"
  for v in base mutator; do
    cmake --build "$scratch/build-$v" -j "$jobs" --target fuzz_differential >"$scratch/build-$v.log" 2>&1 ||
      { tail -30 "$scratch/build-$v.log" >&2; exit 1; }
    cp "$scratch/build-$v/fuzz/fuzz_differential" "$scratch/bin/$p-$v"
  done
done
plant none
# Defined, not libFuzzer's weak reference (grep -c, not -q, which would cut nm's pipe).
has_mutator() { nm --defined-only "$1" | grep -c ' T LLVMFuzzerCustomMutator$' >/dev/null; }
has_mutator "$scratch/bin/${plant_list[0]}-mutator" ||
  { echo "measure-mutator.sh: the mutator build has no LLVMFuzzerCustomMutator" >&2; exit 1; }
if has_mutator "$scratch/bin/${plant_list[0]}-base"; then
  echo "measure-mutator.sh: the baseline build has LLVMFuzzerCustomMutator" >&2
  exit 1
fi

# run PLANT VARIANT SEED: one fuzzing run from an empty corpus; appends a line to results.tsv:
# plant variant seed outcome(found|none|other) seconds executions
run() {
  local p=$1 v=$2 s=$3
  local dir="$scratch/runs/$p-$v-$s"
  rm -rf "$dir" && mkdir -p "$dir/corpus"
  local args=(-seed="$s" -max_total_time="$max_time" -artifact_prefix="$dir/" -print_final_stats=1)
  [ "$dict" = 1 ] && args+=(-dict="$wt/fuzz/fealloc.dict")
  local start end
  start=$(date +%s.%N)
  timeout $((max_time + 60)) "$scratch/bin/$p-$v" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1 || true
  end=$(date +%s.%N)
  local outcome=none
  if grep -q '==fealloc== fuzz_differential: divergence' "$dir/log"; then
    outcome=found
  elif ls "$dir"/crash-* "$dir"/timeout-* "$dir"/oom-* >/dev/null 2>&1; then
    outcome=other
  fi
  local execs
  execs=$(grep -o '^#[0-9]*' "$dir/log" | tail -1 | tr -d '#' || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$v" "$s" "$outcome" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" "${execs:-0}" >>"$out/results.tsv"
  if [ "$keep" = 0 ] && [ "$outcome" != other ]; then rm -rf "$dir"; fi
}

: >"$out/results.tsv"
echo "== runs: plants ${plants}, seeds 1..$seeds, at most ${max_time}s each, $jobs at a time"
for p in "${plant_list[@]}"; do
  for s in $(seq 1 "$seeds"); do
    for v in base mutator; do
      while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
      run "$p" "$v" "$s" &
    done
  done
done
wait

# The table: per plant and variant the seconds per seed (">T" for nothing found, "!" for another
# crash), how many found, the median and the executions.
sort -k1,1 -k2,2 -k3,3n "$out/results.tsv" | awk -F'\t' -v max="$max_time" -v seeds="$seeds" '
  function median(list, n,   i, j, t, a) {
    split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    if (n % 2) return a[(n + 1) / 2]
    return (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    key = $1 "\t" $2
    if (!(key in cells)) { order[++keys] = key }
    cell = $4 == "found" ? sprintf("%.1f", $5) : ($4 == "other" ? "!" : ">" max)
    cells[key] = cells[key] sprintf(" %7s", cell)
    vals[key] = vals[key] " " ($4 == "found" ? $5 : 1e9)
    count[key]++
    if ($4 == "found") found[key]++
    execs[key] += $6
  }
  END {
    printf "%-6s %-8s %s  %5s  %8s  %12s\n", "plant", "variant", "seconds per seed", "found", "median", "execs/run"
    for (k = 1; k <= keys; k++) {
      key = order[k]
      split(key, pv, "\t")
      m = median(vals[key], count[key])
      ms = m >= 1e9 ? ">" max : sprintf("%.1f", m)
      medians[key] = m
      printf "%-6s %-8s %s  %2d/%-2d  %8s  %12d\n", pv[1], pv[2], cells[key], found[key], count[key], ms, execs[key] / count[key]
    }
    faster = 0; total = 0
    for (k = 1; k <= keys; k++) {
      split(order[k], pv, "\t")
      if (pv[2] != "base") continue
      total++
      b = medians[pv[1] "\tbase"]; m = medians[pv[1] "\tmutator"]
      if (m < b) faster++
    }
    printf "mutator median lower on %d of %d plants\n", faster, total
  }' | tee "$out/table.txt"
echo "results: $out/results.tsv, $out/table.txt"
