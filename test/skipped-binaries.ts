/**
 * A vitest reporter that ends the run with one line naming every suite skipped for a missing
 * system binary (the `missing system binary` annotations of test/runtime/check-installed.ts) and
 * the command that installs them all. With every binary present it prints nothing.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { MISSING_BINARY, type MissingBinaryNote } from './runtime/check-installed.ts';

/** For each missing binary, its package and the test files whose suites it skipped. */
export function missingBinaries(modules: ReadonlyArray<TestModule>): Map<string, { aptPackage: string; files: string[] }> {
  const missing = new Map<string, { aptPackage: string; files: string[] }>();
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      for (const annotation of test.annotations()) {
        if (annotation.type !== MISSING_BINARY) continue;
        const note = JSON.parse(annotation.message) as MissingBinaryNote;
        const entry = missing.get(note.name) ?? { aptPackage: note.aptPackage, files: [] };
        if (!entry.files.includes(module.relativeModuleId)) entry.files.push(module.relativeModuleId);
        missing.set(note.name, entry);
      }
    }
  }
  return missing;
}

/** The summary line, or null when nothing was skipped. */
export function skippedLine(missing: Map<string, { aptPackage: string; files: string[] }>): string | null {
  if (missing.size === 0) return null;
  const names = [...missing.keys()].sort();
  const suites = names.map((name) => name + ' (' + missing.get(name)!.files.sort().join(', ') + ')');
  const packages = names.map((name) => missing.get(name)!.aptPackage);
  return 'Skipped for a missing system binary: ' + suites.join('; ') + '. Install with: sudo apt-get install -y ' + packages.join(' ');
}

export default class SkippedBinariesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const line = skippedLine(missingBinaries(modules));
    if (line !== null) process.stdout.write('\n' + line + '\n');
  }
}
