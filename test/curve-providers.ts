/**
 * The curve providers every curve suite runs on: @noble/curves, the WebAssembly module
 * (src/backends/wasm-curves.ts) and node:crypto (src/backends/native-curves.ts). The WebAssembly
 * one is compiled once and shared by the suites.
 */
import { nativeCurves } from '../src/backends/native-curves.ts';
import { compileCurveModule, createWasmCurves, type WasmCurves } from '../src/backends/wasm-curves.ts';
import { nobleCurves, type CurveProvider } from '../src/keys/curves.ts';

export const CURVE_PROVIDERS = ['noble', 'wasm', 'native'] as const;
export type CurveProviderName = (typeof CURVE_PROVIDERS)[number];

let wasm: Promise<WasmCurves> | null = null;

export function wasmCurves(): Promise<WasmCurves> {
  wasm ??= compileCurveModule().then(createWasmCurves);
  return wasm;
}

export async function curveProvider(name: CurveProviderName): Promise<CurveProvider> {
  return name === 'noble' ? nobleCurves : name === 'native' ? nativeCurves : wasmCurves();
}
