/**
 * The one list of e4ts error codes and the one factory that builds errors.
 *
 * Callers test `e.code` (or `isE4Error(e, code)`), never the message text nor `instanceof`:
 * the embedded ES5 build cannot rely on `class extends Error`, so no module but this one names
 * the class. Messages never contain key material.
 */

export const E4ErrorCode = {
  /** A caller passed a value of the wrong type (not bytes, not a string, not an array). */
  InvalidArgument: 'InvalidArgument',
  /** A key whose length is not one the operation accepts. */
  InvalidKeyLength: 'InvalidKeyLength',
  /** A key made only of zero bytes: E4 refuses it. */
  ZeroKey: 'ZeroKey',
  /** More associated-data strings than S2V can take (RFC 5297 §2.4: 126 besides the plaintext). */
  TooManyAds: 'TooManyAds',
  /** An input larger than the documented limit of the backend. */
  InputTooLarge: 'InputTooLarge',
  /** A ciphertext shorter than the SIV tag. */
  CiphertextTooShort: 'CiphertextTooShort',
  /** The SIV tag does not match: the ciphertext, the associated data or the key is wrong. */
  NotAuthentic: 'NotAuthentic',
  /** Bytes that are not well-formed UTF-8 where text is required. */
  InvalidUtf8: 'InvalidUtf8',
  /** A password E4 refuses (shorter than 16 bytes, or not UTF-8). */
  InvalidPassword: 'InvalidPassword',
  /** A topic E4's validator refuses (empty, or longer than 512 bytes). */
  InvalidTopic: 'InvalidTopic',
  /** A client name E4's validator refuses (not 1 to 255 bytes of UTF-8). */
  InvalidName: 'InvalidName',
  /** Argon2 parameters out of range (RFC 9106 §3.1). */
  InvalidArgon2Params: 'InvalidArgon2Params',
  /** The backend could not get the memory an operation needs. */
  OutOfMemory: 'OutOfMemory',
  /** A synchronous operation was called before `await init()` finished. */
  NotInitialized: 'NotInitialized',
  /** A backend was forced that this runtime cannot run (no WebAssembly, say). */
  BackendUnavailable: 'BackendUnavailable',
  /** A WASM status this binding does not know: a build mismatch, never expected. */
  Internal: 'Internal',
} as const;

export type E4ErrorCode = (typeof E4ErrorCode)[keyof typeof E4ErrorCode];

/** The error every e4ts function throws. Test `code`, not the message. */
export class E4Error extends Error {
  readonly code: E4ErrorCode;
  constructor(code: E4ErrorCode, message: string) {
    super(message);
    this.name = 'E4Error';
    this.code = code;
  }
}

/** Builds an `E4Error`; the only way the rest of e4ts creates one. */
export function e4Error(code: E4ErrorCode, message: string): E4Error {
  return new E4Error(code, message);
}

/** True when `e` is an e4ts error, and when `code` is given, one with that code. */
export function isE4Error(e: unknown, code?: E4ErrorCode): e is E4Error {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  if (typeof c !== 'string' || !Object.prototype.hasOwnProperty.call(E4ErrorCode, c)) return false;
  return code === undefined || c === code;
}
