/**
 * Byte helpers shared by every layer: input asserts that throw `E4Error`, strict UTF-8, hex,
 * base64, concatenation and wiping.
 *
 * Written in the ES5-safe subset (no spread, for-of, Map/Set, TextEncoder) because the embedded
 * build for microcontroller runtimes reuses this module.
 */
import { E4ErrorCode, e4Error } from './errors.ts';

/** Bytes or text; text is hashed or derived from as its UTF-8 encoding. */
export type BytesLike = Uint8Array | string;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return isDetached(value) ? 'a Uint8Array over a detached ArrayBuffer' : 'Uint8Array(' + value.length + ')';
  if (Array.isArray(value)) return 'Array(' + value.length + ')';
  return typeof value;
}

/**
 * True when the view's ArrayBuffer has been transferred away (postMessage, structuredClone,
 * `transfer()`): its length then reads 0 and copying from it throws a bare TypeError. Building a
 * view over a detached buffer throws in every runtime, those without
 * `ArrayBuffer.prototype.detached` (Node 20) included, so that is the test; only empty views
 * need it.
 */
function isDetached(view: Uint8Array): boolean {
  if (view.byteLength !== 0) return false;
  try {
    new Uint8Array(view.buffer, 0, 0);
    return false;
  } catch (e) {
    return true;
  }
}

/** True for a Uint8Array with its bytes in place: what `assertBytes` accepts, whatever the length. */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && !isDetached(value);
}

/** Asserts `value` is a Uint8Array with its bytes in place (of `length` bytes, when given). */
export function assertBytes(value: unknown, title: string, length?: number): Uint8Array {
  if (!isBytes(value)) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" expected Uint8Array, got ' + describe(value));
  }
  if (length !== undefined && value.length !== length) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" expected ' + length + ' bytes, got ' + value.length);
  }
  return value;
}

/** True when every byte is zero; reads every byte whatever their values (keys are secret). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i];
  return acc === 0;
}

/** A copy that owns its bytes (callers' arrays are never kept). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * True when `a` and `b` hold the same bytes. Lengths are public and compared first; then every
 * byte is read and the differences ORed together, so the time taken does not depend on where
 * the first difference lies (an early exit would let an attacker forge a tag byte by byte).
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Zeroes each array: for scratch that held keys or plaintext. */
export function wipe(...arrays: Uint8Array[]): void {
  for (let i = 0; i < arrays.length; i++) arrays[i].fill(0);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i].length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], pos);
    pos += parts[i].length;
  }
  return out;
}

/**
 * UTF-8 encoding of a JavaScript string; a lone surrogate has no UTF-8 form, so it is refused
 * rather than silently replaced by U+FFFD (which would hash a different topic than asked). The
 * bytes are a view of an array sized for the longest encoding, 3 bytes per UTF-16 unit.
 */
export function utf8Encode(text: string, title: string): Uint8Array {
  if (typeof text !== 'string') {
    throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" expected string, got ' + describe(text));
  }
  const out = new Uint8Array(3 * text.length);
  let pos = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw loneSurrogate(title, i);
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (c < 0x80) out[pos++] = c;
    else {
      // The lead byte holds the length (two, three or four leading ones, then a zero) and the top
      // bits; then 6 bits a byte. Stores keep the low 8 bits.
      const more = c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
      out[pos++] = (0xff80 >> more) | (c >> (6 * more));
      for (let k = more - 1; k >= 0; k--) out[pos++] = 0x80 | ((c >> (6 * k)) & 0x3f);
    }
  }
  return out.subarray(0, pos);
}

function loneSurrogate(title: string, index: number): Error {
  return e4Error(E4ErrorCode.InvalidUtf8, '"' + title + '" has a lone surrogate at index ' + index);
}

/** The smallest code point of a sequence of each length: a smaller one is an overlong form. */
const MIN_CODE_POINT = [0, 0, 0x80, 0x800, 0x10000];

/**
 * The length of the well-formed UTF-8 sequence at `bytes[i]`, or 0 when it is ill-formed.
 * Same verdicts as Go's utf8.Valid (Unicode §3.9 table 3-7): no overlong forms, no surrogates,
 * nothing above U+10FFFF.
 */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i];
  const len = b0 < 0x80 ? 1 : b0 < 0xc2 ? 0 : b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : b0 < 0xf5 ? 4 : 0;
  if (len < 2) return len;
  let cp = b0 & (0x7f >> len);
  for (let k = 1; k < len; k++) {
    // Past the end, the byte is undefined, which fails this test too.
    const b = bytes[i + k];
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  return cp < MIN_CODE_POINT[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ? 0 : len;
}

/** Go's utf8.Valid. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; ) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) return false;
    i += len;
  }
  return true;
}

/** Strict UTF-8 decoding: ill-formed input is an `InvalidUtf8` error, never U+FFFD. */
export function utf8Decode(bytes: Uint8Array, title: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) {
      throw e4Error(E4ErrorCode.InvalidUtf8, '"' + title + '" is not valid UTF-8 at byte ' + i);
    }
    let cp = len === 1 ? bytes[i] : bytes[i] & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) cp = (cp << 6) | (bytes[i + k] & 0x3f);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else out += String.fromCharCode(cp);
    i += len;
  }
  return out;
}

/** Bytes as given, or the UTF-8 encoding of a string. */
export function bytesOf(value: BytesLike, title: string): Uint8Array {
  return typeof value === 'string' ? utf8Encode(value, title) : assertBytes(value, title);
}

export const HEX_DIGITS = '0123456789abcdef';

/** Lower-case hex, as E4 writes control topics and state keys. */
export function toHex(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_DIGITS[bytes[i] >> 4] + HEX_DIGITS[bytes[i] & 15];
  return out;
}

/** The value of the hex digit with character code `code` (either case), or -1. */
export function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Hex of either case; anything else is an `InvalidArgument` error. */
export function fromHex(hex: string, title: string): Uint8Array<ArrayBuffer> {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" expected an even-length hex string');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i));
    const lo = hexNibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" has a non-hex character at index ' + 2 * i);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64 (RFC 4648 §4), the form Go's encoding/json writes for []byte. */
export function toBase64(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    // 1, 2 or 3 bytes left: as many characters plus one, then padding.
    const left = bytes.length - i;
    const v = (bytes[i] << 16) | (left > 1 ? bytes[i + 1] << 8 : 0) | (left > 2 ? bytes[i + 2] : 0);
    out +=
      B64_ALPHABET.charAt(v >> 18) +
      B64_ALPHABET.charAt((v >> 12) & 63) +
      (left > 1 ? B64_ALPHABET.charAt((v >> 6) & 63) : '=') +
      (left > 2 ? B64_ALPHABET.charAt(v & 63) : '=');
  }
  return out;
}

/**
 * Standard padded base64, read as Go's base64.StdEncoding reads it: unpadded input and stray
 * characters are refused; bits past the last byte are ignored, as Go ignores them.
 */
export function fromBase64(text: string, title: string): Uint8Array<ArrayBuffer> {
  const bad = (): Error => e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" is not padded standard base64');
  if (typeof text !== 'string' || text.length % 4 !== 0) throw bad();
  const last = text.length - 1;
  const pad = text.charAt(last) !== '=' ? 0 : text.charAt(last - 1) === '=' ? 2 : 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  // Six bits a character into `acc`; a byte out whenever eight are there (a store keeps the low 8).
  let acc = 0;
  let bits = 0;
  let pos = 0;
  for (let i = 0; i < text.length - pad; i++) {
    const d = B64_ALPHABET.indexOf(text.charAt(i));
    if (d < 0) throw bad();
    acc = (acc << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[pos++] = acc >> bits;
    }
  }
  return out;
}
