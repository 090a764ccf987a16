/**
 * `npm run bench:ct`: a dudect-style timing test of both AES cores (Reparaz, Balasch and
 * Verbauwhede, Dude, is my code constant time?, DATE 2017). Each test times one operation on
 * two classes of input, one fixed and one random, interleaved in a random order, and compares
 * the two distributions of times with Welch's t-test, on all samples and on the samples below
 * several percentiles (cropping drops the interrupts and page faults of a shared machine).
 * |t| above 4.5 is evidence that the time depends on the input; below it, no evidence at this
 * sample count. A statistical test, so a bench and not a unit test: a busy machine adds noise,
 * and a cache-timing leak inside a tight loop, where the T-tables stay in L1, may not show.
 *
 * Tests: AES-SIV seal of 64 bytes under one key, plaintext fixed or random (the rounds' data
 * dependence); one AES block under a fixed or a random key (the key schedule, run on every call).
 * Writes bench/results/ct-timing.{json,md}. Options: --quick (fewer samples), --samples <n>.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../src/backends/backend.ts';
import { compileWasmModules, createWasmBackend, type AesCore } from '../src/backends/wasm.ts';
import { machine, RESULTS_DIR } from './report.ts';

const quick = process.argv.includes('--quick');
const samplesAt = process.argv.indexOf('--samples');
const SAMPLES = samplesAt > 0 ? Number(process.argv[samplesAt + 1]) : quick ? 20_000 : 200_000;
const PERCENTILES = [1, 0.9, 0.75, 0.5];
const THRESHOLD = 4.5;

interface Test {
  name: string;
  /** Bytes of one input, and the input of the fixed class. */
  inputBytes: number;
  fixed: Uint8Array;
  /** The call to time on one input. */
  prepare: (backend: Backend) => (input: Uint8Array) => void;
}

const SIV_KEY = new Uint8Array(randomBytes(64));
const AD = [new Uint8Array(8)];
const FIXED_PLAINTEXT = new Uint8Array(64);
const FIXED_KEY = new Uint8Array(randomBytes(32));
const BLOCK = new Uint8Array(16);

const TESTS: Test[] = [
  {
    name: 'AES-SIV seal 64 B, plaintext fixed vs random',
    inputBytes: 64,
    fixed: FIXED_PLAINTEXT,
    prepare: (backend) => {
      const out = new Uint8Array(80);
      return (pt) => void backend.sivSeal(SIV_KEY, AD, pt, out);
    },
  },
  {
    name: 'AES-256 block, key fixed vs random',
    inputBytes: 32,
    fixed: FIXED_KEY,
    prepare: (backend) => (key) => void backend.parts.aesEncryptBlock(key, BLOCK),
  },
];

/** Welch's t statistic of two samples. */
function welchT(a: Float64Array, b: Float64Array): number {
  const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
  const variance = (x: Float64Array, m: number) => x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1);
  const ma = mean(a);
  const mb = mean(b);
  return (ma - mb) / Math.sqrt(variance(a, ma) / a.length + variance(b, mb) / b.length);
}

interface Result {
  test: string;
  core: AesCore;
  samples: number;
  /** |t| on all samples, then below each cropping percentile. */
  t: { percentile: number; t: number }[];
  maxAbsT: number;
  medianNs: number;
}

function measure(test: Test, core: AesCore, backend: Backend): Result {
  const run = test.prepare(backend);
  const classes = Uint8Array.from({ length: SAMPLES }, () => (Math.random() < 0.5 ? 1 : 0));
  // Both classes' inputs are views of one buffer, laid out alike: only their contents differ.
  const n = test.inputBytes;
  const all = new Uint8Array(randomBytes(SAMPLES * n));
  const prepared = Array.from(classes, (c, i) => {
    const input = all.subarray(i * n, (i + 1) * n);
    if (c === 1) input.set(test.fixed);
    return input;
  });
  for (let i = 0; i < 2000; i++) run(prepared[i % prepared.length]);
  const times = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const input = prepared[i];
    const start = process.hrtime.bigint();
    run(input);
    times[i] = Number(process.hrtime.bigint() - start);
  }
  const sorted = Float64Array.from(times).sort();
  const t = PERCENTILES.map((percentile) => {
    const cut = sorted[Math.min(sorted.length - 1, Math.floor(percentile * sorted.length))];
    const fixed: number[] = [];
    const random: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      if (percentile < 1 && times[i] > cut) continue;
      (classes[i] === 1 ? fixed : random).push(times[i]);
    }
    return { percentile, t: welchT(Float64Array.from(fixed), Float64Array.from(random)) };
  });
  return { test: test.name, core, samples: SAMPLES, t, maxAbsT: Math.max(...t.map((x) => Math.abs(x.t))), medianNs: sorted[sorted.length >> 1] };
}

async function main(): Promise<void> {
  const modules = await compileWasmModules();
  const results: Result[] = [];
  for (const test of TESTS) {
    for (const core of ['table', 'ct'] as const) {
      const result = measure(test, core, createWasmBackend(modules, { aes: core }));
      results.push(result);
      const verdict = result.maxAbsT > THRESHOLD ? 'timing depends on the input' : 'no evidence of dependence';
      console.log(`${test.name.padEnd(46)} ${core.padEnd(6)} max |t| ${result.maxAbsT.toFixed(2).padStart(7)}  ${verdict}`);
    }
  }
  if (quick) {
    console.log('\n--quick run: bench/results/ left as it was');
    return;
  }
  writeFileSync(join(RESULTS_DIR, 'ct-timing.json'), JSON.stringify({ title: 'dudect-style timing test of the AES cores', machine: machine(), threshold: THRESHOLD, results }, null, 2) + '\n');
  const lines = [
    '# Timing test of the AES cores (dudect style)',
    '',
    `Welch's t between fixed and random inputs, ${SAMPLES.toLocaleString('en')} calls per test, interleaved at random; |t| > ${THRESHOLD} is evidence that the time depends on the input. \`npm run bench:ct\`; see bench/ct-timing.ts for the method and its limits.`,
    '',
    '| test | core | median ns/call | t (all) | t (< p90) | t (< p75) | t (< p50) | max \\|t\\| | verdict |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...results.map(
      (r) =>
        `| ${r.test} | ${r.core} | ${Math.round(r.medianNs)} | ${r.t.map((x) => x.t.toFixed(2)).join(' | ')} | ${r.maxAbsT.toFixed(2)} | ${r.maxAbsT > THRESHOLD ? 'depends on the input' : 'no evidence'} |`,
    ),
  ];
  writeFileSync(join(RESULTS_DIR, 'ct-timing.md'), lines.join('\n') + '\n');
  console.log('\nwrote bench/results/ct-timing.{json,md}');
}

await main();
