/**
 * JSON as Go's encoding/json reads and writes the e4go client state: a parser with its syntax
 * and string decoding, and its string quoting. The state's fields are e4goJsonState.ts's.
 *
 * Written in the ES5-safe subset (no Map/Set, spread, for-of, classes) because the embedded
 * build reuses this module.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { HEX_DIGITS, hexNibble } from '../utils.ts';

/** Every error of the state format: `InvalidState`. */
export function stateError(message: string): Error {
  return e4Error(E4ErrorCode.InvalidState, 'state: ' + message);
}

/** A name as a message shows it: quoted, cut short, non-ASCII as \u escapes (U+212A looks like K). */
export function shown(name: string): string {
  const quoted = JSON.stringify(name.length > 40 ? name.substring(0, 40) + '...' : name);
  return quoted.replace(/[^\x20-\x7e]/g, function (ch: string): string {
    return '\\u' + ('000' + ch.charCodeAt(0).toString(16)).slice(-4);
  });
}

// ---------------------------------------------------------------------------------------------
// Writing.

/**
 * A JSON string as encoding/json writes it with HTML escaping on (json.Encoder's default):
 * `"` and `\` escaped, \n \r \t short, every other control character and `<`, `>`, `&` as
 * \u00XX, U+2028 and U+2029 as \u2028 and \u2029. Go 1.22 and later write \b and \f short; the
 * e4go vectors come from Go 1.19, which writes \u0008 and \u000c (both read the same). A lone
 * surrogate, this string's form of what is invalid UTF-8 in Go's, is written \ufffd as Go
 * writes an invalid byte.
 */
export function quote(text: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escape: string;
    if (c === 0x22 || c === 0x5c) escape = '\\' + text.charAt(i);
    else if (c === 0x0a) escape = '\\n';
    else if (c === 0x0d) escape = '\\r';
    else if (c === 0x09) escape = '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) escape = '\\u00' + HEX_DIGITS.charAt(c >> 4) + HEX_DIGITS.charAt(c & 15);
    else if (c === 0x2028 || c === 0x2029) escape = '\\u202' + HEX_DIGITS.charAt(c & 15);
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      escape = '\\ufffd';
    } else continue;
    out += text.substring(start, i) + escape;
    start = i + 1;
  }
  return out + text.substring(start) + '"';
}

// ---------------------------------------------------------------------------------------------
// Reading.

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'true' | 'false' | 'null';

export interface JsonValue {
  kind: JsonKind;
  /** A string's decoded text; a number's text as written (keyType must be exactly 0 or 1). */
  text: string;
  /** An object's member names in order, duplicates kept (encoding/json lets the last one win). */
  names: string[];
  /** An object's member values (beside `names`), or an array's items. */
  items: JsonValue[];
}

interface Cursor {
  s: string;
  i: number;
}

/** encoding/json's scanner refuses nesting deeper than this ("exceeded max depth"). */
const MAX_DEPTH = 10000;

function jsonValue(kind: JsonKind, text: string): JsonValue {
  return { kind: kind, text: text, names: [], items: [] };
}

function jsonSyntaxError(at: number, what: string): Error {
  return stateError('malformed JSON at offset ' + at + ': ' + what);
}

/** JSON's four whitespace characters, the only ones Go skips (so a byte order mark is an error). */
function skipSpace(c: Cursor): void {
  const s = c.s;
  let i = c.i;
  while (i < s.length) {
    const ch = s.charCodeAt(i);
    if (ch !== 0x20 && ch !== 0x09 && ch !== 0x0a && ch !== 0x0d) break;
    i++;
  }
  c.i = i;
}

function isDigit(ch: number): boolean {
  return ch >= 0x30 && ch <= 0x39;
}

/** The value of four hex digits at `i`, or -1. */
function hex4(s: string, i: number): number {
  if (i + 4 > s.length) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const d = hexNibble(s.charCodeAt(i + k));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

const SHORT_ESCAPES = '"\\/bfnrt';
const SHORT_ESCAPED = '"\\/\b\f\n\r\t';

/** A string at `c.i` (its opening quote), decoded as encoding/json's unquote decodes it. */
function readString(c: Cursor): string {
  const s = c.s;
  let i = c.i + 1;
  let start = i;
  let out = '';
  for (;;) {
    if (i >= s.length) throw jsonSyntaxError(i, 'unterminated string');
    const ch = s.charCodeAt(i);
    if (ch === 0x22) {
      c.i = i + 1;
      return out + s.substring(start, i);
    }
    if (ch < 0x20) throw jsonSyntaxError(i, 'control character in a string');
    if (ch === 0x5c) {
      out += s.substring(start, i);
      const e = s.charAt(i + 1);
      if (e === 'u') {
        const u = hex4(s, i + 2);
        if (u < 0) throw jsonSyntaxError(i, 'malformed \\u escape');
        i += 6;
        if (u >= 0xd800 && u <= 0xdfff) {
          // Go's unquote: an escaped surrogate pair is one character; any other escaped surrogate
          // is U+FFFD, and the escape after it is then read on its own.
          const low = s.charAt(i) === '\\' && s.charAt(i + 1) === 'u' ? hex4(s, i + 2) : -1;
          if (u <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
            out += String.fromCharCode(u, low);
            i += 6;
          } else out += '\ufffd';
        } else out += String.fromCharCode(u);
      } else {
        const k = e === '' ? -1 : SHORT_ESCAPES.indexOf(e);
        if (k < 0) throw jsonSyntaxError(i, 'invalid escape');
        out += SHORT_ESCAPED.charAt(k);
        i += 2;
      }
      start = i;
    } else if (ch >= 0xd800 && ch <= 0xdfff) {
      // A lone surrogate is this text's form of an invalid UTF-8 byte, which Go reads as U+FFFD.
      const next = s.charCodeAt(i + 1);
      if (ch <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i += 2;
      else {
        out += s.substring(start, i) + '\ufffd';
        i++;
        start = i;
      }
    } else i++;
  }
}

/** The index after the digits at `s[i]`, or -1 when there is none. */
function skipDigits(s: string, i: number): number {
  const start = i;
  while (isDigit(s.charCodeAt(i))) i++;
  return i > start ? i : -1;
}

/** A number at `c.i`, checked against JSON's grammar and kept as written. */
function readNumber(c: Cursor): string {
  const s = c.s;
  const start = c.i;
  let i = s.charCodeAt(start) === 0x2d ? start + 1 : start;
  // A leading 0 stands alone; a fraction and an exponent each need digits.
  i = s.charCodeAt(i) === 0x30 ? i + 1 : skipDigits(s, i);
  if (i > 0 && s.charCodeAt(i) === 0x2e) i = skipDigits(s, i + 1);
  if (i > 0 && (s.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++;
    i = skipDigits(s, i);
  }
  if (i < 0) throw jsonSyntaxError(start, 'malformed number');
  c.i = i;
  return s.substring(start, i);
}

const LITERALS: JsonKind[] = ['true', 'false', 'null'];

/** The value starting at `c.i`: complete for a scalar, still empty for an object or array. */
function readValueStart(c: Cursor): JsonValue {
  skipSpace(c);
  const s = c.s;
  const ch = s.charCodeAt(c.i);
  if (ch === 0x7b || ch === 0x5b) {
    c.i++;
    return jsonValue(ch === 0x7b ? 'object' : 'array', '');
  }
  if (ch === 0x22) return jsonValue('string', readString(c));
  if (ch === 0x2d || isDigit(ch)) return jsonValue('number', readNumber(c));
  for (let k = 0; k < LITERALS.length; k++) {
    if (s.substring(c.i, c.i + LITERALS[k].length) === LITERALS[k]) {
      c.i += LITERALS[k].length;
      return jsonValue(LITERALS[k], '');
    }
  }
  throw jsonSyntaxError(c.i, c.i >= s.length ? 'unexpected end of text' : 'expected a value');
}

/** Skips whitespace, then the character `ch`; false, with nothing skipped past it, when it is not there. */
function skipChar(c: Cursor, ch: number): boolean {
  skipSpace(c);
  if (c.s.charCodeAt(c.i) !== ch) return false;
  c.i++;
  return true;
}

/** An object member's name and its colon, at `c.i`. */
function readName(c: Cursor, object: JsonValue): void {
  skipSpace(c);
  if (c.s.charCodeAt(c.i) !== 0x22) throw jsonSyntaxError(c.i, 'expected a member name');
  object.names.push(readString(c));
  if (!skipChar(c, 0x3a)) throw jsonSyntaxError(c.i, 'expected ":"');
}

/** The character that closes `container`. */
function closer(container: JsonValue): number {
  return container.kind === 'object' ? 0x7d : 0x5d;
}

/**
 * The first JSON value of `text`, as json.Decoder.Decode reads it: leading whitespace skipped,
 * whatever follows the value ignored. Iterative, so deep nesting cannot overflow the stack.
 */
export function parseFirstValue(text: string): JsonValue {
  const c: Cursor = { s: text, i: 0 };
  skipSpace(c);
  if (c.i >= text.length) throw stateError('the text is empty');
  const open: JsonValue[] = [];
  let root: JsonValue | null = null;
  for (;;) {
    const value = readValueStart(c);
    if (open.length === 0) root = value;
    else open[open.length - 1].items.push(value);
    if (value.kind === 'object' || value.kind === 'array') {
      open.push(value);
      if (open.length > MAX_DEPTH) throw jsonSyntaxError(c.i, 'nested deeper than ' + MAX_DEPTH);
      if (skipChar(c, closer(value))) open.pop();
      else {
        if (value.kind === 'object') readName(c, value);
        continue;
      }
    }
    // A value is complete: close the containers that end here, up to the next value's start.
    for (;;) {
      if (open.length === 0) return root as JsonValue;
      const top = open[open.length - 1];
      if (skipChar(c, 0x2c)) {
        if (top.kind === 'object') readName(c, top);
        break;
      }
      if (!skipChar(c, closer(top))) throw jsonSyntaxError(c.i, 'expected "," or "' + String.fromCharCode(closer(top)) + '"');
      open.pop();
    }
  }
}
