/**
 * The native backend (Node only): AES-SIV (RFC 5297) on node:crypto, that is OpenSSL with AES-NI.
 *
 * - S2V's CMAC (RFC 4493) is a CBC-MAC on `aes-{128,192,256}-cbc` whose last block carries the
 *   RFC 4493 subkey. node:crypto cannot reset a cipher's IV, so each key keeps one CBC cipher
 *   open and XORs the last block it wrote into the next message's first block, which restarts
 *   the chain from a zero IV without creating a cipher per string.
 * - The payload is `aes-{128,192,256}-ctr` from V with bits 31 and 63 cleared (RFC 5297 §2.5),
 *   or, for short payloads, the key's ECB cipher over the counter blocks. Both increment the
 *   whole 128-bit counter, as SP 800-38A's does.
 * - The tag is compared with `timingSafeEqual`; on a bad tag the decrypted bytes are wiped and
 *   nothing is written to the caller's `out`.
 * - Per-key caches (at most `KEY_CACHE_SLOTS` SIV keys and as many AES keys, most recent first)
 *   hold a copy of the key, its ECB and CBC ciphers, the CMAC subkeys K1 and K2 and S2V's first
 *   constant CMAC(0^128); an evicted entry's bytes are wiped (the ciphers' OpenSSL contexts are
 *   freed by the garbage collector, which is all node:crypto allows). Any unexpected failure of
 *   node:crypto clears both caches, since a CBC chain may then be out of step.
 * - SHA3-256 is `createHash('sha3-256')`; Argon2, which Node 20 lacks, is the given backend's.
 *
 * node:crypto's `update` always returns a new Buffer, so every call allocates. Results are plain
 * `Uint8Array`s over an ArrayBuffer of their own, never a view of Node's shared Buffer pool.
 * Every failure is an `E4Error`.
 */
import { createCipheriv, createHash, timingSafeEqual, type Cipher } from 'node:crypto';
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { AES_BLOCK_LEN, SIV_TAG_LEN, type Backend, type CipherParts } from './backend.ts';

/** Keys of each kind the backend keeps prepared; the least recently used is evicted and wiped. */
export const KEY_CACHE_SLOTS = 8;

/** Strings of at most this many bytes are copied so that CMAC calls its cipher once. */
const CMAC_ONE_CALL_MAX = 4096;

/** Payloads of at most this many bytes take their CTR keystream from the key's ECB cipher. */
const CTR_ECB_MAX = 128;

const ZERO_BLOCK = new Uint8Array(AES_BLOCK_LEN);

/** The native backend: the `Backend` operations, under its own name. */
export interface NativeBackend extends Backend {
  readonly name: 'native';
  /** How many SIV keys (and, apart, AES keys of `parts`) are cached before one is evicted. */
  readonly keyCacheSlots: number;
}

/** A new array with the bytes of `buf`, or `buf`'s own ArrayBuffer when it holds nothing else. */
function own(buf: Uint8Array): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length && buf.buffer instanceof ArrayBuffer) {
    return new Uint8Array(buf.buffer, 0, buf.length);
  }
  const out = new Uint8Array(buf.length);
  out.set(buf);
  buf.fill(0);
  return out;
}

/** Doubling in GF(2^128) (RFC 5297 §2.3), branchless: the carry is secret. */
function dblInto(out: Uint8Array, block: Uint8Array): void {
  const carry = block[0] >> 7;
  for (let i = 0; i < 15; i++) out[i] = ((block[i] << 1) | (block[i + 1] >> 7)) & 0xff;
  out[15] = ((block[15] << 1) & 0xff) ^ (0x87 & -carry);
}

function xor16(target: Uint8Array, offset: number, block: Uint8Array): void {
  for (let i = 0; i < AES_BLOCK_LEN; i++) target[offset + i] ^= block[i];
}

function cipherName(keyLen: number, mode: 'ecb' | 'cbc' | 'ctr'): string {
  return 'aes-' + keyLen * 8 + '-' + mode;
}

/**
 * An AES key made ready for CMAC: its ECB cipher, a CBC cipher kept open with the last block it
 * wrote (`chain`), and the subkeys (RFC 4493 §2.3). CBC encrypts P ⊕ C_prev, so a message whose
 * first block is XORed with `chain` is MAC'd as from a zero IV: one cipher serves every message.
 */
interface AesKey {
  key: Uint8Array;
  ecb: Cipher;
  cbc: Cipher;
  chain: Uint8Array;
  k1: Uint8Array;
  k2: Uint8Array;
}

function prepareAes(key: Uint8Array): AesKey {
  const copy = new Uint8Array(key);
  const ecb = createCipheriv(cipherName(copy.length, 'ecb'), copy, null).setAutoPadding(false);
  const cbc = createCipheriv(cipherName(copy.length, 'cbc'), copy, ZERO_BLOCK).setAutoPadding(false);
  const l = ecb.update(ZERO_BLOCK);
  const k1 = new Uint8Array(AES_BLOCK_LEN);
  const k2 = new Uint8Array(AES_BLOCK_LEN);
  dblInto(k1, l);
  dblInto(k2, k1);
  l.fill(0);
  return { key: copy, ecb, cbc, chain: new Uint8Array(AES_BLOCK_LEN), k1, k2 };
}

function wipeAes(k: AesKey): void {
  k.key.fill(0);
  k.chain.fill(0);
  k.k1.fill(0);
  k.k2.fill(0);
}

/** A SIV key made ready: its CMAC half, its CTR half (and its ECB cipher) and S2V's first D = CMAC(0^128). */
interface SivKey {
  key: Uint8Array;
  mac: AesKey;
  ctrKey: Uint8Array;
  ctrEcb: Cipher;
  d0: Uint8Array;
}

/**
 * A most-recently-used list of at most `slots` entries found by their key bytes (compared with
 * `timingSafeEqual`), each wiped when evicted or cleared.
 */
class KeyCache<T extends { key: Uint8Array }> {
  private entries: T[] = [];

  constructor(
    private readonly slots: number,
    private readonly prepare: (key: Uint8Array) => T,
    private readonly wipeEntry: (entry: T) => void,
  ) {}

  get(key: Uint8Array): T {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.key.length === key.length && timingSafeEqual(e.key, key)) {
        if (i > 0) {
          entries.splice(i, 1);
          entries.unshift(e);
        }
        return e;
      }
    }
    const entry = this.prepare(key);
    entries.unshift(entry);
    if (entries.length > this.slots) this.wipeEntry(entries.pop()!);
    return entry;
  }

  clear(): void {
    for (const e of this.entries) this.wipeEntry(e);
    this.entries = [];
  }
}

/**
 * AES-CMAC (RFC 4493) of `message`, with `xorEnd` (when given, and `message` ≥ 16 bytes) XORed
 * into its last 16 bytes first: S2V's `xorend` (RFC 5297 §2.4). The last one or two blocks (the
 * bytes `xorEnd` changes and the padded, subkeyed last block) are built in a scratch; up to
 * `CMAC_ONE_CALL_MAX` bytes the whole message is copied beside them so that the CBC cipher is
 * called once, beyond it the message goes to the cipher as it is, in three calls.
 */
function cmacOf(k: AesKey, message: Uint8Array, xorEnd: Uint8Array | null): Uint8Array {
  const n = message.length;
  const head = n > 32 ? ((n - 17) >> 4) << 4 : 0;
  const tailLen = n - head;
  const padded = tailLen === 0 ? AES_BLOCK_LEN : (tailLen + 15) & ~15;
  const full = tailLen > 0 && (tailLen & 15) === 0;
  const copyAll = head + padded <= CMAC_ONE_CALL_MAX;
  const buf = new Uint8Array(copyAll ? head + padded : padded);
  const at = copyAll ? head : 0;
  buf.set(copyAll ? message : message.subarray(head));
  if (xorEnd !== null) xor16(buf, at + tailLen - AES_BLOCK_LEN, xorEnd);
  if (!full) buf[at + tailLen] = 0x80;
  xor16(buf, buf.length - AES_BLOCK_LEN, full ? k.k1 : k.k2);
  if (copyAll) {
    xor16(buf, 0, k.chain);
  } else {
    // A copy: `message` may be a Buffer, whose `slice` is a view.
    const first = new Uint8Array(AES_BLOCK_LEN);
    first.set(message.subarray(0, AES_BLOCK_LEN));
    xor16(first, 0, k.chain);
    k.cbc.update(first).fill(0);
    k.cbc.update(message.subarray(AES_BLOCK_LEN, head)).fill(0);
  }
  const blocks = k.cbc.update(buf);
  buf.fill(0);
  const mac = blocks.subarray(blocks.length - AES_BLOCK_LEN);
  blocks.fill(0, 0, blocks.length - AES_BLOCK_LEN);
  k.chain.set(mac);
  return mac;
}

/** S2V (RFC 5297 §2.4) of `ads` and `last` (the plaintext), under the SIV key's MAC half. */
function s2v(k: SivKey, ads: readonly Uint8Array[], last: Uint8Array): Uint8Array {
  const d = new Uint8Array(k.d0);
  for (let i = 0; i < ads.length; i++) {
    dblInto(d, d);
    const mac = cmacOf(k.mac, ads[i], null);
    xor16(d, 0, mac);
    mac.fill(0);
  }
  let v: Uint8Array;
  if (last.length >= AES_BLOCK_LEN) {
    v = cmacOf(k.mac, last, d);
  } else {
    dblInto(d, d);
    const t = new Uint8Array(AES_BLOCK_LEN);
    t.set(last);
    t[last.length] = 0x80;
    xor16(t, 0, d);
    v = cmacOf(k.mac, t, null);
    t.fill(0);
  }
  d.fill(0);
  return v;
}

/** AES-CTR of `data` from `counter` (the 16-byte IV), in a new Buffer. */
function ctr(key: Uint8Array, counter: Uint8Array, data: Uint8Array): Uint8Array {
  return createCipheriv(cipherName(key.length, 'ctr'), key, counter).update(data);
}

/**
 * SIV's CTR (RFC 5297 §2.5): short payloads XOR the ECB encryption of the counter blocks, which
 * saves creating a cipher; longer ones use `aes-*-ctr`. Both increment all 128 bits.
 */
function sivCtr(k: SivKey, counter: Uint8Array, data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n > CTR_ECB_MAX) return ctr(k.ctrKey, counter, data);
  const counters = new Uint8Array((n + 15) & ~15);
  const c = new Uint8Array(counter);
  for (let pos = 0; pos < counters.length; pos += AES_BLOCK_LEN) {
    counters.set(c, pos);
    for (let i = 15; i >= 0 && ++c[i] === 256; i--) c[i] = 0;
  }
  const stream = k.ctrEcb.update(counters);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i] ^ stream[i];
  stream.fill(0);
  counters.fill(0);
  c.fill(0);
  return out;
}

/** RFC 5297 §2.5 and §2.6: Q = V with bits 63 and 31 (counting from the right) cleared. */
function sivCounter(v: Uint8Array): Uint8Array {
  const q = new Uint8Array(AES_BLOCK_LEN);
  q.set(v.subarray(0, AES_BLOCK_LEN));
  q[8] &= 0x7f;
  q[12] &= 0x7f;
  return q;
}

/**
 * Runs `fn`, turning any error node:crypto throws into an `E4Error`; `reset` runs first on an
 * error that is not one.
 */
function guarded<T>(operation: string, reset: () => void, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isE4Error(e)) throw e;
    reset();
    if (e instanceof RangeError && /allocat/i.test(e.message)) {
      throw e4Error(E4ErrorCode.OutOfMemory, operation + ': out of memory');
    }
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_CRYPTO_INVALID_KEYLEN') throw e4Error(E4ErrorCode.InvalidKeyLength, operation + ': invalid key length');
    throw e4Error(E4ErrorCode.Internal, operation + ': node:crypto failed' + (typeof code === 'string' ? ' (' + code + ')' : ''));
  }
}

/**
 * The native backend: SIV, CMAC, CTR and SHA3-256 on node:crypto, Argon2 from `argon2Backend`
 * (the WebAssembly or pure-JS backend that `init()` chose).
 */
export function createNativeBackend(argon2Backend: Pick<Backend, 'argon2' | 'argon2Async' | 'releaseArgon2Memory'>): NativeBackend {
  const aesKeys = new KeyCache<AesKey>(KEY_CACHE_SLOTS, prepareAes, wipeAes);
  const sivKeys = new KeyCache<SivKey>(
    KEY_CACHE_SLOTS,
    (key) => {
      const half = key.length >> 1;
      const mac = prepareAes(key.subarray(0, half));
      const d0 = new Uint8Array(cmacOf(mac, ZERO_BLOCK, null));
      const ctrKey = new Uint8Array(key.subarray(half));
      const ctrEcb = createCipheriv(cipherName(ctrKey.length, 'ecb'), ctrKey, null).setAutoPadding(false);
      return { key: new Uint8Array(key), mac, ctrKey, ctrEcb, d0 };
    },
    (k) => {
      k.key.fill(0);
      wipeAes(k.mac);
      k.ctrKey.fill(0);
      k.d0.fill(0);
    },
  );

  function wipeKeyCache(): void {
    sivKeys.clear();
    aesKeys.clear();
  }

  /** Copies `result` into the start of `out` when given, else returns it as the caller's array. */
  function deliver(result: Uint8Array, out: Uint8Array | undefined): Uint8Array {
    if (out === undefined) return own(result);
    const view = out.subarray(0, result.length);
    view.set(result);
    result.fill(0);
    return view;
  }

  const parts: CipherParts = {
    aesEncryptBlock(key, block) {
      return guarded('aesEncryptBlock', wipeKeyCache, () => own(aesKeys.get(key).ecb.update(block)));
    },
    aesCtr(key, iv, data) {
      return guarded('aesCtr', wipeKeyCache, () => own(ctr(key, iv, data)));
    },
    cmac(key, message) {
      return guarded('cmac', wipeKeyCache, () => own(cmacOf(aesKeys.get(key), message, null)));
    },
    dbl(block) {
      const out = new Uint8Array(AES_BLOCK_LEN);
      dblInto(out, block);
      return out;
    },
  };

  return {
    name: 'native',
    keyCacheSlots: KEY_CACHE_SLOTS,
    sivSeal(sivKey, ads, plaintext, out) {
      return guarded('aesSivSeal', wipeKeyCache, () => {
        const k = sivKeys.get(sivKey);
        const v = s2v(k, ads, plaintext);
        const q = sivCounter(v);
        const ct = sivCtr(k, q, plaintext);
        q.fill(0);
        const sealed = out === undefined ? new Uint8Array(SIV_TAG_LEN + plaintext.length) : out.subarray(0, SIV_TAG_LEN + plaintext.length);
        sealed.set(v, 0);
        sealed.set(ct, SIV_TAG_LEN);
        return sealed;
      });
    },
    sivOpen(sivKey, ads, sealed, out) {
      return guarded('aesSivOpen', wipeKeyCache, () => {
        const k = sivKeys.get(sivKey);
        const v = sealed.subarray(0, SIV_TAG_LEN);
        const q = sivCounter(v);
        const plaintext = sivCtr(k, q, sealed.subarray(SIV_TAG_LEN));
        q.fill(0);
        const expected = s2v(k, ads, plaintext);
        if (!timingSafeEqual(expected, v)) {
          plaintext.fill(0);
          throw e4Error(E4ErrorCode.NotAuthentic, 'aesSivOpen: authentication failed');
        }
        return deliver(plaintext, out);
      });
    },
    sha3_256(data) {
      return guarded('sha3_256', wipeKeyCache, () => own(createHash('sha3-256').update(data).digest()));
    },
    argon2(type, password, salt, params) {
      return argon2Backend.argon2(type, password, salt, params);
    },
    argon2Async: argon2Backend.argon2Async,
    releaseArgon2Memory: argon2Backend.releaseArgon2Memory,
    wipeKeyCache,
    parts,
  } satisfies NativeBackend;
}
