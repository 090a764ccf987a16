/**
 * `initNative` of the Node entry: makes the native backend (src/backends/native.ts) the one the
 * primitives use, with Argon2 from the backend `init()` chooses (WebAssembly, or pure JS).
 */
import { setActiveBackend } from './active.ts';
import type { Backend } from './backend.ts';
import { createNativeBackend, type NativeBackend } from './native.ts';
import { init, type InitOptions } from './select.ts';

/** The options of `init()`, which choose the backend that computes Argon2 for the native one. */
export type InitNativeOptions = InitOptions;

const nativeOf = new WeakMap<Backend, NativeBackend>();

/**
 * Prepares e4ts with the native backend: AES-SIV and SHA3-256 on node:crypto (Node only).
 * Awaits `init(options)` for the backend that computes Argon2, then makes the native backend
 * active. One native backend is made per backend `init` returns, so calls that get the same one
 * from `init` share it.
 *
 * `init()` shares one settled initialisation per set of options, and makes its backend active
 * only when that initialisation settles: after `initNative(options)`, `init(options)` returns
 * the WebAssembly or pure-JS backend without making it active again, while `init()` with other
 * options does switch.
 */
export async function initNative(options: InitNativeOptions = {}): Promise<NativeBackend> {
  const base = await init(options);
  let native = nativeOf.get(base);
  if (native === undefined) {
    native = createNativeBackend(base);
    nativeOf.set(base, native);
  }
  // The primitives call only the operations; `Backend['name']` lists the portable backends.
  setActiveBackend(native);
  return native;
}
