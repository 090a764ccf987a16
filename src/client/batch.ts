/**
 * Batch unprotect for ingestion servers: many messages in one call, symmetric ones opened in one
 * crossing into the backend. Kept apart from client.ts so that the embedded build, which has no
 * use for it, leaves it out.
 *
 * Two forms over one implementation: `unprotectPacked` reads messages laid out back to back and
 * answers in typed arrays, allocating nothing per message; `unprotectBatch` takes an array of
 * messages and answers with one result object per message. `protectPacked` is the way back.
 */
import { BATCH_OK, batchStatusOf, codeOfBatchStatus } from '../batchStatus.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { timestampFaultAt } from '../protocol/clock.ts';
import { checkSymmetricKey, openSymmetric, openSymmetricPacked } from '../protocol/messages.ts';
import { ID_LEN, PK_OVERHEAD, SYM_OVERHEAD, TAG_LEN, TIMESTAMP_LEN } from '../protocol/sizes.ts';
import { previousTopicKey } from '../protocol/transition.ts';
import { assertBytes, isBytes, type BytesLike } from '../utils.ts';
import type { BatchParts, E4Client } from './client.ts';

/**
 * Messages laid out back to back, as an ingestion server receives them into one buffer (or a
 * SharedArrayBuffer shared with workers): message i is `data[offsets[i], offsets[i + 1])`,
 * received on `topics[topicIndexes[i]]`.
 */
export interface PackedMessages {
  data: Uint8Array;
  /** `count + 1` non-decreasing offsets into `data`. */
  offsets: Uint32Array;
  /** At least `count` indexes into `topics`. */
  topicIndexes: Uint32Array;
  topics: readonly BytesLike[];
  count: number;
}

/**
 * Per-message answers of `unprotectPacked`: `status[i]` is 0 when message i was read, its payload
 * then `out[starts[i], ends[i])`; otherwise the number of its error code (`batchErrorCode`), and
 * `starts[i] = ends[i]`. Each array holds at least as many entries as the batch has messages.
 */
export interface PackedResults {
  status: Uint8Array;
  starts: Uint32Array;
  ends: Uint32Array;
}

/** Results arrays for batches of up to `capacity` messages, to be reused from batch to batch. */
export function createPackedResults(capacity: number): PackedResults {
  return { status: new Uint8Array(capacity), starts: new Uint32Array(capacity), ends: new Uint32Array(capacity) };
}

/** The E4 error code of a packed status: null for 0 (read), the code otherwise. */
export const batchErrorCode: (status: number) => E4ErrorCode | null = codeOfBatchStatus;

/**
 * One message's result in `unprotectBatch`: its payload, or the code of the E4Error `unprotect`
 * would have thrown for it alone.
 */
export type BatchResult = { ok: true; payload: Uint8Array } | { ok: false; code: E4ErrorCode };

/** Where a public-key message's payload sits in `out`: over its ciphertext, between the tag and the signature. */
const PK_PAYLOAD_START = TIMESTAMP_LEN + ID_LEN + TAG_LEN;

/**
 * Scratch reused from batch to batch (it holds indexes and statuses, never key material): per
 * message its key index, per topic index of the batch what was found for it.
 */
let keyIndexes = new Int32Array(0);
/** Per topic index: UNRESOLVED, or the index of its key in the batch's key list, or NO_KEY. */
let topicKeyIndex = new Int32Array(0);
/** Per topic index with NO_KEY: the status every message on it gets, and whether before its length check. */
let topicStatus = new Uint8Array(0);
let topicFailsEarly = new Uint8Array(0);
const UNRESOLVED = -2;
const NO_KEY = -1;

const MESSAGE_TOO_SHORT = batchStatusOf(E4ErrorCode.MessageTooShort);
const NOT_AUTHENTIC = batchStatusOf(E4ErrorCode.NotAuthentic);
const UNSUPPORTED = batchStatusOf(E4ErrorCode.UnsupportedOperation);

/**
 * Reads the messages of `batch`, each as `client.unprotect` would read it alone at the same clock
 * reading (the clock is read once for the batch); one bad message never fails the others.
 * Returns how many were read. Payloads land in `out` (at least `offsets[count]` bytes, not
 * overlapping `batch.data`), where `results` says; nothing is allocated per message in symmetric
 * mode, so a server can reuse `out` and `results` from batch to batch.
 *
 * Symmetric mode: each distinct topic is resolved once (its hash remembered by the client, see
 * `topicCacheSize`), each topic key looked up and checked once, the length and timestamp of
 * each message checked in Go's order, and every message that passes is opened in one crossing
 * into the backend. A message that fails authentication under its topic's key is tried again,
 * alone, under the previous key while the key transition allows it. Public-key mode reads the
 * messages one `unprotect` at a time (its signature checks dominate the cost).
 *
 * Control-topic messages are refused with `UnsupportedOperation`: a command may change the keys
 * the messages after it are read with, so commands go to `unprotect`, one at a time.
 *
 * Throws `InvalidArgument` only for a malformed batch (offsets out of order or past `data`, a
 * topic index out of range, `out` or `results` too small, `out` overlapping `data`).
 *
 * @example
 * const read = unprotectPacked(server, batch, out, results);
 * for (let i = 0; i < batch.count; i++) {
 *   if (results.status[i] === 0) ingest(out.subarray(results.starts[i], results.ends[i]));
 * }
 */
export function unprotectPacked(client: E4Client, batch: PackedMessages, out: Uint8Array, results: PackedResults): number {
  const parts = client.batchParts();
  checkPacked(batch, out, results);
  if (parts.modeName !== 'symmetric') return unprotectEach(client, batch, out, results);
  const { data, offsets, topicIndexes, topics, count } = batch;
  const { status, starts, ends } = results;
  const now = parts.clock();
  if (keyIndexes.length < count) keyIndexes = new Int32Array(count);
  if (topicKeyIndex.length < topics.length) {
    topicKeyIndex = new Int32Array(topics.length);
    topicStatus = new Uint8Array(topics.length);
    topicFailsEarly = new Uint8Array(topics.length);
  }
  topicKeyIndex.fill(UNRESOLVED, 0, topics.length);
  const keys: Uint8Array[] = [];
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const t = topicIndexes[i];
    if (topicKeyIndex[t] === UNRESOLVED) resolveTopic(client, parts, topics[t], t, keys, hashes);
    keyIndexes[i] = NO_KEY;
    starts[i] = offsets[i];
    ends[i] = offsets[i];
    const keyIndex = topicKeyIndex[t];
    if (keyIndex === NO_KEY && topicFailsEarly[t] === 1) {
      status[i] = topicStatus[t];
    } else if (offsets[i + 1] - offsets[i] <= SYM_OVERHEAD) {
      status[i] = MESSAGE_TOO_SHORT;
    } else {
      const fault = timestampFaultAt(data, offsets[i], now, parts.window);
      if (fault !== null) {
        status[i] = batchStatusOf(fault);
      } else if (keyIndex === NO_KEY) {
        status[i] = topicStatus[t];
      } else {
        keyIndexes[i] = keyIndex;
      }
    }
  }
  openSymmetricPacked(keys, keyIndexes, data, offsets, count, out, status);
  let read = 0;
  for (let i = 0; i < count; i++) {
    if (keyIndexes[i] === NO_KEY) continue;
    if (status[i] === NOT_AUTHENTIC) {
      const old = previousTopicKey(parts.state, hashes[keyIndexes[i]], now);
      if (old !== null) status[i] = openUnderPreviousKey(old, data, offsets[i], offsets[i + 1], out);
    }
    if (status[i] === BATCH_OK) {
      starts[i] = offsets[i] + SYM_OVERHEAD;
      ends[i] = offsets[i + 1];
      read++;
    }
  }
  return read;
}

/**
 * What every message on topic index `t` shares: its key (added to `keys`, its topic hash to
 * `hashes` at the same index) or the status its messages get, before their length check (a
 * control topic, an invalid topic, no key: Go looks for the key before anything else) or after
 * their timestamp check (a key that `checkSymmetricKey` refuses, found when opening).
 */
function resolveTopic(
  client: E4Client,
  parts: BatchParts,
  topic: BytesLike,
  t: number,
  keys: Uint8Array[],
  hashes: Uint8Array[],
): void {
  topicKeyIndex[t] = NO_KEY;
  topicFailsEarly[t] = 1;
  try {
    if (client.isControlTopic(topic)) {
      topicStatus[t] = UNSUPPORTED;
      return;
    }
    const entry = client.topicEntry(topic);
    const key = parts.state.topicKeys[entry.name];
    if (key === undefined) throw e4Error(E4ErrorCode.TopicKeyNotFound, 'topic key not found');
    topicFailsEarly[t] = 0;
    checkSymmetricKey(key);
    topicKeyIndex[t] = keys.push(key) - 1;
    hashes.push(entry.hash);
  } catch (e) {
    topicStatus[t] = statusOf(e);
  }
}

/** The key transition of one message that failed under its topic's current key; its status. */
function openUnderPreviousKey(old: Uint8Array, data: Uint8Array, start: number, end: number, out: Uint8Array): number {
  try {
    const plaintext = openSymmetric(old, data.subarray(start, end));
    out.set(plaintext, start + SYM_OVERHEAD);
    plaintext.fill(0);
    return BATCH_OK;
  } catch (e) {
    return statusOf(e);
  }
}

/** Public-key mode: `unprotect` one message at a time, each payload copied over its ciphertext in `out`. */
function unprotectEach(client: E4Client, batch: PackedMessages, out: Uint8Array, results: PackedResults): number {
  const { data, offsets, topicIndexes, topics, count } = batch;
  const { status, starts, ends } = results;
  let read = 0;
  for (let i = 0; i < count; i++) {
    const topic = topics[topicIndexes[i]];
    starts[i] = offsets[i];
    ends[i] = offsets[i];
    try {
      if (client.isControlTopic(topic)) {
        status[i] = UNSUPPORTED;
        continue;
      }
      const result = client.unprotect(data.subarray(offsets[i], offsets[i + 1]), topic);
      if (result.kind !== 'message') {
        status[i] = UNSUPPORTED;
        continue;
      }
      const at = offsets[i] + PK_PAYLOAD_START;
      out.set(result.payload, at);
      starts[i] = at;
      ends[i] = at + result.payload.length;
      status[i] = BATCH_OK;
      read++;
    } catch (e) {
      status[i] = statusOf(e);
    }
  }
  return read;
}

/**
 * Protects many payloads in one call: payload i is `batch.data[offsets[i], offsets[i + 1])`, for
 * `topics[topicIndexes[i]]`, each as `client.protect` would (its topic's key, timestamped now).
 * Message i goes to `out` from `offsets[i] + i × overhead`, overhead being 24 bytes in symmetric
 * mode and 104 in public-key mode (`protectedBytes` gives the room `out` needs); `results` says
 * where each lies, or the number of its error code (a topic without a key, an empty symmetric
 * payload); one refused payload never fails the others. Returns how many were protected.
 */
export function protectPacked(client: E4Client, batch: PackedMessages, out: Uint8Array, results: PackedResults): number {
  const overhead = overheadOf(client);
  checkPacked(batch, out, results, overhead);
  const { data, offsets, topicIndexes, topics, count } = batch;
  const { status, starts, ends } = results;
  let done = 0;
  for (let i = 0; i < count; i++) {
    const at = offsets[i] + i * overhead;
    starts[i] = at;
    ends[i] = at;
    try {
      const message = client.protect(data.subarray(offsets[i], offsets[i + 1]), topics[topicIndexes[i]]);
      out.set(message, at);
      ends[i] = at + message.length;
      status[i] = BATCH_OK;
      done++;
    } catch (e) {
      status[i] = statusOf(e);
    }
  }
  return done;
}

/** The bytes `out` needs for `protectPacked` of `batch` on `client`. */
export function protectedBytes(client: E4Client, batch: PackedMessages): number {
  return batch.offsets[batch.count] + batch.count * overheadOf(client);
}

function overheadOf(client: E4Client): number {
  return client.batchParts().modeName === 'symmetric' ? SYM_OVERHEAD : PK_OVERHEAD;
}

/** `InvalidArgument` for a batch whose layout would make a message read outside its bytes. */
function checkPacked(batch: PackedMessages, out: Uint8Array, results: PackedResults, overhead = 0): void {
  const fail = (what: string): never => {
    throw e4Error(E4ErrorCode.InvalidArgument, 'packed batch: ' + what);
  };
  if (typeof batch !== 'object' || batch === null) fail('expected an object');
  const { data, offsets, topicIndexes, topics, count } = batch;
  assertBytes(data, 'data');
  assertBytes(out, 'out');
  if (!Number.isSafeInteger(count) || count < 0) fail('"count" expected a non-negative integer, got ' + String(count));
  if (!(offsets instanceof Uint32Array) || offsets.length < count + 1) fail('"offsets" expected a Uint32Array of count + 1 entries');
  if (!(topicIndexes instanceof Uint32Array) || topicIndexes.length < count) fail('"topicIndexes" expected a Uint32Array of count entries');
  if (!Array.isArray(topics)) fail('"topics" expected an array');
  const { status, starts, ends } = results;
  if (!(status instanceof Uint8Array) || !(starts instanceof Uint32Array) || !(ends instanceof Uint32Array)) {
    fail('"results" expected { status: Uint8Array, starts: Uint32Array, ends: Uint32Array }');
  }
  if (status.length < count || starts.length < count || ends.length < count) fail('"results" holds fewer than ' + count + ' entries');
  for (let i = 0; i < count; i++) {
    if (offsets[i + 1] < offsets[i]) fail('offsets decrease at message ' + i);
    if (topicIndexes[i] >= topics.length) fail('topic index ' + topicIndexes[i] + ' of message ' + i + ' is out of range');
  }
  const total = offsets[count];
  if (total > data.length) fail('offsets reach ' + total + ' bytes, "data" holds ' + data.length);
  const room = total + count * overhead;
  if (out.length < room) fail('"out" expected at least ' + room + ' bytes, got ' + out.length);
  if (out.buffer === data.buffer) {
    const outStart = out.byteOffset;
    const dataStart = data.byteOffset;
    if (outStart < dataStart + total && dataStart < outStart + room) fail('"out" overlaps "data"');
  }
}

/**
 * Reads many messages at once, `messages[i]` received on `topics[i]` (or all on `topics` when it
 * is one topic): `unprotectPacked` over a copy of the messages laid out back to back, with one
 * result object per message.
 *
 * Payloads are views of `out` when given, which then holds at least the total length of the
 * messages (message i's payload lies within the bytes `out` has at its position in that
 * layout); without `out`, views of one array allocated for the batch.
 *
 * @example
 * const results = unprotectBatch(server, received, 'sensors/temperature');
 * for (const r of results) if (r.ok) ingest(r.payload);
 */
export function unprotectBatch(
  client: E4Client,
  messages: readonly Uint8Array[],
  topics: readonly BytesLike[] | BytesLike,
  out?: Uint8Array,
): BatchResult[] {
  client.batchParts();
  if (!Array.isArray(messages)) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"messages" expected an array of Uint8Array, got ' + typeof messages);
  }
  const count = messages.length;
  const topicList = Array.isArray(topics) ? (topics as readonly BytesLike[]) : null;
  if (topicList !== null && topicList.length !== count) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"topics" expected ' + count + ' topics (one per message), got ' + topicList.length);
  }
  if (out !== undefined) assertBytes(out, 'out');
  const offsets = new Uint32Array(count + 1);
  const notBytes: number[] = [];
  for (let i = 0; i < count; i++) {
    const m = messages[i];
    const bytes = isBytes(m);
    const length = bytes ? m.length : 0;
    if (!bytes) notBytes.push(i);
    offsets[i + 1] = offsets[i] + length;
  }
  const total = offsets[count];
  const data = new Uint8Array(total);
  for (let i = 0; i < count; i++) if (offsets[i + 1] > offsets[i]) data.set(messages[i], offsets[i]);
  const topicIndexes = new Uint32Array(count);
  const distinct: BytesLike[] = [];
  if (topicList === null) {
    distinct.push(topics as BytesLike);
  } else {
    const indexOf = new Map<BytesLike, number>();
    for (let i = 0; i < count; i++) {
      let t = indexOf.get(topicList[i]);
      if (t === undefined) {
        t = distinct.push(topicList[i]) - 1;
        indexOf.set(topicList[i], t);
      }
      topicIndexes[i] = t;
    }
  }
  if (out !== undefined && out.length < total) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"out" expected at least ' + total + ' bytes, got ' + out.length);
  }
  const target = out !== undefined ? out : new Uint8Array(total);
  const results = createPackedResults(count);
  unprotectPacked(client, { data: data, offsets: offsets, topicIndexes: topicIndexes, topics: distinct, count: count }, target, results);
  for (let j = 0; j < notBytes.length; j++) results.status[notBytes[j]] = batchStatusOf(E4ErrorCode.InvalidArgument);
  const answers: BatchResult[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const code = codeOfBatchStatus(results.status[i]);
    answers[i] = code === null ? { ok: true, payload: target.subarray(results.starts[i], results.ends[i]) } : { ok: false, code: code };
  }
  return answers;
}

/** A message's failure as a status: the code of the E4Error; anything else is a bug and is rethrown. */
function statusOf(e: unknown): number {
  const code = typeof e === 'object' && e !== null ? (e as { code?: E4ErrorCode }).code : undefined;
  if (typeof code !== 'string') throw e;
  return batchStatusOf(code);
}
