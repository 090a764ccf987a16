/**
 * Time in E4: the injectable clock, the 8-byte timestamps messages carry, and the window a
 * timestamp must fall in (E4-PROTOCOL.md, "Timestamps and key transition").
 *
 * Timestamps are unsigned 64-bit little-endian unix seconds; they are read as two 32-bit halves
 * (no BigInt: this module is part of the ES5 build).
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { C_FUTURE_SKEW_MS, GO_FUTURE_SKEW_MS, GO_MAX_AGE_MS, TIMESTAMP_LEN } from './sizes.ts';

/** Milliseconds since the unix epoch; tests and simulations inject their own. */
export type Clock = () => number;

export const systemClock: Clock = function () {
  return Date.now();
};

/** How old, and how far in the future, a message timestamp may be. */
export interface TimestampWindow {
  maxAgeMs: number;
  futureSkewMs: number;
}

/** The Go client's window, e4ts's default: 10 minutes old at most, nothing in the future. */
export const GO_CLIENT_WINDOW: TimestampWindow = { maxAgeMs: GO_MAX_AGE_MS, futureSkewMs: GO_FUTURE_SKEW_MS };

/** The C client's (libe4) window: 10 minutes either way. */
export const C_CLIENT_WINDOW: TimestampWindow = { maxAgeMs: GO_MAX_AGE_MS, futureSkewMs: C_FUTURE_SKEW_MS };

const TWO_32 = 4294967296;

/**
 * Go reads the timestamp as a signed 64-bit number and converts it to a time that overflows
 * from 0x7FFFFFF1886E0900 up: from there on (and for every value with the top bit set) the
 * answer is "too old". Compared on the two 32-bit halves.
 */
const GO_OVERFLOW_HI = 0x7ffffff1;
const GO_OVERFLOW_LO = 0x886e0900;

/** Writes `floor(nowMs / 1000)` as E4's 8-byte little-endian timestamp at `out[offset]`. */
export function writeTimestamp(nowMs: number, out: Uint8Array, offset: number): void {
  const seconds = Math.floor(nowMs / 1000);
  const lo = seconds >>> 0;
  const hi = Math.floor(seconds / TWO_32) >>> 0;
  // Typed-array stores keep the low 8 bits.
  for (let k = 0; k < 4; k++) {
    out[offset + k] = lo >>> (8 * k);
    out[offset + 4 + k] = hi >>> (8 * k);
  }
}

function readWord(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

/**
 * The timestamp at `bytes[offset]` in seconds, or `Infinity` where Go's reading overflows.
 * Values past 2^53 lose precision, which cannot change a verdict: they are far in the future.
 */
export function readTimestamp(bytes: Uint8Array, offset: number): number {
  const lo = readWord(bytes, offset);
  const hi = readWord(bytes, offset + 4);
  if (hi > GO_OVERFLOW_HI || (hi === GO_OVERFLOW_HI && lo >= GO_OVERFLOW_LO)) return Infinity;
  return hi * TWO_32 + lo;
}

/**
 * What is wrong with the timestamp `seconds` at `nowMs`: "in the future" first, then "too old",
 * each strict (a timestamp exactly `maxAgeMs` old is accepted, as Go does with a whole-second
 * clock); null when it is in the window.
 */
function timestampFault(seconds: number, nowMs: number, window: TimestampWindow): E4ErrorCode | null {
  if (seconds === Infinity) return E4ErrorCode.TimestampTooOld;
  const ms = seconds * 1000;
  if (ms > nowMs + window.futureSkewMs) return E4ErrorCode.TimestampInFuture;
  if (nowMs - ms > window.maxAgeMs) return E4ErrorCode.TimestampTooOld;
  return null;
}

/** `checkTimestamp`'s verdict on the timestamp at `bytes[offset]`, as a code: for batches. */
export function timestampFaultAt(bytes: Uint8Array, offset: number, nowMs: number, window: TimestampWindow): E4ErrorCode | null {
  return timestampFault(readTimestamp(bytes, offset), nowMs, window);
}

/** Checks the timestamp that starts `message` against `nowMs` (see `timestampFault`). */
export function checkTimestamp(message: Uint8Array, nowMs: number, window: TimestampWindow): void {
  const fault = timestampFault(message.length >= TIMESTAMP_LEN ? readTimestamp(message, 0) : 0, nowMs, window);
  if (fault === E4ErrorCode.TimestampInFuture) throw e4Error(fault, 'timestamp received is in the future');
  if (fault !== null) throw e4Error(fault, 'timestamp too old');
}

/** Validates a window given by the application. */
export function checkWindow(window: TimestampWindow): TimestampWindow {
  const ok = (v: unknown) => typeof v === 'number' && v >= 0 && v === v && v !== Infinity;
  if (typeof window !== 'object' || window === null || !ok(window.maxAgeMs) || !ok(window.futureSkewMs)) {
    throw e4Error(
      E4ErrorCode.InvalidArgument,
      '"window" expected { maxAgeMs, futureSkewMs }, finite and non-negative',
    );
  }
  return { maxAgeMs: window.maxAgeMs, futureSkewMs: window.futureSkewMs };
}
