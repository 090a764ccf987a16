/**
 * AES-SIV on a board firmware's AES: Espruino's `require("crypto").AES`, which encrypts whole
 * buffers in C (`encrypt(data, key, { mode, iv })`, returning an ArrayBuffer). Where it exists
 * and passes a known-answer test, the embedded build's backend uses it for the two halves of
 * AES-SIV, with E4's AES-256 keys:
 *  - S2V's AES-CMAC (RFC 4493) as one CBC call: the message, its last block masked with the
 *    subkey (and, for the last S2V string, D XORed into its end), encrypted with a zero IV; the
 *    MAC is the last output block. The subkeys come from one ECB call.
 *  - CTR as one ECB call over the counter blocks Q, Q+1, … built here, XORed into the data. The
 *    firmware's own CTR mode is not used: it ignores `iv` and always counts from zero.
 * The composition (S2V over the CMAC, tag, counter, constant-time check) is that of cmac.ts
 * and siv.ts; only the CMAC and the CTR differ.
 */
import { aesEncryptBlock, loadBlock, storeBlock } from '../backends/js/aes.ts';
import { dblWords, s2vStartWith, xorWordsInto, type CmacFunction, type S2vKey } from '../backends/js/cmac.ts';
import { incrementCounter } from '../backends/js/ctr.ts';
import { createKeyCache, type KeyEntry } from '../backends/js/keycache.ts';
import {
  SIV_CACHE_SLOTS,
  sivOpen,
  sivOpenWith,
  sivSeal,
  sivSealWith,
  wipeSivKeys,
  type SivCipher,
} from '../backends/js/siv.ts';
import { equalBytes } from '../utils.ts';

/** The part of Espruino's `AES` class this module calls. */
export interface NativeAes {
  encrypt(data: Uint8Array, key: Uint8Array, options: { mode: string; iv?: Uint8Array }): ArrayBuffer;
}

/** Espruino's `require`, present on the boards only. */
declare const require: ((name: string) => unknown) | undefined;

/** The SIV key the native path takes: AES-256 for both halves, E4's only size. */
const NATIVE_SIV_KEY_LEN = 64;
const HALF = NATIVE_SIV_KEY_LEN / 2;

const ECB = { mode: 'ECB' };
const CBC = { mode: 'CBC', iv: new Uint8Array(16) };

/** A SIV key and what S2V derives from K1; all of it in `words`, which the cache wipes. */
interface NativeSivKeys extends KeyEntry, S2vKey {
  /** K1, the CMAC key, and K2, the CTR key: byte views of the first 16 words. */
  mac: Uint8Array;
  ctr: Uint8Array;
  /** The CMAC subkeys of K1 (RFC 4493 §2.3). */
  k1: Int32Array;
  k2: Int32Array;
}

function createNativeSivKeys(): NativeSivKeys {
  const words = new Int32Array(32);
  const key = new Uint8Array(words.buffer, 0, NATIVE_SIV_KEY_LEN);
  return {
    words: words,
    mac: key.subarray(0, HALF),
    ctr: key.subarray(HALF, NATIVE_SIV_KEY_LEN),
    k1: words.subarray(16, 20),
    k2: words.subarray(20, 24),
    d0: words.subarray(24, 28),
    d1: words.subarray(28, 32),
  };
}

/** Scratch, wiped after each use. */
const block = new Uint8Array(16);
const counter = new Int32Array(4);

/** The AES-SIV functions of a backend, and the wipe of its key caches. */
export interface SivFunctions {
  sivSeal(sivKey: Uint8Array, ads: readonly Uint8Array[], plaintext: Uint8Array, dst?: Uint8Array): Uint8Array;
  sivOpen(sivKey: Uint8Array, ads: readonly Uint8Array[], sealed: Uint8Array, dst?: Uint8Array): Uint8Array;
  wipe(): void;
}

/**
 * AES-SIV on `aes` for 64-byte SIV keys; other sizes (which E4 never uses) go to the table AES.
 */
export function createNativeSiv(aes: NativeAes): SivFunctions {
  /** One ECB encryption of `data` (whole blocks) under `key`. */
  function ecb(key: Uint8Array, data: Uint8Array): Uint8Array {
    return new Uint8Array(aes.encrypt(data, key, ECB));
  }

  /**
   * AES-CMAC (RFC 4493) under K1 of `len` bytes at `data[off]`, into `out`, in one CBC call.
   * With `xorEnd`, D is first XORed into the last 16 bytes (S2V's xorend, RFC 5297 §2.4).
   */
  const cmac: CmacFunction<NativeSivKeys> = function (e, data, off, len, xorEnd, out) {
    const blocks = len === 0 ? 1 : (len + 15) >>> 4;
    const last = 16 * (blocks - 1);
    const buf = new Uint8Array(16 * blocks);
    for (let i = 0; i < len; i++) buf[i] = data[off + i];
    if (xorEnd !== null) xorWordsInto(xorEnd, buf, len - 16);
    // A complete last block is masked with K1; a partial or empty one is padded (10^i) and masked with K2.
    let sub = e.k1;
    if (len === 0 || (len & 15) !== 0) {
      buf[len] = 0x80;
      sub = e.k2;
    }
    xorWordsInto(sub, buf, last);
    const macBytes = new Uint8Array(aes.encrypt(buf, e.mac, CBC));
    loadBlock(macBytes, last, out);
    buf.fill(0);
    macBytes.fill(0);
  };

  function expand(key: Uint8Array, e: NativeSivKeys): void {
    e.mac.set(key.subarray(0, HALF));
    e.ctr.set(key.subarray(HALF, NATIVE_SIV_KEY_LEN));
    // RFC 4493 §2.3: K1 = dbl(AES(K, 0^128)), K2 = dbl(K1).
    block.fill(0);
    const l = ecb(e.mac, block);
    loadBlock(l, 0, e.k1);
    l.fill(0);
    dblWords(e.k1, e.k1);
    dblWords(e.k1, e.k2);
    s2vStartWith(cmac, e);
  }

  const cache = createKeyCache(SIV_CACHE_SLOTS, NATIVE_SIV_KEY_LEN, createNativeSivKeys, expand);

  const cipher: SivCipher<NativeSivKeys> = {
    keys: cache.get,
    cmac: cmac,
    ctr: function (e, q, src, srcOff, dst, dstOff, len) {
      if (len === 0) return;
      const blocks = (len + 15) >>> 4;
      const counters = new Uint8Array(16 * blocks);
      counter.set(q);
      for (let b = 0; b < blocks; b++) {
        storeBlock(counter, counters, 16 * b);
        incrementCounter(counter);
      }
      const stream = ecb(e.ctr, counters);
      for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i] ^ stream[i];
      stream.fill(0);
      counters.fill(0);
      counter.fill(0);
    },
  };

  return {
    sivSeal: function (sivKey, ads, plaintext, dst) {
      if (sivKey.length !== NATIVE_SIV_KEY_LEN) return sivSeal(sivKey, ads, plaintext, dst);
      return sivSealWith(cipher, sivKey, ads, plaintext, dst);
    },
    sivOpen: function (sivKey, ads, sealed, dst) {
      if (sivKey.length !== NATIVE_SIV_KEY_LEN) return sivOpen(sivKey, ads, sealed, dst);
      return sivOpenWith(cipher, sivKey, ads, sealed, dst);
    },
    wipe: function () {
      cache.wipe();
      wipeSivKeys();
    },
  };
}

/**
 * Espruino's native AES when the firmware has one that encrypts ECB and CBC with a 256-bit key
 * as FIPS 197 does (checked against the table AES on two blocks), else `null`.
 */
export function findNativeAes(): NativeAes | null {
  try {
    // Espruino's built-in modules and classes are functions, not plain objects.
    const crypto = (typeof require === 'function' ? require('crypto') : null) as { AES?: NativeAes } | null;
    const aes = crypto ? crypto.AES : undefined;
    if (!aes || typeof aes.encrypt !== 'function') return null;
    const key = new Uint8Array(HALF);
    const data = new Uint8Array(32);
    for (let i = 0; i < 32; i++) {
      key[i] = i;
      data[i] = (0x11 * i) & 0xff;
    }
    // ECB and CBC (from a zero IV: C_i = AES(P_i ⊕ C_i−1)) on the table AES.
    const ecbOut = new Uint8Array(32);
    const cbcOut = new Uint8Array(32);
    for (let b = 0; b < 32; b += 16) {
      ecbOut.set(aesEncryptBlock(key, data.subarray(b, b + 16)), b);
      for (let i = 0; i < 16; i++) block[i] = data[b + i] ^ (b > 0 ? cbcOut[b - 16 + i] : 0);
      cbcOut.set(aesEncryptBlock(key, block), b);
    }
    const ok =
      equalBytes(new Uint8Array(aes.encrypt(data, key, ECB)), ecbOut) &&
      equalBytes(new Uint8Array(aes.encrypt(data, key, CBC)), cbcOut);
    return ok ? aes : null;
  } catch (e) {
    return null;
  }
}
