// Compiles and runs the examples of evm/README.md (a Yul object and a Solidity contract using
// tiny_alloc.yul) and checks that the harness's memory expansion model, 3w + w*w/512, is the
// EVM's. Exit 77 (ctest: Skipped) without the npm packages.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'node_modules/@ethereumjs/evm')) || !existsSync(join(here, 'node_modules/solc'))) {
  console.log('SKIPPED: run `npm ci` in evm/ (scripts/install-deps.sh)');
  process.exit(77);
}
const { Common, Hardfork, Mainnet } = await import('@ethereumjs/common');
const { createEVM } = await import('@ethereumjs/evm');
const { createAddressFromString, hexToBytes, bytesToBigInt } = await import('@ethereumjs/util');
const { compileYul, spliced } = await import('./build.mjs');
const { createRequire } = await import('node:module');
const solc = createRequire(import.meta.url)('solc');

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) ++passed;
  else ++failed;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ': ' + detail}`);
}

const CONTRACT = createAddressFromString('0x000000000000000000000000000000000000c0de');
async function run(codeHex, data = new Uint8Array(0)) {
  const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Prague }) });
  await evm.stateManager.putCode(CONTRACT, hexToBytes('0x' + codeHex));
  const r = await evm.runCall({ to: CONTRACT, gasLimit: 1_000_000_000n, data });
  if (r.execResult.exceptionError) throw new Error(r.execResult.exceptionError.error);
  return { ret: r.execResult.returnValue, gas: r.execResult.executionGasUsed, evm };
}

// 1. The Yul object.
{
  const code = compileYul(spliced(readFileSync(join(here, 'examples/yul_object.yul'), 'utf8')));
  const { ret } = await run(code);
  const v = bytesToBigInt(ret);
  const lane = (k) => (v >> BigInt(64 * k)) & 0xffffffffffffffffn;
  check('yul object: the freed block is reused first fit', lane(3) === 1n, v.toString(16));
  check('yul object: realloc of the top block grows in place', lane(2) === 1n, v.toString(16));
  check('yul object: free answered true', lane(1) === 1n, v.toString(16));
  check('yul object: two used blocks', lane(0) === 2n, v.toString(16));
}

// 2. The Solidity contract (inline assembly).
{
  const source = spliced(readFileSync(join(here, 'examples/SolidityHeap.sol'), 'utf8'));
  const input = {
    language: 'Solidity',
    sources: { 'SolidityHeap.sol': { content: source } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true },
      outputSelection: { '*': { '*': ['evm.deployedBytecode.object', 'evm.methodIdentifiers'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  check('solidity: compiles', errors.length === 0, errors.map((e) => e.formattedMessage).join('\n'));
  if (errors.length === 0) {
    const c = out.contracts['SolidityHeap.sol'].SolidityHeap;
    const selector = hexToBytes('0x' + c.evm.methodIdentifiers['demo()']);
    const { ret } = await run(c.evm.deployedBytecode.object, selector);
    const word = (i) => bytesToBigInt(ret.subarray(32 * i, 32 * i + 32));
    const first = word(0);
    check('solidity: the pool starts at the free-memory pointer (0x80) + 288', first === 0x80n + 0xe0n + 0x40n, first.toString(16));
    check('solidity: the freed block is reused', word(1) === first, word(1).toString(16));
    check('solidity: free answered true', word(2) === 1n);
    check('solidity: two used blocks', word(3) === 2n);
    const tailOffset = Number(word(4));
    const tailLength = word(tailOffset / 32);
    const tailFirst = ret[tailOffset + 32];
    check('solidity: its own allocation (bytes) above the pool is intact', tailLength === 3n && tailFirst === 1, `${tailLength} ${tailFirst}`);
  }
}

// 3. Memory expansion: the gas of touching one byte at X grows by exactly the harness's model.
{
  const model = (msize) => {
    const w = msize / 32n;
    return 3n * w + (w * w) / 512n;
  };
  const gasOf = async (x) => {
    // mstore8(x, 1) then stop: the only memory access
    const hx = x.toString(16).padStart(8, '0');
    const code = '600163' + hx + '5300'; // PUSH1 1, PUSH4 x, MSTORE8, STOP
    return (await run(code)).gas;
  };
  const base = await gasOf(0n);
  let all = true;
  for (const x of [31n, 32n, 1000n, 4095n, 100000n, 1048575n, 4194303n]) {
    const msize = ((x + 1n + 31n) / 32n) * 32n;
    const expected = model(msize) - model(32n);
    const got = (await gasOf(x)) - base;
    if (got !== expected) {
      all = false;
      check(`expansion gas at byte ${x}`, false, `EVM ${got}, model ${expected}`);
    }
  }
  check('memory expansion gas: the EVM charges 3w + w*w/512 (7 sizes up to 4 MiB)', all);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
