/**
 * The backends every vector and property suite runs on: the WebAssembly backend with each of its
 * AES cores, and the pure-JS one. `useBackend` makes one the active backend of the primitives API
 * for the suite it is called in.
 */
import { beforeAll } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { init, type InitOptions } from '../src/backends/select.ts';
import type { WasmBackend } from '../src/backends/wasm.ts';

export const BACKENDS = ['wasm', 'wasm-ct', 'js'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The `init` options of each name: `wasm` is the table core, `wasm-ct` the constant-time one. */
export const BACKEND_OPTIONS: Record<BackendName, InitOptions> = {
  wasm: { backend: 'wasm', aes: 'table' },
  'wasm-ct': { backend: 'wasm', aes: 'ct' },
  js: { backend: 'js' },
};

export function useBackend(name: BackendName): { current: Backend } {
  const handle = {} as { current: Backend };
  beforeAll(async () => {
    const options = BACKEND_OPTIONS[name];
    handle.current = await init({ ...options, keepArgon2Memory: true });
    const aes = handle.current.name === 'wasm' ? (handle.current as WasmBackend).aes : undefined;
    if (handle.current.name !== options.backend || aes !== options.aes) {
      throw new Error('asked for ' + name + ', got ' + handle.current.name + (aes === undefined ? '' : ' (' + aes + ')'));
    }
  });
  return handle;
}
