/**
 * System binaries the runtime suites need. Where one is missing the suite prints one line saying
 * how to install it and is skipped, except under CI=true, where it runs and fails on the missing
 * binary, so a CI machine set up without it cannot pass.
 */
import { accessSync, constants } from 'node:fs';

export interface SystemBinary {
  /** The binary's path, or null when none of the candidates is executable. */
  path: string | null;
  /** True when the suite should be skipped (missing, and not in CI). */
  skip: boolean;
  /** The line to show when it is missing. */
  hint: string;
}

export function findSystemBinary(name: string, candidates: string[], aptPackage: string): SystemBinary {
  let path: string | null = null;
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      path = candidate;
      break;
    } catch {
      // not this one
    }
  }
  const hint = name + ' not found (' + candidates.join(', ') + '): install it with `apt-get install -y ' + aptPackage + '`';
  const skip = path === null && process.env.CI !== 'true';
  if (skip) console.log('skipping the ' + name + ' suite: ' + hint);
  return { path, skip, hint };
}
