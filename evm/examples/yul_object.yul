// A Yul object that uses tiny_alloc.yul (evm/README.md): the pool takes [0x80, 0x80 + 0x2000),
// the only memory this code touches besides the 32 bytes its answer is returned from. Compiled
// and run by evm/examples-test.mjs.
object "HeapExample" {
    code {
        let heap := 0x80
        ta_init(heap, add(heap, 0x2000), 32, 3, 96)
        let first := ta_malloc(heap, 100)
        let second := ta_malloc(heap, 40)
        mstore(first, 0x1234)
        let freed := ta_free(heap, first)
        let again := ta_malloc(heap, 50)          // first fit: first's block, split
        let grown := ta_realloc(heap, second, 500) // second is at top: grows in place
        // answer: again == first, grown == second, freed, and the used count, packed in one word
        let fc, fs, uc, us, tp, av, tot := ta_stats(heap)
        let answer := or(or(shl(192, eq(again, first)), shl(128, eq(grown, second))), or(shl(64, freed), uc))
        // the answer word goes above the pool: returning it is the object's only other memory use
        let out := add(heap, 0x2000)
        mstore(out, answer)
        return(out, 32)

        // @tiny_alloc
    }
}
