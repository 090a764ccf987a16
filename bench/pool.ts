/**
 * `node --import tsx bench/pool.ts [--quick] [--backend wasm|js|native] [--aes ct|table]`: messages/s of the
 * ingestion pool with 1 and 2 workers against `unprotectPacked` on the main thread (one core),
 * symmetric at 64, 256, 1024 and 16384-byte payloads and public-key at 256 bytes, batches of
 * about 256 KiB already in shared memory (as a server that receives into it has them). The pool
 * is kept busy with several batches in flight. Prints a table with the pool / one-core ratios
 * and the machine's load; writes no file.
 *
 * `poolRows` gives the same measurements as rows for bench/ingest.ts.
 */
import { loadavg } from 'node:os';
import { setActiveBackend } from '../src/backends/active.ts';
import { initNative, type NativeThresholds } from '../src/backends/native-init.ts';
import { init } from '../src/backends/select.ts';
import type { AesCore } from '../src/backends/wasm.ts';
import { createPackedResults, unprotectPacked, type PackedMessages } from '../src/client/batch.ts';
import { packed, publicKeyFleet, symmetricFleet, TOPICS } from './fleet.ts';
import type { E4Client } from '../src/client/client.ts';
import type { PoolBackend } from '../src/pool/messages.ts';
import { createIngestPool, type IngestPool } from '../src/pool/pool.ts';
import type { IngestResults } from '../src/pool/results.ts';
import { curvesFor } from '../src/pool/workerBackend.ts';
import type { Row } from './report.ts';

const SIZES = [64, 256, 1024, 16384];
const PK_SIZE = 256;
const BATCH_BYTES = 256 * 1024;
const MIN_BATCH = 16;
const WORKER_COUNTS = [1, 2];
/** Batches in flight per worker: one being read, one waiting, so a worker never idles. */
const DEPTH_PER_WORKER = 2;

export interface PoolBenchOptions {
  /** The backend of the main thread and of the workers; default `wasm`. */
  backend?: PoolBackend;
  /** With `native`: AES-SIV open chosen by size, on both sides. */
  thresholds?: NativeThresholds;
  /** The WebAssembly AES core, on both sides; default the runtime's. */
  aes?: AesCore;
  /** The name rows carry (`<name> packed`, `<name> pool ×N`); default the backend's. */
  name?: string;
  /** Shorter rounds, for a look. */
  quick?: boolean;
  /** Where each measurement is printed as it is made; default nowhere. */
  log?: (line: string) => void;
}

interface Workload {
  group: string;
  bytes: number;
  client: E4Client;
  batch: PackedMessages;
}

/**
 * Messages/s of `unprotectPacked` on this thread (`<name> packed`) and of pools of 1 and 2
 * workers (`<name> pool ×1`, `×2`), per group as bench/ingest.ts names them. Makes `backend` the
 * active backend of this thread. The three are measured in turns, round after round, so that
 * other work on the machine weighs on each alike; rows carry the mean of the rounds and its
 * margin of error.
 */
export async function poolRows(options: PoolBenchOptions = {}): Promise<Row[]> {
  const backend = options.backend ?? 'wasm';
  const name = options.name ?? backend;
  const rounds = options.quick ? 3 : 7;
  const roundMs = options.quick ? 150 : 400;
  const log = options.log ?? (() => {});
  const { thresholds, aes } = options;
  if (backend === 'native') await initNative({ backend: 'wasm', thresholds, aes });
  else setActiveBackend(await init({ backend, aes }));
  const symmetric = symmetricWorkloads();
  const publicKey = publicKeyWorkload(backend);
  const rows: Row[] = [];
  for (const workloads of [symmetric, [publicKey]]) {
    const client = workloads[0].client;
    // Idle workers wait on their port and take no CPU from the measurement under way.
    const pools = await Promise.all(WORKER_COUNTS.map((workers) => createIngestPool(client, { workers, backend, thresholds, aes })));
    for (const w of workloads) {
      const impls: [string, () => Promise<number>][] = [
        [name + ' packed', async () => mainThreadRound(w, roundMs)],
        ...pools.map((pool, k): [string, () => Promise<number>] => [
          `${name} pool ×${WORKER_COUNTS[k]}`,
          () => poolRound(pool, w, DEPTH_PER_WORKER * WORKER_COUNTS[k], roundMs),
        ]),
      ];
      const rates = impls.map(() => [] as number[]);
      // Round -1 warms up (compiled code, topic and key caches, slots).
      for (let r = -1; r < rounds; r++) {
        for (let k = 0; k < impls.length; k++) {
          const rate = await impls[k][1]();
          if (r >= 0) rates[k].push(rate);
        }
      }
      impls.forEach(([impl], k) => {
        const row = rowOf(w, impl, rates[k]);
        rows.push(row);
        log(`${w.group.padEnd(18)} ${impl.padEnd(18)} ${Math.round(row.opsPerSec).toLocaleString('en').padStart(11)} msg/s  ±${row.rme.toFixed(1)}%`);
      });
    }
    for (const pool of pools) await pool.close();
    client.destroy();
  }
  return rows;
}

function symmetricWorkloads(): Workload[] {
  const { client, topics } = symmetricFleet();
  return SIZES.map((size) => {
    const payload = new Uint8Array(size).fill(0x5a);
    const count = Math.max(MIN_BATCH, Math.floor(BATCH_BYTES / size));
    const messages = Array.from({ length: count }, (_, i) => client.protect(payload, topics[i % TOPICS]));
    return { group: `symmetric ${size} B`, bytes: size, client, batch: packed(messages, topics, (i) => i % TOPICS, true) };
  });
}

function publicKeyWorkload(backend: PoolBackend): Workload {
  const { client, topic } = publicKeyFleet(curvesFor(backend));
  const payload = new Uint8Array(PK_SIZE).fill(0x5a);
  const messages = Array.from({ length: Math.floor(BATCH_BYTES / PK_SIZE) }, () => client.protect(payload, topic));
  return { group: `public-key ${PK_SIZE} B`, bytes: PK_SIZE, client, batch: packed(messages, [topic], () => 0, true) };
}

/** Messages/s of one round of `unprotectPacked` on this thread, `out` and results reused. */
function mainThreadRound(w: Workload, roundMs: number): number {
  const out = new Uint8Array(w.batch.data.length);
  const results = createPackedResults(w.batch.count);
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    if (unprotectPacked(w.client, w.batch, out, results) !== w.batch.count) throw new Error(w.group + ': a message was not read');
    done += w.batch.count;
    elapsed = performance.now() - start;
  } while (elapsed < roundMs);
  return (done / elapsed) * 1000;
}

/**
 * Messages/s of one round of the pool, `depth` batches kept in flight. Timed from the first
 * batch read to the last, so that filling the pipeline is not counted; emptying it costs
 * nothing, each batch keeping every worker busy to its end.
 */
async function poolRound(pool: IngestPool, w: Workload, depth: number, roundMs: number): Promise<number> {
  const inFlight: Promise<IngestResults>[] = [];
  for (let i = 0; i < depth; i++) inFlight.push(pool.unprotect(w.batch));
  let done = 0;
  let first = 0;
  let last = 0;
  while (inFlight.length > 0) {
    const results = await inFlight.shift()!;
    last = performance.now();
    if (results.read !== results.count) throw new Error(w.group + ': a message was not read');
    if (first === 0) first = last;
    else done += results.count;
    results.release();
    if (last - first < roundMs) inFlight.push(pool.unprotect(w.batch));
  }
  return (done / (last - first)) * 1000;
}

/** Student's t at 97.5% for `df` degrees of freedom (the rounds are few). */
function t975(df: number): number {
  const table = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];
  return df <= table.length ? table[df - 1] : 2.0;
}

function rowOf(w: Workload, impl: string, rates: number[]): Row {
  const n = rates.length;
  const mean = rates.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(rates.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return { group: w.group, impl, opsPerSec: mean, bytes: w.bytes, rme: n > 1 ? (t975(n - 1) * sd) / Math.sqrt(n) / mean * 100 : 0, samples: n };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--backend');
  const backend = (at < 0 ? 'wasm' : process.argv[at + 1]) as PoolBackend;
  const aesAt = process.argv.indexOf('--aes');
  const aes = aesAt < 0 ? undefined : (process.argv[aesAt + 1] as AesCore);
  const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');
  console.log(`backend ${backend}${aes === undefined ? '' : ', aes ' + aes}; load average ${load()} (1, 5, 15 min)\n`);
  const rows = await poolRows({ backend, aes, quick: process.argv.includes('--quick'), log: console.log });
  console.log(`\nload average at the end: ${load()}`);
  console.log('\ngroup              pool ×1 / 1 core   pool ×2 / 1 core   pool ×2 / pool ×1');
  for (const group of new Set(rows.map((r) => r.group))) {
    const ops = (suffix: string) => rows.find((r) => r.group === group && r.impl.endsWith(suffix))!.opsPerSec;
    const one = ops(' packed');
    console.log(
      `${group.padEnd(18)} ${(ops('×1') / one).toFixed(2).padStart(15)}× ${(ops('×2') / one).toFixed(2).padStart(17)}× ${(ops('×2') / ops('×1')).toFixed(2).padStart(18)}×`,
    );
  }
}

if (import.meta.url === 'file://' + process.argv[1]) await main();
