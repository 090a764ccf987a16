/**
 * The curves that go with a backend `init()` chose: the WebAssembly curve module with the
 * WebAssembly backend, @noble/curves with the pure-JS one (and wherever the module cannot be
 * compiled). Only the main entry's `init` does this; the symmetric entry has no curve code.
 */
import { E4ErrorCode, isE4Error } from '../errors.ts';
import { setActiveCurves } from '../keys/activeCurves.ts';
import type { Backend } from './backend.ts';
import { compileCurveModule, createWasmCurves, type WasmCurves } from './wasm-curves.ts';

let wasmCurves: Promise<WasmCurves | null> | null = null;

export async function activateCurvesFor(backend: Backend): Promise<void> {
  if (backend.name !== 'wasm') {
    setActiveCurves(null);
    return;
  }
  wasmCurves ??= compileCurveModule().then(createWasmCurves, (e: unknown) => {
    if (isE4Error(e, E4ErrorCode.BackendUnavailable)) return null;
    throw e;
  });
  setActiveCurves(await wasmCurves);
}
