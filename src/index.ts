/**
 * e4ts: the E4 end-to-end encryption protocol for IoT.
 *
 * `await init()` once; every function after it is synchronous.
 */
export { init, type BackendChoice, type InitOptions } from './backends/select.ts';
export {
  aesSivOpen,
  aesSivOpenInto,
  aesSivSeal,
  aesSivSealInto,
  argon2i,
  argon2id,
  deriveKeyFromPassword,
  deriveKeyFromPasswordAsync,
  hashTopic,
  idFromName,
  releaseArgon2Memory,
  sha3_256,
  wipeKeyCache,
  type Argon2Params,
} from './primitives.ts';
export { validateName, validatePassword, validateTopic } from './validate.ts';
export { E4ErrorCode, isE4Error, type E4Error } from './errors.ts';
export { fromBase64, fromHex, toBase64, toHex, type BytesLike } from './utils.ts';
export { E4_ARGON2, HASH_LEN, ID_LEN, KEY_LEN } from './protocol/sizes.ts';

// The protocol: clients of both modes, the C2 side, stores.
export { E4Client, TOPIC_CACHE_LIMIT, type ClientOptions, type LoadSource, type UnprotectResult } from './client/client.ts';
// Batches for ingestion: unprotectPacked, unprotectBatch, protectPacked and their types.
export * from './client/batch.ts';
export {
  createSymmetricClient,
  createSymmetricClientFromPassword,
  loadSymmetricClient,
  type PasswordClientConfig,
  type SymmetricClientConfig,
} from './client/symmetric.ts';
export {
  createPublicKeyClient,
  createPublicKeyClientFromPassword,
  type PublicKeyClientConfig,
  type PublicKeyPasswordConfig,
} from './client/publicKey.ts';
export { loadClient } from './client/load.ts';
export {
  cmdRemovePubKey,
  cmdRemoveTopic,
  cmdResetPubKeys,
  cmdResetTopics,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  generateEd25519KeyPair,
  generateId,
  generateSymmetricKey,
  generateX25519KeyPair,
  protectCommand,
  sharedKeyForClient,
  type ClientRef,
  type KeyPair,
} from './c2.ts';
export { COMMANDS, type CommandName } from './protocol/commands.ts';
export { C_CLIENT_WINDOW, GO_CLIENT_WINDOW, type Clock, type TimestampWindow } from './protocol/clock.ts';
export { exportE4goState, importE4goState } from './keys/e4goJson.ts';
export type { ClientState } from './keys/state.ts';
export { codeOfGoError } from './errors.ts';
export type { KeyStore } from './stores/store.ts';
export { createMemoryStore } from './stores/memory.ts';
export { createWebStorageStore } from './stores/webStorage.ts';
