/**
 * `npm run bench`: e4ts's primitives beside their peers, in one process: AES-SIV on both AES
 * cores of the WebAssembly backend (`table`, the Node default, and `ct`, constant-time), alone
 * and in a packed batch of messages, SHA3-256 and Argon2i.
 * Writes bench/results/primitives.{json,md,svg}. Options, for a look without writing results:
 * --quick (shorter runs), --only <text> (only the measurements whose name contains it).
 */
import { aessiv as nobleAessiv } from '@noble/ciphers/aes.js';
import { AES } from '@stablelib/aes';
import { SIV as StablelibSiv } from '@stablelib/siv';
import { argon2i as nobleArgon2i } from '@noble/hashes/argon2.js';
import { sha3_256 as nobleSha3 } from '@noble/hashes/sha3.js';
import { argon2i as hashWasmArgon2i, createSHA3 } from 'hash-wasm';
import { createHash, randomBytes } from 'node:crypto';
import { Bench } from 'tinybench';
import { init, type BackendChoice } from '../src/backends/select.ts';
import type { AesCore } from '../src/backends/wasm.ts';
import { createPackedResults, unprotectPacked } from '../src/client/batch.ts';
import { aesSivOpen, aesSivOpenInto, aesSivSeal, aesSivSealInto, argon2i, sha3_256 } from '../src/primitives.ts';
import { E4_ARGON2 } from '../src/protocol/sizes.ts';
import { firstCallInChild, type FirstCallImpl } from './argon2-first-call.ts';
import { packed, symmetricFleet, TOPICS } from './fleet.ts';
import { miscreantSiv } from './peers/miscreant.ts';
import { NodeCryptoSiv } from './peers/node-crypto-siv.ts';
import { opsOf, writeReport, type Row, type Target } from './report.ts';
import { callsPerSecond, sampled, type Sampled } from './sampling.ts';

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : '';
const TIME_MS = quick ? 150 : 700;

const rows: Row[] = [];

/**
 * `backend`, `aes` and `keepArgon2Memory`: what the task's `init()` is given (no option is the
 * default); `perCall`: operations one call of `fn` does (the messages of a batch), 1 when left out.
 */
type Task = { impl: string; fn: () => unknown; backend?: BackendChoice; aes?: AesCore; keepArgon2Memory?: boolean; perCall?: number };

/**
 * Rounds each group is measured in: every task once per round, in turn, so that a change in the
 * machine's load over the run weighs on every task of a group alike. A task's figure is the
 * median of its rounds; its margin of error comes from their spread.
 */
const ROUNDS = quick ? 1 : 5;

async function measure(group: string, bytes: number, tasks: Task[], time = TIME_MS): Promise<void> {
  if (only && !group.includes(only)) return;
  const rates: number[][] = tasks.map(() => []);
  const samples: number[] = tasks.map(() => 0);
  const runs: Sampled[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [t, task] of tasks.entries()) {
      // One Bench per task, so each backend switch happens outside the timed loop.
      if (task.backend) {
        await init({ backend: task.backend, aes: task.aes, keepArgon2Memory: task.keepArgon2Memory });
        // A user calls init once; the bench calls it every round, and the first call after it
        // pays for a fresh backend (Argon2's instance, its 64 MiB). Round 0's warm-up covers it.
        if (round > 0) await task.fn();
      }
      if (round === 0) runs[t] = await sampled(task.fn);
      // tinybench's least number of iterations (64), shared among the rounds as the time is.
      const bench = new Bench({ time: time / ROUNDS, iterations: Math.ceil(64 / ROUNDS), warmup: round === 0, warmupIterations: 20, throws: true });
      bench.add(task.impl, runs[t].run);
      await bench.run();
      const result = bench.tasks[0].result;
      if (result.state !== 'completed') throw new Error(group + ' / ' + task.impl + ': ' + result.state);
      rates[t].push(callsPerSecond(bench.tasks[0], runs[t].calls) * (task.perCall ?? 1));
      samples[t] += (result.latency.samples?.length ?? result.latency.df + 1) * runs[t].calls;
    }
  }
  for (const [t, task] of tasks.entries()) {
    const sorted = [...rates[t]].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    rows.push({ group, impl: task.impl, opsPerSec: median, bytes, rme: spreadRme(rates[t]), samples: samples[t] });
    console.log(`${group.padEnd(24)} ${task.impl.padEnd(22)} ${Math.round(median).toLocaleString('en').padStart(12)} ops/s`);
  }
}

/** The 95% margin of error of the mean of `values`, in percent (normal approximation; 0 for one value). */
function spreadRme(values: number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return (196 * sd) / Math.sqrt(n) / mean;
}

async function sivBenches(): Promise<void> {
  const key = new Uint8Array(randomBytes(32));
  const sivKey = new Uint8Array(64);
  sivKey.set(key);
  sivKey.set(key, 32);
  const ad = new Uint8Array(8).fill(0x42);
  const stablelib = new StablelibSiv(AES, sivKey);
  const nodeSiv = new NodeCryptoSiv(key);
  const misc = await miscreantSiv(sivKey);
  await init();
  for (const size of [64, 256, 1024, 16384]) {
    const pt = new Uint8Array(randomBytes(size));
    const sealed = aesSivSeal(sivKey, [ad], pt);
    const sealedOut = new Uint8Array(sealed.length);
    const openedOut = new Uint8Array(size);
    // A peer that computes something else would be measured for nothing: check them all first.
    const peers = [stablelib.seal([ad], pt), await misc.seal(pt.slice(), [ad]), nodeSiv.seal(ad, pt), nobleAessiv(sivKey, ad).encrypt(pt)];
    for (const output of peers) {
      if (!Buffer.from(output).equals(sealed)) throw new Error('a peer disagrees with e4ts at ' + size + ' B');
    }
    await measure(`AES-SIV seal ${size} B`, size, [
      { impl: 'e4ts (wasm)', backend: 'wasm', aes: 'table', fn: () => aesSivSeal(sivKey, [ad], pt) },
      { impl: 'e4ts (wasm, into)', backend: 'wasm', aes: 'table', fn: () => aesSivSealInto(sivKey, [ad], pt, sealedOut) },
      { impl: 'e4ts (wasm, ct)', backend: 'wasm', aes: 'ct', fn: () => aesSivSeal(sivKey, [ad], pt) },
      { impl: 'e4ts (js)', backend: 'js', fn: () => aesSivSeal(sivKey, [ad], pt) },
      { impl: '@stablelib/siv', fn: () => stablelib.seal([ad], pt) },
      { impl: '@noble/ciphers aessiv', fn: () => nobleAessiv(sivKey, ad).encrypt(pt) },
      { impl: 'miscreant (js, async)', fn: async () => await misc.seal(pt.slice(), [ad]) },
      { impl: 'node:crypto', fn: () => nodeSiv.seal(ad, pt) },
    ]);
    await measure(`AES-SIV open ${size} B`, size, [
      { impl: 'e4ts (wasm)', backend: 'wasm', aes: 'table', fn: () => aesSivOpen(sivKey, [ad], sealed) },
      { impl: 'e4ts (wasm, into)', backend: 'wasm', aes: 'table', fn: () => aesSivOpenInto(sivKey, [ad], sealed, openedOut) },
      { impl: 'e4ts (wasm, ct)', backend: 'wasm', aes: 'ct', fn: () => aesSivOpen(sivKey, [ad], sealed) },
      { impl: 'e4ts (wasm, ct, into)', backend: 'wasm', aes: 'ct', fn: () => aesSivOpenInto(sivKey, [ad], sealed, openedOut) },
      { impl: 'e4ts (js)', backend: 'js', fn: () => aesSivOpen(sivKey, [ad], sealed) },
      { impl: '@stablelib/siv', fn: () => stablelib.open([ad], sealed) },
      { impl: '@noble/ciphers aessiv', fn: () => nobleAessiv(sivKey, ad).decrypt(sealed) },
      // miscreant works in place, so it gets a fresh copy each call (a copy is ~1% of its time);
      // async arrow functions, so tinybench awaits each call instead of piling them up.
      { impl: 'miscreant (js, async)', fn: async () => await misc.open(sealed.slice(), [ad]) },
      { impl: 'node:crypto', fn: () => nodeSiv.open(ad, sealed) },
    ]);
  }
}

/** Messages in a batch: 256 KiB of 256-byte payloads, as the ingestion bench sends. */
const BATCH_MESSAGES = 1024;
const BATCH_PAYLOAD = 256;

/**
 * A packed batch of 256-byte E4 messages over TOPICS topic keys, opened by `unprotectPacked` on
 * each AES core, against the peers opening the same messages one by one (rates per message).
 */
async function batchBenches(): Promise<void> {
  const group = `AES-SIV open, packed batch of ${BATCH_PAYLOAD} B`;
  if (only && !group.includes(only)) return;
  await init({ backend: 'wasm', aes: 'table' });
  const { client, topics, topicKeys } = symmetricFleet();
  const payload = new Uint8Array(randomBytes(BATCH_PAYLOAD));
  const messages = Array.from({ length: BATCH_MESSAGES }, (_, i) => client.protect(payload, topics[i % TOPICS]));
  const batch = packed(messages, topics, (i) => i % TOPICS);
  const out = new Uint8Array(batch.data.length);
  const results = createPackedResults(BATCH_MESSAGES);
  const readAll = () => {
    if (unprotectPacked(client, batch, out, results) !== BATCH_MESSAGES) throw new Error('the batch was not read whole');
  };
  // The peers open each message's SIV part (tag ‖ ciphertext after the timestamp) under its
  // topic's SIV key, E4's topic key ‖ topic key.
  const keyOf = topicKeys.map((key) => {
    const sivKey = new Uint8Array(64);
    sivKey.set(key);
    sivKey.set(key, 32);
    return sivKey;
  });
  const parts = messages.map((m) => ({ ad: m.subarray(0, 8), sealed: m.subarray(8) }));
  const stablelibs = keyOf.map((key) => new StablelibSiv(AES, key));
  for (let i = 0; i < BATCH_MESSAGES; i++) {
    const opened = stablelibs[i % TOPICS].open([parts[i].ad], parts[i].sealed);
    if (opened === null || !Buffer.from(opened).equals(payload)) throw new Error('@stablelib/siv disagrees with e4ts on the batch');
  }
  await measure(group, BATCH_PAYLOAD, [
    { impl: 'e4ts (wasm)', backend: 'wasm', aes: 'table', fn: readAll, perCall: BATCH_MESSAGES },
    { impl: 'e4ts (wasm, ct)', backend: 'wasm', aes: 'ct', fn: readAll, perCall: BATCH_MESSAGES },
    {
      impl: '@stablelib/siv',
      fn: () => {
        for (let i = 0; i < BATCH_MESSAGES; i++) stablelibs[i % TOPICS].open([parts[i].ad], parts[i].sealed);
      },
      perCall: BATCH_MESSAGES,
    },
    {
      impl: '@noble/ciphers aessiv',
      fn: () => {
        for (let i = 0; i < BATCH_MESSAGES; i++) nobleAessiv(keyOf[i % TOPICS], parts[i].ad).decrypt(parts[i].sealed);
      },
      perCall: BATCH_MESSAGES,
    },
  ]);
  client.destroy();
}

async function sha3Benches(): Promise<void> {
  const hashWasm = await createSHA3(256);
  for (const size of [32, 1024]) {
    const data = new Uint8Array(randomBytes(size));
    await measure(`SHA3-256 ${size} B`, size, [
      { impl: 'e4ts (wasm)', backend: 'wasm', fn: () => sha3_256(data) },
      { impl: 'e4ts (js)', backend: 'js', fn: () => sha3_256(data) },
      { impl: 'hash-wasm', fn: () => hashWasm.init().update(data).digest('binary') },
      { impl: '@noble/hashes', fn: () => nobleSha3(data) },
      { impl: 'node:crypto', fn: () => createHash('sha3-256').update(data).digest() },
    ]);
  }
}

const ARGON2 = 'Argon2i, E4 parameters';
const ARGON2_DEFAULT = ARGON2 + ' (default init)';
const ARGON2_KEPT = ARGON2 + ' (keepArgon2Memory)';
const ARGON2_FIRST = ARGON2 + ' (first call)';
/** The first-call row of the kernel's first touch of 64 MiB, which bounds any Argon2's first call. */
const FIRST_TOUCH = 'first touch of 64 MiB (plain JS)';

async function argon2Benches(): Promise<void> {
  // A new password each call, so no cache anywhere can answer. hash-wasm and @noble/hashes
  // refuse E4's empty salt: they get 8 bytes, which changes nothing to the work done.
  let counter = 0;
  const password = () => 'benchmark password #' + counter++;
  const salt8 = new Uint8Array(8);
  const { t, m, p, dkLen } = E4_ARGON2;
  const time = quick ? 400 : 3000;
  const e4ts = () => argon2i(password(), new Uint8Array(0), E4_ARGON2);
  const hashWasm: Task = {
    impl: 'hash-wasm',
    fn: async () =>
      await hashWasmArgon2i({ password: password(), salt: salt8, iterations: t, memorySize: m, parallelism: p, hashLength: dkLen, outputType: 'binary' }),
  };
  await measure(ARGON2_DEFAULT, 0, [
    { impl: 'e4ts (wasm)', backend: 'wasm', fn: e4ts },
    { impl: 'e4ts (js)', backend: 'js', fn: e4ts },
    hashWasm,
    { impl: '@noble/hashes', fn: () => nobleArgon2i(password(), salt8, { t, m, p, dkLen }) },
  ], time);
  await measure(ARGON2_KEPT, 0, [{ impl: 'e4ts (wasm)', backend: 'wasm', keepArgon2Memory: true, fn: e4ts }, hashWasm], time);
  await firstCalls();
}

/** The first call of fresh processes, e4ts's and hash-wasm's in turn: their median. */
async function firstCalls(): Promise<void> {
  if (only && !ARGON2_FIRST.includes(only)) return;
  const runs = quick ? 3 : 9;
  const times: Record<FirstCallImpl, number[]> = { e4ts: [], 'hash-wasm': [], 'first-touch': [] };
  for (let i = 0; i < runs; i++) {
    for (const impl of ['e4ts', 'hash-wasm', 'first-touch'] as const) times[impl].push(await firstCallInChild(impl));
  }
  for (const [impl, ms] of [
    ['e4ts (wasm)', times.e4ts],
    ['hash-wasm', times['hash-wasm']],
    [FIRST_TOUCH, times['first-touch']],
  ] as const) {
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    rows.push({ group: ARGON2_FIRST, impl, opsPerSec: 1000 / median, bytes: 0, rme: spreadRme(ms), samples: ms.length });
    console.log(`${ARGON2_FIRST.padEnd(24)} ${impl.padEnd(22)} ${median.toFixed(1).padStart(9)} ms (median of ${ms.length} processes)`);
  }
}

/** The targets, each a ratio within this run. */
function targets(): Target[] {
  const out: Target[] = [];
  const has = (group: string) => rows.some((r) => r.group === group);
  const fastestPureJs = (group: string) =>
    Math.max(opsOf(rows, group, '@stablelib/siv'), opsOf(rows, group, 'miscreant (js, async)'));
  for (const [size, bound] of [[256, 4], [16384, 5]]) {
    const group = `AES-SIV open ${size} B`;
    if (!has(group)) continue;
    for (const impl of ['e4ts (wasm)', 'e4ts (wasm, into)']) {
      out.push({ what: `${group}: ${impl} ÷ fastest pure-JS peer`, ratio: opsOf(rows, group, impl) / fastestPureJs(group), bound, kind: 'atLeast' });
    }
  }
  // The constant-time core: against the table core, @stablelib/siv and @noble/ciphers.
  const batchGroup = `AES-SIV open, packed batch of ${BATCH_PAYLOAD} B`;
  for (const [group, ct, table, bound] of [
    ['AES-SIV open 256 B', 'e4ts (wasm, ct)', 'e4ts (wasm)', 0.7],
    ['AES-SIV open 256 B', 'e4ts (wasm, ct, into)', 'e4ts (wasm, into)', 0.7],
    [batchGroup, 'e4ts (wasm, ct)', 'e4ts (wasm)', 1.0],
  ] as const) {
    if (!has(group)) continue;
    const ctOps = opsOf(rows, group, ct);
    out.push({ what: `${group}: ${ct} ÷ ${table}`, ratio: ctOps / opsOf(rows, group, table), bound, kind: 'atLeast' });
    out.push({ what: `${group}: ${ct} ÷ @stablelib/siv`, ratio: ctOps / opsOf(rows, group, '@stablelib/siv'), bound: 3, kind: 'atLeast' });
    out.push({ what: `${group}: ${ct} ÷ @noble/ciphers aessiv`, ratio: ctOps / opsOf(rows, group, '@noble/ciphers aessiv'), bound: 1, kind: 'atLeast' });
  }
  for (const size of [32, 1024]) {
    const group = `SHA3-256 ${size} B`;
    if (!has(group)) continue;
    out.push({ what: `${group}: e4ts (wasm) ÷ hash-wasm`, ratio: opsOf(rows, group, 'e4ts (wasm)') / opsOf(rows, group, 'hash-wasm'), bound: 1, kind: 'atLeast' });
  }
  for (const [group, bound] of [[ARGON2_DEFAULT, 0.3], [ARGON2_KEPT, 0.3], [ARGON2_FIRST, 0.6]] as const) {
    if (!has(group)) continue;
    // A time ratio: hash-wasm's rate over e4ts's is e4ts's time over hash-wasm's.
    out.push({ what: `${group}: e4ts (wasm) time ÷ hash-wasm time`, ratio: opsOf(rows, group, 'hash-wasm') / opsOf(rows, group, 'e4ts (wasm)'), bound, kind: 'atMost' });
  }
  if (has(ARGON2_FIRST)) {
    // What this host's page faults alone make of the first call's ratio: no Argon2 goes below it.
    const ratio = opsOf(rows, ARGON2_FIRST, 'hash-wasm') / opsOf(rows, ARGON2_FIRST, FIRST_TOUCH);
    out.push({ what: `${ARGON2_FIRST}: ${FIRST_TOUCH} time ÷ hash-wasm time (the floor on this host)`, ratio, bound: 0.6, kind: 'atMost' });
  }
  return out;
}

await sivBenches();
await batchBenches();
await sha3Benches();
await argon2Benches();
if (only || quick) {
  // A partial or shortened run is for a look, not for the committed results.
  console.log('\n--only/--quick run: bench/results/ left as it was');
} else {
  writeReport('primitives', 'e4ts primitives beside their peers', rows, 'e4ts (wasm)', targets());
  console.log('\nwrote bench/results/primitives.{json,md,svg}');
}
