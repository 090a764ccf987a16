/**
 * The test "<binary> is installed" of each test file whose suites need a system binary: where the
 * binary is missing it prints how to install it and records the skip as a `missing system
 * binary` annotation, which test/skipped-binaries.ts sums up in the run's last line; under
 * CI=true it fails instead.
 */
import { it } from 'vitest';
import type { SystemBinary } from './binaries.ts';

export const MISSING_BINARY = 'missing system binary';

/** The annotation's message, as JSON: what the summary line names. */
export interface MissingBinaryNote {
  name: string;
  aptPackage: string;
}

/** Call at the top level of each test file whose suites need `binary`. */
export function checkInstalled(binary: SystemBinary): void {
  if (binary.skip) console.log('skipping the suites that need ' + binary.name + ': ' + binary.hint);
  it(binary.name + ' is installed (required when CI=true)', async ({ annotate }) => {
    if (binary.path !== null) return;
    if (!binary.skip) throw new Error(binary.hint);
    const note: MissingBinaryNote = { name: binary.name, aptPackage: binary.aptPackage };
    await annotate(JSON.stringify(note), MISSING_BINARY);
  });
}
