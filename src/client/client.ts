/**
 * The E4 client core, both modes: protect, unprotect, commands from C2 on the control topic,
 * key transition, persistence.
 *
 * State is copy-on-write: a command is decoded and checked, applied to a copy, the copy's
 * derived secrets are recomputed, the copy is saved to the store, and only then swapped in. A
 * command that fails at any step leaves the client and its store exactly as they were.
 *
 * Part of the ES5 build (symmetric mode): no Map/Set, spread, for-of, generators; the mode is
 * injected so this module never imports curve code.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { exportE4goState, importE4goState } from '../keys/e4goJson.ts';
import { cloneState, wipeState, type ClientState } from '../keys/state.ts';
import { hashTopic, wipeKeyCache } from '../primitives.ts';
import { checkWindow, GO_CLIENT_WINDOW, systemClock, type Clock, type TimestampWindow } from '../protocol/clock.ts';
import {
  decodeCommand,
  SET_TOPIC_KEY_HASH_OFFSET,
  type CommandName,
  type CommandSpec,
} from '../protocol/commands.ts';
import { checkSymmetricMessage, openSymmetric } from '../protocol/messages.ts';
import { CONTROL_TOPIC_PREFIX, ID_LEN, KEY_LEN } from '../protocol/sizes.ts';
import { previousTopicKey, removeTopic, setTopicKey, topicKeyName } from '../protocol/transition.ts';
import type { KeyStore } from '../stores/store.ts';
import { assertBytes, bytesOf, copyBytes, equalBytes, toHex, utf8Encode, type BytesLike } from '../utils.ts';
import type { Derived, KeyMode } from './mode.ts';

export interface ClientOptions {
  /** Where the state is persisted (the Go client's JSON text); none keeps it in memory only. */
  store?: KeyStore;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: Clock;
  /** Accepted message age and future skew; default the Go client's (600 s, none). */
  window?: TimestampWindow;
}

/**
 * How many distinct topics (given as text) a client remembers the hash of: SHA3-256 costs a
 * small message's unprotect about as much as its decryption. The memory is emptied when full.
 */
export const TOPIC_CACHE_LIMIT = 4096;

/** A topic's hash and the name of its key in the state (hex of the hash). */
export interface TopicEntry {
  hash: Uint8Array;
  name: string;
}

export type UnprotectResult =
  | { kind: 'message'; payload: Uint8Array }
  | { kind: 'command'; command: CommandName };

/** See `E4Client.batchParts`. */
export interface BatchParts {
  state: ClientState;
  clock: Clock;
  window: TimestampWindow;
  modeName: 'symmetric' | 'publicKey';
}

export class E4Client {
  private state: ClientState;
  private derived: Derived;
  private readonly mode: KeyMode;
  private readonly store: KeyStore | null;
  private readonly clock: Clock;
  private readonly window: TimestampWindow;
  private controlTopicBytes: Uint8Array;
  private destroyed = false;
  /** 't' + topic → its entry; the prefix keeps every key apart from Object.prototype's names. */
  private topicNames: Record<string, TopicEntry> = {};
  private topicCount = 0;

  /** Use the create… and load… functions; this takes a state already validated. */
  constructor(mode: KeyMode, state: ClientState, options: ClientOptions | undefined) {
    const opts = options || {};
    this.mode = mode;
    this.state = state;
    this.derived = mode.derive(state);
    this.store = opts.store || null;
    this.clock = opts.clock || systemClock;
    this.window = checkWindow(opts.window || GO_CLIENT_WINDOW);
    this.controlTopicBytes = utf8Encode(state.receivingTopic, 'receivingTopic');
  }

  /** The client's 16-byte id (a copy). */
  get id(): Uint8Array {
    this.assertLive();
    return copyBytes(this.state.id);
  }

  /** The topic C2 sends this client's commands on: `e4/` + hex id. */
  get controlTopic(): string {
    this.assertLive();
    return this.state.receivingTopic;
  }

  get modeName(): 'symmetric' | 'publicKey' {
    return this.mode.name;
  }

  /**
   * Protects `payload` for `topic` with the topic's key, timestamped now. Symmetric mode refuses
   * an empty payload (`EmptyPayload`): Go writes 24 bytes that no client can read.
   */
  protect(payload: Uint8Array, topic: BytesLike): Uint8Array {
    this.assertLive();
    const data = assertBytes(payload, 'payload');
    return this.mode.protect(this.state, this.topicKey(this.topicEntry(topic)), data, this.clock());
  }

  /**
   * Reads a message received on `topic`: on the control topic, a command from C2, applied and
   * persisted; on any other topic, a payload. Throws an E4Error, and changes nothing, when the
   * message is not authentic, too old, malformed or refused.
   */
  unprotect(message: Uint8Array, topic: BytesLike): UnprotectResult {
    this.assertLive();
    const data = assertBytes(message, 'message');
    if (this.isControlTopic(topic)) return { kind: 'command', command: this.applyCommand(data) };
    const entry = this.topicEntry(topic);
    const topicHash = entry.hash;
    // Go checks for the topic key before anything else, even the length.
    const key = this.topicKey(entry);
    const now = this.clock();
    const state = this.state;
    const payload = this.mode.unprotect(
      state,
      key,
      function () {
        return previousTopicKey(state, topicHash, now);
      },
      data,
      now,
      this.window,
    );
    return { kind: 'message', payload: payload };
  }

  /** The state as the Go client persists it (JSON text). It holds every key: keep it secret. */
  exportState(): string {
    this.assertLive();
    return exportE4goState(this.state);
  }

  /**
   * Wipes every key the client holds, and the backend's cache of expanded keys (shared by all
   * clients, which only makes their next message pay for a key schedule); every later call
   * throws `InvalidArgument`.
   */
  destroy(): void {
    if (this.destroyed) return;
    wipeState(this.state);
    this.mode.wipeDerived(this.derived);
    wipeKeyCache();
    this.destroyed = true;
  }

  /**
   * What `unprotectBatch` (client/batch.ts, kept apart so the embedded build leaves it out)
   * reads a batch with: the state as it is now, the clock and window, the mode's name. The
   * state holds every key: not part of the public API (left out of the declarations).
   * `InvalidArgument` once the client is destroyed.
   * @internal
   */
  batchParts(): BatchParts {
    this.assertLive();
    return { state: this.state, clock: this.clock, window: this.window, modeName: this.mode.name };
  }

  /**
   * A topic's hash and key name; a topic given as text is remembered, up to TOPIC_CACHE_LIMIT
   * topics. Also what `unprotectPacked` resolves each topic of a batch with.
   * @internal
   */
  topicEntry(topic: BytesLike): TopicEntry {
    const name = typeof topic === 'string' ? 't' + topic : null;
    const cached = name === null ? undefined : this.topicNames[name];
    if (cached !== undefined) return cached;
    const hash = hashTopic(topic);
    const entry: TopicEntry = { hash: hash, name: topicKeyName(hash) };
    if (name !== null) {
      if (this.topicCount === TOPIC_CACHE_LIMIT) {
        this.topicNames = {};
        this.topicCount = 0;
      }
      this.topicNames[name] = entry;
      this.topicCount++;
    }
    return entry;
  }

  /** The key of a topic; `TopicKeyNotFound` when the client has none. */
  private topicKey(entry: TopicEntry): Uint8Array {
    const key = this.state.topicKeys[entry.name];
    if (key === undefined) throw e4Error(E4ErrorCode.TopicKeyNotFound, 'topic key not found');
    return key;
  }

  private assertLive(): void {
    if (this.destroyed) throw e4Error(E4ErrorCode.InvalidArgument, 'this client was destroyed');
  }

  /** Whether `topic` is this client's control topic: matched by exact string (as bytes when given as bytes). */
  isControlTopic(topic: BytesLike): boolean {
    if (typeof topic === 'string') return topic === this.state.receivingTopic;
    return equalBytes(bytesOf(topic, 'topic'), this.controlTopicBytes);
  }

  /** Opens, decodes, checks, applies to a copy, persists, then swaps: nothing changes on failure. */
  private applyCommand(message: Uint8Array): CommandName {
    const now = this.clock();
    checkSymmetricMessage(message, now, this.window);
    const plaintext = openSymmetric(this.derived.commandKey, message);
    try {
      const command = decodeCommand(plaintext);
      if (!this.mode.supports(command.spec)) {
        throw e4Error(E4ErrorCode.UnsupportedOperation, 'this operation is not supported');
      }
      const next = cloneState(this.state);
      let nextDerived: Derived | null = null;
      try {
        this.applyToCopy(next, command.spec, command.args, now);
        nextDerived = this.mode.derive(next);
        if (this.store !== null) this.save(next);
      } catch (e) {
        wipeState(next);
        if (nextDerived !== null) this.mode.wipeDerived(nextDerived);
        throw e;
      }
      const previous = this.state;
      const previousDerived = this.derived;
      this.state = next;
      this.derived = nextDerived;
      wipeState(previous);
      this.mode.wipeDerived(previousDerived);
      return command.spec.name;
    } finally {
      plaintext.fill(0);
    }
  }

  private applyToCopy(state: ClientState, spec: CommandSpec, args: Uint8Array, nowMs: number): void {
    if (spec.name === 'RemoveTopic') removeTopic(state, args);
    else if (spec.name === 'ResetTopics') state.topicKeys = {};
    else if (spec.name === 'SetTopicKey') {
      setTopicKey(state, args.subarray(SET_TOPIC_KEY_HASH_OFFSET), args.subarray(0, KEY_LEN), nowMs);
    } else this.mode.applyCommand(state, spec, args);
  }

  private save(state: ClientState): void {
    saveText(this.store as KeyStore, exportE4goState(state));
  }
}

/** A client id as E4 requires it: 16 bytes (the Go client accepts any length in symmetric mode). */
export function checkId(id: unknown): Uint8Array {
  const bytes = assertBytes(id, 'id');
  if (bytes.length !== ID_LEN) {
    throw e4Error(E4ErrorCode.InvalidId, 'invalid ID length, got ' + bytes.length + ', expected ' + ID_LEN);
  }
  return bytes;
}

/** A client's control topic: `e4/` + lower-case hex of its id. */
export function controlTopicOf(id: Uint8Array): string {
  return CONTROL_TOPIC_PREFIX + toHex(id);
}

/** Where a client's state is loaded from: the Go client's JSON `text`, or what `store` holds. */
export interface LoadSource extends ClientOptions {
  text?: string;
}

/** The state of `source`, parsed and validated (`InvalidState` when there is none or it is bad). */
export function readState(source: LoadSource): ClientState {
  const text = source.text !== undefined ? source.text : source.store !== undefined ? source.store.load() : null;
  if (text === null) throw e4Error(E4ErrorCode.InvalidState, 'state: nothing stored');
  return importE4goState(text);
}

/** `store.save(text)`, any failure reported as `StoreFailed`. */
function saveText(store: KeyStore, text: string): void {
  try {
    store.save(text);
  } catch (e) {
    if ((e as { code?: string }).code === E4ErrorCode.StoreFailed) throw e;
    throw e4Error(E4ErrorCode.StoreFailed, 'the key store could not save the state');
  }
}

/** Saves a new client's first state, as Go's NewClient does. */
export function saveInitialState(client: E4Client, store: KeyStore | undefined): void {
  if (store === undefined) return;
  try {
    saveText(store, client.exportState());
  } catch (e) {
    client.destroy();
    throw e;
  }
}
