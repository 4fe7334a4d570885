// Compiles a Yul object that uses tiny_alloc.yul with solc-js (standard JSON, language "Yul"):
// the object's `// @tiny_alloc` line is replaced by the functions between the BEGIN and END lines
// of tiny_alloc.yul. Results are cached in evm/build/ by a hash of the source and the compiler
// version, so a runner starts without loading the compiler when nothing changed.
//
//   node evm/build.mjs [OBJECT.yul]   prints the runtime bytecode (hex) of harness.yul or OBJECT
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const SOLC_VERSION = JSON.parse(readFileSync(join(here, 'node_modules/solc/package.json'), 'utf8')).version;

export function tinyAllocFunctions() {
  const text = readFileSync(join(here, 'tiny_alloc.yul'), 'utf8');
  const begin = text.indexOf('// ---- BEGIN tiny_alloc ----');
  const end = text.indexOf('// ---- END tiny_alloc ----');
  if (begin < 0 || end < begin) throw new Error('tiny_alloc.yul: BEGIN/END markers not found');
  return text.slice(begin, end + '// ---- END tiny_alloc ----'.length);
}

export function spliced(objectText) {
  if (!objectText.includes('// @tiny_alloc')) throw new Error('the object has no `// @tiny_alloc` line');
  return objectText.replace('// @tiny_alloc', tinyAllocFunctions());
}

function runSolc(source, optimize) {
  const solc = require('solc');
  const input = {
    language: 'Yul',
    sources: { 'object.yul': { content: source } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: optimize, details: { yul: optimize } },
      outputSelection: { '*': { '*': ['evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error('solc: ' + errors.map((e) => e.formattedMessage).join('\n'));
  const contracts = out.contracts['object.yul'];
  const name = Object.keys(contracts)[0];
  return contracts[name].evm.bytecode.object;
}

// The runtime bytecode (hex, no 0x) of a Yul object text (already spliced).
export function compileYul(source, { optimize = true } = {}) {
  const key = createHash('sha256').update(SOLC_VERSION).update(optimize ? '1' : '0').update(source).digest('hex');
  const cacheDir = join(here, 'build');
  const cached = join(cacheDir, key.slice(0, 32) + '.hex');
  if (existsSync(cached)) return readFileSync(cached, 'utf8').trim();
  const hex = runSolc(source, optimize);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, hex + '\n');
    renameSync(tmp, cached);
  } catch {
    // a read-only checkout compiles every time
  }
  return hex;
}

export function harnessBytecode() {
  return compileYul(spliced(readFileSync(join(here, 'harness.yul'), 'utf8')));
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const text = file ? readFileSync(file, 'utf8') : readFileSync(join(here, 'harness.yul'), 'utf8');
  console.log(compileYul(text.includes('// @tiny_alloc') ? spliced(text) : text));
}
