/**
 * Topic keys and E4's key transition (E4-PROTOCOL.md, "Timestamps and key transition").
 *
 * When SetTopicKey brings a key different from the topic's current one, the old key stays for
 * 60 minutes as a second entry, named by the hash of the topic hash, holding old key (32) ‖
 * little-endian time of the change (8, the receiver's clock). A message that fails
 * authentication under the current key is tried under that old key while it is fresh; only an
 * authentication failure does that, never a length or timestamp error.
 */
import { E4ErrorCode } from '../errors.ts';
import { hashTopic } from '../primitives.ts';
import type { ClientState } from '../keys/state.ts';
import { copyBytes, equalBytes, toHex } from '../utils.ts';
import { readTimestamp, writeTimestamp } from './clock.ts';
import { KEY_LEN, KEY_TRANSITION_MS, TRANSITION_ENTRY_LEN } from './sizes.ts';

/** The name of a topic's key in the state: hex of its topic hash. */
export function topicKeyName(topicHash: Uint8Array): string {
  return toHex(topicHash);
}

/** The name of a topic's transition entry: hex of the hash of its topic hash (Go: HashTopic(string(hash))). */
export function transitionEntryName(topicHash: Uint8Array): string {
  return toHex(hashTopic(topicHash));
}

/** SetTopicKey on `state` (a copy the caller will persist), at the receiver's time `nowMs`. */
export function setTopicKey(state: ClientState, topicHash: Uint8Array, key: Uint8Array, nowMs: number): void {
  const name = topicKeyName(topicHash);
  const current = state.topicKeys[name];
  if (current !== undefined && equalBytes(current, key)) return;
  if (current !== undefined) {
    const entry = new Uint8Array(current.length + 8);
    entry.set(current, 0);
    writeTimestamp(nowMs, entry, current.length);
    state.topicKeys[transitionEntryName(topicHash)] = entry;
  }
  state.topicKeys[name] = copyBytes(key);
}

/** RemoveTopic: the key and its transition entry; an unknown topic is not an error. */
export function removeTopic(state: ClientState, topicHash: Uint8Array): void {
  delete state.topicKeys[topicKeyName(topicHash)];
  delete state.topicKeys[transitionEntryName(topicHash)];
}

/**
 * The previous key of a topic while it may still be used, else null. Where Go answers "timestamp
 * too old" (or "in the future", or "invalid old topic key length") for an expired or malformed
 * entry, e4ts reports the authentication failure itself: clearer, and it reveals nothing of the
 * entry.
 */
export function previousTopicKey(state: ClientState, topicHash: Uint8Array, nowMs: number): Uint8Array | null {
  const entry = state.topicKeys[transitionEntryName(topicHash)];
  if (entry === undefined || entry.length !== TRANSITION_ENTRY_LEN) return null;
  const changedMs = readTimestamp(entry, KEY_LEN) * 1000;
  if (changedMs > nowMs || nowMs - changedMs > KEY_TRANSITION_MS) return null;
  return entry.subarray(0, KEY_LEN);
}

/**
 * `open(currentKey)`, and on an authentication failure `open(previousKey)` when there is one;
 * if that fails too, its error is what the caller sees, as in Go: the authentication failure
 * again, or the old key's own error (an all-zero old key, which SetTopicKey stores unchecked:
 * "invalid symmetric key, all zeros").
 */
export function openWithTransition(
  open: (key: Uint8Array) => Uint8Array,
  currentKey: Uint8Array,
  previousKey: () => Uint8Array | null,
): Uint8Array {
  try {
    return open(currentKey);
  } catch (e) {
    if ((e as { code?: string }).code !== E4ErrorCode.NotAuthentic) throw e;
    const old = previousKey();
    if (old === null) throw e;
    return open(old);
  }
}
