#!/usr/bin/env python3
"""Writes the big-heap fuzz seeds: traces whose heaps hold thousands of blocks or reach free-index
slots far above 4,096 (the levels of the optimized allocator's 8-ary index that small heaps never
use). Each goes to corpus/seeds/differential/NAME.trace; `fealloc encode` makes NAME.bin (v2 with
repeats when the trace has more than 512 operations). Deterministic: no randomness at all.

usage: scripts/make-big-seeds.py FEALLOC_BINARY
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "seeds" / "differential"


def every_other(layout, end, align, count, size_of, tail):
    """count mallocs (sizes growing with the address), then every other block freed (so the free
    list holds count/2 blocks that never merge), then `tail` operations."""
    lines = [f"pool layout={layout} semantics=seed end={hex(end)}" + (f" align={align}" if align else "")]
    for i in range(count):
        lines.append(f"malloc {size_of(i)}")
    for k in range(1, count + 1, 2):
        lines.append(f"free @{k}")
    return lines + tail


def write(name, comment, lines, fealloc):
    trace = OUT / f"{name}.trace"
    trace.write_text("".join(f"# {c}\n" for c in comment) + "\n".join(lines) + "\n")
    subprocess.run([fealloc, "encode", str(trace), "-o", str(OUT / f"{name}.bin")], check=True)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    fealloc = sys.argv[1]
    # 1200 blocks of 6..8 slots (evm, align 32): top near slot 8000; 600 free blocks up to there.
    # First fits far up (the biggest free blocks are the highest), frees next to free blocks high up.
    size = lambda i: 100 + (i // 400) * 32
    tail = ["malloc 164", "malloc 164", "malloc 100", "free @1200", "free @1198", "malloc 120", "free @1102",
            "malloc 150", "realloc @1190 60", "stats"]
    write("big-heap-every-other-free",
          ["1200 blocks, every other one freed: 600 free blocks up to slot ~8000 of the free index,",
           "then first fits and merges far above slot 4096."],
          every_other("evm", 0x100000, 0, 1200, size, tail), fealloc)
    # A few big blocks push the heap past slot 4096 with a handful of operations (v1, small).
    lines = ["pool layout=evm semantics=seed end=0x80000",
             "malloc 0x20000", "malloc 0x8000"] + [f"malloc {40 + 8 * i}" for i in range(24)]
    lines += [f"free @{k}" for k in range(3, 27, 2)] + ["free @1", "malloc 70", "malloc 0x10000", "malloc 90",
                                                         "realloc @26 300", "free @24", "malloc 40", "stats"]
    write("big-blocks-high-slots",
          ["Two big blocks, then small ones above slot 5000: free blocks far up the index with a",
           "short trace; then a freed big block low down and first fits that skip or take it."],
          lines, fealloc)
    # The thing layout with align 8: 600 blocks over ~9000 slots.
    write("big-heap-thing-layout",
          ["The thing layout (4-byte words) with align 8: free blocks up to slot ~9000."],
          every_other("thing", 0x20000, 8, 600, lambda i: 90 + (i // 200) * 24,
                      ["malloc 150", "malloc 120", "free @600", "free @598", "malloc 100", "stats"]), fealloc)


if __name__ == "__main__":
    main()
