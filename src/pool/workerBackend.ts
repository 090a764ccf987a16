/**
 * What a pool worker computes with: the backend it initialises, and in public-key mode the key
 * mode on the curves that go with that backend (WebAssembly's own curve module, @noble/curves
 * for pure JS, node:crypto for native), all of which give the Go client's verdicts.
 */
import { initNative, type NativeThresholds } from '../backends/native-init.ts';
import { nativeCurves } from '../backends/native-curves.ts';
import { init } from '../backends/select.ts';
import type { AesCore, WasmBackend } from '../backends/wasm.ts';
import type { KeyMode } from '../client/mode.ts';
import { publicKeyModeOn } from '../client/publicKey.ts';
import { symmetricMode } from '../client/symmetric.ts';
import { activeCurves } from '../keys/activeCurves.ts';
import type { CurveProvider } from '../keys/curves.ts';
import type { PoolBackend } from './messages.ts';

export interface PreparedWorker {
  /** The key mode a client of the pool's mode runs on. */
  mode: KeyMode;
  /** The WebAssembly AES core the worker runs; null: none (the pure-JS backend's tables). */
  aes: AesCore | null;
}

/** Initialises `backend` in this thread, with WebAssembly's AES core `aes` where it has one. */
export async function prepareWorker(
  backend: PoolBackend,
  thresholds: NativeThresholds | undefined,
  aes: AesCore | undefined,
  publicKey: boolean,
): Promise<PreparedWorker> {
  // initNative builds on the same initialisation, which runs the sizes it leaves to WebAssembly.
  const base = await init({ backend: backend === 'native' ? 'auto' : backend, aes });
  if (backend === 'native') await initNative({ thresholds, aes });
  return {
    mode: publicKey ? publicKeyModeOn(curvesFor(backend)) : symmetricMode,
    aes: (base as Partial<WasmBackend>).aes ?? null,
  };
}

/**
 * The curves that go with `backend` once it is initialised: node:crypto's for native, else the
 * ones `init()` made active (bench/pool.ts checks signatures on the main thread with them too).
 */
export function curvesFor(backend: PoolBackend): CurveProvider {
  return backend === 'native' ? nativeCurves : activeCurves();
}
