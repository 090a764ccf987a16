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
  if (value instanceof Uint8Array) return 'Uint8Array(' + value.length + ')';
  if (Array.isArray(value)) return 'Array(' + value.length + ')';
  return typeof value;
}

/** Asserts `value` is a Uint8Array (of `length` bytes, when given). */
export function assertBytes(value: unknown, title: string, length?: number): Uint8Array {
  if (value instanceof Uint8Array && (length === undefined || value.length === length)) return value;
  if (!(value instanceof Uint8Array)) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" expected Uint8Array, got ' + describe(value));
  }
  throw e4Error(
    E4ErrorCode.InvalidArgument,
    '"' + title + '" expected ' + length + ' bytes, got ' + value.length,
  );
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
 * rather than silently replaced by U+FFFD (which would hash a different topic than asked).
 */
export function utf8Encode(text: string, title: string): Uint8Array {
  if (typeof text !== 'string') {
    throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" expected string, got ' + describe(text));
  }
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) throw loneSurrogate(title, i);
      length += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw loneSurrogate(title, i);
    else length += 3;
  }
  const out = new Uint8Array(length);
  let pos = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) out[pos++] = c;
    else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      out[pos++] = 0xf0 | (c >> 18);
      out[pos++] = 0x80 | ((c >> 12) & 0x3f);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

function loneSurrogate(title: string, index: number): Error {
  return e4Error(E4ErrorCode.InvalidUtf8, '"' + title + '" has a lone UTF-16 surrogate at index ' + index);
}

/**
 * The length of the well-formed UTF-8 sequence at `bytes[i]`, or 0 when it is ill-formed.
 * Same verdicts as Go's utf8.Valid (Unicode §3.9 table 3-7): no overlong forms, no surrogates,
 * nothing above U+10FFFF.
 */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i];
  if (b0 < 0x80) return 1;
  const n = bytes.length;
  if (b0 >= 0xc2 && b0 <= 0xdf) return i + 1 < n && (bytes[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (i + 2 >= n) return 0;
    const b1 = bytes[i + 1];
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return b1 >= lo && b1 <= hi && (bytes[i + 2] & 0xc0) === 0x80 ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (i + 3 >= n) return 0;
    const b1 = bytes[i + 1];
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return b1 >= lo && b1 <= hi && (bytes[i + 2] & 0xc0) === 0x80 && (bytes[i + 3] & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
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

const HEX_DIGITS = '0123456789abcdef';

/** Lower-case hex, as E4 writes control topics and state keys. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_DIGITS[bytes[i] >> 4] + HEX_DIGITS[bytes[i] & 15];
  return out;
}

function hexNibble(code: number): number {
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
      throw e4Error(E4ErrorCode.InvalidArgument, '"' + title + '" has a non-hex character near index ' + 2 * i);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64 (RFC 4648 §4), the form Go's encoding/json writes for []byte. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64_ALPHABET[v >> 18] + B64_ALPHABET[(v >> 12) & 63] + B64_ALPHABET[(v >> 6) & 63] + B64_ALPHABET[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    out += B64_ALPHABET[v >> 18] + B64_ALPHABET[(v >> 12) & 63] + '==';
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64_ALPHABET[v >> 18] + B64_ALPHABET[(v >> 12) & 63] + B64_ALPHABET[(v >> 6) & 63] + '=';
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
  let pos = 0;
  for (let i = 0; i < text.length; i += 4) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const ch = text.charAt(i + k);
      const isPadding = ch === '=' && i + 4 === text.length && k >= 4 - pad;
      const d = isPadding ? 0 : B64_ALPHABET.indexOf(ch);
      if (d < 0) throw bad();
      v = (v << 6) | d;
    }
    if (pos < out.length) out[pos++] = (v >> 16) & 255;
    if (pos < out.length) out[pos++] = (v >> 8) & 255;
    if (pos < out.length) out[pos++] = v & 255;
  }
  return out;
}
