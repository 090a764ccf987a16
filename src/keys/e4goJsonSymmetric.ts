/**
 * The Go client's persisted state for the embedded build, which puts this module in the place of
 * e4goJson.ts (build/embedded.ts): symmetric-key states only, in the one form e4go writes them
 * (and this package too), so that a board carries neither the public-key material nor a
 * general JSON parser.
 *
 * That form is `json.Encoder.Encode` of the client: no whitespace, the fields in struct order,
 * `{"ID":"…","TopicKeys":{"<hex>":"…",…},"Key":{"keyType":0,"keyData":{"Key":"…"}},
 * "ReceivingTopic":"…"}`, then a newline (whatever follows the object is ignored, as Go's
 * decoder ignores it). No string in it has an escape: names are hex, byte strings base64, and
 * the receiving topic, `e4/` and the hex of the id, has no character Go escapes. Every text
 * read here, e4goJson.ts reads as the same state, and every state written here, it writes the
 * same; any other text, even one Go would load, is refused (`InvalidState`), and so is a state
 * whose receiving topic would need an escape.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { fromBase64, utf8Encode } from '../utils.ts';
import { checkState, checkTableName, symmetricKeyWriter, writeE4goState, type KeyMaterialWriters } from './e4goJsonState.ts';
import { stateError } from './e4goJsonSyntax.ts';
import type { ByteTable, ClientState } from './state.ts';

const SYMMETRIC_ONLY: KeyMaterialWriters = { 0: symmetricKeyWriter };

/**
 * True when Go writes `text` as it is between quotes: it has no control character, no `"` or
 * `\`, none of the HTML-sensitive `<`, `>`, `&`, U+2028 or U+2029, and no lone surrogate (this
 * string's form of an invalid UTF-8 byte, which Go writes and reads as U+FFFD).
 */
function needsNoEscape(text: string): boolean {
  // Compared as codes: a board with 8-bit strings has no U+2028 to write in a literal.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x2028 || c === 0x2029 || '"\\<>&'.indexOf(text.charAt(i)) >= 0) return false;
  }
  try {
    utf8Encode(text, 'text');
    return true;
  } catch (e) {
    return false;
  }
}

/** A JSON string as e4go writes one that needs no escape. */
function quoteWithoutEscapes(text: string): string {
  if (!needsNoEscape(text)) throw stateError('"ReceivingTopic" needs an escape, which this build does not write');
  return '"' + text + '"';
}

/** e4goJson.ts's `exportE4goState` for a symmetric-key state. */
export function exportE4goState(state: ClientState): string {
  return writeE4goState(state, SYMMETRIC_ONLY, quoteWithoutEscapes);
}

/** A text being read, and the offset reached. */
interface Cursor {
  s: string;
  i: number;
}

function notWritten(c: Cursor, expected: string): Error {
  return stateError('expected ' + expected + ' at offset ' + c.i + ', as e4go writes a symmetric-key client');
}

/** Moves past `literal`, which must come next. */
function expect(c: Cursor, literal: string): void {
  if (c.s.substring(c.i, c.i + literal.length) !== literal) throw notWritten(c, JSON.stringify(literal));
  c.i += literal.length;
}

/** The string up to the next `"`, which it moves past; it must need no escape. */
function stringWithoutEscapes(c: Cursor): string {
  const end = c.s.indexOf('"', c.i);
  const text = end < 0 ? '' : c.s.substring(c.i, end);
  if (end < 0 || !needsNoEscape(text)) throw notWritten(c, 'a string without escapes');
  c.i = end + 1;
  return text;
}

/** A []byte member's base64 value and its closing quote. */
function readBase64(c: Cursor, where: string): Uint8Array {
  const text = stringWithoutEscapes(c);
  try {
    return fromBase64(text, where);
  } catch (e) {
    throw stateError('"' + where + '" is not padded standard base64');
  }
}

/** e4goJson.ts's `importE4goState` for a symmetric-key state in the form e4go writes it. */
export function importE4goState(text: string): ClientState {
  if (typeof text !== 'string') throw e4Error(E4ErrorCode.InvalidArgument, '"text" expected string, got ' + typeof text);
  const c: Cursor = { s: text, i: 0 };
  expect(c, '{"ID":"');
  const id = readBase64(c, 'ID');
  expect(c, ',"TopicKeys":{');
  const topicKeys: ByteTable = {};
  // "<hex>":"<base64>" pairs, comma-separated (a later duplicate name wins, as in Go's map).
  if (text.charAt(c.i) !== '}') {
    for (;;) {
      expect(c, '"');
      const name = stringWithoutEscapes(c);
      // Checked before the assignment: a name such as "__proto__" must never reach the table.
      checkTableName(name, 'TopicKeys');
      expect(c, ':"');
      topicKeys[name] = readBase64(c, 'TopicKeys.' + name);
      if (text.charAt(c.i) !== ',') break;
      c.i++;
    }
  }
  expect(c, '},"Key":{"keyType":0,"keyData":{"Key":"');
  const key = readBase64(c, 'Key.keyData.Key');
  expect(c, '}},"ReceivingTopic":"');
  const receivingTopic = stringWithoutEscapes(c);
  expect(c, '}');
  const state: ClientState = { id: id, topicKeys: topicKeys, key: { keyType: 0, key: key }, receivingTopic: receivingTopic };
  checkState(state, SYMMETRIC_ONLY);
  return state;
}
