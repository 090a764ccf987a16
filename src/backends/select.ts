/**
 * Chooses the backend: WebAssembly where the runtime validates the core module, the pure-JS one
 * otherwise, or whichever the caller forces. The only module that knows every backend.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { setActiveBackend } from './active.ts';
import type { Backend } from './backend.ts';
import { jsBackend } from './js/index.ts';
import { compileWasmModules, createWasmBackend, wasmSupported, type WasmBackendOptions, type WasmModules } from './wasm.ts';

export type BackendChoice = 'auto' | 'wasm' | 'js';

export interface InitOptions extends WasmBackendOptions {
  /** `auto` (default): WebAssembly when available, else pure JS. */
  backend?: BackendChoice;
}

let pending: Promise<Backend> | null = null;
let pendingKey = '';
let compiled: Promise<WasmModules> | null = null;

function optionsKey(options: InitOptions): string {
  return (options.backend ?? 'auto') + '/' + (options.keepArgon2Memory === true);
}

async function build(options: InitOptions): Promise<Backend> {
  const choice = options.backend ?? 'auto';
  if (choice === 'js') return jsBackend;
  if (!wasmSupported()) {
    if (choice === 'wasm') throw e4Error(E4ErrorCode.BackendUnavailable, 'this runtime cannot run the WebAssembly backend');
    return jsBackend;
  }
  compiled ??= compileWasmModules();
  return createWasmBackend(await compiled, options);
}

/**
 * Prepares e4ts; the one `await` it needs. Concurrent and repeated calls with the same options
 * share one initialisation; a call with other options switches the active backend.
 */
export function init(options: InitOptions = {}): Promise<Backend> {
  const key = optionsKey(options);
  if (pending === null || key !== pendingKey) {
    pendingKey = key;
    const attempt = build(options).then((backend) => {
      if (pendingKey === key) setActiveBackend(backend);
      return backend;
    });
    pending = attempt;
    // A failed initialisation is not memoised: the next call tries again.
    attempt.catch(() => {
      if (pending === attempt) pending = null;
    });
  }
  return pending;
}
