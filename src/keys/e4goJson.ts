/**
 * The Go client's persisted state (E4-PROTOCOL.md, "Client state"), written and read as e4go
 * writes and reads it, so a fleet can move between the two implementations.
 *
 * Writing is e4go's `json.Encoder.Encode(client)`: one line and a newline, the fields in struct
 * order, map keys sorted, []byte as padded standard base64, strings escaped as encoding/json
 * escapes them (HTML-safe: `<`, `>`, `&`, U+2028 and U+2029 as \u escapes).
 *
 * Reading follows e4go's `LoadClient`: `json.Decoder.Decode` takes the first JSON value and
 * ignores whatever follows it; `client.UnmarshalJSON` looks the top-level names up exactly in a
 * map (a later duplicate wins); `keys.FromRawJSON` does the same for "keyType" and "keyData",
 * decodes "keyData" into a struct (whose field names encoding/json matches case-insensitively)
 * and re-validates the key material. The X25519 check that `FromRawJSON` also makes (through
 * the shared key it recomputes) belongs to the public-key client, which derives that key.
 *
 * Where Go loads a state it cannot use, or one no Go client writes, e4ts refuses it with
 * `InvalidState`; each such place says why in a comment beginning "Deviation".
 *
 * Written in the ES5-safe subset (no Map/Set, spread, for-of, classes) because the embedded
 * build reuses this module.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { ED25519_PRIVATE_KEY_LEN, ED25519_PUBLIC_KEY_LEN, ID_LEN, KEY_LEN, X25519_KEY_LEN } from '../protocol/sizes.ts';
import { fromBase64, isAllZero, toBase64 } from '../utils.ts';
import type { ByteTable, ClientState, KeyMaterial } from './state.ts';

function invalid(message: string): Error {
  return e4Error(E4ErrorCode.InvalidState, 'state: ' + message);
}

/** A name as a message shows it: quoted, cut short, non-ASCII as \u escapes (U+212A looks like K). */
function shown(name: string): string {
  const quoted = JSON.stringify(name.length > 40 ? name.substring(0, 40) + '...' : name);
  return quoted.replace(/[^\x20-\x7e]/g, function (ch: string): string {
    return '\\u' + ('000' + ch.charCodeAt(0).toString(16)).slice(-4);
  });
}

// ---------------------------------------------------------------------------------------------
// Validation: one set of rules for what is read and what is written, so a saved state loads.

const HEX = '0123456789abcdef';

/** Table names: lower-case hex of a 16-byte topic hash, hash of a topic hash, or client id. */
const HEX_ID_LEN = 32;

/** True for lower-case hex of 16 bytes (a loop: Espruino's regular expressions have no {n}). */
function isHexId(name: string): boolean {
  if (name.length !== HEX_ID_LEN) return false;
  for (let i = 0; i < HEX_ID_LEN; i++) if (HEX.indexOf(name.charAt(i)) < 0) return false;
  return true;
}

function checkTableName(name: string, where: string): void {
  // Deviation: Go reads any name into TopicKeys and any hex into PubKeys (upper case too), but it
  // looks names up as lower-case hex of 16 bytes, so any other name is a key it never finds.
  if (!isHexId(name)) {
    throw invalid('"' + where + '" name ' + shown(name) + ' is not lower-case hex of 16 bytes');
  }
}

/**
 * A byte string of `length` bytes (and not all zero when `nonZero`); `goName` is what Go's
 * validators call it, so Go's wording ("invalid private key length, got 63, expected 64") shows.
 */
function checkBytes(value: unknown, where: string, length: number, goName: string, nonZero: boolean): void {
  if (!(value instanceof Uint8Array)) throw invalid('"' + where + '" is not a Uint8Array');
  if (value.length !== length) {
    throw invalid(
      '"' + where + '" must be ' + length + ' bytes, got ' + value.length +
        ' (Go: invalid ' + goName + ' length, got ' + value.length + ', expected ' + length + ')',
    );
  }
  if (nonZero && isAllZero(value)) throw invalid('"' + where + '" is all zeros (Go: invalid ' + goName + ', all zeros)');
}

/** A table by hex name; `valueLength` 0 means any length (Go does not validate topic keys). */
function checkTable(table: unknown, where: string, valueLength: number): void {
  if (typeof table !== 'object' || table === null) throw invalid('"' + where + '" is not a table');
  const names = Object.keys(table);
  for (let i = 0; i < names.length; i++) {
    checkTableName(names[i], where);
    const value = (table as ByteTable)[names[i]];
    if (valueLength === 0) {
      if (!(value instanceof Uint8Array)) throw invalid('"' + where + '.' + names[i] + '" is not a Uint8Array');
    } else checkBytes(value, where + '.' + names[i], valueLength, 'public key', true);
  }
}

/** Go's `validate()` of the key material, plus the id length e4ts requires. */
function checkState(state: ClientState): void {
  if (typeof state !== 'object' || state === null) throw invalid('expected a ClientState object');
  const k = state.key;
  if (typeof k !== 'object' || k === null || (k.keyType !== 0 && k.keyType !== 1)) {
    throw invalid('"Key.keyType" must be 0 or 1');
  }
  if (k.keyType === 0) checkBytes(k.key, 'Key.keyData.Key', KEY_LEN, 'symmetric key', true);
  else {
    // The order of Go's pubKeyMaterial.validate().
    checkBytes(k.signerId, 'Key.keyData.SignerID', ID_LEN, 'ID', false);
    checkBytes(k.privateKey, 'Key.keyData.PrivateKey', ED25519_PRIVATE_KEY_LEN, 'private key', true);
    checkBytes(k.c2PublicKey, 'Key.keyData.C2PubKey', X25519_KEY_LEN, 'public key', true);
    if (k.pubKeys !== null) checkTable(k.pubKeys, 'Key.keyData.PubKeys', ED25519_PUBLIC_KEY_LEN);
  }
  if (typeof state.receivingTopic !== 'string') throw invalid('"ReceivingTopic" is not a string');
  checkTable(state.topicKeys, 'TopicKeys', 0);
  // Deviation: Go accepts an id of any length (even none); E4's ids are 16 bytes.
  if (!(state.id instanceof Uint8Array) || state.id.length !== ID_LEN) {
    throw invalid('"ID" must be 16 bytes, got ' + (state.id instanceof Uint8Array ? state.id.length : 'no bytes'));
  }
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
function quote(text: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escape: string;
    if (c === 0x22 || c === 0x5c) escape = '\\' + text.charAt(i);
    else if (c === 0x0a) escape = '\\n';
    else if (c === 0x0d) escape = '\\r';
    else if (c === 0x09) escape = '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) escape = '\\u00' + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    else if (c === 0x2028 || c === 0x2029) escape = '\\u202' + HEX.charAt(c & 15);
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

/** A map[string][]byte: encoding/json sorts the keys; hex names sort the same by code unit and by byte. */
function writeTable(table: ByteTable): string {
  const names = Object.keys(table).sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    // Hex names and base64 values need no escaping.
    out += (i > 0 ? ',"' : '"') + names[i] + '":"' + toBase64(table[names[i]]) + '"';
  }
  return out + '}';
}

/**
 * The text e4go's store holds for `state`: exactly what `json.NewEncoder(store).Encode(client)`
 * writes, newline included. A state that could not be read back is refused (`InvalidState`).
 */
export function exportE4goState(state: ClientState): string {
  checkState(state);
  const k = state.key;
  // The field orders of e4go's MarshalJSON structs: struct{Key} and struct{PrivateKey, SignerID,
  // C2PubKey, PubKeys}; a nil PubKeys map is written null.
  const keyData =
    k.keyType === 0
      ? '{"Key":"' + toBase64(k.key) + '"}'
      : '{"PrivateKey":"' + toBase64(k.privateKey) + '","SignerID":"' + toBase64(k.signerId) +
        '","C2PubKey":"' + toBase64(k.c2PublicKey) + '","PubKeys":' + (k.pubKeys === null ? 'null' : writeTable(k.pubKeys)) + '}';
  return (
    '{"ID":"' + toBase64(state.id) + '","TopicKeys":' + writeTable(state.topicKeys) +
    ',"Key":{"keyType":' + k.keyType + ',"keyData":' + keyData + '},"ReceivingTopic":' + quote(state.receivingTopic) + '}\n'
  );
}

// ---------------------------------------------------------------------------------------------
// Reading: a JSON parser with encoding/json's syntax and string decoding.

type JsonKind = 'object' | 'array' | 'string' | 'number' | 'true' | 'false' | 'null';

interface JsonValue {
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

function syntaxError(c: Cursor, what: string): Error {
  return invalid('malformed JSON at offset ' + c.i + ': ' + what);
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
    const ch = s.charCodeAt(i + k);
    const d = isDigit(ch) ? ch - 48 : ch >= 97 && ch <= 102 ? ch - 87 : ch >= 65 && ch <= 70 ? ch - 55 : -1;
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
    if (i >= s.length) {
      c.i = i;
      throw syntaxError(c, 'unterminated string');
    }
    const ch = s.charCodeAt(i);
    if (ch === 0x22) {
      c.i = i + 1;
      return out + s.substring(start, i);
    }
    if (ch < 0x20) {
      c.i = i;
      throw syntaxError(c, 'control character in a string');
    }
    if (ch === 0x5c) {
      out += s.substring(start, i);
      const e = s.charAt(i + 1);
      if (e === 'u') {
        const u = hex4(s, i + 2);
        if (u < 0) {
          c.i = i;
          throw syntaxError(c, 'malformed \\u escape');
        }
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
        if (k < 0) {
          c.i = i;
          throw syntaxError(c, 'invalid escape');
        }
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

/** A number at `c.i`, checked against JSON's grammar and kept as written. */
function readNumber(c: Cursor): string {
  const s = c.s;
  const start = c.i;
  let i = start;
  if (s.charCodeAt(i) === 0x2d) i++;
  if (s.charCodeAt(i) === 0x30) i++;
  else if (isDigit(s.charCodeAt(i))) {
    while (isDigit(s.charCodeAt(i))) i++;
  } else {
    c.i = i;
    throw syntaxError(c, 'malformed number');
  }
  if (s.charCodeAt(i) === 0x2e) {
    i++;
    if (!isDigit(s.charCodeAt(i))) {
      c.i = i;
      throw syntaxError(c, 'malformed number');
    }
    while (isDigit(s.charCodeAt(i))) i++;
  }
  if (s.charCodeAt(i) === 0x65 || s.charCodeAt(i) === 0x45) {
    i++;
    if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++;
    if (!isDigit(s.charCodeAt(i))) {
      c.i = i;
      throw syntaxError(c, 'malformed number');
    }
    while (isDigit(s.charCodeAt(i))) i++;
  }
  c.i = i;
  return s.substring(start, i);
}

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
  const literals: JsonKind[] = ['true', 'false', 'null'];
  for (let k = 0; k < literals.length; k++) {
    if (s.substring(c.i, c.i + literals[k].length) === literals[k]) {
      c.i += literals[k].length;
      return jsonValue(literals[k], '');
    }
  }
  throw syntaxError(c, c.i >= s.length ? 'unexpected end of text' : 'expected a value');
}

/** An object member's name and its colon, at `c.i`. */
function readName(c: Cursor, object: JsonValue): void {
  skipSpace(c);
  if (c.s.charCodeAt(c.i) !== 0x22) throw syntaxError(c, 'expected a member name');
  object.names.push(readString(c));
  skipSpace(c);
  if (c.s.charCodeAt(c.i) !== 0x3a) throw syntaxError(c, 'expected ":"');
  c.i++;
}

/**
 * The first JSON value of `text`, as json.Decoder.Decode reads it: leading whitespace skipped,
 * whatever follows the value ignored. Iterative, so deep nesting cannot overflow the stack.
 */
function parseFirstValue(text: string): JsonValue {
  const c: Cursor = { s: text, i: 0 };
  skipSpace(c);
  if (c.i >= text.length) throw invalid('the text is empty (Go: EOF)');
  const open: JsonValue[] = [];
  let root: JsonValue | null = null;
  for (;;) {
    const value = readValueStart(c);
    if (open.length === 0) root = value;
    else open[open.length - 1].items.push(value);
    if (value.kind === 'object' || value.kind === 'array') {
      open.push(value);
      if (open.length > MAX_DEPTH) throw syntaxError(c, 'nested deeper than ' + MAX_DEPTH + ' (Go: exceeded max depth)');
      skipSpace(c);
      if (c.s.charCodeAt(c.i) === (value.kind === 'object' ? 0x7d : 0x5d)) {
        c.i++;
        open.pop();
      } else {
        if (value.kind === 'object') readName(c, value);
        continue;
      }
    }
    // A value is complete: close the containers that end here, up to the next value's start.
    for (;;) {
      if (open.length === 0) return root as JsonValue;
      const top = open[open.length - 1];
      skipSpace(c);
      const ch = c.s.charCodeAt(c.i);
      if (ch === 0x2c) {
        c.i++;
        if (top.kind === 'object') readName(c, top);
        break;
      }
      if (ch === (top.kind === 'object' ? 0x7d : 0x5d)) {
        c.i++;
        open.pop();
        continue;
      }
      throw syntaxError(c, top.kind === 'object' ? 'expected "," or "}"' : 'expected "," or "]"');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading: from JSON values to a ClientState.

const TOP_LEVEL_NAMES = ['ID', 'TopicKeys', 'Key', 'ReceivingTopic'];
const KEY_NAMES = ['keyType', 'keyData'];
const SYMMETRIC_FIELDS = ['Key'];
const PUBLIC_KEY_FIELDS = ['PrivateKey', 'SignerID', 'C2PubKey', 'PubKeys'];

/** ASCII letters in lower case, nothing else changed (toLowerCase would fold U+212A to k). */
function asciiLower(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    out += ch >= 0x41 && ch <= 0x5a ? String.fromCharCode(ch + 32) : name.charAt(i);
  }
  return out;
}

/**
 * A name folded as encoding/json folds names it matches to ASCII field names: Unicode simple
 * case folding, under which only U+212A KELVIN SIGN (k) and U+017F LATIN SMALL LETTER LONG S (s)
 * join an ASCII letter's fold set.
 */
function goFold(name: string): string {
  const lower = asciiLower(name);
  let out = '';
  for (let i = 0; i < lower.length; i++) {
    const ch = lower.charCodeAt(i);
    out += ch === 0x212a ? 'k' : ch === 0x017f ? 's' : lower.charAt(i);
  }
  return out;
}

/** The value of the last member named exactly `name` (Go's map keeps the last duplicate). */
function lastMember(object: JsonValue, name: string): JsonValue | null {
  for (let i = object.names.length - 1; i >= 0; i--) if (object.names[i] === name) return object.items[i];
  return null;
}

/**
 * Go reads the top-level names and "keyType"/"keyData" exactly, from a map[string]RawMessage.
 */
function refuseOtherCases(object: JsonValue, exact: string[], where: string): void {
  for (let i = 0; i < object.names.length; i++) {
    for (let k = 0; k < exact.length; k++) {
      // Deviation: Go skips such a name as unknown and loads the field empty (or fails later with
      // a nil key); e4ts says which name is wrong instead of loading an empty field.
      if (object.names[i] !== exact[k] && goFold(object.names[i]) === goFold(exact[k])) {
        throw invalid(where + ' has ' + shown(object.names[i]) + ' where Go reads only "' + exact[k] + '"');
      }
    }
  }
}

function required(object: JsonValue, name: string, where: string, goError: string): JsonValue {
  const value = lastMember(object, name);
  if (value === null) throw invalid('"' + where + '" is missing (' + goError + ')');
  return value;
}

/**
 * The index in `fields` of a keyData member name: encoding/json matches struct field names
 * case-insensitively, so "key" and "KEY" are "Key". -1 for a name Go ignores.
 */
function fieldIndex(name: string, fields: string[]): number {
  const lower = asciiLower(name);
  for (let k = 0; k < fields.length; k++) if (lower === asciiLower(fields[k])) return k;
  const folded = goFold(name);
  for (let k = 0; k < fields.length; k++) {
    // Deviation: Go also matches U+212A for K and U+017F for s; no encoder writes them, so such a
    // name is malformed input that e4ts will not read as a key.
    if (folded === asciiLower(fields[k])) {
      throw invalid('"Key.keyData" name ' + shown(name) + ' matches "' + fields[k] + '" only through a non-ASCII letter');
    }
  }
  return -1;
}

/**
 * A []byte member: encoding/json decodes it with base64.StdEncoding, which is padded and skips
 * \r and \n wherever they are; anything else outside the standard alphabet is an error. JSON
 * null leaves a Go slice nil, which is returned as no bytes for validation to refuse.
 */
function readBytes(value: JsonValue, where: string): Uint8Array {
  if (value.kind === 'null') return new Uint8Array(0);
  if (value.kind !== 'string') throw invalid('"' + where + '" is a ' + value.kind + ', not a base64 string');
  try {
    return fromBase64(value.text.replace(/[\r\n]/g, ''), where);
  } catch {
    throw invalid('"' + where + '" is not padded standard base64 (Go: illegal base64 data)');
  }
}

/** A map[string][]byte member, added to `into` (a later duplicate name wins). */
function readTable(value: JsonValue, where: string, into: ByteTable): void {
  for (let i = 0; i < value.names.length; i++) {
    // Checked before the assignment: a name such as "__proto__" must never reach the table.
    checkTableName(value.names[i], where);
    // Deviation (TopicKeys): Go stores a nil key that fails on every use; PubKeys: Go's validate()
    // refuses it too.
    if (value.items[i].kind === 'null') throw invalid('"' + where + '.' + value.names[i] + '" is null');
    into[value.names[i]] = readBytes(value.items[i], where + '.' + value.names[i]);
  }
}

/** `keys.FromRawJSON`: "keyType", then "keyData" into the material's struct. */
function readKey(value: JsonValue): KeyMaterial {
  if (value.kind !== 'object') throw invalid('"Key" is a ' + value.kind + ', not an object');
  refuseOtherCases(value, KEY_NAMES, '"Key"');
  const type = required(value, 'keyType', 'Key.keyType', 'Go: invalid json raw message, expected "keyType"');
  const data = required(value, 'keyData', 'Key.keyData', 'Go: invalid json raw message, expected "keyData"');
  // Go decodes keyType into an int, so "0", 0.0 and 2 fail there too. Deviation: Go also reads
  // -0 as 0 and null as 0 (a no-op decode); no encoder writes either, so e4ts refuses them.
  if (type.kind !== 'number' || (type.text !== '0' && type.text !== '1')) {
    let go: string;
    if (type.kind === 'null' || type.text === '-0') go = 'Go reads it as 0, but no encoder writes it';
    else if (type.kind === 'number' && /^[0-9]+$/.test(type.text.charAt(0) === '-' ? type.text.substring(1) : type.text)) {
      go = 'Go: unsupported json key type: ' + type.text;
    }
    else go = 'Go: cannot unmarshal ' + type.kind + ' into Go value of type keys.keyType';
    throw invalid('"Key.keyType" must be the number 0 or 1 (' + go + ')');
  }
  // A null keyData decodes to an empty struct in Go, which validate() then refuses.
  if (data.kind !== 'object' && data.kind !== 'null') throw invalid('"Key.keyData" is a ' + data.kind + ', not an object');
  if (type.text === '0') {
    let key: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < data.names.length; i++) {
      if (fieldIndex(data.names[i], SYMMETRIC_FIELDS) === 0) key = readBytes(data.items[i], 'Key.keyData.Key');
    }
    return { keyType: 0, key: key };
  }
  const bytes: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
  let pubKeys: ByteTable | null = null;
  for (let i = 0; i < data.names.length; i++) {
    const field = fieldIndex(data.names[i], PUBLIC_KEY_FIELDS);
    if (field < 0) continue;
    const member = data.items[i];
    const where = 'Key.keyData.' + PUBLIC_KEY_FIELDS[field];
    if (field < 3) bytes[field] = readBytes(member, where);
    else if (member.kind === 'null') pubKeys = null;
    else if (member.kind === 'object') {
      // encoding/json decodes a repeated map field into the map it already holds: the entries merge.
      if (pubKeys === null) pubKeys = {};
      readTable(member, where, pubKeys);
    } else throw invalid('"' + where + '" is a ' + member.kind + ', not an object');
  }
  return { keyType: 1, privateKey: bytes[0], signerId: bytes[1], c2PublicKey: bytes[2], pubKeys: pubKeys };
}

/**
 * The state in a text of e4go's store: what `LoadClient` reads from it, checked as Go's
 * `FromRawJSON` checks it. Anything else, including the deviations marked above, is an
 * `InvalidState` error.
 */
export function importE4goState(text: string): ClientState {
  if (typeof text !== 'string') throw e4Error(E4ErrorCode.InvalidArgument, '"text" expected string, got ' + typeof text);
  const root = parseFirstValue(text);
  if (root.kind !== 'object') throw invalid('the JSON value is a ' + root.kind + ', not an object');
  refuseOtherCases(root, TOP_LEVEL_NAMES, 'the top level');
  // Deviation (every "is missing" below): Go loads a state without the field, leaving it empty.
  const absent = 'Go would load it empty';
  const key = readKey(required(root, 'Key', 'Key', 'Go would load no key and fail on first use'));
  const topicValue = required(root, 'ReceivingTopic', 'ReceivingTopic', absent);
  // Deviation: Go's decode of null is a no-op that leaves the receiving topic empty.
  if (topicValue.kind !== 'string') throw invalid('"ReceivingTopic" is a ' + topicValue.kind + ', not a string');
  const tableValue = required(root, 'TopicKeys', 'TopicKeys', absent);
  // Deviation: for null Go keeps a nil map, which panics on the first SetTopicKey.
  if (tableValue.kind !== 'object') throw invalid('"TopicKeys" is a ' + tableValue.kind + ', not an object');
  const topicKeys: ByteTable = {};
  readTable(tableValue, 'TopicKeys', topicKeys);
  const id = readBytes(required(root, 'ID', 'ID', absent), 'ID');
  const state: ClientState = { id: id, topicKeys: topicKeys, key: key, receivingTopic: topicValue.text };
  checkState(state);
  return state;
}
