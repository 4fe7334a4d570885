#!/usr/bin/env python3
"""Writes the big-heap fuzz seeds: traces whose heaps reach free-index slots far above 4,096 (the
levels of the optimized allocator's 8-ary index that small heaps never use), and with --scale also
the ones with thousands of blocks. Each goes to DIR/NAME.trace (default corpus/seeds/differential);
`fealloc encode` makes NAME.bin (v2 with repeats when the trace has more than 512 operations).
Deterministic: no randomness at all.

The default seeds stay cheap (a few milliseconds an execution): a seed of thousands of blocks
costs 20-40 ms an execution (thi.ng's list walks are O(blocks) per operation) and, as a default
seed, would take most of a campaign's time; those are for a campaign of their own
(docs/decisions.md, "Seeds with big heaps").

usage: scripts/make-big-seeds.py FEALLOC_BINARY [--scale DIR]
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "seeds" / "differential"
SCALE_OUT = None


def every_other(layout, end, align, count, size_of, tail, compact=True):
    """count mallocs (sizes growing with the address), then every other block freed, newest first,
    leaving count/2 free blocks that never merge, then `tail` operations."""
    options = f" align={align}" if align else ""
    options += "" if compact else " compact=0"
    lines = [f"pool layout={layout} semantics=seed end={hex(end)}{options}"]
    for i in range(count):
        lines.append(f"malloc {size_of(i)}")
    for k in range(count - 1, 0, -2):
        lines.append(f"free @{k}")
    return lines + tail


def upper_half_free(layout, end, align, count, size_of, tail):
    """count mallocs (sizes growing with the address), then the upper half freed newest first, in
    a pool without compaction: count/2 used blocks low, count/2 free ones above them that never
    merge. Freeing the newest block and inserting below every free block are single steps of
    thi.ng's walks, so the whole run stays O(count) for every party."""
    options = (f" align={align}" if align else "") + " compact=0"
    lines = [f"pool layout={layout} semantics=seed end={hex(end)}{options}"]
    for i in range(count):
        lines.append(f"malloc {size_of(i)}")
    for k in range(count, count // 2, -1):
        lines.append(f"free @{k}")
    return lines + tail


def write(name, comment, lines, fealloc, out=None):
    out = out or OUT
    out.mkdir(parents=True, exist_ok=True)
    trace = out / f"{name}.trace"
    trace.write_text("".join(f"# {c}\n" for c in comment) + "\n".join(lines) + "\n")
    subprocess.run([fealloc, "encode", str(trace), "-o", str(out / f"{name}.bin")], check=True)


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--scale"):
        sys.exit(__doc__)
    fealloc = sys.argv[1]
    scale = pathlib.Path(sys.argv[3]) if len(sys.argv) == 4 else None
    # Thousands of blocks: 2400 of 6..9 slots (evm, align 32), top near slot 17000; the upper
    # 1200 freed: free blocks from slot ~8000 up. Then first fits far above slot 4096.
    size = lambda i: 100 + (i // 600) * 32
    tail = ["malloc 196", "malloc 196", "malloc 100", "free @1200", "free @1199", "malloc 164", "free @2",
            "malloc 150", "realloc @1198 60", "malloc 120", "stats"]
    write("big-heap-upper-half-free",
          ["2400 blocks, the upper 1200 freed (no compaction): 1200 free blocks from slot ~8000 to",
           "~17000 of the free index, then first fits and frees far above slot 4096."],
          upper_half_free("evm", 0x100000, 0, 2400, size, tail), fealloc, scale) if scale else None
    # With compaction: 300 blocks of 16..20 slots reach slot ~5400; 150 free blocks, then merges.
    size = lambda i: 450 + (i // 100) * 64
    tail = ["malloc 600", "free @300", "free @298", "malloc 560", "free @2", "free @4", "malloc 500",
            "realloc @296 900", "stats"]
    write("big-heap-compact-merges",
          ["300 blocks up to slot ~5400, every other one freed, then merges and first fits far",
           "above slot 4096 with compaction on."],
          every_other("evm", 0x40000, 0, 300, size, tail), fealloc)
    # Free blocks apart by 8, 64, 512, 4096 and 32768 slots, one distance per level of the 8-ary
    # index: small blocks between big ones, freed in an order where each new free block's
    # list predecessor lies across a bigger group, then first fits and merges across them.
    for layout, align, end, compact, name in (("evm", 32, 0x200000, True, "index-levels-evm"),
                                               ("thing", 8, 0x80000, False, "index-levels-thing")):
        header = 64 if layout == "evm" else 8
        lines = [f"pool layout={layout} semantics=seed end={hex(end)} align={align}" + ("" if compact else " compact=0")]
        smalls = []
        for slots in (8, 64, 512, 4096, 32768):
            lines.append("malloc 24")
            smalls.append(len(lines) - 1)
            lines.append(f"malloc {slots * align - header}")
        lines.append("malloc 24")
        smalls.append(len(lines) - 1)
        lines.append("malloc 24")  # a guard below top
        order = smalls[5::-2] + smalls[4::-2]  # the far ones first, then the near ones
        lines += [f"free @{k}" for k in order]
        lines += ["malloc 20", "malloc 24", f"free @{smalls[2] + 1}", f"free @{smalls[4] + 1}", "malloc 1000",
                  f"malloc {4096 * align}", f"free @{smalls[1] + 1}", "malloc 100", "stats"]
        write(name, ["Free blocks 8, 64, 512, 4096 and 32768 slots apart: list predecessors and first fits",
                     "across every level of the free index."], lines, fealloc)
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
          upper_half_free("thing", 0x20000, 8, 600, lambda i: 90 + (i // 200) * 24,
                          ["malloc 150", "malloc 120", "free @300", "free @298", "malloc 100", "stats"]), fealloc,
          scale) if scale else None


if __name__ == "__main__":
    main()
