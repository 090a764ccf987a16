/**
 * A key store in one file of Espruino's flash `Storage` (`require("Storage")`), for boards
 * running the embedded build: C2-provisioned keys survive a reboot.
 *
 * Espruino strings hold 8-bit characters, so the file holds the state's UTF-8 bytes, one
 * character per byte (the e4go text is ASCII except for a non-ASCII receiving topic), written and
 * read with the strict UTF-8 of utils.ts.
 *
 * `Storage.write` replaces a file by erasing the old copy before it writes the new one, so this
 * store cannot keep all of the KeyStore promise: a write refused before the erase (a bad name)
 * leaves the previous text, but one that fails after it (a full flash) is reported as
 * `StoreFailed` and leaves no file, as does a power cut between the two steps (`load` then
 * answers `null`). A file cut short or damaged does not decode as UTF-8: `load` reports it as
 * `StoreFailed`.
 *
 * Written in the ES5-safe subset: it is part of the embedded build.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { utf8Decode, utf8Encode } from '../utils.ts';
import type { KeyStore } from './store.ts';

/** The two methods of Espruino's `Storage` module this store calls. */
export interface EspruinoStorageLike {
  /** The file's contents (one character per byte), or `undefined` when there is no such file. */
  read(name: string): string | undefined;
  /** Replaces the file with `data` (one character per byte); `false` or an exception on failure. */
  write(name: string, data: string): boolean;
}

/** Espruino's `require`, present on the boards only. */
declare const require: ((name: string) => unknown) | undefined;

/** Espruino's file names have at most 28 characters. */
const MAX_FILE_NAME_LEN = 28;

/** Espruino's `require("Storage")`, or null where there is none. */
function espruinoStorage(): EspruinoStorageLike | null {
  try {
    return typeof require === 'function' ? (require('Storage') as EspruinoStorageLike) : null;
  } catch (e) {
    return null;
  }
}

/**
 * A store keeping its text in the Storage file `fileName` (1 to 28 characters). `storage` is
 * Espruino's `require("Storage")` unless given (tests give their own).
 */
export function createEspruinoStore(fileName: string, storage?: EspruinoStorageLike): KeyStore {
  if (typeof fileName !== 'string' || fileName.length === 0 || fileName.length > MAX_FILE_NAME_LEN) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"fileName" expected a string of 1 to ' + MAX_FILE_NAME_LEN + ' characters');
  }
  const files = storage === undefined ? espruinoStorage() : storage;
  // Espruino's Storage module is a function object: only its two methods are checked.
  if (!files || typeof files.read !== 'function' || typeof files.write !== 'function') {
    throw e4Error(E4ErrorCode.InvalidArgument, 'no Storage: expected require("Storage") or { read, write }');
  }
  function failed(what: string): Error {
    return e4Error(E4ErrorCode.StoreFailed, 'Storage file "' + fileName + '": ' + what);
  }
  return {
    load: function (): string | null {
      let data: string | undefined;
      try {
        data = files.read(fileName);
      } catch (e) {
        throw failed('could not read it');
      }
      if (data === undefined) return null;
      const bytes = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const c = data.charCodeAt(i);
        if (c > 0xff) throw failed('not 8-bit');
        bytes[i] = c;
      }
      try {
        return utf8Decode(bytes, fileName);
      } catch (e) {
        throw failed('not valid UTF-8');
      } finally {
        bytes.fill(0);
      }
    },
    save: function (text: string): void {
      // Refuses a lone surrogate (InvalidUtf8): it has no UTF-8 form, so it could not load back.
      const bytes = utf8Encode(text, 'text');
      // Storage cannot create an empty file; no client state is empty.
      if (bytes.length === 0) throw e4Error(E4ErrorCode.InvalidArgument, '"text" is empty');
      let data = '';
      for (let i = 0; i < bytes.length; i++) data += String.fromCharCode(bytes[i]);
      bytes.fill(0);
      let written = false;
      try {
        written = files.write(fileName, data) !== false;
      } catch (e) {
        written = false;
      }
      if (!written) throw failed('could not write it');
    },
  };
}
