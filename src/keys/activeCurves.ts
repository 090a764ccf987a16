/**
 * The curve implementation public-key clients use: @noble/curves until `init()` has chosen the
 * WebAssembly backend, then the curve module (src/backends/wasm-curves.ts: 13 times faster, and
 * more than 30 times on signatures from signers it has seen before). Both give Go's verdicts.
 * Clients hold `currentCurves`, which asks for the active implementation at each call, so a
 * client made before `init()` finishes speeds up once it has.
 */
import { nobleCurves, type CurveProvider } from './curves.ts';

let active: CurveProvider = nobleCurves;

/** Makes `curves` (null: @noble/curves) the implementation of `currentCurves`. */
export function setActiveCurves(curves: CurveProvider | null): void {
  active = curves === null ? nobleCurves : curves;
}

export function activeCurves(): CurveProvider {
  return active;
}

/** The active implementation, looked up at each call. */
export const currentCurves: CurveProvider = {
  ed25519PrivateKeyFromSeed: (seed) => active.ed25519PrivateKeyFromSeed(seed),
  ed25519PublicKey: (seed) => active.ed25519PublicKey(seed),
  ed25519Sign: (privateKey, message) => active.ed25519Sign(privateKey, message),
  ed25519Verify: (publicKey, message, signature) => active.ed25519Verify(publicKey, message, signature),
  x25519: (privateKey, publicKey) => active.x25519(privateKey, publicKey),
  x25519PublicKey: (privateKey) => active.x25519PublicKey(privateKey),
  edPrivateToCurve: (privateKey) => active.edPrivateToCurve(privateKey),
  edPublicToCurve: (publicKey) => active.edPublicToCurve(publicKey),
  generateEd25519KeyPair: () => active.generateEd25519KeyPair(),
  generateX25519KeyPair: () => active.generateX25519KeyPair(),
};
