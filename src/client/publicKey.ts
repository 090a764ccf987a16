/**
 * Public-key mode: messages are signed with the client's Ed25519 key and checked against the
 * known public keys of their signers; C2's commands are protected with the key shared with C2
 * (SHA3-256 of X25519 of the client's key and C2's), recomputed whenever either key changes.
 * The symmetric client never imports this module.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { currentCurves } from '../keys/activeCurves.ts';
import { sharedKeyWithC2, type CurveProvider } from '../keys/curves.ts';
import type { ClientState, PublicKeyMaterial } from '../keys/state.ts';
import { deriveKeyFromPassword, idFromName, sha3_256 } from '../primitives.ts';
import type { CommandSpec } from '../protocol/commands.ts';
import { SET_PUB_KEY_ID_OFFSET } from '../protocol/commands.ts';
import { checkTimestamp } from '../protocol/clock.ts';
import {
  checkPublicKeyLength,
  openPublicKeyBody,
  publicKeyBody,
  signatureOf,
  signedPart,
  signerIdOf,
} from '../protocol/messages.ts';
import {
  ED25519_PRIVATE_KEY_LEN,
  ED25519_PUBLIC_KEY_LEN,
  SIGNATURE_LEN,
  X25519_KEY_LEN,
} from '../protocol/sizes.ts';
import { openWithTransition } from '../protocol/transition.ts';
import { assertBytes, copyBytes, isAllZero, toHex, type BytesLike } from '../utils.ts';
import { assertName } from '../validate.ts';
import { checkId, controlTopicOf, E4Client, saveInitialState, type ClientOptions } from './client.ts';
import type { KeyMode } from './mode.ts';

function material(state: ClientState): PublicKeyMaterial {
  return state.key as PublicKeyMaterial;
}

/** Go's ValidateEd25519PrivKey, in the words of the Go client. */
function checkPrivateKey(key: Uint8Array): void {
  if (key.length !== ED25519_PRIVATE_KEY_LEN) {
    throw e4Error(
      E4ErrorCode.InvalidKeyLength,
      'invalid private key length, got ' + key.length + ', expected ' + ED25519_PRIVATE_KEY_LEN,
    );
  }
  if (isAllZero(key)) throw e4Error(E4ErrorCode.ZeroKey, 'invalid private key, all zeros');
}

function checkC2PublicKey(key: Uint8Array): void {
  if (key.length !== X25519_KEY_LEN) {
    throw e4Error(
      E4ErrorCode.InvalidPublicKey,
      'invalid c2 public key: invalid public key length, got ' + key.length + ', expected ' + X25519_KEY_LEN,
    );
  }
  if (isAllZero(key)) throw e4Error(E4ErrorCode.InvalidPublicKey, 'invalid c2 public key: invalid public key, all zeros');
}

/** The public-key mode on a given curve implementation. */
export function publicKeyModeOn(curves: CurveProvider): KeyMode {
  return {
    name: 'publicKey',
    keyType: 1,
    derive: function (state) {
      const k = material(state);
      return { commandKey: sharedKeyWithC2(k.privateKey, k.c2PublicKey, sha3_256) };
    },
    wipeDerived: function (derived) {
      derived.commandKey.fill(0);
    },
    protect: function (state, topicKey, payload, nowMs) {
      const k = material(state);
      const message = publicKeyBody(topicKey, k.signerId, payload, nowMs);
      // Go signs with the stored private key as is, its second half hashed as the public key.
      message.set(curves.ed25519Sign(k.privateKey, signedPart(message)), message.length - SIGNATURE_LEN);
      return message;
    },
    unprotect: function (state, topicKey, previousKey, message, nowMs, window) {
      checkPublicKeyLength(message);
      checkTimestamp(message, nowMs, window);
      const pubKeys = material(state).pubKeys;
      const signer = pubKeys === null ? undefined : pubKeys[toHex(signerIdOf(message))];
      if (signer === undefined) throw e4Error(E4ErrorCode.SignerPublicKeyNotFound, 'signer public key not found');
      if (!curves.ed25519Verify(signer, signedPart(message), signatureOf(message))) {
        throw e4Error(E4ErrorCode.InvalidSignature, 'invalid signature');
      }
      return openWithTransition(
        function (key) {
          return openPublicKeyBody(key, message);
        },
        topicKey,
        previousKey,
      );
    },
    supports: function () {
      return true;
    },
    applyCommand: function (state: ClientState, spec: CommandSpec, args: Uint8Array) {
      const k = material(state);
      if (spec.name === 'SetIDKey') {
        // Any 64 non-zero bytes, as Go: the halves are not checked against each other.
        checkPrivateKey(args);
        k.privateKey = copyBytes(args);
      } else if (spec.name === 'RemovePubKey') {
        const name = toHex(args);
        if (k.pubKeys === null || k.pubKeys[name] === undefined) {
          throw e4Error(E4ErrorCode.PubKeyNotFound, 'no public key exists for id: ' + name);
        }
        delete k.pubKeys[name];
      } else if (spec.name === 'ResetPubKeys') {
        // Go empties the table it has: one loaded as null stays null ("PubKeys":null).
        if (k.pubKeys !== null) k.pubKeys = {};
      } else if (spec.name === 'SetPubKey') {
        const publicKey = args.subarray(0, ED25519_PUBLIC_KEY_LEN);
        // Go answers success and stores nothing here; e4ts says so.
        if (isAllZero(publicKey)) throw e4Error(E4ErrorCode.InvalidPublicKey, 'invalid public key, all zeros');
        if (k.pubKeys === null) k.pubKeys = {};
        k.pubKeys[toHex(args.subarray(SET_PUB_KEY_ID_OFFSET))] = copyBytes(publicKey);
      } else if (spec.name === 'SetC2Key') {
        // A low-order key passes this check and fails when the client derives the shared key
        // from the copy, before anything is saved: unlike Go, the old C2 key stays.
        checkC2PublicKey(args);
        k.c2PublicKey = copyBytes(args);
      } else {
        throw e4Error(E4ErrorCode.UnsupportedOperation, 'this operation is not supported');
      }
    },
  };
}

/** The public-key mode on the curves `init()` chose (src/keys/activeCurves.ts). */
export const publicKeyMode: KeyMode = publicKeyModeOn(currentCurves);

export interface PublicKeyClientConfig extends ClientOptions {
  /** 16-byte client id; it is also the signer id written into this client's messages. */
  id: Uint8Array;
  /** Ed25519 private key in Go's layout: seed (32) ‖ public key (32). */
  privateKey: Uint8Array;
  /** C2's X25519 public key. */
  c2PublicKey: Uint8Array;
}

/** A new public-key client; saved to the store at once, as Go does. */
export function createPublicKeyClient(config: PublicKeyClientConfig): E4Client {
  const id = checkId(config.id);
  const privateKey = assertBytes(config.privateKey, 'privateKey');
  checkPrivateKey(privateKey);
  const c2PublicKey = assertBytes(config.c2PublicKey, 'c2PublicKey');
  checkC2PublicKey(c2PublicKey);
  const state: ClientState = {
    id: copyBytes(id),
    topicKeys: {},
    key: {
      keyType: 1,
      privateKey: copyBytes(privateKey),
      signerId: copyBytes(id),
      c2PublicKey: copyBytes(c2PublicKey),
      pubKeys: {},
    },
    receivingTopic: controlTopicOf(id),
  };
  const client = new E4Client(publicKeyMode, state, config);
  saveInitialState(client, config.store);
  return client;
}

export interface PublicKeyPasswordConfig extends ClientOptions {
  name: BytesLike;
  /** The Ed25519 seed is E4's Argon2i derivation of it. */
  password: BytesLike;
  c2PublicKey: Uint8Array;
}

/** A new public-key client from a name and a password, as E4 derives them. */
export function createPublicKeyClientFromPassword(config: PublicKeyPasswordConfig): E4Client {
  assertName(config.name);
  const seed = deriveKeyFromPassword(config.password);
  const privateKey = currentCurves.ed25519PrivateKeyFromSeed(seed);
  try {
    return createPublicKeyClient({
      id: idFromName(config.name),
      privateKey: privateKey,
      c2PublicKey: config.c2PublicKey,
      store: config.store,
      clock: config.clock,
      window: config.window,
    });
  } finally {
    seed.fill(0);
    privateKey.fill(0);
  }
}
