#!/usr/bin/env python3
"""The "3-line trace" rule (issue 8): any trace of a pool line and 2 or 3 operations answers in
under a second, whatever its options. This generates such traces with extreme options and
operations and times, on each one, `fealloc replay --impl I` for every implementation,
`fealloc replay --final` and `fealloc check`, then reports every run over the threshold and the
slowest ones. Use a release build:

    cmake --preset release && cmake --build --preset release -j2 --target fealloc
    scripts/three-line-sweep.py --fealloc build/release/fealloc [--count 600] [--seed 8]

Exit status 0 when nothing took longer than --threshold seconds (default 0.5), else 1.
Runs one command at a time (the timings are wall clock of a whole process).
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

MAX = (1 << 256) - 1
CAP = 256 << 20  # EvmMemory::kDefaultCap
LAYOUT = {  # word, header, state, min align, default min_split, start align, default end
    "evm": (32, 64, 224, 32, 96, 32, 0x400000),
    "thing": (4, 8, 28, 8, 16, 4, 0x1000),
}


def num(v):
    return str(v) if v < (1 << 32) else hex(v)


# --- pools -------------------------------------------------------------------------------------

def pool_values(layout):
    _, h, _, a, _, _, _ = LAYOUT[layout]
    return {
        "start": [None, 0, 1, 3, 31, 33, 0x1000, 0x0FFFFF00, 1 << 255, MAX - 31, MAX - 30, MAX - 3, MAX],
        "end": [None, 0, 0x40, 0x100, 0x200, 0x1000, 0x10000, 0x100000, 0x1000000, CAP - 4, CAP, CAP + 4,
                1 << 32, MAX],
        "align": [None, 0, 3, 4, a, 2 * a, 4096, 1 << 20, 1 << 27, 1 << 31, 1 << 32, 1 << 63, 1 << 64, MAX],
        "min_split": [None, 0, h, h + 1, 96, 1 << 20, (1 << 31) - 1, 1 << 32, (1 << 32) + 5, 1 << 63,
                      (1 << 64) - 1, 1 << 64, MAX],
        "compact": [None, 0, 1],
        "split": [None, 0, 1],
    }


def plausible_values(layout):
    """Options that are mostly valid, so that the operations run: big ends above all."""
    _, h, _, a, _, _, _ = LAYOUT[layout]
    return {
        "start": [None, None, 0, 1, 31, 0x1000],
        "end": [0x1000, 0x10000, 0x1000000, CAP - 4, CAP, CAP],
        "align": [None, None, a, 64, 4096, 1 << 20],
        "min_split": [None, None, h + 1, 1 << 20, 1 << 32],
        "compact": [None, 0, 1],
        "split": [None, 0, 1],
    }


def make_pool(rng, layout, semantics, plausible):
    values = (plausible_values if plausible else pool_values)(layout)
    keys = {k: rng.choice(v) for k, v in values.items()}
    return layout, semantics, keys


def pool_line(pool):
    layout, semantics, keys = pool
    words = ["pool", f"layout={layout}", f"semantics={semantics}"]
    words += [f"{k}={num(v)}" for k, v in keys.items() if v is not None]
    return " ".join(words)


def geometry(pool):
    """(end, align, header, initialTop) as the pool would have them if valid (approximately)."""
    layout, semantics, keys = pool
    _, h, s, min_align, _, start_align, default_end = LAYOUT[layout]
    end = keys["end"] if keys["end"] is not None else default_end
    align = keys["align"] or min_align
    start = keys["start"] or 0
    if start < CAP:
        start = -(-start // start_align) * start_align
    top = -(-(start + s + h) // align) * align - h if align < (1 << 64) and start < CAP else 0
    return end, align, h, top


# --- operations ----------------------------------------------------------------------------------

def sizes(pool):
    end, align, h, top = geometry(pool)
    room = max(end - top - h, 0)
    return [0, 1, 8, 24, 0x60, 0x1000, (1 << 31) - 1, 1 << 31, (1 << 32) - h - align + 1, (1 << 32) - 1,
            1 << 32, 1 << 53, (1 << 64) - 1, 1 << 64, 1 << 255, MAX, MAX - h + 1, end, max(end - 1, 0),
            max(end - h, 0), room, max(room - 0x100, 0), end // 2, (end // 2) + 0x1000]


def pointer(rng, pool, earlier):
    """A pointer argument: @k(+d) of an earlier pointer-returning operation, or a raw value."""
    end, align, h, top = geometry(pool)
    if earlier and rng.random() < 0.6:
        k = rng.choice(earlier)
        d = rng.choice([0, 0, 0, 1, h, align, end, (1 << 64), MAX, MAX - 0x5F, MAX - 0x0F])
        return f"@{k}" if d == 0 else f"@{k}+{num(d)}"
    return num(rng.choice([0, 1, 0x1234, top, top + h, top + 2 * h, end, max(end - h, 0), 1 << 64, MAX]))


def operation(rng, pool, earlier):
    size = lambda: num(rng.choice(sizes(pool)))  # noqa: E731
    kind = rng.choice(["malloc", "malloc", "calloc", "calloc", "realloc", "realloc", "free", "free",
                       "free_all", "stats", "write"])
    if kind == "malloc":
        return kind, f"malloc {size()}"
    if kind == "calloc":
        return kind, f"calloc {size()} {rng.choice([0, 1, 0xFF])}"
    if kind == "realloc":
        return kind, f"realloc {pointer(rng, pool, earlier)} {size()}"
    if kind == "free":
        return kind, f"free {pointer(rng, pool, earlier)}"
    if kind == "write":
        length = rng.choice([1, 8, 64, 4096])
        offset = rng.choice([0, 1, 23, 0x1000, MAX])
        return kind, f"write {pointer(rng, pool, earlier)} {num(offset)} {'a5' * length}"
    return kind, kind


def random_trace(rng, pool, n_ops):
    lines = [pool_line(pool)]
    earlier = []
    for i in range(n_ops):
        kind, text = operation(rng, pool, earlier)
        lines.append(text)
        if kind in ("malloc", "calloc", "realloc"):
            earlier.append(i + 1)
    return "\n".join(lines) + "\n"


def templates(pool):
    """Operation sequences that are heavy on purpose: big fills, copies, wraps, loops."""
    end, align, h, top = geometry(pool)
    room = max(end - top - h, 0)
    wrap = (1 << 32) - h - align + 1
    big = max(room - 0x100, 1)
    half = max(end // 2 - 2 * h, 1)
    return [
        [f"calloc {num(big)} 255", f"realloc @1 {num(room)}", "free @1"],
        [f"calloc {num(big)} 0", "stats", "free_all"],
        [f"calloc {num(half)} 255", f"realloc @1 {num(half + 0x1000)}", "free @2"],
        [f"malloc {num(half)}", f"calloc {num(half)} 255", f"realloc @1 {num(half + 0x1000)}"],
        [f"malloc {num(wrap)}", f"malloc {num(wrap)}", "free 0x1234"],
        [f"calloc {num(wrap)} 255", f"calloc {num(wrap)} 255", "stats"],
        [f"malloc {num(MAX)}", f"calloc {num(1 << 255)} 1", f"realloc 0x1234 {num(MAX)}"],
        ["malloc 24", "malloc 24", f"free @2+{num(MAX - 0x5F)}"],
        [f"calloc {num(big)} 255", f"write @1 {num(big - 4096)} {'a5' * 4096}", f"realloc @1 1"],
    ]


def traces(count, seed):
    rng = random.Random(seed)
    out = []
    for layout in ("evm", "thing"):
        for semantics in ("seed", "thing"):
            for end in (0x10000, CAP):
                pool = (layout, semantics, {"start": None, "end": end, "align": None, "min_split": None,
                                            "compact": None, "split": None})
                for ops in templates(pool):
                    out.append(pool_line(pool) + "\n" + "\n".join(ops) + "\n")
    while len(out) < count:
        layout = rng.choice(["evm", "thing"])
        semantics = rng.choice(["seed", "thing"])
        pool = make_pool(rng, layout, semantics, plausible=rng.random() < 0.7)
        out.append(random_trace(rng, pool, rng.choice([2, 3])))
    return out


# --- running -------------------------------------------------------------------------------------

def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fealloc", default=os.path.join(root, "build", "release", "fealloc"))
    ap.add_argument("--count", type=int, default=600, help="traces (at least the templates)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--threshold", type=float, default=0.5, help="seconds")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per command, then it counts as that")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--keep", help="write the traces into this directory (kept)")
    args = ap.parse_args()
    if not os.access(args.fealloc, os.X_OK):
        sys.exit(f"{args.fealloc}: not an executable (build it: cmake --build --preset release --target fealloc)")

    work = args.keep or tempfile.mkdtemp(prefix="three-line-sweep-")
    os.makedirs(work, exist_ok=True)
    all_traces = traces(args.count, args.seed)
    commands = [["replay", "--impl", "optimized"], ["replay", "--impl", "port"], ["replay", "--impl", "model"],
                ["replay", "--final"], ["check"]]
    results = []  # (seconds, command words, trace path, exit status)
    statuses = {}
    started = time.monotonic()
    for i, text in enumerate(all_traces):
        path = os.path.join(work, f"t{i:05d}.trace")
        with open(path, "w") as f:
            f.write(text)
        for words in commands:
            t0 = time.monotonic()
            try:
                rc = subprocess.run([args.fealloc, *words, path], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, timeout=args.timeout).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
            dt = time.monotonic() - t0
            statuses[rc] = statuses.get(rc, 0) + 1
            results.append((dt, words, path, rc))
    total = time.monotonic() - started
    if not args.keep:
        slow_paths = {p for dt, _, p, _ in results if dt > args.threshold}
        slowest = {p for _, _, p, _ in sorted(results, reverse=True)[: args.top]}
        keep = slow_paths | slowest

    results.sort(key=lambda r: r[0], reverse=True)
    over = [r for r in results if r[0] > args.threshold]

    def show(r):
        dt, words, path, rc = r
        with open(path) as f:
            body = f.read().strip().replace("\n", " | ")
        if len(body) > 220:
            body = body[:217] + "..."
        return f"  {dt:7.3f} s  exit {rc}  fealloc {' '.join(words)} {os.path.basename(path)}: {body}"

    print(f"{len(all_traces)} traces, {len(results)} runs in {total:.1f} s; exit statuses: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)))
    print(f"slowest {args.top}:")
    for r in results[: args.top]:
        print(show(r))
    print(f"over {args.threshold} s: {len(over)}")
    for r in over:
        print(show(r))
    if not args.keep:
        for name in os.listdir(work):
            if os.path.join(work, name) not in keep:
                os.remove(os.path.join(work, name))
        print(f"(the traces shown are kept in {work})")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
