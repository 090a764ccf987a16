/**
 * A peer for the benchmark: AES-SIV (RFC 5297) built on node:crypto's AES-NI, the way an
 * application without e4ts would: CMAC from `aes-256-cbc` (a CBC-MAC whose last block carries
 * the RFC 4493 subkey), the payload from `aes-256-ctr`. The ECB cipher for single blocks and the
 * per-key S2V constants are reused; CBC and CTR need a fresh object per message, since node:crypto
 * cannot reset an IV. E4's shape only: one 32-byte key used twice, one associated-data string.
 */
import { createCipheriv, timingSafeEqual, type Cipher } from 'node:crypto';

const ZERO_IV = Buffer.alloc(16);

function dbl(block: Buffer): Buffer {
  const out = Buffer.alloc(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    out[i] = ((block[i] << 1) | carry) & 0xff;
    carry = block[i] >> 7;
  }
  out[15] ^= 0x87 & -carry;
  return out;
}

function xorInto(target: Buffer, offset: number, block: Buffer): void {
  for (let i = 0; i < 16; i++) target[offset + i] ^= block[i];
}

export class NodeCryptoSiv {
  private readonly key: Buffer;
  private readonly ecb: Cipher;
  private readonly k1: Buffer;
  private readonly k2: Buffer;
  /** CMAC of the zero block, S2V's first D (RFC 5297 §2.4), the same for every message. */
  private readonly cmacZero: Buffer;

  constructor(key32: Uint8Array) {
    this.key = Buffer.from(key32);
    this.ecb = createCipheriv('aes-256-ecb', this.key, null).setAutoPadding(false);
    const l = this.ecb.update(ZERO_IV);
    this.k1 = dbl(l);
    this.k2 = dbl(this.k1);
    this.cmacZero = this.cmac(ZERO_IV);
  }

  private cmac(message: Uint8Array): Buffer {
    const n = message.length;
    const full = n > 0 && n % 16 === 0;
    const padded = Buffer.alloc(full ? n : (Math.floor(n / 16) + 1) * 16);
    padded.set(message);
    if (!full) padded[n] = 0x80;
    xorInto(padded, padded.length - 16, full ? this.k1 : this.k2);
    const cbc = createCipheriv('aes-256-cbc', this.key, ZERO_IV).setAutoPadding(false);
    const out = cbc.update(padded);
    return out.subarray(out.length - 16);
  }

  private s2v(ad: Uint8Array, plaintext: Uint8Array): Buffer {
    let d = dbl(this.cmacZero);
    xorInto(d, 0, this.cmac(ad));
    let t: Buffer;
    if (plaintext.length >= 16) {
      t = Buffer.from(plaintext);
      xorInto(t, t.length - 16, d);
    } else {
      d = dbl(d);
      t = Buffer.alloc(16);
      t.set(plaintext);
      t[plaintext.length] = 0x80;
      xorInto(t, 0, d);
    }
    return this.cmac(t);
  }

  private ctr(v: Buffer, data: Uint8Array): Buffer {
    const iv = Buffer.from(v);
    iv[8] &= 0x7f;
    iv[12] &= 0x7f;
    return createCipheriv('aes-256-ctr', this.key, iv).update(data);
  }

  seal(ad: Uint8Array, plaintext: Uint8Array): Buffer {
    const v = this.s2v(ad, plaintext);
    return Buffer.concat([v, this.ctr(v, plaintext)]);
  }

  open(ad: Uint8Array, sealed: Uint8Array): Buffer {
    const v = Buffer.from(sealed.subarray(0, 16));
    const plaintext = this.ctr(v, sealed.subarray(16));
    if (!timingSafeEqual(this.s2v(ad, plaintext), v)) {
      plaintext.fill(0);
      throw new Error('authentication failed');
    }
    return plaintext;
  }
}
