/**
 * The symmetric-key client alone, for bundles that must stay small (a browser page, a gateway
 * script): the client, its commands and C2's builders for them, the stores, the errors. No
 * public-key mode, no curve code, no Argon2: `init` here chooses WebAssembly or pure JS as the
 * main entry's does, and neither backend carries Argon2, so passwords are derived elsewhere
 * (the main entry's `deriveKeyFromPassword`) and clients are made from an id and a key.
 *
 * Use one entry point per program: each `init` makes its own backend the active one.
 */
export { initWithoutArgon2 as init, type BackendChoice, type InitOptions } from './backends/select.ts';
export { E4Client, TOPIC_CACHE_LIMIT, type ClientOptions, type LoadSource, type UnprotectResult } from './client/client.ts';
// Batches for ingestion: unprotectPacked, unprotectBatch, protectPacked and their types.
export * from './client/batch.ts';
export { createSymmetricClient, loadSymmetricClient, type SymmetricClientConfig } from './client/symmetric.ts';
export {
  cmdRemoveTopic,
  cmdResetTopics,
  cmdSetIdKey,
  cmdSetTopicKey,
  generateId,
  generateSymmetricKey,
  protectCommand,
} from './c2.ts';
export { COMMANDS, type CommandName } from './protocol/commands.ts';
export { C_CLIENT_WINDOW, GO_CLIENT_WINDOW, type Clock, type TimestampWindow } from './protocol/clock.ts';
export { exportE4goState, importE4goState } from './keys/e4goJson.ts';
export type { ClientState } from './keys/state.ts';
export { aesSivOpen, aesSivSeal, hashTopic, idFromName, sha3_256 } from './primitives.ts';
export { validateName, validateTopic } from './validate.ts';
export { codeOfGoError, E4ErrorCode, isE4Error, type E4Error } from './errors.ts';
export { fromBase64, fromHex, toBase64, toHex, type BytesLike } from './utils.ts';
export { HASH_LEN, ID_LEN, KEY_LEN } from './protocol/sizes.ts';
export type { KeyStore } from './stores/store.ts';
export { createMemoryStore } from './stores/memory.ts';
export { createWebStorageStore } from './stores/webStorage.ts';
