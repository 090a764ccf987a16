/**
 * The Go client's persisted state (E4-PROTOCOL.md, "Client state"), written and read as e4go
 * writes and reads it, so a fleet can move between the two implementations. This module holds
 * what every state has and the symmetric key material; the public-key material is
 * e4goJsonPublicKey.ts's, so that a symmetric-only build carries none of it.
 *
 * Writing is e4go's `json.Encoder.Encode(client)`: one line and a newline, the fields in struct
 * order, map keys sorted, []byte as padded standard base64, strings escaped as encoding/json
 * escapes them.
 *
 * Reading follows e4go's `LoadClient`: `json.Decoder.Decode` takes the first JSON value and
 * ignores whatever follows it; `client.UnmarshalJSON` looks the top-level names up exactly in a
 * map (a later duplicate wins); `keys.FromRawJSON` does the same for "keyType" and "keyData",
 * decodes "keyData" into a struct (whose field names encoding/json matches case-insensitively)
 * and re-validates the key material.
 *
 * Where Go loads a state it cannot use, or one no Go client writes, e4ts refuses it with
 * `InvalidState`; each such place says why in a comment beginning "Deviation".
 *
 * Written in the ES5-safe subset (no Map/Set, spread, for-of, classes) because the embedded
 * build reuses this module.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { ID_LEN, KEY_LEN } from '../protocol/sizes.ts';
import { fromBase64, HEX_DIGITS, isAllZero, toBase64 } from '../utils.ts';
import { stateError, parseFirstValue, shown, type JsonValue } from './e4goJsonSyntax.ts';
import type { ByteTable, ClientState, KeyMaterial, SymmetricKeyMaterial } from './state.ts';

/** How the material of one key type is checked and written. */
export interface KeyMaterialWriter<M extends KeyMaterial> {
  /** Go's `validate()` of the material; `InvalidState` when it fails. */
  check(material: M): void;
  /** The "keyData" object, as e4go writes it. */
  writeKeyData(material: M): string;
}

/** How the material of one key type is checked, written and read. */
export interface KeyMaterialCodec<M extends KeyMaterial> extends KeyMaterialWriter<M> {
  /** The material in "keyData" (an object, or null), checked later by `check`. */
  readKeyData(keyData: JsonValue): M;
}

/** Per key type: the symmetric one always, the public-key one when the build holds it. */
export interface ByKeyType<T> {
  0: T;
  1?: T;
}

function forKeyType<T>(table: ByKeyType<T>, keyType: 0 | 1): T {
  const entry = table[keyType];
  if (entry === undefined) throw stateError('a public-key state: this build has no public-key client');
  return entry;
}

export type KeyMaterialWriters = ByKeyType<KeyMaterialWriter<KeyMaterial>>;
export type KeyMaterialCodecs = ByKeyType<KeyMaterialCodec<KeyMaterial>>;

// ---------------------------------------------------------------------------------------------
// Validation: one set of rules for what is read and what is written, so a saved state loads.

/** True for lower-case hex of 16 bytes, the form of every table name (a loop: Espruino's regular expressions have no {n}). */
function isHexId(name: string): boolean {
  if (name.length !== 2 * ID_LEN) return false;
  for (let i = 0; i < name.length; i++) if (HEX_DIGITS.indexOf(name.charAt(i)) < 0) return false;
  return true;
}

export function checkTableName(name: string, where: string): void {
  // Deviation: Go reads any name into TopicKeys and any hex into PubKeys (upper case too), but it
  // looks names up as lower-case hex of 16 bytes, so any other name is a key it never finds.
  if (!isHexId(name)) throw stateError('"' + where + '" name ' + shown(name) + ' is not lower-case hex of 16 bytes');
}

/** A byte string of `length` bytes, and not all zero when `nonZero`. */
export function checkBytes(value: unknown, where: string, length: number, nonZero: boolean): void {
  if (!(value instanceof Uint8Array)) throw stateError('"' + where + '" is not a Uint8Array');
  if (value.length !== length) throw stateError('"' + where + '" must be ' + length + ' bytes, got ' + value.length);
  if (nonZero && isAllZero(value)) throw stateError('"' + where + '" is all zeros');
}

/** A table by hex name; `valueLength` 0 means any length (Go does not validate topic keys). */
export function checkTable(table: unknown, where: string, valueLength: number): void {
  if (typeof table !== 'object' || table === null) throw stateError('"' + where + '" is not a table');
  const names = Object.keys(table);
  for (let i = 0; i < names.length; i++) {
    checkTableName(names[i], where);
    const value = (table as ByteTable)[names[i]];
    const at = where + '.' + names[i];
    if (valueLength === 0) {
      if (!(value instanceof Uint8Array)) throw stateError('"' + at + '" is not a Uint8Array');
    } else checkBytes(value, at, valueLength, true);
  }
}

/** Go's `validate()` of the key material, plus the id length e4ts requires. */
export function checkState(state: ClientState, writers: KeyMaterialWriters): void {
  if (typeof state !== 'object' || state === null) throw stateError('expected a ClientState object');
  const k = state.key;
  if (typeof k !== 'object' || k === null || (k.keyType !== 0 && k.keyType !== 1)) throw stateError('"Key.keyType" must be 0 or 1');
  forKeyType(writers, k.keyType).check(k);
  if (typeof state.receivingTopic !== 'string') throw stateError('"ReceivingTopic" is not a string');
  checkTable(state.topicKeys, 'TopicKeys', 0);
  // Deviation: Go accepts an id of any length (even none); E4's ids are 16 bytes.
  checkBytes(state.id, 'ID', ID_LEN, false);
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** A map[string][]byte: encoding/json sorts the keys; hex names sort the same by code unit and by byte. */
export function writeTable(table: ByteTable): string {
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
 * writes, newline included, with `quote` writing the receiving topic as a JSON string. A state
 * that could not be read back is refused (`InvalidState`).
 */
export function writeE4goState(state: ClientState, writers: KeyMaterialWriters, quote: (text: string) => string): string {
  checkState(state, writers);
  const k = state.key;
  return (
    '{"ID":"' + toBase64(state.id) + '","TopicKeys":' + writeTable(state.topicKeys) +
    ',"Key":{"keyType":' + k.keyType + ',"keyData":' + forKeyType(writers, k.keyType).writeKeyData(k) +
    '},"ReceivingTopic":' + quote(state.receivingTopic) + '}\n'
  );
}

// ---------------------------------------------------------------------------------------------
// Reading: from JSON values to a ClientState.

const TOP_LEVEL_NAMES = ['ID', 'TopicKeys', 'Key', 'ReceivingTopic'];
const KEY_NAMES = ['keyType', 'keyData'];

/**
 * A name with its ASCII letters in lower case (toLowerCase would fold U+212A to k); with
 * `goFolds`, folded as encoding/json folds names it matches to ASCII field names: Unicode
 * simple case folding, under which only U+212A KELVIN SIGN (k) and U+017F LATIN SMALL LETTER
 * LONG S (s) join an ASCII letter's fold set.
 */
function lowerName(name: string, goFolds: boolean): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch >= 0x41 && ch <= 0x5a) out += String.fromCharCode(ch + 32);
    else if (goFolds && ch === 0x212a) out += 'k';
    else if (goFolds && ch === 0x017f) out += 's';
    else out += name.charAt(i);
  }
  return out;
}

/** Go reads the top-level names and "keyType"/"keyData" exactly, from a map[string]RawMessage. */
function refuseOtherCases(object: JsonValue, exact: string[], where: string): void {
  for (let i = 0; i < object.names.length; i++) {
    for (let k = 0; k < exact.length; k++) {
      // Deviation: Go skips such a name as unknown and loads the field empty (or fails later with
      // a nil key); e4ts says which name is wrong instead of loading an empty field.
      if (object.names[i] !== exact[k] && lowerName(object.names[i], true) === lowerName(exact[k], true)) {
        throw stateError(where + ' has ' + shown(object.names[i]) + ' where Go reads only "' + exact[k] + '"');
      }
    }
  }
}

/**
 * The value of the last member named exactly `name` (Go's map keeps the last duplicate).
 * Deviation: Go loads a state without the member, leaving the field empty.
 */
function required(object: JsonValue, name: string, where: string): JsonValue {
  for (let i = object.names.length - 1; i >= 0; i--) if (object.names[i] === name) return object.items[i];
  throw stateError('"' + where + '" is missing');
}

/**
 * The index in `fields` of a keyData member name: encoding/json matches struct field names
 * case-insensitively, so "key" and "KEY" are "Key". -1 for a name Go ignores.
 */
export function fieldIndex(name: string, fields: string[]): number {
  const lower = lowerName(name, false);
  for (let k = 0; k < fields.length; k++) if (lower === lowerName(fields[k], false)) return k;
  const folded = lowerName(name, true);
  for (let k = 0; k < fields.length; k++) {
    // Deviation: Go also matches U+212A for K and U+017F for s; no encoder writes them, so such a
    // name is malformed input that e4ts will not read as a key.
    if (folded === lowerName(fields[k], false)) {
      throw stateError('"Key.keyData" name ' + shown(name) + ' matches "' + fields[k] + '" only through a non-ASCII letter');
    }
  }
  return -1;
}

/**
 * A []byte member: encoding/json decodes it with base64.StdEncoding, which is padded and skips
 * \r and \n wherever they are; anything else outside the standard alphabet is an error. JSON
 * null leaves a Go slice nil, which is returned as no bytes for validation to refuse.
 */
export function readBytes(value: JsonValue, where: string): Uint8Array {
  if (value.kind === 'null') return new Uint8Array(0);
  if (value.kind !== 'string') throw stateError('"' + where + '" is a ' + value.kind + ', not a base64 string');
  try {
    return fromBase64(value.text.replace(/[\r\n]/g, ''), where);
  } catch (e) {
    throw stateError('"' + where + '" is not padded standard base64');
  }
}

/** A map[string][]byte member, added to `into` (a later duplicate name wins). */
export function readTable(value: JsonValue, where: string, into: ByteTable): void {
  for (let i = 0; i < value.names.length; i++) {
    // Checked before the assignment: a name such as "__proto__" must never reach the table.
    checkTableName(value.names[i], where);
    const at = where + '.' + value.names[i];
    // Deviation (TopicKeys): Go stores a nil key that fails on every use; PubKeys: Go's validate()
    // refuses it too.
    if (value.items[i].kind === 'null') throw stateError('"' + at + '" is null');
    into[value.names[i]] = readBytes(value.items[i], at);
  }
}

/** `keys.FromRawJSON`: "keyType", then "keyData" into the material's struct. */
function readKey(value: JsonValue, codecs: KeyMaterialCodecs): KeyMaterial {
  if (value.kind !== 'object') throw stateError('"Key" is a ' + value.kind + ', not an object');
  refuseOtherCases(value, KEY_NAMES, '"Key"');
  const type = required(value, 'keyType', 'Key.keyType');
  const data = required(value, 'keyData', 'Key.keyData');
  // Go decodes keyType into an int, so "0", 0.0 and 2 fail there too. Deviation: Go also reads
  // -0 as 0 and null as 0 (a no-op decode); no encoder writes either, so e4ts refuses them.
  if (type.kind !== 'number' || (type.text !== '0' && type.text !== '1')) {
    throw stateError('"Key.keyType" must be the number 0 or 1, got ' + (type.kind === 'number' ? shown(type.text) : type.kind));
  }
  // A null keyData decodes to an empty struct in Go, which validate() then refuses.
  if (data.kind !== 'object' && data.kind !== 'null') throw stateError('"Key.keyData" is a ' + data.kind + ', not an object');
  return forKeyType(codecs, type.text === '0' ? 0 : 1).readKeyData(data);
}

/**
 * The state in a text of e4go's store: what `LoadClient` reads from it, checked as Go's
 * `FromRawJSON` checks it. Anything else, including the deviations marked above, is an
 * `InvalidState` error.
 */
export function readE4goState(text: string, codecs: KeyMaterialCodecs): ClientState {
  if (typeof text !== 'string') throw e4Error(E4ErrorCode.InvalidArgument, '"text" expected string, got ' + typeof text);
  const root = parseFirstValue(text);
  if (root.kind !== 'object') throw stateError('the JSON value is a ' + root.kind + ', not an object');
  refuseOtherCases(root, TOP_LEVEL_NAMES, 'the top level');
  const key = readKey(required(root, 'Key', 'Key'), codecs);
  const topicValue = required(root, 'ReceivingTopic', 'ReceivingTopic');
  // Deviation: Go's decode of null is a no-op that leaves the receiving topic empty.
  if (topicValue.kind !== 'string') throw stateError('"ReceivingTopic" is a ' + topicValue.kind + ', not a string');
  const tableValue = required(root, 'TopicKeys', 'TopicKeys');
  // Deviation: for null Go keeps a nil map, which panics on the first SetTopicKey.
  if (tableValue.kind !== 'object') throw stateError('"TopicKeys" is a ' + tableValue.kind + ', not an object');
  const topicKeys: ByteTable = {};
  readTable(tableValue, 'TopicKeys', topicKeys);
  const id = readBytes(required(root, 'ID', 'ID'), 'ID');
  const state: ClientState = { id: id, topicKeys: topicKeys, key: key, receivingTopic: topicValue.text };
  checkState(state, codecs);
  return state;
}

// ---------------------------------------------------------------------------------------------
// The symmetric key material: struct{Key []byte}.

const SYMMETRIC_FIELDS = ['Key'];

function checkSymmetricKey(k: SymmetricKeyMaterial): void {
  checkBytes(k.key, 'Key.keyData.Key', KEY_LEN, true);
}

function writeSymmetricKeyData(k: SymmetricKeyMaterial): string {
  return '{"Key":"' + toBase64(k.key) + '"}';
}

export const symmetricKeyWriter: KeyMaterialWriter<SymmetricKeyMaterial> = {
  check: checkSymmetricKey,
  writeKeyData: writeSymmetricKeyData,
};

export const symmetricKeyCodec: KeyMaterialCodec<SymmetricKeyMaterial> = {
  check: checkSymmetricKey,
  writeKeyData: writeSymmetricKeyData,
  readKeyData: function (data) {
    let key: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < data.names.length; i++) {
      if (fieldIndex(data.names[i], SYMMETRIC_FIELDS) === 0) key = readBytes(data.items[i], 'Key.keyData.Key');
    }
    return { keyType: 0, key: key };
  },
};
