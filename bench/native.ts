/**
 * The native backend (node:crypto) beside the WebAssembly one, in one process: AES-SIV open in
 * E4's shape (a 64-byte key, the 8-byte timestamp as the one associated-data string) at 64, 256,
 * 1024, 2048, 4096, 8192 and 16384 bytes of plaintext, and Ed25519 verify of a 256-byte message on the native, the
 * WebAssembly and the @noble/curves providers. Prints a table and the smallest measured size at
 * which native opens beat WebAssembly's; writes no file.
 *
 * Usage: node --import tsx bench/native.ts [--quick]
 */
import { randomBytes } from 'node:crypto';
import { Bench } from 'tinybench';
import { createNativeBackend } from '../src/backends/native.ts';
import { createNativeCurves } from '../src/backends/native-curves.ts';
import { init } from '../src/backends/select.ts';
import { compileCurveModule, createWasmCurves } from '../src/backends/wasm-curves.ts';
import { nobleCurves, type CurveProvider } from '../src/keys/curves.ts';
import { callsPerSecond, sampled } from './sampling.ts';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 200 : 1000;
/** The sizes, and the powers of two between the last two, where the crossover lies. */
const SIZES = [64, 256, 1024, 2048, 4096, 8192, 16384];

async function opsPerSec(fn: () => unknown): Promise<number> {
  const { run, calls } = await sampled(fn);
  const bench = new Bench({ time: TIME_MS, warmup: true, warmupIterations: 200, throws: true });
  bench.add('task', run);
  await bench.run();
  return callsPerSecond(bench.tasks[0], calls);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en').padStart(11);
}

const wasm = await init({ backend: 'wasm' });
const native = createNativeBackend(wasm);
const key = randomBytes(64);
const ads = [randomBytes(8)];

console.log(`Node ${process.version}, ${process.arch}, ${new Date().toISOString()}`);
console.log('\nAES-SIV open, 64-byte key, one 8-byte AD (opens/s)');
console.log('| bytes | native | wasm | native/wasm | native MB/s | wasm MB/s |');
console.log('|---:|---:|---:|---:|---:|---:|');
let crossover: number | null = null;
for (const size of SIZES) {
  const sealed = wasm.sivSeal(key, ads, randomBytes(size));
  const out = new Uint8Array(size);
  const n = await opsPerSec(() => native.sivOpen(key, ads, sealed, out));
  const w = await opsPerSec(() => wasm.sivOpen(key, ads, sealed, out));
  if (crossover === null && n > w) crossover = size;
  const mb = (ops: number) => ((ops * size) / 1e6).toFixed(1).padStart(8);
  console.log(`| ${size} | ${fmt(n)} | ${fmt(w)} | ${(n / w).toFixed(2)} | ${mb(n)} | ${mb(w)} |`);
}
console.log(
  crossover === null
    ? '\nnative beat wasm at none of the measured sizes'
    : `\nnative beats wasm from ${crossover} bytes on (of ${SIZES.join(', ')})`,
);

const providers: [string, CurveProvider][] = [
  ['native', createNativeCurves()],
  ['wasm', createWasmCurves(await compileCurveModule())],
  ['noble', nobleCurves],
];
const privateKey = nobleCurves.ed25519PrivateKeyFromSeed(randomBytes(32));
const publicKey = privateKey.slice(32);
const message = randomBytes(256);
const signature = nobleCurves.ed25519Sign(privateKey, message);
console.log('\nEd25519 verify, 256-byte message (verifies/s)');
console.log('| provider | verifies/s |');
console.log('|---|---:|');
for (const [name, curves] of providers) {
  if (!curves.ed25519Verify(publicKey, message, signature)) throw new Error(name + ' refuses a valid signature');
  const ops = await opsPerSec(() => curves.ed25519Verify(publicKey, message, signature));
  console.log(`| ${name} | ${fmt(ops)} |`);
}
