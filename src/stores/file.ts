/**
 * A key store in one file, for Node.
 *
 * `save` never writes the file in place: a crash in the middle of a write would leave half a
 * state. It writes a temporary file next to it, flushes it to disk, and renames it over the
 * target; rename replaces a file atomically, so a reader (or a restart after a crash) finds either
 * the previous text or the new one. A crash can leave a temporary file behind, named
 * `.<file name>.<pid>.<random>.tmp`; `load` never reads it and it is safe to delete.
 */
import * as nodeFs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { utf8Decode, utf8Encode } from '../utils.ts';
import type { KeyStore } from './store.ts';

/** The file-system calls `save` makes, in the shapes it calls them. */
export interface FileStoreFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(oldPath: string, newPath: string): void;
}

export interface FileStoreOptions {
  /**
   * Test seam: replacements for some of `save`'s file-system calls, to make one step fail as a
   * crash or a full disk would. Applications leave it unset.
   */
  fs?: Partial<FileStoreFs>;
}

/** The state holds keys: only its owner may read it. */
const FILE_MODE = 0o600;

/** A store keeping its text in the file at `path` (resolved once, against the current directory). */
export function createFileStore(path: string, options?: FileStoreOptions): KeyStore {
  if (typeof path !== 'string' || path === '') {
    throw e4Error(E4ErrorCode.InvalidArgument, '"path" expected a non-empty string');
  }
  const target = resolve(path);
  const dir = dirname(target);
  const tempPrefix = '.' + basename(target) + '.' + process.pid + '.';
  const fs: FileStoreFs = {
    openSync: nodeFs.openSync,
    writeSync: nodeFs.writeSync,
    fsyncSync: nodeFs.fsyncSync,
    closeSync: nodeFs.closeSync,
    renameSync: nodeFs.renameSync,
    ...options?.fs,
  };

  return {
    load(): string | null {
      let bytes: Uint8Array;
      try {
        bytes = nodeFs.readFileSync(target);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') return null;
        throw storeFailed('could not read "' + target + '"', e);
      }
      // Strict decoding: a damaged file is reported, not silently patched with U+FFFD.
      try {
        return utf8Decode(bytes, target);
      } catch (e) {
        throw storeFailed('"' + target + '" is not valid UTF-8', e);
      }
    },

    save(text: string): void {
      // Refuses a lone surrogate (InvalidUtf8): it has no UTF-8 form, so it could not load back.
      const bytes = utf8Encode(text, 'text');
      const temp = join(dir, tempPrefix + Math.floor(Math.random() * 0x100000000).toString(16) + '.tmp');
      let created = false;
      let fd: number | null = null;
      try {
        // 'wx' fails rather than reuse an existing file: another save's temporary is never touched.
        fd = fs.openSync(temp, 'wx', FILE_MODE);
        created = true;
        for (let done = 0; done < bytes.length; ) {
          const written = fs.writeSync(fd, bytes, done, bytes.length - done);
          if (written <= 0) throw e4Error(E4ErrorCode.StoreFailed, 'the file system accepted no bytes');
          done += written;
        }
        // Flushed before the rename, or a power loss could leave the new name on empty contents.
        fs.fsyncSync(fd);
        // Forgotten before closing: a failed close is not retried, the number may be reused.
        const open = fd;
        fd = null;
        fs.closeSync(open);
        fs.renameSync(temp, target);
      } catch (e) {
        if (fd !== null) ignoreErrors(() => fs.closeSync(fd as number));
        if (created) ignoreErrors(() => nodeFs.unlinkSync(temp));
        throw storeFailed('could not save to "' + target + '"', e);
      }
      syncDirectory(fs, dir);
    },
  };
}

/**
 * Flushes the directory so the rename itself survives a power loss. Best effort: Windows cannot
 * open a directory and some file systems refuse to fsync one. Its failures are not reported
 * either, because the rename has already replaced the text: throwing now would make the client
 * keep a state other than the stored one.
 */
function syncDirectory(fs: FileStoreFs, dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  ignoreErrors(() => fs.fsyncSync(fd));
  ignoreErrors(() => fs.closeSync(fd));
}

function ignoreErrors(f: () => void): void {
  try {
    f();
  } catch {
    // Cleanup after a failure, or the best-effort directory flush: the caller has decided already.
  }
}

function errnoCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Names a system failure by its errno code (ENOSPC, EACCES…); the cause is kept for debugging. */
function storeFailed(message: string, cause: unknown): Error {
  const code = isE4Error(cause) ? undefined : errnoCode(cause);
  const error = e4Error(E4ErrorCode.StoreFailed, code === undefined ? message : message + ': ' + code);
  error.cause = cause;
  return error;
}
