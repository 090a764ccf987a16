/**
 * The pure-TypeScript backend: the fallback where WebAssembly is unavailable, and the one the
 * embedded (ES5) build uses.
 */

import type { Backend } from '../backend.ts';
import { aesEncryptBlock } from './aes.ts';
import { argon2 } from './argon2.ts';
import { cmac, dbl } from './cmac.ts';
import { aesCtr } from './ctr.ts';
import { sha3_256 } from './keccak.ts';
import { sivOpen, sivSeal, wipeSivKeys } from './siv.ts';
import { sivOpenPacked } from './sivPacked.ts';

/**
 * The pure-JS backend with `argon2Impl` as its Argon2: the package's own below, or `noArgon2`
 * for an entry point that leaves Argon2 (and BLAKE2b) out of its bundle.
 */
export function createJsBackend(argon2Impl: Backend['argon2']): Backend {
  return {
    name: 'js',
    sivSeal: sivSeal,
    sivOpen: sivOpen,
    sivOpenPacked: sivOpenPacked,
    sha3_256: sha3_256,
    argon2: argon2Impl,
    wipeKeyCache: wipeSivKeys,
    parts: {
      aesEncryptBlock: aesEncryptBlock,
      aesCtr: aesCtr,
      cmac: cmac,
      dbl: dbl,
    },
  } satisfies Backend;
}

/** The pure-JS backend, Argon2 included. Marked pure so that bundles which never use it drop it. */
export const jsBackend: Backend = /* @__PURE__ */ createJsBackend(argon2);
