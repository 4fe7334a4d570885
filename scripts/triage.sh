#!/usr/bin/env bash
# Triages a fuzzing campaign's crashes: groups them by divergence signature (fealloc repro;
# fuzz_trace: the replay driver's `signature: trace|ID`), and for each signature not already
# recorded in corpus/findings/TARGET/*.signature writes the smallest crash of that signature,
# minimized, as corpus/findings/TARGET/NAME.bin + NAME.trace + NAME.signature (fuzz_trace:
# NAME.trace + NAME.signature). scripts/fuzz.sh --triage runs it on a campaign of its own.
#
#   scripts/triage.sh --target differential|thing|trace [--dry-run] [--build DIR] CAMPAIGN|CRASH_DIR|FILE...
#
# CAMPAIGN: a campaign directory of scripts/fuzz.sh (its crashes/ and afl/*/crashes/), a
# directory of crash files (e.g. a ClusterFuzzLite crash artifact unpacked), or crash files.
# The environment's FEALLOC_IGNORE / FEALLOC_TRACE_IGNORE are not used: a finding is recorded
# with the signature it shows with nothing ignored (fuzz_thing's known deviations included, which
# are then found already recorded). NAME: the target's first signature field(s) and the file's
# SHA-1, e.g. fuzz-stats.used_size-realloc-3f2a9c1d04be. --dry-run: report, write nothing.
# --build DIR: use DIR/fealloc and DIR/fuzz/fuzz_trace_replay as they are (default: build/dev,
# built first).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

target="" dry=0 operands=() build=""
usage() { sed -n '8,8p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || usage; target=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "triage: unknown option $1" >&2; usage ;;
    *) operands+=("$1"); shift ;;
  esac
done
case "$target" in differential|thing|trace) ;; *) echo "triage: --target is differential, thing or trace" >&2; usage ;; esac
[ ${#operands[@]} -gt 0 ] || { echo "triage: no campaign directory or crash file given" >&2; usage; }

# The crash files: a campaign's crashes/ and AFL++'s crashes/id:*, or the files given.
crashes=()
for op in "${operands[@]}"; do
  if [ -f "$op" ]; then
    crashes+=("$op")
  elif [ -d "$op" ]; then
    # A campaign: crashes/ (libFuzzer's artifacts; scripts/fuzz.sh copies AFL++'s there too),
    # else AFL++'s afl/*/crashes/id:*; else the files in the directory itself.
    mapfile -t found < <(find "$op" -type f -path "$op/crashes/*" | sort)
    [ ${#found[@]} -gt 0 ] || mapfile -t found < <(find "$op" -type f -path '*/afl/*/crashes/id:*' | sort)
    if [ ${#found[@]} -eq 0 ] && [ ! -d "$op/crashes" ] && [ ! -d "$op/afl" ]; then
      mapfile -t found < <(find "$op" -maxdepth 1 -type f ! -name '.*' ! -name 'README.txt' | sort)
    fi
    crashes+=("${found[@]}")
  else
    echo "triage: $op is neither a file nor a directory: run a campaign first (scripts/fuzz.sh --target $target)" >&2
    exit 2
  fi
done
if [ ${#crashes[@]} -eq 0 ]; then
  echo "triage: no crash files in ${operands[*]}"
  exit 0
fi

if [ -z "$build" ]; then
  scripts/install-deps.sh
  cmake --preset dev >/dev/null && cmake --build --preset dev --target fealloc fuzz_trace_replay >/dev/null
  build="$root/build/dev"
fi
fealloc="$build/fealloc"
trace_replay="$build/fuzz/fuzz_trace_replay"
if [ ! -x "$fealloc" ] || [ ! -x "$trace_replay" ]; then
  echo "triage: no $fealloc or $trace_replay" >&2
  exit 2
fi
findings="$root/corpus/findings/$target"
mkdir -p "$findings"

signature_of() {  # FILE
  if [ "$target" = trace ]; then
    # The replay driver aborts on a violated property (the subshell keeps the shell's notice out).
    { (env -u FEALLOC_TRACE_IGNORE "$trace_replay" "$1" 2>&1; true) 2>/dev/null; } | sed -n 's/^signature: //p' | head -1
  else
    # repro exits 1 on a divergence, which is the point here.
    { env -u FEALLOC_IGNORE "$fealloc" repro --target "$target" "$1" 2>/dev/null || true; } | sed -n 's/^signature: //p' | head -1
  fi
}

declare -A recorded=()
for s in "$findings"/*.signature; do
  [ -f "$s" ] || continue
  recorded[$(tr -d '\n' <"$s")]=$s
done

declare -A smallest=() count=()
order=()
none=0
for f in "${crashes[@]}"; do
  sig=$(signature_of "$f")
  if [ -z "$sig" ]; then
    none=$((none + 1))
    continue
  fi
  if [ -z "${count[$sig]:-}" ]; then count[$sig]=0; order+=("$sig"); fi
  count[$sig]=$((count[$sig] + 1))
  if [ -z "${smallest[$sig]:-}" ] || [ "$(wc -c <"$f")" -lt "$(wc -c <"${smallest[$sig]}")" ]; then smallest[$sig]=$f; fi
done
echo "=== triage: ${#crashes[@]} crash file(s), ${#order[@]} signature(s), $none without a divergence on replay"

new=0
for sig in "${order[@]}"; do
  if [ -n "${recorded[$sig]:-}" ]; then
    echo "  ${count[$sig]} x $sig: already recorded (${recorded[$sig]#"$root"/})"
    continue
  fi
  new=$((new + 1))
  file=${smallest[$sig]}
  hash=$(sha1sum "$file" | cut -c1-12)
  if [ "$target" = trace ]; then
    name="fuzz-${sig#trace|}-$hash"
  else
    IFS='|' read -r field op _ <<<"$sig"
    name="fuzz-$field-$op-$hash"
  fi
  name=${name//[^A-Za-z0-9._-]/_}
  echo "  ${count[$sig]} x $sig: new -> corpus/findings/$target/$name (from $file)"
  [ "$dry" = 1 ] && continue
  if [ "$target" = trace ]; then
    # Traces are kept as found (the parser's findings are short; fealloc minimize is for the
    # differential targets), with their property.
    cp "$file" "$findings/$name.trace"
  else
    "$fealloc" minimize --target "$target" -o "$findings/$name.bin" "$file" >/dev/null ||
      { echo "triage: fealloc minimize failed on $file" >&2; exit 1; }
    got=$(signature_of "$findings/$name.bin")
    [ "$got" = "$sig" ] || { echo "triage: the minimized $name.bin shows '$got', not '$sig'" >&2; exit 1; }
  fi
  printf '%s\n' "$sig" >"$findings/$name.signature"
done
echo "=== triage: $new new signature(s)$([ "$dry" = 1 ] && echo ' (dry run: nothing written)'), $((${#order[@]} - new)) already recorded"
