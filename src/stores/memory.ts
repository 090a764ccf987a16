/**
 * A key store that keeps the text in memory: for tests, and for clients whose state is meant to
 * die with the process.
 *
 * Written in the ES5-safe subset because the embedded build reuses it.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { KeyStore } from './store.ts';

/** A store holding `initial` (nothing when omitted or `null`). */
export function createMemoryStore(initial?: string | null): KeyStore {
  if (initial !== undefined && initial !== null && typeof initial !== 'string') {
    throw e4Error(E4ErrorCode.InvalidArgument, '"initial" expected string or null, got ' + typeof initial);
  }
  let stored: string | null = initial === undefined ? null : initial;
  return {
    load: function (): string | null {
      return stored;
    },
    save: function (text: string): void {
      if (typeof text !== 'string') {
        throw e4Error(E4ErrorCode.InvalidArgument, '"text" expected string, got ' + typeof text);
      }
      stored = text;
    },
  };
}
