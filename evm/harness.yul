// The fealloc harness object: one execution serves one pool for its whole lifetime, operation by
// operation. Between operations it calls the runner's hook (a custom precompile of evm/runner.mjs),
// handing it memory [0, msize) as call data (no expansion: the range is already paid for); the
// hook reads the previous operation's results from storage, waits for the next operation and
// writes it into storage, which the loop then reads with SLOAD. Nothing here touches memory but
// the allocator's own functions and the trace's writes, so msize is the pool's.
//
// Storage: 0 op, 1..5 arguments, 0x10.. a write's bytes (32 a slot, big-endian);
// results: 0x100 ret, 0x101 gas of the operation (GAS before minus after, less the cost of
// measuring); after a stats op, 0x102..0x108 (free count, free size, used count, used size, top,
// available, total), computed by ta_stats walking both lists.
// Ops: 0 stop, 1 init(base, end, align, flags, minSplit), 2 malloc(n), 3 calloc(n, fill),
// 4 realloc(p, n), 5 free(p), 6 freeAll, 7 stats, 8 write(addr, length); 9 bump(n) for
// evm/gas-bench.mjs only.
object "TinyAllocHarness" {
    code {
        let base := 0
        let measure := 0
        for {} 1 {} {
            pop(call(gas(), 0xfea11, 0, 0, msize(), 0, 0))
            let op := sload(0)
            let ret := 0
            let used := 0
            switch op
            case 0 { stop() }
            case 1 {
                base := sload(1)
                let g0 := gas()
                let g1 := gas()
                measure := sub(g0, g1)
                g0 := gas()
                ta_init(base, sload(2), sload(3), sload(4), sload(5))
                used := sub(g0, gas())
            }
            case 2 {
                let n := sload(1)
                let g0 := gas()
                ret := ta_malloc(base, n)
                used := sub(g0, gas())
            }
            case 3 {
                let n := sload(1)
                let fill := sload(2)
                let g0 := gas()
                ret := ta_calloc(base, n, fill)
                used := sub(g0, gas())
            }
            case 4 {
                let p := sload(1)
                let n := sload(2)
                let g0 := gas()
                ret := ta_realloc(base, p, n)
                used := sub(g0, gas())
            }
            case 5 {
                let p := sload(1)
                let g0 := gas()
                ret := ta_free(base, p)
                used := sub(g0, gas())
            }
            case 6 {
                let g0 := gas()
                ta_free_all(base)
                used := sub(g0, gas())
            }
            case 8 {
                // a program's store into a live block: byte by byte, as the trace gives it
                let addr := sload(1)
                let len := sload(2)
                let g0 := gas()
                for { let i := 0 } lt(i, len) { i := add(i, 1) } {
                    mstore8(add(addr, i), byte(and(i, 31), sload(add(0x10, shr(5, i)))))
                }
                used := sub(g0, gas())
            }
            case 7 {
                // stats: the lists walked by the Yul code (harness work, not an operation's gas)
                let fc, fs, uc, us, top, available, total := ta_stats(base)
                sstore(0x102, fc)
                sstore(0x103, fs)
                sstore(0x104, uc)
                sstore(0x105, us)
                sstore(0x106, top)
                sstore(0x107, available)
                sstore(0x108, total)
                used := measure
            }
            case 9 {
                // gas-bench.mjs only (the party never sends it): a Solidity-style bump
                // allocation for comparison, with its free-memory pointer at 0x40 (the bench's
                // pools start at 0x80 and the pointer starts above the pool's end)
                let n := sload(1)
                let g0 := gas()
                ret := mload(0x40)
                mstore(0x40, add(ret, and(add(n, 31), not(31))))
                used := sub(g0, gas())
            }
            default { invalid() }
            sstore(0x100, ret)
            sstore(0x101, sub(used, measure))
        }

        // @tiny_alloc
    }
}
