/**
 * A `PackedMessages` batch handed to the pool: its index arrays go into a slot (offsets rebased
 * to start at 0); its messages stay where they are when they lie in a SharedArrayBuffer, and are
 * copied into the slot once, as one block, when they do not.
 */
import type { PackedMessages } from '../client/batch.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { SentTopic } from './messages.ts';
import type { SlotCapacity, SlotViews } from './slot.ts';

/**
 * `InvalidArgument` unless `batch` fits a slot and its first and last offsets lie in `data`.
 * The workers check the rest as `unprotectPacked` does (offsets in order, topic indexes in range).
 */
export function checkPackedInput(batch: PackedMessages, capacity: SlotCapacity, ownsBuffer: (buffer: ArrayBufferLike) => boolean): void {
  if (typeof batch !== 'object' || batch === null) fail('expected an object');
  const { data, offsets, topicIndexes, topics, count } = batch;
  if (!(data instanceof Uint8Array)) fail('"data" expected a Uint8Array');
  if (!Number.isSafeInteger(count) || count < 0 || count > capacity.messages) {
    fail('"count" expected an integer from 0 to the pool\'s ' + capacity.messages + ' messages, got ' + String(count));
  }
  if (!(offsets instanceof Uint32Array) || offsets.length < count + 1) fail('"offsets" expected a Uint32Array of count + 1 entries');
  if (!(topicIndexes instanceof Uint32Array) || topicIndexes.length < count) fail('"topicIndexes" expected a Uint32Array of count entries');
  if (!Array.isArray(topics)) fail('"topics" expected an array');
  const first = offsets[0];
  const end = offsets[count];
  if (end < first || end > data.length) fail('offsets run from ' + first + ' to ' + end + ', "data" holds ' + data.length + ' bytes');
  if (end - first > capacity.bytes) fail('the messages take ' + (end - first) + ' bytes, the pool\'s batches hold ' + capacity.bytes);
  if (ownsBuffer(data.buffer)) fail('"data" lies in the pool\'s own memory: fill it with pool.batch() instead');
}

/**
 * Fills `slot` from a checked batch. Returns the view the workers read the messages from: a
 * view of the caller's SharedArrayBuffer, or null when they were copied into the slot.
 */
export function loadPackedInput(slot: SlotViews, batch: PackedMessages): Uint8Array | null {
  const { data, offsets, topicIndexes, count } = batch;
  const first = offsets[0];
  const end = offsets[count];
  // An offset before the first wraps to a large number here, which the workers refuse.
  for (let i = 0; i <= count; i++) slot.offsets[i] = offsets[i] - first;
  slot.topicIndexes.set(topicIndexes.subarray(0, count));
  const messages = data.subarray(first, end);
  if (data.buffer instanceof SharedArrayBuffer) return messages;
  slot.data.set(messages);
  return null;
}

/**
 * The topics as they travel to the workers: strings as they are, bytes copied (a view would take
 * its whole buffer along), anything else null, which the workers refuse message by message as
 * `unprotectPacked` refuses a value that is no topic.
 */
export function sentTopics(topics: PackedMessages['topics']): SentTopic[] {
  return topics.map((t) => (typeof t === 'string' ? t : t instanceof Uint8Array ? t.slice() : null));
}

function fail(what: string): never {
  throw e4Error(E4ErrorCode.InvalidArgument, 'packed batch: ' + what);
}
