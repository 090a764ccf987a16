/**
 * E4's input validators, with the Go client's verdicts and messages.
 *
 * Each returns `null` when the input is valid and otherwise the `E4Error` that the matching
 * `assert…` function throws. The hash functions do not call them: like Go, e4ts hashes any topic
 * or name; validation is a separate, explicit step (C2 tools and client constructors use it).
 */
import { E4ErrorCode, e4Error, type E4Error } from './errors.ts';
import { NAME_MAX_LEN, NAME_MIN_LEN, PASSWORD_MIN_LEN, TOPIC_MAX_LEN } from './protocol/sizes.ts';
import { bytesOf, isValidUtf8, type BytesLike } from './utils.ts';

/**
 * The bytes of a string or byte input, or the error to report: a wrong type stays
 * `InvalidArgument`; text that has no UTF-8 form takes the validator's own code and Go's message.
 */
function bytesOrError(
  value: BytesLike,
  title: string,
  utf8Code: E4ErrorCode,
  utf8Message: string,
): { bytes: Uint8Array; error: null } | { bytes: null; error: E4Error } {
  try {
    return { bytes: bytesOf(value, title), error: null };
  } catch (e) {
    const error = e as E4Error;
    return { bytes: null, error: error.code === E4ErrorCode.InvalidUtf8 ? e4Error(utf8Code, utf8Message) : error };
  }
}

const NAME_NOT_UTF8 = 'name is not a valid UTF-8 string';
const PASSWORD_NOT_UTF8 = 'password is not a valid UTF-8 string';

/** Go's crypto.ValidateTopic: not empty, at most 512 bytes; any bytes allowed. */
export function validateTopic(topic: BytesLike): E4Error | null {
  const { bytes, error } = bytesOrError(topic, 'topic', E4ErrorCode.InvalidUtf8, 'topic has no UTF-8 form');
  if (bytes === null) return error;
  if (bytes.length === 0) return e4Error(E4ErrorCode.InvalidTopic, 'topic cannot be empty');
  if (bytes.length > TOPIC_MAX_LEN) {
    return e4Error(
      E4ErrorCode.InvalidTopic,
      'topic too long, expected ' + TOPIC_MAX_LEN + ' chars maximum, got ' + bytes.length,
    );
  }
  return null;
}

/** Go's crypto.ValidateName: valid UTF-8, 1 to 255 bytes. */
export function validateName(name: BytesLike): E4Error | null {
  const { bytes, error } = bytesOrError(name, 'name', E4ErrorCode.InvalidName, NAME_NOT_UTF8);
  if (bytes === null) return error;
  if (!isValidUtf8(bytes)) return e4Error(E4ErrorCode.InvalidName, NAME_NOT_UTF8);
  if (bytes.length < NAME_MIN_LEN || bytes.length > NAME_MAX_LEN) {
    return e4Error(
      E4ErrorCode.InvalidName,
      'name length is invalid, names are between ' + NAME_MIN_LEN + ' and ' + NAME_MAX_LEN + ' characters',
    );
  }
  return null;
}

/** Go's crypto.ValidatePassword: valid UTF-8 (checked first), then at least 16 bytes. */
export function validatePassword(password: BytesLike): E4Error | null {
  const { bytes, error } = bytesOrError(password, 'password', E4ErrorCode.InvalidPassword, PASSWORD_NOT_UTF8);
  if (bytes === null) return error;
  if (!isValidUtf8(bytes)) return e4Error(E4ErrorCode.InvalidPassword, PASSWORD_NOT_UTF8);
  if (bytes.length < PASSWORD_MIN_LEN) {
    return e4Error(E4ErrorCode.InvalidPassword, 'password must be at least ' + PASSWORD_MIN_LEN + ' characters');
  }
  return null;
}

function assertValid(error: E4Error | null): void {
  if (error !== null) throw error;
}

export function assertTopic(topic: BytesLike): void {
  assertValid(validateTopic(topic));
}

export function assertName(name: BytesLike): void {
  assertValid(validateName(name));
}

export function assertPassword(password: BytesLike): void {
  assertValid(validatePassword(password));
}
