#!/usr/bin/env python3
"""Writes COUNT random evm-layout, seed-semantics traces (fixed seed: the same files every time)
for the party evm's tests (tests/evm_party_test.cpp): varied pool options (start, end, align,
min_split, compact, split), sizes from 1 byte to past end and huge u256 values, garbage, interior,
freed and huge pointers, double frees, calloc fills, writes into live blocks, free_all, stats.

usage: gen-evm-traces.py --out DIR [--seed N] [--count N] [--ops N]
"""
import argparse
import os
import random

U256_MAX = (1 << 256) - 1


def pool_line(r):
    align = r.choice([32, 32, 32, 64, 128, 256])
    end = r.choice([0x400, 0x600, 0x800, 0x1000, 0x1000, 0x2000, 0x4000, 0x10000, r.randrange(0x600, 0x8000)])
    start = r.choice([0, 0, 0, 0x20, 0x40, 0x80, 0x100, r.randrange(0, end // 4)])
    words = ["pool", "layout=evm", "semantics=seed", f"start={start:#x}", f"end={end:#x}", f"align={align}"]
    if r.random() < 0.6:
        words.append(f"min_split={r.choice([65, 96, 100, 128, 192, 256, 300])}")
    words.append(f"compact={r.choice([1, 1, 0])}")
    words.append(f"split={r.choice([1, 1, 0])}")
    return " ".join(words), start, end


def size(r, end):
    c = r.random()
    if c < 0.55:
        return r.randint(1, 160)
    if c < 0.75:
        return r.randint(1, max(1, end // 4))
    if c < 0.80:
        return r.choice([end, end - 1, end + 1, end - 0x120, end - 0x100])
    if c < 0.85:
        return r.choice([U256_MAX, 1 << 255, 1 << 64, (1 << 64) - 1, 1 << 128, U256_MAX - 31])
    if c < 0.90:
        return 0
    return r.randint(1, 64)


def pointer(r, results, end):
    c = r.random()
    live = [k for k, v in enumerate(results, 1) if v]
    if live and c < 0.6:
        return f"@{r.choice(live)}"
    if live and c < 0.7:
        return f"@{r.choice(live)}+{r.choice([1, 32, 64, -64 & 0xff, 0x20])}"
    if c < 0.8:
        return str(r.choice([0, 1, 0x40, 0xe0, 0x120, end, end + 64]))
    if c < 0.88:
        return hex(r.choice([U256_MAX, 1 << 255, 1 << 64, U256_MAX - 63]))
    return f"{r.randrange(0, end + 0x100):#x}"


def trace(r, n_ops):
    line, start, end = pool_line(r)
    lines = [line]
    results = []  # per op: True if it may have returned a pointer worth naming
    sizes = {}  # op number -> requested size of a malloc/calloc
    for i in range(1, n_ops + 1):
        c = r.random()
        if c < 0.30:
            n = size(r, end)
            lines.append(f"malloc {n}")
            sizes[i] = n
            results.append(True)
        elif c < 0.38:
            n = size(r, end)
            lines.append(f"calloc {n} {r.choice([0, 0xaa, 0xff, r.randrange(256)]):#x}")
            sizes[i] = n
            results.append(True)
        elif c < 0.55:
            lines.append(f"realloc {pointer(r, results, end)} {size(r, end)}")
            results.append(True)
        elif c < 0.80:
            lines.append(f"free {pointer(r, results, end)}")
            results.append(False)
        elif c < 0.83:
            lines.append("free_all")
            results.append(False)
        elif c < 0.88:
            lines.append("stats")
            results.append(False)
        else:
            # a write right after an allocation, inside its requested size (the allocation may have
            # failed: then the write is an error of the trace, the same on every party)
            if sizes and (i - 1) in sizes and 0 < sizes[i - 1] <= 4096:
                n = sizes[i - 1]
                off = r.randrange(0, n)
                length = r.randint(1, min(40, n - off))
                data = bytes(r.randrange(256) for _ in range(length)).hex()
                lines.append(f"write @{i - 1} {off} {data}")
            else:
                lines.append("stats")
            results.append(False)
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261209)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--ops", type=int, default=30)
    a = ap.parse_args()
    r = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    for k in range(a.count):
        with open(os.path.join(a.out, f"gen-{k:04d}.trace"), "w") as f:
            f.write(f"# scripts/gen-evm-traces.py --seed {a.seed}: trace {k}\n")
            f.write(trace(r, r.randint(5, a.ops)))


if __name__ == "__main__":
    main()
