// tiny_alloc.yul: tiny-alloc (thi.ng/malloc's MemPool) in Yul, with fealloc's seed semantics in the
// evm layout (shared/spec/semantics.md): 32-byte big-endian words as MLOAD/MSTORE see them,
// block header = size word + next word (H = 64), seven state words at `pool`:
//
//   pool + 0x00 free      first free block (address order), 0 = none
//   pool + 0x20 used      first used block (LIFO), 0 = none
//   pool + 0x40 top       address of the next new block
//   pool + 0x60 end       the pool's end (exclusive)
//   pool + 0x80 align     a power of two, at least 32
//   pool + 0xa0 flags     bit 0 compact, bit 1 split
//   pool + 0xc0 minSplit  smallest excess worth splitting off (> 64)
//
// Every byte of state lives in [pool, end): the functions read and write nothing else, use no
// scratch space and no free-memory pointer, so the memory they expand is exactly the pool's.
// `pool` is the pool's start address (a multiple of 32); the first argument of every function.
// Sizes and pointers are full u256 words: a size whose block cannot fit below end, and a pointer
// that is not a live block's data address (0, garbage, interior, freed), fail cleanly: 0 or
// false, nothing changed. The list walks are thi.ng's: O(blocks) per operation.
//
// This file is a Yul block of function definitions; evm/build.mjs splices the text between the
// BEGIN and END lines into an object (evm/harness.yul, the examples). Copy the same lines into
// your own object or into a Solidity `assembly` block (docs: evm/README.md).
{
    // ---- BEGIN tiny_alloc ----

    // Writes the seven state words: an empty pool over [pool, end). The options are trusted (the
    // caller validated them: align a power of two >= 32, minSplit > 64, initial top below end).
    function ta_init(pool, end, align, flags, minSplit) {
        mstore(add(pool, 0x80), align)
        mstore(add(pool, 0xa0), flags)
        mstore(add(pool, 0xc0), minSplit)
        mstore(add(pool, 0x60), end)
        mstore(add(pool, 0x40), ta_initial_top(pool, align))
        mstore(pool, 0)
        mstore(add(pool, 0x20), 0)
    }

    function ta_align_up(x, a) -> r {
        r := and(add(x, sub(a, 1)), not(sub(a, 1)))
    }

    // initialTop = alignUp(start + S + H, align) - H, with S = 224 and H = 64.
    function ta_initial_top(pool, align) -> t {
        t := sub(ta_align_up(add(pool, 288), align), 64)
    }

    // padded(n) = alignUp(n + H, align); callers have checked n <= end, so nothing wraps.
    function ta_padded(pool, n) -> s {
        s := ta_align_up(add(n, 64), mload(add(pool, 0x80)))
    }

    // The word that links to a block in its list: prev's next word, or the list's state word.
    function ta_set_link(headWord, prev, target) {
        switch prev
        case 0 { mstore(headWord, target) }
        default { mstore(add(prev, 0x20), target) }
    }

    // malloc(n): the first free block (address order) that touches top or is big enough, else a
    // new block at top. Returns the data address (block + 64), or 0.
    function ta_malloc(pool, n) -> p {
        if iszero(n) { leave }
        let end := mload(add(pool, 0x60))
        if gt(n, end) { leave }
        let size := ta_padded(pool, n)
        let top := mload(add(pool, 0x40))
        let prev := 0
        for { let b := mload(pool) } b { b := mload(add(b, 0x20)) } {
            let bsize := mload(b)
            let isTop := iszero(lt(add(b, bsize), top))
            if or(isTop, iszero(lt(bsize, size))) {
                p := ta_take_free(pool, prev, b, bsize, size, isTop, end)
                leave
            }
            prev := b
        }
        if gt(add(top, size), end) { leave }
        mstore(top, size)
        mstore(add(top, 0x20), mload(add(pool, 0x20)))
        mstore(add(pool, 0x20), top)
        mstore(add(pool, 0x40), add(top, size))
        p := add(top, 64)
    }

    // thi.ng's mallocTop: unlink b from the free list, push it on the used list, then trim it.
    function ta_take_free(pool, prev, b, bsize, size, isTop, end) -> p {
        if and(isTop, gt(add(b, size), end)) { leave }
        ta_set_link(pool, prev, mload(add(b, 0x20)))
        mstore(add(b, 0x20), mload(add(pool, 0x20)))
        mstore(add(pool, 0x20), b)
        switch isTop
        case 1 {
            mstore(b, size)
            mstore(add(pool, 0x40), add(b, size))
        }
        default {
            let excess := sub(bsize, size)
            if and(iszero(iszero(and(mload(add(pool, 0xa0)), 2))), iszero(lt(excess, mload(add(pool, 0xc0))))) {
                ta_split(pool, b, size, excess)
            }
        }
        p := add(b, 64)
    }

    // split(b, s, excess): b keeps s bytes; the rest becomes a free block, inserted by address,
    // then the free list is compacted if compact is on.
    function ta_split(pool, b, s, excess) {
        mstore(b, s)
        let x := add(b, s)
        mstore(x, excess)
        mstore(add(x, 0x20), 0)
        ta_insert_free(pool, x)
        if and(mload(add(pool, 0xa0)), 1) { ta_compact(pool) }
    }

    // Inserts block x into the free list, which is sorted by address.
    function ta_insert_free(pool, x) {
        let prev := 0
        let b := mload(pool)
        for {} and(iszero(iszero(b)), gt(x, b)) {} {
            prev := b
            b := mload(add(b, 0x20))
        }
        ta_set_link(pool, prev, x)
        mstore(add(x, 0x20), b)
    }

    // compact: merge each run of free blocks that are contiguous in memory into its first block
    // (merged-away blocks get next = 0, their size word stays); a block that then touches top
    // becomes top and leaves the free list.
    function ta_compact(pool) {
        let prev := 0
        for { let b := mload(pool) } b {} {
            let scanPrev := b
            let scan := mload(add(b, 0x20))
            for {} and(iszero(iszero(scan)), eq(add(scanPrev, mload(scanPrev)), scan)) {} {
                scanPrev := scan
                scan := mload(add(scan, 0x20))
            }
            if iszero(eq(scanPrev, b)) {
                mstore(b, add(sub(scanPrev, b), mload(scanPrev)))
                let next := mload(add(scanPrev, 0x20))
                for { let t := mload(add(b, 0x20)) } and(iszero(iszero(t)), iszero(eq(t, next))) {} {
                    let tn := mload(add(t, 0x20))
                    mstore(add(t, 0x20), 0)
                    t := tn
                }
                mstore(add(b, 0x20), next)
            }
            if iszero(lt(add(b, mload(b)), mload(add(pool, 0x40)))) {
                mstore(add(pool, 0x40), b)
                ta_set_link(pool, prev, mload(add(b, 0x20)))
            }
            prev := b
            b := mload(add(b, 0x20))
        }
    }

    // The used block whose data address is p, and its predecessor in the used list; b = 0 when
    // there is none (0, garbage, interior, freed: nothing matches).
    function ta_find_used(pool, p) -> prev, b {
        let want := sub(p, 64)
        for { b := mload(add(pool, 0x20)) } b {} {
            if eq(b, want) { leave }
            prev := b
            b := mload(add(b, 0x20))
        }
        prev := 0
    }

    // Unlinks used block b and inserts it into the free list (compacting if compact is on).
    function ta_release(pool, prev, b) {
        ta_set_link(add(pool, 0x20), prev, mload(add(b, 0x20)))
        ta_insert_free(pool, b)
        if and(mload(add(pool, 0xa0)), 1) { ta_compact(pool) }
    }

    // free(p): true if p was a live block's data address (now freed), else false.
    function ta_free(pool, p) -> ok {
        let prev, b := ta_find_used(pool, p)
        if iszero(b) { leave }
        ta_release(pool, prev, b)
        ok := 1
    }

    // realloc(p, n): shrink (split off or trim top), grow in place at top, or move (malloc while
    // p is still used, copy the old data area, free p). Returns the new address, or 0 with
    // nothing changed (n == 0, p not live, no room).
    function ta_realloc(pool, p, n) -> q {
        if iszero(n) { leave }
        let prev, b := ta_find_used(pool, p)
        if iszero(b) { leave }
        let end := mload(add(pool, 0x60))
        if gt(n, end) { leave }
        let size := ta_padded(pool, n)
        let s := mload(b)
        let isTop := iszero(lt(add(b, s), mload(add(pool, 0x40))))
        if iszero(gt(size, s)) {
            switch and(iszero(iszero(and(mload(add(pool, 0xa0)), 2))), iszero(lt(sub(s, size), mload(add(pool, 0xc0)))))
            case 0 {
                if isTop {
                    mstore(add(pool, 0x40), add(b, size))
                    mstore(b, size)
                }
            }
            default { ta_split(pool, b, size, sub(s, size)) }
            q := p
            leave
        }
        if and(isTop, iszero(gt(add(b, size), end))) {
            mstore(b, size)
            mstore(add(pool, 0x40), add(b, size))
            q := p
            leave
        }
        q := ta_malloc(pool, n)
        if iszero(q) { leave }
        mcopy(q, add(b, 64), sub(s, 64))
        // b is still the used block of p; its predecessor may have changed (malloc pushed q)
        prev, b := ta_find_used(pool, p)
        ta_release(pool, prev, b)
    }

    // calloc(n, fill): malloc, then the n requested bytes are set to the byte `fill`.
    function ta_calloc(pool, n, fill) -> p {
        p := ta_malloc(pool, n)
        if iszero(p) { leave }
        let pattern := mul(and(fill, 0xff), 0x0101010101010101010101010101010101010101010101010101010101010101)
        let full := and(n, not(31))
        let rest := and(n, 31)
        // The highest word first, so that memory grows in one step (same bytes and msize as
        // filling upwards; an interpreter may copy its memory on every growth).
        if rest {
            // p is 32-aligned: the last partial word lies inside the block; keep its tail bytes
            let at := add(p, full)
            let keep := shr(mul(rest, 8), not(0))
            mstore(at, or(and(mload(at), keep), and(pattern, not(keep))))
        }
        if full {
            mstore(add(p, sub(full, 32)), pattern)
            mstore(p, pattern)
            // then double the filled prefix with MCOPY: O(log n) steps, 3 gas a word copied
            for { let done := 32 } lt(done, full) {} {
                let len := done
                if gt(add(done, len), full) { len := sub(full, done) }
                mcopy(add(p, done), p, len)
                done := add(done, len)
            }
        }
    }

    // freeAll: free = used = 0, top = initialTop; no other byte changes.
    function ta_free_all(pool) {
        mstore(pool, 0)
        mstore(add(pool, 0x20), 0)
        mstore(add(pool, 0x40), ta_initial_top(pool, mload(add(pool, 0x80))))
    }

    // stats, by walking both lists as thi.ng's stats() does; available = end - top + free size.
    function ta_stats(pool) -> freeCount, freeSize, usedCount, usedSize, top, available, total {
        for { let b := mload(pool) } b { b := mload(add(b, 0x20)) } {
            freeCount := add(freeCount, 1)
            freeSize := add(freeSize, mload(b))
        }
        for { let b := mload(add(pool, 0x20)) } b { b := mload(add(b, 0x20)) } {
            usedCount := add(usedCount, 1)
            usedSize := add(usedSize, mload(b))
        }
        top := mload(add(pool, 0x40))
        total := mload(add(pool, 0x60))
        available := add(sub(total, top), freeSize)
    }

    // ---- END tiny_alloc ----
}
