/**
 * The first E4 derivation of a fresh process, the one a user of `e4ts keygen --password` or a
 * page that derives once waits for: e4ts after `await init()`, or hash-wasm after a call at
 * minimal parameters (which compiles its module, as `init()` compiles e4ts's). Each run is a
 * child process of its own; `npm run bench` reports the median of several. Beside them, the
 * share of that time no Argon2 can avoid: plain JS writing one byte in each 4 KiB page of a fresh
 * 64 MiB array, the kernel's first touch of E4's memory, which took from 40 to 270 ms on the
 * virtual machines measured.
 *
 * Run alone: node --import tsx bench/argon2-first-call.ts e4ts|hash-wasm|first-touch
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { argon2i } from 'hash-wasm';
import { init } from '../src/backends/select.ts';
import { deriveKeyFromPassword } from '../src/primitives.ts';
import { E4_ARGON2 } from '../src/protocol/sizes.ts';

export type FirstCallImpl = 'e4ts' | 'hash-wasm' | 'first-touch';

const PASSWORD = 'first call of a fresh process';

const PAGE = 4096;

async function firstCallMs(impl: FirstCallImpl): Promise<number> {
  const { t, m, p, dkLen } = E4_ARGON2;
  if (impl === 'first-touch') {
    const start = performance.now();
    const memory = new Uint8Array(m * 1024);
    for (let i = 0; i < memory.length; i += PAGE) memory[i] = 1;
    return performance.now() - start;
  }
  // hash-wasm refuses E4's empty salt: 8 bytes, which changes nothing to the work done.
  const hashWasm = (memorySize: number) =>
    argon2i({ password: PASSWORD, salt: new Uint8Array(8), iterations: t, memorySize, parallelism: p, hashLength: dkLen, outputType: 'binary' });
  if (impl === 'e4ts') await init();
  else await hashWasm(8 * p);
  const start = performance.now();
  if (impl === 'e4ts') deriveKeyFromPassword(PASSWORD);
  else await hashWasm(m);
  return performance.now() - start;
}

/** One fresh process's first call, in milliseconds. */
export async function firstCallInChild(impl: FirstCallImpl): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), impl], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    timeout: 120_000,
  });
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number }).ms;
}

if (import.meta.url === 'file://' + process.argv[1]) {
  const impl = (['hash-wasm', 'first-touch'].includes(process.argv[2]) ? process.argv[2] : 'e4ts') as FirstCallImpl;
  console.log(JSON.stringify({ impl, ms: await firstCallMs(impl) }));
}
