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

export const jsBackend = {
  name: 'js',
  sivSeal: sivSeal,
  sivOpen: sivOpen,
  sha3_256: sha3_256,
  argon2: argon2,
  wipeKeyCache: wipeSivKeys,
  parts: {
    aesEncryptBlock: aesEncryptBlock,
    aesCtr: aesCtr,
    cmac: cmac,
    dbl: dbl,
  },
} satisfies Backend;
