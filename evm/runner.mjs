// The runner behind the fealloc party `evm`: runs tiny_alloc.yul (inside harness.yul) on
// @ethereumjs/evm, one paused EVM execution per pool, driven operation by operation over stdin and
// stdout by the C++ party (harness/evm_party.cpp). Line protocol, numbers in lowercase hex:
//
//   -> open ID START END ALIGN FLAGS MINSPLIT      a new pool (session ID); answers like an op
//   -> op ID KIND [A [B]]                          KIND: malloc N | calloc N FILL | realloc P N |
//                                                  free P | free_all | stats | write ADDR BYTESHEX
//   <- r RET GAS MSIZE [ADDR=HEX ...]
//      GAS: the operation's gas (memory expansion included); ADDR=HEX: bytes of memory from the
//      first to the last that changed since the previous answer (per 1 KiB chunk)
//   -> op ID stats
//   <- s FREECOUNT FREESIZE USEDCOUNT USEDSIZE TOP AVAILABLE TOTAL   (walked by ta_stats)
//   -> close ID                                    <- c
//   -> ping                                        <- pong   (the C++ side's start-up check)
//   <- e MESSAGE                                   any failure (after the EVM stopped, the
//                                                  session answers e to everything)
//
// The execution pauses in a custom precompile (address 0xfea11) that the Yul loop calls between
// operations with memory [0, msize) as call data: it reads the previous operation's results from
// the contract's storage, answers, waits for the next operation and writes it into storage,
// which the loop then reads with SLOAD.
import { createInterface } from 'node:readline';
import { OPS, Session } from './session.mjs';

const sessions = new Map();

function big(s) {
  if (!/^[0-9a-f]+$/.test(s ?? '')) throw new Error(`bad number '${s}'`);
  return BigInt('0x' + s);
}

async function handle(line) {
  const w = line.trim().split(/\s+/);
  const cmd = w[0];
  if (cmd === 'open') {
    const id = w[1];
    if (sessions.has(id)) return `e session ${id} is open already`;
    const [start, end, align, flags, minSplit] = w.slice(2, 7).map(big);
    const s = new Session(id);
    sessions.set(id, s);
    try {
      await s.start();
    } catch (e) {
      sessions.delete(id);
      return `e ${e.message}`;
    }
    return s.request(OPS.init, [start, end, align, flags, minSplit]);
  }
  if (cmd === 'op') {
    const s = sessions.get(w[1]);
    if (!s) return `e no session ${w[1]}`;
    const kind = w[2];
    if (!(kind in OPS) || kind === 'stop' || kind === 'init' || kind === 'bump') return `e unknown operation '${kind}'`;
    if (kind === 'write') {
      const bytes = w[4] === undefined || w[4] === '-' ? new Uint8Array(0) : Buffer.from(w[4], 'hex');
      return s.request(OPS.write, [big(w[3]), BigInt(bytes.length)], new Uint8Array(bytes));
    }
    return s.request(OPS[kind], w.slice(3).map(big));
  }
  if (cmd === 'close') {
    const s = sessions.get(w[1]);
    if (s) {
      sessions.delete(w[1]);
      if (s.giveOp) await s.request(OPS.stop, []).catch(() => {});
    }
    return 'c';
  }
  if (cmd === 'ping') return 'pong';
  return `e unknown command '${cmd}'`;
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let answer;
    try {
      answer = await handle(line);
    } catch (e) {
      answer = `e ${e?.message ?? e}`;
    }
    process.stdout.write(answer.replace(/\n/g, ' ') + '\n');
  });
});
rl.on('close', () => {
  chain.then(() => process.exit(0));
});
