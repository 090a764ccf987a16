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
  hashTopic,
  idFromName,
  sha3_256,
  wipeKeyCache,
  type Argon2Params,
} from './primitives.ts';
export { validateName, validatePassword, validateTopic } from './validate.ts';
export { E4ErrorCode, isE4Error, type E4Error } from './errors.ts';
export { fromBase64, fromHex, toBase64, toHex, type BytesLike } from './utils.ts';
export { E4_ARGON2, HASH_LEN, ID_LEN, KEY_LEN } from './protocol/sizes.ts';
