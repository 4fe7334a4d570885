// One pool on one EVM: a paused execution of harness.yul (with tiny_alloc.yul) that takes
// operations one at a time (evm/runner.mjs serves them over a pipe; evm/gas-bench.mjs calls them).
import { Common, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { harnessBytecode } from './build.mjs';

const HOOK = createAddressFromString('0x00000000000000000000000000000000000fea11');
const CONTRACT = createAddressFromString('0x000000000000000000000000000000000000a110');
const CALLER = createAddressFromString('0x00000000000000000000000000000000000c0de5');
const GAS_LIMIT = 1n << 62n;
export const OPS = { stop: 0n, init: 1n, malloc: 2n, calloc: 3n, realloc: 4n, free: 5n, free_all: 6n, stats: 7n, write: 8n, bump: 9n };

function slotKey(n) {
  const k = new Uint8Array(32);
  let v = BigInt(n);
  for (let i = 31; i >= 0 && v > 0n; --i, v >>= 8n) k[i] = Number(v & 0xffn);
  return k;
}
function word(v) {
  return slotKey(v);
}
function toBig(bytes) {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}
const hex = (v) => v.toString(16);

let bytecode = null;

export class Session {
  constructor(id) {
    this.id = id;
    this.memory = new Uint8Array(0);
    this.giveOp = null; // resolves the hook's wait for the next operation
    this.answer = null; // resolves the pending request with its answer line
    this.failed = null;
    this.ready = new Promise((resolve) => (this.becameReady = resolve));
  }

  async start() {
    if (!bytecode) bytecode = hexToBytes('0x' + harnessBytecode());
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
    const evm = await createEVM({
      common,
      customPrecompiles: [{ address: HOOK, function: (opts) => this.hook(opts) }],
    });
    this.evm = evm;
    await evm.stateManager.putCode(CONTRACT, bytecode);
    this.run = evm
      .runCall({ to: CONTRACT, caller: CALLER, gasLimit: GAS_LIMIT, data: new Uint8Array(0) })
      .then(
        (result) => this.ended(result.execResult.exceptionError ? `the EVM stopped: ${result.execResult.exceptionError.error}` : 'the EVM execution ended'),
        (error) => this.ended(`the EVM failed: ${error?.message ?? error}`),
      );
    await Promise.race([this.ready, this.run]);
    if (this.failed) throw new Error(this.failed);
  }

  ended(message) {
    this.failed = message;
    if (this.answer) {
      const a = this.answer;
      this.answer = null;
      a(`e ${message}`);
    }
  }

  async hook(opts) {
    const sm = opts.stateManager;
    if (this.answer) {
      const line = await this.report(sm, opts.data);
      const a = this.answer;
      this.answer = null;
      a(line);
    }
    const op = await new Promise((resolve) => {
      this.giveOp = resolve;
      this.becameReady();
    });
    this.giveOp = null;
    const put = (slot, v) => sm.putStorage(CONTRACT, slotKey(slot), word(v));
    await put(0, op.code);
    for (let i = 0; i < op.args.length; ++i) await put(1 + i, op.args[i]);
    if (op.bytes) {
      for (let i = 0; i < op.bytes.length; i += 32) {
        const w = new Uint8Array(32);
        w.set(op.bytes.subarray(i, i + 32));
        await put(0x10 + i / 32, toBig(w));
      }
    }
    return { executionGasUsed: 0n, returnValue: new Uint8Array(0) };
  }

  async report(sm, memory) {
    const get = async (slot) => toBig(await sm.getStorage(CONTRACT, slotKey(slot)));
    if (this.pending === OPS.stats) {
      const values = [];
      for (let slot = 0x102; slot <= 0x108; ++slot) values.push(await get(slot));
      return ['s', ...values.map(hex)].join(' ');
    }
    const parts = ['r', hex(await get(0x100)), hex(await get(0x101)), hex(BigInt(memory.length))];
    parts.push(...diff(this.memory, memory));
    this.memory = memory.slice();
    return parts.join(' ');
  }

  // One operation: its answer line.
  request(code, args, bytes) {
    if (this.failed) return Promise.resolve(`e ${this.failed}`);
    if (!this.giveOp) return Promise.resolve('e the EVM execution is not waiting for an operation');
    return new Promise((resolve) => {
      this.answer = resolve;
      this.pending = code;
      this.giveOp({ code, args, bytes });
    });
  }
}

// The byte ranges where b (memory now) differs from a (memory at the previous answer; shorter or
// equal, since memory only grows), as ADDR=HEX tokens: per 1 KiB chunk that differs, from its first
// to its last differing byte (bytes in between that did not change are sent too; they are equal).
function diff(a, b) {
  const out = [];
  const chunk = 1024;
  const n = b.length;
  const zero = new Uint8Array(chunk);
  const old = (x) => (x < a.length ? a[x] : 0);
  let run = null; // [lo, hi): consecutive differing chunks are sent as one token
  const flush = () => {
    if (run) out.push(`${run[0].toString(16)}=${Buffer.from(b.subarray(run[0], run[1])).toString('hex')}`);
    run = null;
  };
  for (let at = 0; at < n; at += chunk) {
    const hi = Math.min(at + chunk, n);
    const now = b.subarray(at, hi);
    const before = hi <= a.length ? a.subarray(at, hi) : at >= a.length ? zero.subarray(0, hi - at) : null;
    if (before && Buffer.compare(before, now) === 0) {
      flush();
      continue;
    }
    let lo = at;
    while (lo < hi && old(lo) === b[lo]) ++lo;
    if (lo === hi) {
      flush(); // a chunk across the old end whose new bytes are zero: nothing changed
      continue;
    }
    let last = hi - 1;
    while (old(last) === b[last]) --last;
    if (run && run[1] === at && lo === at) {
      run[1] = last + 1;
    } else {
      flush();
      run = [lo, last + 1];
    }
    if (last + 1 !== hi) flush();
  }
  flush();
  return out;
}

