/**
 * System binaries the runtime suites need (Chromium, duktape's `duk`, mosquitto), found one way:
 * the environment variable that names the binary's path, when set; else the command on PATH;
 * else the directories Debian installs it in that a user's PATH may leave out (/usr/sbin).
 *
 * Where one is missing, the suites that need it are skipped (test/runtime/check-installed.ts
 * records each skip for the run's last line), except under CI=true, where they run and fail, so
 * a CI machine set up without it cannot pass.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SystemBinary {
  name: string;
  /** The binary's path, or null when it was not found. */
  path: string | null;
  /** True when the suite should be skipped (missing, and not in CI). */
  skip: boolean;
  /** The Debian package that installs it. */
  aptPackage: string;
  /** The line to show when it is missing. */
  hint: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `env`'s path when set (missing if not executable), else `command` on PATH, else in `dirs`. */
function locate(command: string, env: string, dirs: string[]): string | null {
  const override = process.env[env];
  if (override !== undefined && override !== '') return executable(override) ? override : null;
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...path, ...dirs]) {
    if (executable(join(dir, command))) return join(dir, command);
  }
  return null;
}

export function findSystemBinary(spec: { name: string; command: string; env: string; aptPackage: string; dirs?: string[] }): SystemBinary {
  const path = locate(spec.command, spec.env, spec.dirs ?? []);
  const hint = spec.name + ' not found (`' + spec.command + '` on PATH, or $' + spec.env + '): install it with `apt-get install -y ' + spec.aptPackage + '`';
  const skip = path === null && process.env.CI !== 'true';
  return { name: spec.name, path, skip, aptPackage: spec.aptPackage, hint };
}

export const chromium = (): SystemBinary => findSystemBinary({ name: 'Chromium', command: 'chromium', env: 'CHROMIUM', aptPackage: 'chromium' });
export const duk = (): SystemBinary => findSystemBinary({ name: 'duk', command: 'duk', env: 'DUK', aptPackage: 'duktape' });
export const mosquitto = (): SystemBinary =>
  findSystemBinary({ name: 'mosquitto', command: 'mosquitto', env: 'MOSQUITTO', aptPackage: 'mosquitto', dirs: ['/usr/sbin', '/usr/local/sbin'] });
