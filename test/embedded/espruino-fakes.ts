/**
 * Stand-ins for the Espruino modules the embedded build calls, for running it under duk (an ES5
 * interpreter with neither): `require("Storage")` over an in-memory table, and, on request,
 * `require("crypto").AES` built on the table AES of src/backends/js/aes.ts with the firmware's
 * behaviour (libs/crypto/jswrap_crypto.c in Espruino: an ArrayBuffer of the message's length;
 * ECB over whole blocks, CBC refusing a partial block, CTR counting from zero whatever `iv` says;
 * keys of 128, 192 or 256 bits). Node tests import them; espruino-install.ts puts them in a
 * duk script.
 */
import { encryptWords, expandKey, loadBlock, MAX_ROUND_KEY_WORDS, storeBlock } from '../../src/backends/js/aes.ts';

interface AesOptions {
  mode?: string;
  iv?: Uint8Array;
}

function bytes(value: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) out[i] = value[i];
  return out;
}

export const fakeAes = {
  encrypt: function (message: ArrayLike<number>, key: ArrayLike<number>, options?: AesOptions): ArrayBuffer {
    const data = bytes(message);
    const k = bytes(key);
    if (k.length !== 16 && k.length !== 24 && k.length !== 32) throw new Error('Invalid key length');
    const rk = new Int32Array(MAX_ROUND_KEY_WORDS);
    const nr = expandKey(k, 0, k.length, rk);
    const mode = options && options.mode !== undefined ? options.mode : 'CBC';
    const chain = new Int32Array(4);
    if (options && options.iv !== undefined && mode === 'CBC') loadBlock(bytes(options.iv), 0, chain);
    const out = new Uint8Array(data.length);
    const words = new Int32Array(4);
    if (mode === 'CBC' && data.length % 16 !== 0) throw new Error('Invalid input length');
    for (let off = 0; off + 16 <= data.length || (mode === 'CTR' && off < data.length); off += 16) {
      if (mode === 'CTR') {
        // Espruino's CTR: a zero counter block, incremented in its last byte upwards; `iv` unused.
        const counter = new Uint8Array(16);
        let n = off / 16;
        for (let i = 15; i >= 0 && n > 0; i--) {
          counter[i] = n & 0xff;
          n = Math.floor(n / 256);
        }
        loadBlock(counter, 0, words);
        encryptWords(rk, nr, words, words);
        const stream = new Uint8Array(16);
        storeBlock(words, stream, 0);
        for (let i = 0; i < 16 && off + i < data.length; i++) out[off + i] = data[off + i] ^ stream[i];
        continue;
      }
      loadBlock(data, off, words);
      if (mode === 'CBC') {
        for (let i = 0; i < 4; i++) words[i] ^= chain[i];
      } else if (mode !== 'ECB') throw new Error('Unknown Crypto mode ' + mode);
      encryptWords(rk, nr, words, words);
      chain.set(words);
      storeBlock(words, out, off);
    }
    return out.buffer;
  },
};

export interface FakeStorage {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
}

/** Espruino's Storage, its files in an object; names of 1 to 28 characters, 8-bit contents. */
export function createFakeStorage(): FakeStorage {
  const files: { [name: string]: string } = {};
  return {
    read: function (name) {
      return Object.prototype.hasOwnProperty.call(files, name) ? files[name] : undefined;
    },
    write: function (name, data) {
      if (typeof name !== 'string' || name.length === 0 || name.length > 28) throw new Error('Invalid file name');
      const text = String(data);
      if (text.length === 0) throw new Error("Can't create zero length file");
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) throw new Error('Storage holds 8-bit characters');
      files[name] = text;
      return true;
    },
  };
}
