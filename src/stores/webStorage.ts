/**
 * A key store over Web Storage (`localStorage`, `sessionStorage`) for browsers.
 *
 * Web Storage's `setItem` either stores the whole value or throws (a full quota, storage
 * disabled by the user) leaving the previous value in place, which is exactly the all-or-nothing
 * `save` a client needs. Written in the ES5-safe subset so the embedded build can reuse it.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { KeyStore } from './store.ts';

/**
 * The two methods of the DOM's `Storage` this store uses, declared here so the store builds
 * without the DOM typings; `localStorage` and `sessionStorage` satisfy it.
 */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** A store keeping its text under `key` in `storage`. */
export function createWebStorageStore(storage: WebStorageLike, key: string): KeyStore {
  if (
    typeof storage !== 'object' ||
    storage === null ||
    typeof storage.getItem !== 'function' ||
    typeof storage.setItem !== 'function'
  ) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"storage" expected an object with getItem and setItem');
  }
  if (typeof key !== 'string') {
    throw e4Error(E4ErrorCode.InvalidArgument, '"key" expected string, got ' + typeof key);
  }
  return {
    load: function (): string | null {
      try {
        return storage.getItem(key);
      } catch (e) {
        throw storeFailed('could not read web storage item "' + key + '"', e);
      }
    },
    save: function (text: string): void {
      if (typeof text !== 'string') {
        throw e4Error(E4ErrorCode.InvalidArgument, '"text" expected string, got ' + typeof text);
      }
      try {
        storage.setItem(key, text);
      } catch (e) {
        throw storeFailed('could not write web storage item "' + key + '"', e);
      }
    },
  };
}

/** Names the failure by the DOMException's name only: its message is the browser's to word. */
function storeFailed(message: string, cause: unknown): Error {
  const name = typeof cause === 'object' && cause !== null ? (cause as { name?: unknown }).name : undefined;
  const error = e4Error(E4ErrorCode.StoreFailed, typeof name === 'string' ? message + ': ' + name : message);
  // Through a cast so the module also compiles against ES5's typings, which have no `cause`.
  (error as { cause?: unknown }).cause = cause;
  return error;
}
