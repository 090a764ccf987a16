/**
 * The backends every vector and property suite runs on. `useBackend` makes one the active backend
 * of the primitives API for the suite it is called in.
 */
import { beforeAll } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { init } from '../src/backends/select.ts';

export const BACKENDS = ['wasm', 'js'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function useBackend(name: BackendName): { current: Backend } {
  const handle = {} as { current: Backend };
  beforeAll(async () => {
    handle.current = await init({ backend: name, keepArgon2Memory: true });
    if (handle.current.name !== name) throw new Error('asked for ' + name + ', got ' + handle.current.name);
  });
  return handle;
}
