// SPDX-License-Identifier: MIT
// tiny_alloc.yul inside Solidity inline assembly (evm/README.md): the pool is carved out of
// Solidity's heap by moving the free-memory pointer (0x40) past it, so Solidity's own allocations
// (the return data here) land above the pool and never overlap it. evm/examples-test.mjs splices
// the functions in at the marker line inside the assembly block, compiles this with solc and
// calls demo().
pragma solidity ^0.8.24;

contract SolidityHeap {
    function demo() external pure returns (uint256 first, uint256 again, bool freed, uint256 used, bytes memory tail) {
        assembly ("memory-safe") {
            // @tiny_alloc
            let heap := mload(0x40)
            let heapEnd := add(heap, 0x4000)
            mstore(0x40, heapEnd) // Solidity allocates above the pool from now on
            ta_init(heap, heapEnd, 32, 3, 96)
            first := ta_malloc(heap, 64)
            let second := ta_calloc(heap, 32, 0xab)
            freed := ta_free(heap, first)
            again := ta_malloc(heap, 10)
            let fc, fs, uc, us, tp, av, tot := ta_stats(heap)
            used := uc
            pop(second)
        }
        tail = new bytes(3); // an ordinary Solidity allocation after the pool
        tail[0] = 0x01;
    }
}
