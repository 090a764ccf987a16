/**
 * Symmetric-key mode: the client key protects C2's commands, topic keys protect messages, and
 * no signature is involved. Part of the ES5 build.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { ClientState, SymmetricKeyMaterial } from '../keys/state.ts';
import { deriveKeyFromPassword, idFromName } from '../primitives.ts';
import type { CommandSpec } from '../protocol/commands.ts';
import { checkSymmetricKey, checkSymmetricMessage, openSymmetric, protectSymmetric } from '../protocol/messages.ts';
import { openWithTransition } from '../protocol/transition.ts';
import { assertBytes, copyBytes, type BytesLike } from '../utils.ts';
import { assertName } from '../validate.ts';
import { checkId, controlTopicOf, E4Client, readState, saveInitialState, type ClientOptions, type LoadSource } from './client.ts';
import type { KeyMode } from './mode.ts';

function material(state: ClientState): SymmetricKeyMaterial {
  return state.key as SymmetricKeyMaterial;
}

export const symmetricMode: KeyMode = {
  name: 'symmetric',
  keyType: 0,
  derive: function (state) {
    // The client key itself protects commands: nothing to derive, nothing extra to wipe.
    return { commandKey: material(state).key };
  },
  wipeDerived: function () {},
  protect: function (_state, topicKey, payload, nowMs) {
    if (payload.length === 0) {
      throw e4Error(E4ErrorCode.EmptyPayload, 'an empty payload: no E4 client could read it');
    }
    return protectSymmetric(topicKey, payload, nowMs);
  },
  unprotect: function (_state, topicKey, previousKey, message, nowMs, window) {
    checkSymmetricMessage(message, nowMs, window);
    return openWithTransition(
      function (key) {
        return openSymmetric(key, message);
      },
      topicKey,
      previousKey,
    );
  },
  supports: function (spec: CommandSpec) {
    return !spec.publicKeyOnly;
  },
  applyCommand: function (state, spec, args) {
    // The table leaves SetIDKey as the only command a symmetric mode applies itself.
    if (spec.name !== 'SetIDKey') throw e4Error(E4ErrorCode.UnsupportedOperation, 'this operation is not supported');
    checkSymmetricKey(args);
    material(state).key = copyBytes(args);
  },
};

export interface SymmetricClientConfig extends ClientOptions {
  /** 16-byte client id. */
  id: Uint8Array;
  /** 32-byte client key, shared with C2. */
  key: Uint8Array;
}

/** A new symmetric-key client from its id and key; saved to the store at once, as Go does. */
export function createSymmetricClient(config: SymmetricClientConfig): E4Client {
  const id = checkId(config.id);
  const key = assertBytes(config.key, 'key');
  checkSymmetricKey(key);
  const state: ClientState = {
    id: copyBytes(id),
    topicKeys: {},
    key: { keyType: 0, key: copyBytes(key) },
    receivingTopic: controlTopicOf(id),
  };
  const client = new E4Client(symmetricMode, state, config);
  saveInitialState(client, config.store);
  return client;
}

export interface PasswordClientConfig extends ClientOptions {
  /** The client's name: its id is the first 16 bytes of SHA3-256(name). */
  name: BytesLike;
  /** At least 16 bytes of UTF-8; the key is E4's Argon2i derivation of it. */
  password: BytesLike;
}

/** A new symmetric-key client from a name and a password, derived as E4 derives them. */
export function createSymmetricClientFromPassword(config: PasswordClientConfig): E4Client {
  assertName(config.name);
  const key = deriveKeyFromPassword(config.password);
  try {
    return createSymmetricClient({
      id: idFromName(config.name),
      key: key,
      store: config.store,
      clock: config.clock,
      window: config.window,
    });
  } finally {
    key.fill(0);
  }
}

/**
 * A symmetric-key client from the Go client's JSON state: `text`, or what `store` holds. The
 * store, when given, keeps receiving the state after every command.
 */
export function loadSymmetricClient(source: LoadSource): E4Client {
  const state = readState(source);
  if (state.key.keyType !== 0) {
    throw e4Error(E4ErrorCode.InvalidState, 'state: not a symmetric-key client');
  }
  return new E4Client(symmetricMode, state, source);
}
