#!/usr/bin/env python3
"""Writes a synthetic churn trace for fealloc (trace format v1), deterministically.

    make_churn_trace.py [-o OUT] [--seed S] [--initial N] [--churn M] [--max-size C] [--end E]

Defaults: pool `pool layout=evm semantics=seed end=0x2000000` (32 MiB); 100,000 mallocs of sizes
uniform in 1..192; then 200,000 operations alternating `free @k` of a uniformly chosen live block
and `malloc` of a new size in 1..192, so 100,000 blocks stay live; 300,000 operations in all.

The random numbers come from splitmix64 written out here (not Python's random module), so the
output is the same on every Python version and platform for a given seed.

Why 192: a block takes padded(n) = roundup(n + 64, 32) bytes, so sizes up to 256 take up to 320
bytes and 100,000 of them up to 32 MB, the whole pool, with nothing left for the holes that
churn leaves in a first-fit heap. Capped at 192, a block takes at most 256 bytes (25.6 MB for
100,000 in the worst case, about 17.6 MB on average), which leaves the pool at least 6.4 MB of
room for fragmentation. The generator prints the worst-case and actual peak padded live bytes.
"""
import argparse
import sys

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform in [0, n) by rejection (no modulo bias)."""
        limit = (1 << 64) - (1 << 64) % n
        while True:
            v = self.next()
            if v < limit:
                return v % n


def padded(n):
    return (n + 64 + 31) // 32 * 32


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=0x5EED)
    ap.add_argument("--initial", type=int, default=100000)
    ap.add_argument("--churn", type=int, default=200000)
    ap.add_argument("--max-size", type=int, default=192)
    ap.add_argument("--end", type=lambda s: int(s, 0), default=0x2000000)
    a = ap.parse_args()

    rng = SplitMix64(a.seed)
    lines = ["# churn: %d mallocs of 1..%d, then %d alternating free/malloc; seed 0x%x"
             % (a.initial, a.max_size, a.churn, a.seed),
             "pool layout=evm semantics=seed end=0x%x" % a.end]
    live = []  # (k, size) of live blocks; freed by swap-remove
    live_bytes = peak_bytes = peak_live = 0
    k = 0

    def malloc():
        nonlocal k, live_bytes, peak_bytes, peak_live
        size = 1 + rng.below(a.max_size)
        k += 1
        lines.append("malloc %d" % size)
        live.append((k, size))
        live_bytes += padded(size)
        peak_bytes = max(peak_bytes, live_bytes)
        peak_live = max(peak_live, len(live))

    for _ in range(a.initial):
        malloc()
    for i in range(a.churn):
        if i % 2 == 0 and live:
            j = rng.below(len(live))
            victim, size = live[j]
            live[j] = live[-1]
            live.pop()
            live_bytes -= padded(size)
            k += 1
            lines.append("free @%d" % victim)
        else:
            malloc()

    text = "\n".join(lines) + "\n"
    if a.output:
        with open(a.output, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    worst = peak_live * padded(a.max_size)
    print("ops %d, live at end %d, peak live blocks %d, peak padded live bytes %d (worst case "
          "%d), end 0x%x" % (k, len(live), peak_live, peak_bytes, worst, a.end), file=sys.stderr)


if __name__ == "__main__":
    main()
