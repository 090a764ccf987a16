/**
 * Batch unprotect for ingestion servers: many messages in one call, symmetric ones opened in one
 * crossing into the backend. Kept apart from client.ts so that the embedded build, which has no
 * use for it, leaves it out.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { hashTopic } from '../primitives.ts';
import { checkSymmetricKey, checkSymmetricMessage, openSymmetric, openSymmetricBatch } from '../protocol/messages.ts';
import { SYM_OVERHEAD } from '../protocol/sizes.ts';
import { previousTopicKey, topicKeyName } from '../protocol/transition.ts';
import { assertBytes, bytesOf, toHex, type BytesLike } from '../utils.ts';
import type { E4Client } from './client.ts';

/**
 * One message's result in `unprotectBatch`: its payload, or the code of the E4Error `unprotect`
 * would have thrown for it alone.
 */
export type BatchResult = { ok: true; payload: Uint8Array } | { ok: false; code: E4ErrorCode };

/** How many distinct topics each client remembers the hash of; its cache is emptied when full. */
export const TOPIC_CACHE_LIMIT = 4096;

/** A topic's hash and the name of its key in the state. */
interface TopicEntry {
  hash: Uint8Array;
  name: string;
}

/** Per client: topic (prefixed 's' + text or 'b' + hex of bytes) → its hash and key name. */
const topicCaches = new WeakMap<E4Client, Map<string, TopicEntry>>();

/**
 * Reads many messages at once, `messages[i]` received on `topics[i]` (or all on `topics` when it
 * is one topic). Each message gets its own result, equal to what `client.unprotect` would give
 * it alone at the same clock reading (the clock is read once for the batch); one bad message
 * never fails the others.
 *
 * Symmetric mode: each distinct topic is hashed once (and remembered, up to TOPIC_CACHE_LIMIT
 * topics per client), each topic key looked up and checked once, the length and timestamp of
 * each message checked in Go's order, and every message that passes is opened in one crossing
 * into the backend. A message that fails authentication under its topic's key is tried again,
 * alone, under the previous key while the key transition allows it. Public-key mode reads the
 * messages one `unprotect` at a time (its signature checks dominate the cost).
 *
 * Control-topic messages are refused with `UnsupportedOperation`: a command may change the keys
 * the messages after it are read with, so commands go to `unprotect`, one at a time.
 *
 * Payloads: in symmetric mode, views of `out` when given, which then holds at least the sum of
 * `length − 24` over the messages (message i's payload starts after the room of the messages
 * before it, whatever their results); without `out`, views of one array allocated for the batch.
 * In public-key mode each payload is its own array and `out` is not used.
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
  const parts = client.batchParts();
  if (!Array.isArray(messages)) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"messages" expected an array of Uint8Array, got ' + typeof messages);
  }
  const topicList = Array.isArray(topics) ? (topics as readonly BytesLike[]) : null;
  if (topicList !== null && topicList.length !== messages.length) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"topics" expected ' + messages.length + ' topics (one per message), got ' + topicList.length);
  }
  const topicOf = (i: number): BytesLike => (topicList !== null ? topicList[i] : (topics as BytesLike));
  if (out !== undefined) assertBytes(out, 'out');
  const results: BatchResult[] = new Array(messages.length);
  if (parts.modeName !== 'symmetric') {
    for (let i = 0; i < messages.length; i++) results[i] = unprotectOne(client, messages[i], topicOf(i));
    return results;
  }
  const now = parts.clock();
  const state = parts.state;
  const keys: Uint8Array[] = [];
  const keyIndexOf = new Map<string, number | E4ErrorCode>();
  const keyIndexes: number[] = [];
  const sealed: Uint8Array[] = [];
  const items: number[] = [];
  const hashes: Uint8Array[] = [];
  let payloadBytes = 0;
  for (let i = 0; i < messages.length; i++) {
    try {
      const data = assertBytes(messages[i], 'message');
      const topic = topicOf(i);
      if (client.isControlTopic(topic)) {
        results[i] = refusedCommand();
        continue;
      }
      const entry = topicEntry(client, topic);
      const key = state.topicKeys[entry.name];
      // Go checks for the topic key before anything else, even the length.
      if (key === undefined) throw e4Error(E4ErrorCode.TopicKeyNotFound, 'topic key not found');
      checkSymmetricMessage(data, now, parts.window);
      let keyIndex = keyIndexOf.get(entry.name);
      if (keyIndex === undefined) {
        try {
          checkSymmetricKey(key);
          keyIndex = keys.push(key) - 1;
        } catch (e) {
          keyIndex = (e as { code: E4ErrorCode }).code;
        }
        keyIndexOf.set(entry.name, keyIndex);
      }
      if (typeof keyIndex === 'string') {
        results[i] = { ok: false, code: keyIndex };
        continue;
      }
      keyIndexes.push(keyIndex);
      sealed.push(data);
      items.push(i);
      hashes.push(entry.hash);
      payloadBytes += data.length - SYM_OVERHEAD;
    } catch (e) {
      results[i] = failure(e);
    }
  }
  if (out !== undefined && out.length < payloadBytes) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"out" expected at least ' + payloadBytes + ' bytes, got ' + out.length);
  }
  const target = out !== undefined ? out : new Uint8Array(payloadBytes);
  const opened = openSymmetricBatch(keys, keyIndexes, sealed, target);
  let pos = 0;
  for (let j = 0; j < items.length; j++) {
    const result = opened[j];
    const length = sealed[j].length - SYM_OVERHEAD;
    if (typeof result !== 'string') {
      results[items[j]] = { ok: true, payload: result };
    } else if (result !== E4ErrorCode.NotAuthentic) {
      results[items[j]] = { ok: false, code: result };
    } else {
      const old = previousTopicKey(state, hashes[j], now);
      results[items[j]] =
        old === null ? { ok: false, code: result } : openUnderPreviousKey(old, sealed[j], target.subarray(pos, pos + length));
    }
    pos += length;
  }
  return results;
}

/** Public-key mode's batch item: `unprotect` alone, its error as a code. */
function unprotectOne(client: E4Client, message: Uint8Array, topic: BytesLike): BatchResult {
  try {
    if (client.isControlTopic(topic)) return refusedCommand();
    const result = client.unprotect(message, topic);
    return result.kind === 'message' ? { ok: true, payload: result.payload } : refusedCommand();
  } catch (e) {
    return failure(e);
  }
}

/** The key transition of one item that failed under its topic's current key; plaintext into `room`. */
function openUnderPreviousKey(old: Uint8Array, message: Uint8Array, room: Uint8Array): BatchResult {
  try {
    const plaintext = openSymmetric(old, message);
    room.set(plaintext);
    plaintext.fill(0);
    return { ok: true, payload: room };
  } catch (e) {
    return failure(e);
  }
}

/** A topic's hash and key name, from the client's bounded cache or computed and remembered. */
function topicEntry(client: E4Client, topic: BytesLike): TopicEntry {
  let cache = topicCaches.get(client);
  if (cache === undefined) {
    cache = new Map();
    topicCaches.set(client, cache);
  }
  const cacheKey = typeof topic === 'string' ? 's' + topic : 'b' + toHex(bytesOf(topic, 'topic'));
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  const hash = hashTopic(topic);
  const entry: TopicEntry = { hash: hash, name: topicKeyName(hash) };
  if (cache.size >= TOPIC_CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, entry);
  return entry;
}

/** A batch item's failure: the code of the E4Error; anything else is a bug and is rethrown. */
function failure(e: unknown): BatchResult {
  const code = typeof e === 'object' && e !== null ? (e as { code?: E4ErrorCode }).code : undefined;
  if (typeof code !== 'string') throw e;
  return { ok: false, code: code };
}

function refusedCommand(): BatchResult {
  return { ok: false, code: E4ErrorCode.UnsupportedOperation };
}
