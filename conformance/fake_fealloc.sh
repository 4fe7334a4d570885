#!/bin/sh
# Stand-in for the fealloc CLI while testing the harness: `fake_fealloc.sh replay --impl NAME TRACE`
# replays TRACE with replay.mjs (the real package), so run_conformance.mjs must report no failures.
[ "$1" = replay ] || { echo "usage: $0 replay [--impl NAME] [--final] TRACE" >&2; exit 2; }
shift
[ "$1" = --impl ] && shift 2
exec node "$(dirname "$0")/replay.mjs" "$@"
