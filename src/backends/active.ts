/**
 * The backend the primitives use, set once by whoever initialises e4ts: `init()` for the
 * package (WASM or pure JS), the embedded build's entry for microcontrollers (pure JS only).
 * Kept apart from the selection logic so that code using the primitives does not pull every
 * backend, and the WASM bytes, into a bundle that cannot use them.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { Backend } from './backend.ts';

/**
 * What the primitives call on a backend. Its building blocks (`parts`) are for the tests of each
 * backend, so a backend built only to be active, such as the embedded build's, may leave them out.
 */
export type ActiveBackend = Omit<Backend, 'parts'>;

let active: ActiveBackend | null = null;

/** Makes `backend` the one the primitives use; the previous one's key cache is wiped. */
export function setActiveBackend(backend: ActiveBackend): void {
  if (active !== null && active !== backend) active.wipeKeyCache();
  active = backend;
}

/** The backend in use; `NotInitialized` before one is set. */
export function activeBackend(): ActiveBackend {
  if (active === null) throw e4Error(E4ErrorCode.NotInitialized, 'call and await init() before using e4ts');
  return active;
}
