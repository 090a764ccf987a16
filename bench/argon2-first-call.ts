/**
 * The first E4 derivation of a fresh process, the one a user of `e4ts keygen --password` or a
 * page that derives once waits for: e4ts after `await init()`, or hash-wasm after a call at
 * minimal parameters (which compiles its module, as `init()` compiles e4ts's). Each run is a
 * child process of its own; `npm run bench` reports the median of several.
 *
 * Run alone: node --import tsx bench/argon2-first-call.ts e4ts|hash-wasm
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { argon2i } from 'hash-wasm';
import { init } from '../src/backends/select.ts';
import { deriveKeyFromPassword } from '../src/primitives.ts';
import { E4_ARGON2 } from '../src/protocol/sizes.ts';

export type FirstCallImpl = 'e4ts' | 'hash-wasm';

const PASSWORD = 'first call of a fresh process';

async function firstCallMs(impl: FirstCallImpl): Promise<number> {
  const { t, m, p, dkLen } = E4_ARGON2;
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
  const impl: FirstCallImpl = process.argv[2] === 'hash-wasm' ? 'hash-wasm' : 'e4ts';
  console.log(JSON.stringify({ impl, ms: await firstCallMs(impl) }));
}
