#!/usr/bin/env python3
"""Turn a malloc_recorder log into a fealloc trace (trace format v1).

    log_to_trace.py LOG [-o OUT] [--max-ops N] [--name TEXT]

OUT ending in .gz is written gzip-compressed (deterministically: no name, mtime 0); without -o
the trace goes to stdout. Statistics go to stderr.

Mapping (a pointer's reference is @k, k the 1-based number of the operation whose result it is;
a realloc's result replaces its old pointer):
  m SIZE RET          malloc SIZE
  c N M RET           calloc N*M 0
  a ALIGN SIZE RET    malloc SIZE (the alignment is dropped)
  r 0 SIZE RET        malloc SIZE
  r P 0 RET           free @P (glibc's realloc(p, 0) frees p)
  r P SIZE RET        realloc @P SIZE
  f P                 free @P
Sizes of 0 become 1 (malloc 0 returns 0 in tiny-alloc, and a reference to it would be 0).
Dropped: calls that failed in the recorded process (RET 0; a failed realloc keeps its block),
frees and reallocs of pointers the log never returned (allocated before recording started or by
a path the recorder does not see), and free(NULL). If an allocation returns an address that is
still live in the log's view (its free was not seen), a free of the old block is emitted first.
Conversion stops after --max-ops operations.

The pool is `pool layout=evm semantics=seed end=E` where E is the smallest power of two at least
twice the peak of the sum of padded live sizes, padded(n) = roundup(n + 64, 32), plus the pool's
state, and at most 0x10000000.
"""
import argparse
import gzip
import io
import sys

HEADER = 64
ALIGN = 32
STATE_END = 0x100  # initialTop + header, rounded: what the pool's state takes before any block
END_MAX = 0x10000000


def padded(n):
    return (n + HEADER + ALIGN - 1) // ALIGN * ALIGN


def convert(lines, max_ops):
    ops = []  # text of each operation; ops[k-1] is operation k
    live = {}  # address -> (k, size)
    live_bytes = 0
    stats = dict(peak_live=0, peak_bytes=0, dropped=0, implicit_frees=0, log_lines=0)

    def emit(text):
        ops.append(text)
        return len(ops)

    def kill(addr):
        nonlocal live_bytes
        k, size = live.pop(addr)
        live_bytes -= padded(size)
        return k

    def born(addr, k, size):
        nonlocal live_bytes
        live[addr] = (k, size)
        live_bytes += padded(size)
        if len(live) > stats["peak_live"]:
            stats["peak_live"] = len(live)
        if live_bytes > stats["peak_bytes"]:
            stats["peak_bytes"] = live_bytes

    def alloc(size, ret, calloc=False):
        if ret == 0:
            stats["dropped"] += 1
            return
        if ret in live:
            if len(ops) + 2 > max_ops:
                return
            stats["implicit_frees"] += 1
            emit("free @%d" % kill(ret))
        size = max(size, 1)
        k = emit("calloc %d 0" % size if calloc else "malloc %d" % size)
        born(ret, k, size)

    for line in lines:
        if len(ops) >= max_ops:
            break
        f = line.split()
        if not f:
            continue
        stats["log_lines"] += 1
        tag = f[0]
        v = [int(x, 16) for x in f[1:]]
        if tag == "m":
            alloc(v[0], v[1])
        elif tag == "a":
            alloc(v[1], v[2])
        elif tag == "c":
            alloc(v[0] * v[1], v[2], calloc=True)
        elif tag == "f":
            if v[0] in live:
                emit("free @%d" % kill(v[0]))
            else:
                stats["dropped"] += 1
        elif tag == "r":
            old, size, ret = v
            if old == 0:
                alloc(size, ret)
            elif old not in live:
                stats["dropped"] += 1
            elif size == 0:
                emit("free @%d" % kill(old))
            elif ret == 0:
                stats["dropped"] += 1
            else:
                k_old, _ = live[old]
                kill(old)
                if ret in live:  # cannot happen unless a free was missed
                    if len(ops) + 2 > max_ops:
                        break
                    stats["implicit_frees"] += 1
                    emit("free @%d" % kill(ret))
                k = emit("realloc @%d %d" % (k_old, size))
                born(ret, k, size)
        else:
            raise SystemExit("unknown log line: %r" % line)
    stats["ops"] = len(ops)
    stats["live_end"] = len(live)
    stats["live_bytes_end"] = live_bytes
    return ops, stats


def choose_end(peak_bytes):
    need = 2 * (peak_bytes + STATE_END)
    end = 1
    while end < need:
        end <<= 1
    if end > END_MAX:
        raise SystemExit("peak live bytes %d need end 0x%x > 0x%x" % (peak_bytes, end, END_MAX))
    return end


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("-o", "--output")
    ap.add_argument("--max-ops", type=int, default=100000)
    ap.add_argument("--name", help="a comment line naming the recorded program")
    a = ap.parse_args()

    with open(a.log) as fh:
        ops, st = convert(fh, a.max_ops)
    end = choose_end(st["peak_bytes"])

    out = io.StringIO()
    if a.name:
        out.write("# %s\n" % a.name)
    out.write("# ops=%d live_end=%d peak_live=%d peak_live_bytes=%d (padded)\n"
              % (st["ops"], st["live_end"], st["peak_live"], st["peak_bytes"]))
    out.write("pool layout=evm semantics=seed end=0x%x\n" % end)
    for op in ops:
        out.write(op)
        out.write("\n")
    data = out.getvalue().encode()

    if not a.output:
        sys.stdout.buffer.write(data)
    elif a.output.endswith(".gz"):
        with open(a.output, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
                gz.write(data)
    else:
        with open(a.output, "wb") as fh:
            fh.write(data)

    print("log lines read %d, dropped %d, implicit frees %d" %
          (st["log_lines"], st["dropped"], st["implicit_frees"]), file=sys.stderr)
    print("ops %d, live at end %d (%d padded bytes), peak live blocks %d, peak live bytes %d, "
          "end 0x%x" % (st["ops"], st["live_end"], st["live_bytes_end"], st["peak_live"],
                         st["peak_bytes"], end), file=sys.stderr)


if __name__ == "__main__":
    main()
