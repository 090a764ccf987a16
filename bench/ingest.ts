/**
 * `npm run bench:ingest`: what an ingestion server reads per second. Symmetric unprotect at 64,
 * 256, 1024 and 16384-byte payloads and public-key unprotect at 256 bytes, one `unprotect` call
 * per message against one `unprotectPacked` call per batch, on the wasm, js and native backends
 * and on `auto` (the native backend with this run's thresholds: AES-SIV open and seal and
 * SHA3-256 below their crossovers on WebAssembly), each with messages/s, MB/s (payload bytes) and the ratio to the Go
 * client (e4go). Signatures are checked by the backend's own curve provider (WebAssembly,
 * @noble/curves, node:crypto).
 *
 * Writes bench/results/ingest.{json,md,svg} and bench/results/thresholds.json (per operation,
 * the smallest input from which the native backend beats WebAssembly's, with the sweeps and the
 * machine and date they were measured on). Prints the heap bytes per message of a 100,000-message packed batch
 * on the wasm and js backends (bench/heap.ts, in a child process).
 *
 * Options:
 *   --go <path>  the Go client's figures, measured on this machine, as JSON:
 *                  { "machine"?: string,
 *                    "symmetric": { "64": msgPerSec, "256": …, "1024": …, "16384": … },
 *                    "publicKey": { "256": msgPerSec } }
 *                Without it the ratios are to the figures of issue 6, measured on another
 *                machine: indicative only (absolute figures drift by up to 30% between machines).
 *   --quick      shorter runs and one round, for a look (results are still written).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { setActiveBackend } from '../src/backends/active.ts';
import type { Backend } from '../src/backends/backend.ts';
import { createNativeCurves } from '../src/backends/native-curves.ts';
import { initNative, type NativeThresholds } from '../src/backends/native-init.ts';
import { init } from '../src/backends/select.ts';
import type { AesCore } from '../src/backends/wasm.ts';
import { compileCurveModule, createWasmCurves } from '../src/backends/wasm-curves.ts';
import { createPackedResults, unprotectPacked } from '../src/client/batch.ts';
import { nobleCurves, type CurveProvider } from '../src/keys/curves.ts';
import type { PoolBackend } from '../src/pool/messages.ts';
import { packed, publicKeyFleet, symmetricFleet, TOPICS } from './fleet.ts';
import { HEAP_BATCH, heapBytesPerMessageInChild } from './heap.ts';
import { poolRows } from './pool.ts';
import { RESULTS_DIR, opsOf, writeReport, type Row, type Target } from './report.ts';
import { callsPerSecond, sampled } from './sampling.ts';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 60 : 400;
const SIZES = [64, 256, 1024, 16384];
const PK_SIZE = 256;
/** Payload bytes per timed call: the batch holds about this much, and at least MIN_BATCH messages. */
const BATCH_BYTES = 256 * 1024;
const MIN_BATCH = 16;
const PK_BATCH = 64;

/**
 * `wasm` runs the table AES core and `wasm-ct` the constant-time one; `auto`: the native backend
 * with AES-SIV open chosen by size from this run's thresholds.
 */
type BackendName = 'wasm' | 'wasm-ct' | 'js' | 'native' | 'auto';
const BACKENDS: BackendName[] = ['wasm', 'wasm-ct', 'js', 'native', 'auto'];
let thresholds: NativeThresholds = { sivOpenNativeFromBytes: null };

// ---- the Go client's figures ----

interface GoFigures {
  label: string;
  symmetric: Record<string, number>;
  publicKey: Record<string, number>;
}

/** Issue 6: e4go, Go 1.19, AES-NI, one core, 2026-11-25, on another machine. */
const GO_INDICATIVE: GoFigures = {
  label: 'Go client (indicative, other machine)',
  symmetric: { '64': 494_000, '256': 431_000, '1024': 245_000, '16384': 22_800 },
  publicKey: { '256': 26_800 },
};

function goFigures(): GoFigures {
  const at = process.argv.indexOf('--go');
  if (at < 0) return GO_INDICATIVE;
  const path = process.argv[at + 1];
  if (path === undefined) throw new Error('--go expects the path of a JSON figures file');
  const json = JSON.parse(readFileSync(path, 'utf8')) as Partial<GoFigures> & { machine?: string };
  const need = (table: Record<string, number> | undefined, size: number, what: string): void => {
    if (table === undefined || typeof table[String(size)] !== 'number') throw new Error(`${path}: no ${what} figure for ${size} B`);
  };
  for (const size of SIZES) need(json.symmetric, size, 'symmetric');
  need(json.publicKey, PK_SIZE, 'publicKey');
  return {
    label: 'Go client (this machine' + (json.machine ? ', ' + json.machine : '') + ')',
    symmetric: json.symmetric!,
    publicKey: json.publicKey!,
  };
}

const go = goFigures();

// ---- measuring ----

const rows: Row[] = [];

/**
 * The backends' rows are measured in ROUNDS rounds, the backends in another order each round,
 * and each row is the round with the median rate: the backend measured first in a process pays
 * for the JIT warm-up of the client code all of them share, and the machine's speed drifts.
 */
const ROUNDS = quick ? 1 : 3;
const roundsOf = new Map<string, Row[]>();

/** Messages/s of `run`, which reads `count` messages per call, kept as one round of its row. */
async function measure(group: string, impl: string, bytes: number, count: number, run: () => void): Promise<void> {
  const bench = new Bench({ time: TIME_MS, iterations: 5, warmupTime: 20, warmupIterations: 2, throws: true });
  bench.add(impl, run);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(group + ' / ' + impl + ': ' + result.state);
  const perSec = callsPerSecond(bench.tasks[0], 1) * count;
  const key = group + '\0' + impl;
  if (!roundsOf.has(key)) roundsOf.set(key, []);
  roundsOf.get(key)!.push({ group, impl, opsPerSec: perSec, bytes, rme: result.latency.rme, samples: result.latency.samples?.length ?? result.latency.df + 1 });
  console.log(`${group.padEnd(22)} ${impl.padEnd(40)} ${Math.round(perSec).toLocaleString('en').padStart(11)} msg/s  ${((perSec * bytes) / 1e6).toFixed(1).padStart(7)} MB/s`);
}

/** One row per measurement: its median round (rounds are odd in number). */
function medianRounds(): Row[] {
  return [...roundsOf.values()].map((runs) => [...runs].sort((a, b) => a.opsPerSec - b.opsPerSec)[runs.length >> 1]);
}

/** Makes `name` the active backend; returns the one whose `sivOpen` it runs. */
async function useBackend(name: BackendName): Promise<Backend> {
  if (name === 'native') return (await initNative({ backend: 'wasm' })) as unknown as Backend;
  if (name === 'auto') return (await initNative({ backend: 'wasm', thresholds })) as unknown as Backend;
  const backend = await init(name === 'js' ? { backend: 'js' } : { backend: 'wasm', aes: name === 'wasm-ct' ? 'ct' : 'table' });
  // `init` with unchanged options does not switch back after `initNative`.
  setActiveBackend(backend);
  return backend;
}

function symmetricGroup(size: number): string {
  return `symmetric ${size} B`;
}
const PK_GROUP = `public-key ${PK_SIZE} B`;

async function symmetricBenches(backend: BackendName): Promise<void> {
  const { client, topics } = symmetricFleet();
  for (const size of SIZES) {
    const count = Math.max(MIN_BATCH, Math.floor(BATCH_BYTES / size));
    const payload = new Uint8Array(size).fill(0x5a);
    const messages: Uint8Array[] = [];
    const messageTopics: string[] = [];
    for (let i = 0; i < count; i++) {
      messageTopics.push(topics[i % TOPICS]);
      messages.push(client.protect(payload, messageTopics[i]));
    }
    const batch = packed(messages, topics, (i) => i % TOPICS);
    const out = new Uint8Array(batch.data.length);
    const results = createPackedResults(count);
    await measure(symmetricGroup(size), `${backend} single`, size, count, () => {
      for (let i = 0; i < count; i++) client.unprotect(messages[i], messageTopics[i]);
    });
    await measure(symmetricGroup(size), `${backend} batch`, size, count, () => {
      if (unprotectPacked(client, batch, out, results) !== count) throw new Error('batch failed');
    });
  }
  client.destroy();
}

async function publicKeyBenches(backend: BackendName, curves: CurveProvider, curvesName: string): Promise<void> {
  const { client, topic } = publicKeyFleet(curves);
  const payload = new Uint8Array(PK_SIZE).fill(0x5a);
  const messages: Uint8Array[] = [];
  for (let i = 0; i < PK_BATCH; i++) messages.push(client.protect(payload, topic));
  await measure(PK_GROUP, `${backend} single (verify: ${curvesName})`, PK_SIZE, PK_BATCH, () => {
    for (let i = 0; i < PK_BATCH; i++) client.unprotect(messages[i], topic);
  });
  const batch = packed(messages, [topic], () => 0);
  const out = new Uint8Array(batch.data.length);
  const results = createPackedResults(PK_BATCH);
  await measure(PK_GROUP, `${backend} batch (verify: ${curvesName})`, PK_SIZE, PK_BATCH, () => {
    if (unprotectPacked(client, batch, out, results) !== PK_BATCH) throw new Error('batch failed');
  });
  client.destroy();
}

// ---- thresholds for `auto` ----

const SIV_SWEEP = [256, 512, 1024, 2048, 4096, 8192, 16384];
const SHA3_SWEEP = [32, 128, 512, 2048, 8192, 16384];

/** Operations per second of `fn`, briefly. */
async function rate(fn: () => unknown): Promise<number> {
  const { run, calls } = await sampled(fn);
  const bench = new Bench({ time: quick ? 40 : 80, iterations: 20, warmupTime: 10, throws: true });
  bench.add('op', run);
  await bench.run();
  return callsPerSecond(bench.tasks[0], calls);
}

/**
 * The smallest swept input size from which native beats WebAssembly at `operation` at every
 * larger swept size too, or null; `make(size)` returns the native and wasm calls at that size.
 */
async function crossover(
  operation: string,
  sizes: readonly number[],
  make: (size: number) => { native: () => unknown; wasm: () => unknown },
): Promise<{ from: number | null; sweep: unknown[] }> {
  const sweep: { bytes: number; nativeOpsPerSec: number; wasmOpsPerSec: number }[] = [];
  for (const size of sizes) {
    const calls = make(size);
    const n = await rate(calls.native);
    const w = await rate(calls.wasm);
    sweep.push({ bytes: size, nativeOpsPerSec: Math.round(n), wasmOpsPerSec: Math.round(w) });
    console.log(`${operation.padEnd(8)} ${String(size).padStart(5)} B   native ${Math.round(n).toLocaleString('en').padStart(10)}/s   wasm ${Math.round(w).toLocaleString('en').padStart(10)}/s`);
  }
  let from: number | null = null;
  for (let i = sweep.length - 1; i >= 0 && sweep[i].nativeOpsPerSec > sweep[i].wasmOpsPerSec; i--) from = sweep[i].bytes;
  return { from, sweep };
}

async function measureThresholds(wasm: Backend, native: Backend) {
  const key = new Uint8Array(randomBytes(64));
  const ads = [new Uint8Array(randomBytes(8))];
  const open = await crossover('sivOpen', SIV_SWEEP, (size) => {
    const sealed = wasm.sivSeal(key, ads, new Uint8Array(randomBytes(size)));
    const out = new Uint8Array(size);
    return { native: () => native.sivOpen(key, ads, sealed, out), wasm: () => wasm.sivOpen(key, ads, sealed, out) };
  });
  const seal = await crossover('sivSeal', SIV_SWEEP, (size) => {
    const plaintext = new Uint8Array(randomBytes(size));
    const out = new Uint8Array(size + 16);
    return { native: () => native.sivSeal(key, ads, plaintext, out), wasm: () => wasm.sivSeal(key, ads, plaintext, out) };
  });
  const sha3 = await crossover('sha3_256', SHA3_SWEEP, (size) => {
    const data = new Uint8Array(randomBytes(size));
    return { native: () => native.sha3_256(data), wasm: () => wasm.sha3_256(data) };
  });
  return {
    thresholds: { sivOpenNativeFromBytes: open.from, sivSealNativeFromBytes: seal.from, sha3NativeFromBytes: sha3.from },
    sweeps: { sivOpen: open.sweep, sivSeal: seal.sweep, sha3_256: sha3.sweep },
  };
}

// ---- run ----

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}; reference: ${go.label}\n`);
  console.log('native against wasm, per operation and size (for the `auto` thresholds):');
  const wasm = await init({ backend: 'wasm', aes: 'table' });
  const native = (await initNative({ backend: 'wasm', aes: 'table' })) as unknown as Backend;
  const measured = await measureThresholds(wasm, native);
  const thresholdsFile = {
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, arch: process.arch },
    date: new Date().toISOString(),
    ...measured.thresholds,
    sweeps: measured.sweeps,
  };
  writeFileSync(join(RESULTS_DIR, 'thresholds.json'), JSON.stringify(thresholdsFile, null, 2) + '\n');
  thresholds = measured.thresholds;
  const fromText = (from: number | null | undefined) => (from == null ? 'none of the swept sizes' : from + ' B');
  const thresholdsText =
    `native beats wasm from: AES-SIV open ${fromText(thresholds.sivOpenNativeFromBytes)}, ` +
    `seal ${fromText(thresholds.sivSealNativeFromBytes)}, SHA3-256 ${fromText(thresholds.sha3NativeFromBytes)}`;
  console.log(thresholdsText);

  const wasmCurves = createWasmCurves(await compileCurveModule());
  const nativeCurves = createNativeCurves();
  const curvesOf: Record<BackendName, [CurveProvider, string]> = {
    wasm: [wasmCurves, 'wasm'],
    'wasm-ct': [wasmCurves, 'wasm'],
    js: [nobleCurves, '@noble/curves'],
    native: [nativeCurves, 'node:crypto'],
    auto: [nativeCurves, 'node:crypto'],
  };
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`\nround ${round + 1} of ${ROUNDS}:`);
    for (let i = 0; i < BACKENDS.length; i++) {
      const backend = BACKENDS[(i + round) % BACKENDS.length];
      await useBackend(backend);
      await symmetricBenches(backend);
      await publicKeyBenches(backend, ...curvesOf[backend]);
    }
  }
  // In the first round's order, which is BACKENDS'.
  rows.push(...medianRounds());
  // The pool against `unprotectPacked` on one core, measured in turns in the same rounds.
  console.log('\ningestion pool, 1 and 2 workers, against one core:');
  // `native` with this run's thresholds is the `auto` backend.
  const poolRuns: { backend: PoolBackend; name: string; aes?: AesCore }[] = [
    { backend: 'wasm', name: 'wasm', aes: 'table' },
    { backend: 'wasm', name: 'wasm-ct', aes: 'ct' },
    { backend: 'js', name: 'js' },
    { backend: 'native', name: 'auto', aes: 'table' },
  ];
  for (const { backend, name, aes } of poolRuns) {
    const poolRun = await poolRows({ backend, aes, thresholds: backend === 'native' ? thresholds : undefined, name, quick, log: console.log });
    rows.push(...poolRun.map((r) => (r.impl.endsWith(' packed') ? { ...r, impl: `${name} batch (pool's run)` } : r)));
  }

  // The Go client's rows, one per group, as the reference of every ratio.
  for (const size of SIZES) {
    rows.push({ group: symmetricGroup(size), impl: go.label, opsPerSec: go.symmetric[String(size)], bytes: size, rme: 0, samples: 0 });
  }
  rows.push({ group: PK_GROUP, impl: go.label, opsPerSec: go.publicKey[String(PK_SIZE)], bytes: PK_SIZE, rme: 0, samples: 0 });

  const heap: Record<string, number> = {};
  for (const backend of ['wasm', 'js'] as const) {
    heap[backend] = await heapBytesPerMessageInChild(backend);
    console.log(`heap per message, ${HEAP_BATCH.toLocaleString('en')}-message packed batch, ${backend}: ${heap[backend].toFixed(1)} bytes`);
  }

  const best = (group: string, suffix: string): number =>
    Math.max(...rows.filter((r) => r.group === group && r.impl.includes(suffix)).map((r) => r.opsPerSec));
  const ratio = (group: string, suffix: string): number => best(group, suffix) / opsOf(rows, group, go.label);
  const targets: Target[] = [
    { what: 'symmetric 256 B batch (best backend) / Go', ratio: ratio(symmetricGroup(256), ' batch'), bound: 1.5, kind: 'atLeast' },
    { what: 'symmetric 256 B wasm-ct batch (constant-time AES) / Go', ratio: ratio(symmetricGroup(256), 'wasm-ct batch'), bound: 1.5, kind: 'atLeast' },
    { what: 'symmetric 256 B single (best backend) / Go', ratio: ratio(symmetricGroup(256), ' single'), bound: 1.0, kind: 'atLeast' },
    { what: 'symmetric 16 KiB native batch / Go', ratio: ratio(symmetricGroup(16384), 'native batch'), bound: 1.0, kind: 'atLeast' },
    { what: 'public-key 256 B single (best backend) / Go', ratio: ratio(PK_GROUP, ' single'), bound: 0.6, kind: 'atLeast' },
    {
      what: 'symmetric 256 B wasm pool ×2 / one core (same rounds)',
      ratio: opsOf(rows, symmetricGroup(256), 'wasm pool ×2') / opsOf(rows, symmetricGroup(256), "wasm batch (pool's run)"),
      bound: 1.8,
      kind: 'atLeast',
    },
  ];
  writeReport('ingest', 'Ingestion: unprotect messages/s, single call and batch, per backend', rows, go.label, targets);
  writeFileSync(join(RESULTS_DIR, 'ingest.svg'), lineChartSvg(rows) + '\n');
  const extra = [
    '',
    go === GO_INDICATIVE
      ? `The Go figures are issue 6's, measured on another machine: the ratios to them are indicative only.`
      : `The Go figures were read from a file measured on this machine.`,
    '',
    `Heap bytes per message of a ${HEAP_BATCH.toLocaleString('en')}-message \`unprotectPacked\` batch (64 B, \`out\` and results reused; bench/heap.ts): ` +
      `wasm ${heap.wasm.toFixed(1)}, js ${heap.js.toFixed(1)}.`,
    '',
    `The \`auto\` backend's thresholds, this run: ${thresholdsText} (bench/results/thresholds.json).`,
    '',
  ].join('\n');
  writeFileSync(join(RESULTS_DIR, 'ingest.md'), readFileSync(join(RESULTS_DIR, 'ingest.md'), 'utf8') + extra);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

// ---- chart: messages/s against payload size, one line per backend and mode ----

const COLORS = ['#1f6feb', '#8250df', '#bf3989', '#cf222e', '#9a6700', '#1a7f37', '#57606a'];

function lineChartSvg(all: readonly Row[]): string {
  const sym = all.filter((r) => r.group.startsWith('symmetric'));
  const series = [...new Set(sym.map((r) => r.impl))];
  const W = 720;
  const H = 420;
  const left = 80;
  const right = 250;
  const top = 40;
  const bottom = 50;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const maxOps = Math.max(...sym.map((r) => r.opsPerSec));
  const minOps = Math.min(...sym.map((r) => r.opsPerSec));
  const lo = Math.floor(Math.log10(minOps));
  const hi = Math.ceil(Math.log10(maxOps));
  const xOf = (size: number) => left + (SIZES.indexOf(size) / (SIZES.length - 1)) * plotW;
  const yOf = (ops: number) => top + plotH - ((Math.log10(ops) - lo) / (hi - lo)) * plotH;
  const parts: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const y = yOf(10 ** e);
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  for (const size of SIZES) {
    parts.push(`<text x="${xOf(size)}" y="${top + plotH + 18}" text-anchor="middle">${size} B</text>`);
  }
  series.forEach((impl, i) => {
    const points = SIZES.map((size) => sym.find((r) => r.impl === impl && r.group === symmetricGroup(size)))
      .filter((r): r is Row => r !== undefined)
      .map((r) => `${xOf(r.bytes).toFixed(1)},${yOf(r.opsPerSec).toFixed(1)}`);
    const color = impl.startsWith('Go') ? '#000' : COLORS[i % COLORS.length];
    const dash = impl.includes('single') ? ' stroke-dasharray="5,3"' : '';
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    const ly = top + 10 + i * 18;
    parts.push(`<line x1="${left + plotW + 15}" y1="${ly}" x2="${left + plotW + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${left + plotW + 45}" y="${ly + 4}">${impl.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Symmetric unprotect: messages/s against payload size (log scale)</text>`,
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    ...parts,
    `<text x="${left + plotW / 2}" y="${H - 10}" text-anchor="middle">payload</text>`,
    '</svg>',
  ].join('\n');
}

await main();
