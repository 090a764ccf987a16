/**
 * AES-SIV on a board firmware's AES: Espruino's `require("crypto").AES`, which encrypts whole
 * buffers in C (`encrypt(data, key, { mode, iv })`, returning an ArrayBuffer). Where it exists
 * and passes a known-answer test, the embedded build's backend uses it for the two halves of
 * AES-SIV, with E4's AES-256 keys:
 *  - S2V's AES-CMAC (RFC 4493) as one CBC call: the message, its last block masked with the
 *    subkey (and, for the last S2V string, D XORed into its end), encrypted with a zero IV; the
 *    MAC is the last output block. The subkeys and CMAC(<zero>) come from one ECB call each.
 *  - CTR as one ECB call over the counter blocks Q, Q+1, … built here, XORed into the data. The
 *    firmware's own CTR mode is not used: it ignores `iv` and always counts from zero.
 * The composition (tag, counter, constant-time check) is siv.ts's; only the halves differ.
 */
import { aesEncryptBlock, loadBlock, storeBlock } from '../backends/js/aes.ts';
import { dblWords } from '../backends/js/cmac.ts';
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
interface NativeSivKeys extends KeyEntry {
  /** K1, the CMAC key, and K2, the CTR key: byte views of the first 16 words. */
  mac: Uint8Array;
  ctr: Uint8Array;
  /** The CMAC subkeys of K1 (RFC 4493 §2.3). */
  k1: Int32Array;
  k2: Int32Array;
  /** CMAC(K1, <zero>) and its double (RFC 5297 §2.4). */
  d0: Int32Array;
  d1: Int32Array;
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
const acc = new Int32Array(4);
const macWords = new Int32Array(4);

/** XORs four words into the 16 bytes at `dst[off]`, big-endian. */
function xorWords(words: Int32Array, dst: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) dst[off + i] ^= words[i >>> 2] >>> (24 - 8 * (i & 3));
}

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
  function cmac(e: NativeSivKeys, data: Uint8Array, off: number, len: number, xorEnd: Int32Array | null, out: Int32Array): void {
    const blocks = len === 0 ? 1 : (len + 15) >>> 4;
    const last = 16 * (blocks - 1);
    const buf = new Uint8Array(16 * blocks);
    for (let i = 0; i < len; i++) buf[i] = data[off + i];
    if (xorEnd !== null) xorWords(xorEnd, buf, len - 16);
    // A complete last block is masked with K1; a partial or empty one is padded (10^i) and masked with K2.
    let sub = e.k1;
    if (len === 0 || (len & 15) !== 0) {
      buf[len] = 0x80;
      sub = e.k2;
    }
    xorWords(sub, buf, last);
    const macBytes = new Uint8Array(aes.encrypt(buf, e.mac, CBC));
    loadBlock(macBytes, last, out);
    buf.fill(0);
    macBytes.fill(0);
  }

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
    // <zero> is one complete block: CMAC(K1, <zero>) = AES(K1, 0^128 ⊕ k1).
    storeBlock(e.k1, block, 0);
    const d = ecb(e.mac, block);
    loadBlock(d, 0, e.d0);
    d.fill(0);
    block.fill(0);
    dblWords(e.d0, e.d1);
  }

  const cache = createKeyCache(SIV_CACHE_SLOTS, NATIVE_SIV_KEY_LEN, createNativeSivKeys, expand);

  const cipher: SivCipher<NativeSivKeys> = {
    keys: cache.get,
    s2v: function (e, ads, msg, off, len, out) {
      const start = ads.length === 0 ? e.d0 : e.d1;
      acc.set(start);
      for (let i = 0; i < ads.length; i++) {
        if (i > 0) dblWords(acc, acc);
        cmac(e, ads[i], 0, ads[i].length, null, macWords);
        acc[0] ^= macWords[0];
        acc[1] ^= macWords[1];
        acc[2] ^= macWords[2];
        acc[3] ^= macWords[3];
      }
      if (len >= 16) cmac(e, msg, off, len, acc, out);
      else {
        // T = dbl(D) ⊕ pad(S_n), one complete block.
        dblWords(acc, acc);
        block.fill(0);
        for (let i = 0; i < len; i++) block[i] = msg[off + i];
        block[len] = 0x80;
        xorWords(acc, block, 0);
        cmac(e, block, 0, 16, null, out);
        block.fill(0);
      }
      acc.fill(0);
      macWords.fill(0);
    },
    ctr: function (e, q, src, srcOff, dst, dstOff, len) {
      if (len === 0) return;
      const blocks = (len + 15) >>> 4;
      const counters = new Uint8Array(16 * blocks);
      acc.set(q);
      for (let b = 0; b < blocks; b++) {
        storeBlock(acc, counters, 16 * b);
        // The 128-bit counter increments modulo 2^128 (SP 800-38A Appendix B.1); it is public.
        let w = 3;
        acc[w] = (acc[w] + 1) | 0;
        while (acc[w] === 0 && w > 0) {
          w--;
          acc[w] = (acc[w] + 1) | 0;
        }
      }
      const stream = ecb(e.ctr, counters);
      for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i] ^ stream[i];
      stream.fill(0);
      counters.fill(0);
      acc.fill(0);
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
    const first = aesEncryptBlock(key, data.subarray(0, 16));
    const second = aesEncryptBlock(key, data.subarray(16, 32));
    // CBC from a zero IV: C1 = AES(P1), C2 = AES(C1 ⊕ P2).
    for (let i = 0; i < 16; i++) block[i] = first[i] ^ data[16 + i];
    const chained = aesEncryptBlock(key, block);
    block.fill(0);
    const ecbOut = new Uint8Array(aes.encrypt(data, key, ECB));
    const cbcOut = new Uint8Array(aes.encrypt(data, key, CBC));
    const ok =
      ecbOut.length === 32 &&
      cbcOut.length === 32 &&
      equalBytes(ecbOut.subarray(0, 16), first) &&
      equalBytes(ecbOut.subarray(16, 32), second) &&
      equalBytes(cbcOut.subarray(0, 16), first) &&
      equalBytes(cbcOut.subarray(16, 32), chained);
    return ok ? aes : null;
  } catch (e) {
    return null;
  }
}
