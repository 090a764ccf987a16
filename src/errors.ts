/**
 * The one list of e4ts error codes and the one factory that builds errors.
 *
 * Callers test `e.code` (or `isE4Error(e, code)`), never the message text nor `instanceof`.
 * Messages never contain key material.
 */

/** Each code, with what it means; `E4ErrorCode` below gives each its own name as its value. */
const CODES = {
  /** A caller passed a value of the wrong type (not bytes, not a string, not an array). */
  InvalidArgument: 0,
  /** A key whose length is not one the operation accepts. */
  InvalidKeyLength: 0,
  /** A key made only of zero bytes: E4 refuses it. */
  ZeroKey: 0,
  /** More associated-data strings than S2V can take (RFC 5297 §2.4: 126 besides the plaintext). */
  TooManyAds: 0,
  /** An input larger than the documented limit of the backend. */
  InputTooLarge: 0,
  /** A ciphertext shorter than the SIV tag. */
  CiphertextTooShort: 0,
  /** The SIV tag does not match: the ciphertext, the associated data or the key is wrong. */
  NotAuthentic: 0,
  /** Bytes that are not well-formed UTF-8 where text is required. */
  InvalidUtf8: 0,
  /** A password E4 refuses (shorter than 16 bytes, or not UTF-8). */
  InvalidPassword: 0,
  /** A topic E4's validator refuses (empty, or longer than 512 bytes). */
  InvalidTopic: 0,
  /** A client name E4's validator refuses (not 1 to 255 bytes of UTF-8). */
  InvalidName: 0,
  /** Argon2 parameters out of range (RFC 9106 §3.1). */
  InvalidArgon2Params: 0,
  /** The backend could not get the memory an operation needs. */
  OutOfMemory: 0,
  /** A synchronous operation was called before `await init()` finished. */
  NotInitialized: 0,
  /** A backend was forced that this runtime cannot run (no WebAssembly, say). */
  BackendUnavailable: 0,
  /** A WASM status this binding does not know: a build mismatch, never expected. */
  Internal: 0,

  // The protocol (E4-PROTOCOL.md, "Errors a client reports").
  /** A protected message or command too short for its layout. */
  MessageTooShort: 0,
  /** A timestamp older than the allowed delay (also Go's reading of values ≥ 2^63). */
  TimestampTooOld: 0,
  /** A timestamp later than now plus the allowed future skew. */
  TimestampInFuture: 0,
  /** No key for the message's topic (checked before anything else). */
  TopicKeyNotFound: 0,
  /** A public-key message from a signer whose public key the client does not hold. */
  SignerPublicKeyNotFound: 0,
  /** An Ed25519 signature that does not verify (as Go verifies: cofactorless). */
  InvalidSignature: 0,
  /** A command byte E4 does not define, or an empty command. */
  InvalidCommand: 0,
  /** A command whose arguments have the wrong length ("invalid <Name> length"). */
  InvalidCommandLength: 0,
  /** A public-key command sent to a symmetric client. */
  UnsupportedOperation: 0,
  /** RemovePubKey of an id the client holds no key for. */
  PubKeyNotFound: 0,
  /** A public key E4 refuses (wrong length, all zero, or an X25519 low-order point). */
  InvalidPublicKey: 0,
  /** A client id of the wrong length. */
  InvalidId: 0,
  /** An empty symmetric payload: Go writes a message no one can read, e4ts refuses. */
  EmptyPayload: 0,
  /** A persisted state that cannot be read (malformed JSON, bad base64, invalid key material). */
  InvalidState: 0,
  /** The key store could not save the new state; the client kept its previous state. */
  StoreFailed: 0,
  /** The ingestion pool was closed, or one of its worker threads stopped: it reads no more batches. */
  PoolClosed: 0,

  // The key server (e4ts c2): its registry, its HTTP API and its jobs.
  /** No client, topic, job, rule or token with that id or name. */
  NotFound: 0,
  /** A client, topic, rule or token with that name or id already exists. */
  AlreadyExists: 0,
  /** The request's state forbids it (a revoked client, a topic whose rotation is running). */
  Conflict: 0,
  /** A missing, unknown, expired or revoked API token. */
  Unauthorized: 0,
  /** A token whose scope does not allow the route (a read-only token on an admin route). */
  Forbidden: 0,
  /** Too many requests for this token in the current window. */
  RateLimited: 0,
  /** The key-encryption key does not open the keys of this database, or none was given. */
  KekMismatch: 0,
  /** The database refused or could not run an operation; nothing was changed. */
  DatabaseFailed: 0,
  /** A command C2 sent was not confirmed: no acknowledgement in time, refused, or not published. */
  CommandFailed: 0,
} as const;

/** A table whose every property has its own name as its value. */
function namesAsValues<T extends object>(names: T): { readonly [K in keyof T]: K } {
  const out = {} as { [K in keyof T]: K };
  for (const name in names) out[name] = name;
  return out;
}

/** The error codes: each property's value is its name (`E4ErrorCode.NotAuthentic === 'NotAuthentic'`). */
export const E4ErrorCode: { readonly [K in keyof typeof CODES]: K } = /* @__PURE__ */ namesAsValues(CODES);

export type E4ErrorCode = (typeof E4ErrorCode)[keyof typeof E4ErrorCode];

/**
 * The error every e4ts function throws: an `Error` with a stable `code`. Test `code`, not the
 * message. It is built by `e4Error`, not by a class: ES5 engines (the embedded build) cannot
 * subclass `Error` reliably, so the same plain object serves every runtime.
 */
export interface E4Error extends Error {
  readonly name: 'E4Error';
  readonly code: E4ErrorCode;
}

/** Builds an `E4Error`; the only way e4ts creates one. */
export function e4Error(code: E4ErrorCode, message?: string): E4Error {
  // The embedded build passes no message (build/embedded.ts): its errors say their code.
  const error = new Error(message === undefined ? code : message) as Error & { name: string; code: E4ErrorCode };
  error.name = 'E4Error';
  error.code = code;
  return error as E4Error;
}

/** True when `e` is an e4ts error, and when `code` is given, one with that code. */
export function isE4Error(e: unknown, code?: E4ErrorCode): e is E4Error {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  if (typeof c !== 'string' || !Object.prototype.hasOwnProperty.call(E4ErrorCode, c)) return false;
  return code === undefined || c === code;
}

/**
 * Each error string of the Go client (verbatim, or the fixed part before its ", details" or
 * ": cause") and the e4ts code it corresponds to: the vectors name Go's errors, e4ts answers
 * with codes, and this is the one place that relates the two. The codes are written as string
 * literals (checked against `E4ErrorCode` by the type) so that a bundle that never maps Go's
 * errors, such as the embedded build, drops the table.
 */
const GO_ERRORS: ReadonlyArray<readonly [string, E4ErrorCode]> = [
  ['ciphertext too short', 'MessageTooShort'],
  ['invalid length of protected message', 'MessageTooShort'],
  ['too short ciphertext', 'MessageTooShort'],
  ['timestamp too old', 'TimestampTooOld'],
  ['timestamp received is in the future', 'TimestampInFuture'],
  ['topic key not found', 'TopicKeyNotFound'],
  ['siv: authentication failed', 'NotAuthentic'],
  ['invalid signature', 'InvalidSignature'],
  ['signer public key not found', 'SignerPublicKeyNotFound'],
  ['invalid command', 'InvalidCommand'],
  ['this operation is not supported', 'UnsupportedOperation'],
  ['invalid symmetric key length', 'InvalidKeyLength'],
  ['invalid symmetric key, all zeros', 'ZeroKey'],
  ['invalid private key length', 'InvalidKeyLength'],
  ['invalid private key, all zeros', 'ZeroKey'],
  ['invalid c2 public key', 'InvalidPublicKey'],
  ['curve25519 X25519 failed', 'InvalidPublicKey'],
  ['no public key exists for id', 'PubKeyNotFound'],
  ['topic must not be empty', 'InvalidTopic'],
  ['name must not be empty', 'InvalidName'],
  ['invalid key length', 'InvalidKeyLength'],
  ['invalid public key length', 'InvalidPublicKey'],
  ['invalid password', 'InvalidPassword'],
];

/** Go's "invalid <Name> length", e.g. "invalid SetTopicKey length". */
const GO_COMMAND_LENGTH = /^invalid [A-Za-z0-9]+ length$/;

/**
 * The e4ts code for an error string of the Go client, or `null` for one that has none (a Go
 * panic, where e4ts deliberately answers differently).
 */
export function codeOfGoError(message: string): E4ErrorCode | null {
  if (GO_COMMAND_LENGTH.test(message)) return E4ErrorCode.InvalidCommandLength;
  for (let i = 0; i < GO_ERRORS.length; i++) {
    const fixed = GO_ERRORS[i][0];
    if (message === fixed) return GO_ERRORS[i][1];
    if (message.length > fixed.length && message.indexOf(fixed) === 0) {
      const next = message.charAt(fixed.length);
      if (next === ',' || next === ':') return GO_ERRORS[i][1];
    }
  }
  return null;
}
