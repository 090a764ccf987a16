/**
 * A client's state, exactly what the Go client persists (E4-PROTOCOL.md, "Client state"), as
 * plain data so it can be copied, compared and serialised without knowing the mode's crypto.
 *
 * Tables are plain objects keyed by lower-case hex (no Map: this module is part of the ES5
 * build). State is never mutated in place by a command: `cloneState` makes the copy a command
 * applies to, and the client swaps it in only after the store has saved it.
 */
import { copyBytes } from '../utils.ts';

/** Byte strings by lower-case hex key. Values are stored as given (Go does not re-check them). */
export interface ByteTable {
  [hex: string]: Uint8Array;
}

export interface SymmetricKeyMaterial {
  readonly keyType: 0;
  /** The client key: 32 bytes, not all zero. */
  key: Uint8Array;
}

export interface PublicKeyMaterial {
  readonly keyType: 1;
  /** Go's layout: seed (32) ‖ public key (32). Signatures use bytes 32–63 as the public key. */
  privateKey: Uint8Array;
  /** The id written into signed messages; SetIDKey does not change it. */
  signerId: Uint8Array;
  /** C2's X25519 public key. */
  c2PublicKey: Uint8Array;
  /**
   * Known Ed25519 public keys by hex id; `null` when a state loaded from JSON had none, which is
   * written back as `"PubKeys":null` as Go does (and a later SetPubKey starts a new table).
   */
  pubKeys: ByteTable | null;
}

export type KeyMaterial = SymmetricKeyMaterial | PublicKeyMaterial;

export interface ClientState {
  /** The client id, 16 bytes. */
  id: Uint8Array;
  /**
   * Topic keys by hex topic hash (32 bytes each), and key-transition entries by hex of the hash
   * of the topic hash (old key 32 ‖ little-endian time 8).
   */
  topicKeys: ByteTable;
  key: KeyMaterial;
  /** The control topic, `e4/` + hex id. */
  receivingTopic: string;
}

export function cloneTable(table: ByteTable): ByteTable {
  const out: ByteTable = {};
  const keys = Object.keys(table);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = copyBytes(table[keys[i]]);
  return out;
}

/** A deep copy: a command applies to it, and the original stays as it was if anything fails. */
export function cloneState(state: ClientState): ClientState {
  const k = state.key;
  const key: KeyMaterial =
    k.keyType === 0
      ? { keyType: 0, key: copyBytes(k.key) }
      : {
          keyType: 1,
          privateKey: copyBytes(k.privateKey),
          signerId: copyBytes(k.signerId),
          c2PublicKey: copyBytes(k.c2PublicKey),
          pubKeys: k.pubKeys === null ? null : cloneTable(k.pubKeys),
        };
  return { id: copyBytes(state.id), topicKeys: cloneTable(state.topicKeys), key, receivingTopic: state.receivingTopic };
}

/** Zeroes every key a state holds: for `destroy()` and for a copy a failed command leaves. */
export function wipeState(state: ClientState): void {
  const keys = Object.keys(state.topicKeys);
  for (let i = 0; i < keys.length; i++) state.topicKeys[keys[i]].fill(0);
  const k = state.key;
  if (k.keyType === 0) k.key.fill(0);
  else k.privateKey.fill(0);
}
