/**
 * miscreant, loaded through require: the typings it ships are its TypeScript sources, which do
 * not compile under this project's settings, so the bench declares the little it uses.
 */
import { createRequire } from 'node:module';

interface MiscreantSiv {
  seal(plaintext: Uint8Array, associatedData: Uint8Array[]): Promise<Uint8Array>;
  open(ciphertext: Uint8Array, associatedData: Uint8Array[]): Promise<Uint8Array>;
}

interface Miscreant {
  PolyfillCryptoProvider: new () => unknown;
  SIV: { importKey(key: Uint8Array, alg: 'AES-SIV', provider: unknown): Promise<MiscreantSiv> };
}

const miscreant = createRequire(import.meta.url)('miscreant') as Miscreant;

/** AES-SIV on miscreant's pure-JS provider (its WebCrypto one has no synchronous path either). */
export function miscreantSiv(sivKey: Uint8Array): Promise<MiscreantSiv> {
  return miscreant.SIV.importKey(sivKey, 'AES-SIV', new miscreant.PolyfillCryptoProvider());
}
