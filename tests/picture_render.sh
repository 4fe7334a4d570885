#!/usr/bin/env bash
# Renders `fealloc picture` output in a real headless browser (Debian's chromium) to PNG: a trace
# (HTML) and a divergence drawn by `repro --picture` (SVG inside HTML, both parties side by side),
# and checks that each PNG is a real, non-blank image of the expected size. Without chromium it
# says so and exits 77, which ctest reports as Skipped (scripts/install-deps.sh installs it).
# usage: tests/picture_render.sh FEALLOC SOURCE_DIR [PNG_DIR]   (PNG_DIR: keep the PNGs there)
set -uo pipefail
fealloc=$1
src=$2
keep=${3:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIPPED: chromium is not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

"$fealloc" picture "$src/corpus/examples/split-merge.trace" -o "$tmp/split-merge.html" || fail "picture split-merge"
"$fealloc" repro --target thing "$src/corpus/findings/thing/thing-4.2-shrink-at-top-stale-size.bin" \
  --picture "$tmp/thing-4.2.svg" >"$tmp/repro.out" 2>&1
[ $? -eq 1 ] || fail "repro of thing-4.2 does not diverge"
# An SVG shown on its own page, as a browser opens a .svg file.
printf '<!DOCTYPE html><html><body style="margin:8px">%s</body></html>\n' "$(tail -n +2 "$tmp/thing-4.2.svg")" \
  >"$tmp/thing-4.2.html"

render() {  # NAME WIDTH HEIGHT
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profile" \
    --window-size="$2,$3" --screenshot="$tmp/$1.png" "file://$tmp/$1.html" >"$tmp/$1.log" 2>&1
  [ -s "$tmp/$1.png" ] || { fail "$1: chromium wrote no PNG: $(tail -3 "$tmp/$1.log")"; return; }
  python3 - "$tmp/$1.png" "$2" "$3" <<'PY' || fail "$1: not the picture expected"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert (width, height) == (int(sys.argv[2]), int(sys.argv[3])), f"size {width}x{height}"
pos, idat = 8, b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + length]
    pos += 12 + length
raw = zlib.decompress(idat)
inked = sum(1 for b in raw[::7] if b not in (0, 255))
assert inked > len(raw[::7]) // 50, f"almost blank: {inked} of {len(raw[::7])} sampled bytes"
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {width}x{height}, {len(data)} bytes")
PY
  [ -z "$keep" ] || cp "$tmp/$1.png" "$keep/picture-$1.png"
}
render split-merge 1300 400
render thing-4.2 1450 190

finish "picture rendering"
