#!/bin/sh
# Builds malloc_recorder.so next to this script (or at $1).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/malloc_recorder.so"}
${CC:-cc} -shared -fPIC -O2 -Wall -Wextra -o "$out" "$here/malloc_recorder.c" -ldl -lpthread
echo "$out"
