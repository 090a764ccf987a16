/**
 * Heap bytes per message of one 100,000-message packed batch (`unprotectPacked`, 64-byte
 * payloads on eight topics, `out` and results reused): the figure `npm run bench:ingest` prints
 * and test/heap.test.ts bounds. Needs `--expose-gc`.
 *
 * The young generation must hold the whole batch's garbage for the heap delta to count it:
 * a collection during the measured call would hide garbage, so the probe watches for one and
 * refuses the measurement when it happens (run with a large `--min-semi-space-size`).
 *
 * `heapBytesPerMessageInChild` runs the probe in a process of its own with those flags; run
 * alone: node --expose-gc --min-semi-space-size=128 --import tsx bench/heap.ts wasm|js
 */
import { execFile } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setActiveBackend } from '../src/backends/active.ts';
import { init } from '../src/backends/select.ts';
import { createPackedResults, unprotectPacked } from '../src/client/batch.ts';
import { packed, symmetricFleet, TOPICS } from './fleet.ts';

export const HEAP_BATCH = 100_000;
const PAYLOAD = 64;

/** Collections seen since the observer started. */
let collections = 0;

export async function heapBytesPerMessage(backend: 'wasm' | 'js'): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the heap probe needs node --expose-gc');
  setActiveBackend(await init({ backend }));
  const { client, topics } = symmetricFleet();
  const messages = topics.map((topic) => client.protect(new Uint8Array(PAYLOAD).fill(0x5a), topic));
  const batch = packed(Array.from({ length: HEAP_BATCH }, (_, i) => messages[i % TOPICS]), topics, (i) => i % TOPICS);
  const out = new Uint8Array(batch.data.length);
  const results = createPackedResults(HEAP_BATCH);
  // Warm: compiled code, topic cache, the scratch arrays at their full size.
  for (let k = 0; k < 3; k++) unprotectPacked(client, batch, out, results);
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const seen = collections;
  const before = process.memoryUsage().heapUsed;
  const read = unprotectPacked(client, batch, out, results);
  const after = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  client.destroy();
  if (read !== HEAP_BATCH) throw new Error('the heap batch read ' + read + ' of ' + HEAP_BATCH + ' messages');
  if (collections !== seen) throw new Error('a collection ran during the measured batch: rerun with a larger --min-semi-space-size');
  return (after - before) / HEAP_BATCH;
}

/** The probe in a child process with a young generation that holds a whole batch's garbage. */
export async function heapBytesPerMessageInChild(backend: 'wasm' | 'js'): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--min-semi-space-size=128', '--max-semi-space-size=128', '--import', 'tsx', self, backend],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 120_000 },
  );
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { bytesPerMessage: number }).bytesPerMessage;
}

if (import.meta.url === 'file://' + process.argv[1]) {
  const backend = process.argv[2] === 'js' ? 'js' : 'wasm';
  console.log(JSON.stringify({ backend, bytesPerMessage: await heapBytesPerMessage(backend) }));
}
