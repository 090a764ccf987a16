/** What the runtime suites require of a runtime's report (test/runtime/vector-suite.ts). */
import { expect } from 'vitest';
import { readVectors } from '../vectors.ts';
import { RUNTIME_BACKENDS, RUNTIME_SECTIONS, type RuntimeReport, type RuntimeSection } from './vector-suite.ts';

/** The number of vectors of each section the run covers, as e4go-vectors.json holds them. */
export function vectorCounts(): Record<RuntimeSection, number> {
  const go = readVectors<Record<string, unknown[]>>('e4go-vectors.json');
  const counts = {} as Record<RuntimeSection, number>;
  for (const section of RUNTIME_SECTIONS) counts[section] = go[section].length;
  return counts;
}

/**
 * Every vector of every section passed on every backend, and both round trips; by default WASM
 * with the AES core `defaultCore` (`ct` in browsers, `table` where `process.versions.node` is).
 */
export function expectCompleteReport(report: RuntimeReport, defaultCore: 'ct' | 'table'): void {
  const counts = vectorCounts();
  expect(report.auto).toBe('wasm-' + defaultCore);
  expect(report.runs.map((run) => run.asked)).toEqual(RUNTIME_BACKENDS.map((b) => b.label));
  for (const run of report.runs) {
    expect(run.failures, run.asked).toEqual([]);
    expect(run.backend).toBe(run.asked);
    expect(run.counts, run.asked).toEqual(counts);
    expect(run.roundTrips, run.asked).toEqual(['symmetric', 'public-key']);
  }
  // Derived in a worker: this thread kept running its timers meanwhile.
  expect(report.asyncDerivation.matches).toBe(true);
  expect(report.asyncDerivation.ticks).toBeGreaterThan(1);
}

/** One line for the test log: the counts of the first run. */
export function summary(report: RuntimeReport): string {
  const total = Object.values(report.runs[0].counts).reduce((a, b) => a + b, 0);
  return total + ' vectors and ' + report.runs[0].roundTrips.length + ' round trips on each of ' + report.runs.map((r) => r.backend).join(', ');
}
