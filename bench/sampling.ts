/**
 * How every bench turns tinybench samples into operations per second.
 *
 * tinybench times each call of a task on its own, subtracts its estimate of the timer's own cost
 * from every sample, and reports as throughput the mean of the per-sample rates. For a call of a
 * few microseconds the subtracted estimate is a large part of each sample, and a mean of rates is
 * pulled up by the fastest samples: a 256-byte AES-SIV open read 1.6 times its rate in a plain
 * loop, and two calls of different lengths were inflated by different factors, so their ratio
 * was off too. Here a sample runs the task enough times to last SAMPLE_MS, and the rate is the
 * calls of all samples over their total time.
 */
import type { Task } from 'tinybench';

/** How long one timed sample lasts at least, in milliseconds. */
const SAMPLE_MS = 0.5;

/** A task's function run `calls` times per sample. */
export interface Sampled {
  run: () => unknown;
  calls: number;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * `fn` repeated so that one call of the result lasts about SAMPLE_MS; `fn` may be async (each call
 * is then awaited before the next). Calibrated on a few calls, which also warm it up.
 */
export async function sampled(fn: () => unknown): Promise<Sampled> {
  const first = fn();
  const isAsync = isThenable(first);
  if (isAsync) await first;
  let calls = 1;
  for (;;) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      const result = fn();
      if (isAsync) await result;
    }
    const elapsed = performance.now() - started;
    if (elapsed >= SAMPLE_MS || calls >= 1 << 20) {
      calls = Math.max(1, Math.ceil((calls * SAMPLE_MS) / Math.max(elapsed, 1e-6)));
      break;
    }
    calls *= 4;
  }
  if (calls === 1) return { run: fn, calls };
  const run = isAsync
    ? async () => {
        for (let i = 0; i < calls; i++) await fn();
      }
    : () => {
        for (let i = 0; i < calls; i++) fn();
      };
  return { run, calls };
}

/** Calls per second of a completed task that ran `calls` calls per sample. */
export function callsPerSecond(task: Task, calls: number): number {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(task.name + ': ' + result.state);
  return (calls * 1000) / result.period;
}
