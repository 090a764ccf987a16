/**
 * Key stores: one contract suite run on every store (nothing stored reads as null, a text loads
 * back exactly, a save replaces the previous text), then what each store adds. The file store is
 * made to fail at each step of a save, and a real process is killed mid-save, to show that a
 * failed or interrupted save leaves the previous state whole. Error messages never carry the text.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { E4ErrorCode, isE4Error, type E4ErrorCode as Code } from '../src/errors.ts';
import { createFileStore, type FileStoreFs } from '../src/stores/file.ts';
import { createMemoryStore } from '../src/stores/memory.ts';
import type { KeyStore } from '../src/stores/store.ts';
import { createWebStorageStore, type WebStorageLike } from '../src/stores/webStorage.ts';

/** Stands for key material: no error message may contain it. */
const SECRET = 'c2VjcmV0LWtleS1tYXRlcmlhbC1uZXZlci1pbi1tZXNzYWdlcw';
const STATE_A = '{"Key":"' + SECRET + '-A","Topics":{}}\n';
const STATE_B = '{"Key":"' + SECRET + '-B","Topics":{"t":"é"}}\n';

const TEXTS: ReadonlyArray<readonly [string, string]> = [
  ['a Go state line', STATE_A],
  ['non-ASCII (2, 3 and 4 UTF-8 bytes)', '{"n":"é€😀 ü 中文"}\n'],
  ['U+2028 and U+2029', '{"s":"a\u2028b\u2029c"}\n'],
  ['no newline at the end', '{"a":1}'],
  ['CR LF and inner newlines', 'line 1\r\nline 2\n\n'],
  ['a NUL character', 'a\u0000b\n'],
  ['a byte order mark at the start', '\uFEFF{"a":1}\n'],
  ['the empty text', ''],
  ['a large state', '{"pad":"' + 'x€'.repeat(200_000) + '"}\n'],
];

/** Opens stores over one backing storage: a second `open` sees what the first saved. */
interface Backing {
  open(): KeyStore;
}

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'e4ts-store-'));
  tempDirs.push(dir);
  return dir;
}

afterEach(() => {
  while (tempDirs.length > 0) rmSync(tempDirs.pop() as string, { recursive: true, force: true });
});

/** An in-memory Web Storage: `setItem` throws QuotaExceededError past `quota` UTF-16 units. */
function fakeStorage(quota = Infinity): WebStorageLike & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => (items.has(key) ? (items.get(key) as string) : null),
    setItem: (key, value) => {
      let used = key.length + value.length;
      for (const [k, v] of items) if (k !== key) used += k.length + v.length;
      if (used > quota) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      items.set(key, value);
    },
  };
}

const BACKINGS: ReadonlyArray<readonly [string, () => Backing]> = [
  [
    'memory',
    () => {
      const store = createMemoryStore();
      return { open: () => store };
    },
  ],
  [
    'file',
    () => {
      const path = join(tempDir(), 'state.json');
      return { open: () => createFileStore(path) };
    },
  ],
  [
    'webStorage',
    () => {
      const storage = fakeStorage();
      return { open: () => createWebStorageStore(storage, 'e4-state') };
    },
  ],
];

function failure(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}

/** Asserts `f` throws the e4ts error `code` and that nothing it says contains the secret. */
function expectFailure(f: () => unknown, code: Code): void {
  const e = failure(f);
  expect(isE4Error(e) ? e.code : e).toBe(code);
  const error = e as Error;
  expect(error.message).not.toContain(SECRET);
  expect(String(error.stack)).not.toContain(SECRET);
}

describe.each(BACKINGS)('the KeyStore contract: %s store', (_name, makeBacking) => {
  it('loads null when nothing was stored', () => {
    expect(makeBacking().open().load()).toBeNull();
  });

  it.each(TEXTS)('loads back exactly what it saved: %s', (_what, text) => {
    const backing = makeBacking();
    const store = backing.open();
    store.save(text);
    expect(store.load()).toBe(text);
    expect(backing.open().load()).toBe(text);
  });

  it('a save replaces the previous text, longer or shorter', () => {
    const backing = makeBacking();
    const store = backing.open();
    store.save(STATE_B + STATE_B);
    store.save(STATE_A);
    expect(backing.open().load()).toBe(STATE_A);
    store.save(STATE_B);
    expect(backing.open().load()).toBe(STATE_B);
  });

  it('refuses a text that is not a string, keeping the previous one', () => {
    const store = makeBacking().open();
    store.save(STATE_A);
    for (const bad of [undefined, null, 42, new Uint8Array(3), { toString: () => STATE_B }]) {
      expectFailure(() => store.save(bad as unknown as string), E4ErrorCode.InvalidArgument);
    }
    expect(store.load()).toBe(STATE_A);
  });
});

describe('memory store', () => {
  it('starts with the initial text, or nothing', () => {
    expect(createMemoryStore(STATE_A).load()).toBe(STATE_A);
    expect(createMemoryStore('').load()).toBe('');
    expect(createMemoryStore(null).load()).toBeNull();
  });

  it('refuses an initial value that is not a string', () => {
    expectFailure(() => createMemoryStore(42 as unknown as string), E4ErrorCode.InvalidArgument);
  });
});

describe('file store', () => {
  const isWindows = process.platform === 'win32';

  function setup(fs?: Partial<FileStoreFs>): { dir: string; path: string; store: KeyStore } {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    return { dir, path, store: createFileStore(path, fs === undefined ? undefined : { fs }) };
  }

  function errno(code: string): Error {
    return Object.assign(new Error(code + ': simulated failure'), { code });
  }

  it.skipIf(isWindows)('creates the file readable by its owner only, and keeps it so', () => {
    const { path, store } = setup();
    store.save(STATE_A);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    chmodSync(path, 0o644);
    store.save(STATE_B);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('writes a temporary file, flushes it, renames it over the target, then flushes the directory', () => {
    const calls: string[] = [];
    const { dir, path, store } = setup({
      openSync: (p, flags, mode) => {
        calls.push(p === dir ? 'open directory' : 'open ' + flags);
        return openSync(p, flags, mode);
      },
      writeSync: (fd, buffer, offset, length) => {
        calls.push('write');
        return writeSync(fd, buffer, offset, length);
      },
      fsyncSync: (fd) => {
        calls.push('fsync');
        fsyncSync(fd);
      },
      closeSync: (fd) => {
        calls.push('close');
        closeSync(fd);
      },
      renameSync: (from, to) => {
        expect(from).not.toBe(path);
        expect(to).toBe(path);
        calls.push('rename');
        renameSync(from, to);
      },
    });
    store.save(STATE_A);
    expect(calls).toEqual([
      ...['open wx', 'write', 'fsync', 'close', 'rename'],
      ...['open directory', 'fsync', 'close'],
    ]);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('completes a save the file system writes a few bytes at a time', () => {
    const { path, store } = setup({
      writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, Math.min(length, 7)),
    });
    store.save(STATE_B);
    expect(readFileSync(path, 'utf8')).toBe(STATE_B);
  });

  it('fails rather than loop when the file system accepts no bytes', () => {
    const { dir, path, store } = setup({ writeSync: () => 0 });
    writeFileSync(path, STATE_A);
    expectFailure(() => store.save(STATE_B), E4ErrorCode.StoreFailed);
    expect(readFileSync(path, 'utf8')).toBe(STATE_A);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  /** Each step of a save, made to fail once as a crash or a full disk would. */
  const FAILING_STEPS: ReadonlyArray<readonly [string, (fail: Error) => Partial<FileStoreFs>]> = [
    [
      'creating the temporary file',
      (fail) => ({
        openSync: () => {
          throw fail;
        },
      }),
    ],
    [
      'writing, after half the text',
      (fail) => {
        let calls = 0;
        return {
          writeSync: (fd, buffer, offset, length) => {
            if (calls++ > 0) throw fail;
            return writeSync(fd, buffer, offset, Math.ceil(length / 2));
          },
        };
      },
    ],
    [
      'flushing the temporary file',
      (fail) => ({
        fsyncSync: () => {
          throw fail;
        },
      }),
    ],
    [
      'closing the temporary file',
      (fail) => ({
        closeSync: (fd) => {
          closeSync(fd);
          throw fail;
        },
      }),
    ],
    [
      'renaming over the target',
      (fail) => ({
        renameSync: () => {
          throw fail;
        },
      }),
    ],
  ];

  it.each(FAILING_STEPS)('a failure %s leaves the previous file byte-identical', (_step, failing) => {
    const { dir, path } = setup();
    createFileStore(path).save(STATE_A);
    const before = readFileSync(path);
    const store = createFileStore(path, { fs: failing(errno('EIO')) });
    const e = failure(() => store.save(STATE_B));
    expect(isE4Error(e, E4ErrorCode.StoreFailed)).toBe(true);
    expect((e as Error).message).not.toContain(SECRET);
    expect((e as Error).message).toContain('EIO');
    expect((e as Error).cause).toBeDefined();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(createFileStore(path).load()).toBe(STATE_A);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it.each(FAILING_STEPS)('a failure %s with nothing stored yet leaves nothing', (_step, failing) => {
    const { dir, path } = setup();
    const store = createFileStore(path, { fs: failing(errno('ENOSPC')) });
    expectFailure(() => store.save(STATE_A), E4ErrorCode.StoreFailed);
    expect(createFileStore(path).load()).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('saves where the directory cannot be flushed (refused as on some platforms)', () => {
    let fsyncs = 0;
    const refusing = setup({
      fsyncSync: (fd) => {
        if (fsyncs++ > 0) throw errno('EINVAL');
        fsyncSync(fd);
      },
    });
    refusing.store.save(STATE_A);
    expect(createFileStore(refusing.path).load()).toBe(STATE_A);

    const unopenable = setup({
      openSync: (p, flags, mode) => {
        if (flags === 'r') throw errno('EISDIR');
        return openSync(p, flags, mode);
      },
    });
    unopenable.store.save(STATE_B);
    expect(createFileStore(unopenable.path).load()).toBe(STATE_B);
  });

  it('ignores a temporary file left by a process killed mid-save', () => {
    const { dir, path, store } = setup();
    const stray = join(dir, '.state.json.99999.deadbeef.tmp');
    writeFileSync(stray, STATE_B.slice(0, 20), { mode: 0o600 });
    expect(store.load()).toBeNull();
    store.save(STATE_A);
    writeFileSync(stray, STATE_B);
    expect(createFileStore(path).load()).toBe(STATE_A);
  });

  it('refuses a lone surrogate, which has no UTF-8 form, keeping the previous text', () => {
    const { path, store } = setup();
    store.save(STATE_A);
    expectFailure(() => store.save(STATE_B + '\uD800'), E4ErrorCode.InvalidUtf8);
    expectFailure(() => store.save('\uDC00' + STATE_B), E4ErrorCode.InvalidUtf8);
    expect(createFileStore(path).load()).toBe(STATE_A);
  });

  it('reports a file that is not valid UTF-8 rather than patch it', () => {
    const { path, store } = setup();
    writeFileSync(path, Buffer.concat([Buffer.from(STATE_A), Buffer.from([0xc3, 0x28])]));
    expectFailure(() => store.load(), E4ErrorCode.StoreFailed);
  });

  it('reports an unreadable path and a missing directory as StoreFailed', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a-directory'));
    expectFailure(() => createFileStore(join(dir, 'a-directory')).load(), E4ErrorCode.StoreFailed);
    const missing = createFileStore(join(dir, 'no-such-directory', 'state.json'));
    expect(missing.load()).toBeNull();
    expectFailure(() => missing.save(STATE_A), E4ErrorCode.StoreFailed);
  });

  it('refuses a path that is not a non-empty string', () => {
    expectFailure(() => createFileStore(''), E4ErrorCode.InvalidArgument);
    expectFailure(() => createFileStore(42 as unknown as string), E4ErrorCode.InvalidArgument);
  });

  describe('killed with SIGKILL while saving in a loop', () => {
    /**
     * The n-th text the child saves, as JavaScript source so the child and this test share it.
     * Megabytes long, so that a kill often lands while a file is being written; lengths vary
     * with n, so that a torn write could not pass for a whole text.
     */
    const TEXT_OF =
      "(n) => JSON.stringify({ n: n, pad: 'é€😀'.repeat(250000 + ((n * 7919) % 250000)) }) + '\\n'";
    const textOf = new Function('return ' + TEXT_OF)() as (n: number) => string;
    const repoRoot = fileURLToPath(new URL('..', import.meta.url));
    const CHILD = `
      const { createFileStore } = await import(process.env.STORE_MODULE);
      const store = createFileStore(process.env.STORE_PATH);
      const textOf = ${TEXT_OF};
      for (let n = 1; ; n++) {
        store.save(textOf(n));
        if (n === 1) process.stdout.write('ready\\n');
      }`;

    /** Runs the child until it has saved once, lets it save for `delayMs` more, then kills it. */
    function saveUntilKilled(path: string, delayMs: number): Promise<void> {
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
          cwd: repoRoot,
          env: {
            ...process.env,
            STORE_MODULE: new URL('../src/stores/file.ts', import.meta.url).href,
            STORE_PATH: path,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
        child.on('error', fail);
        child.on('exit', (code, signal) => {
          if (signal === 'SIGKILL') done();
          else fail(new Error('child exited with ' + code + ' before it was killed: ' + stderr));
        });
      });
    }

    it('leaves after each kill one of the complete texts, never a partial one', async () => {
      const { path } = setup();
      for (let run = 0; run < 16; run++) {
        await saveUntilKilled(path, Math.floor(Math.random() * 60));
        const text = createFileStore(path).load() as string;
        expect(text).not.toBeNull();
        const n = (JSON.parse(text) as { n: number }).n;
        expect(n).toBeGreaterThanOrEqual(1);
        expect(text === textOf(n)).toBe(true);
      }
      // Whatever temporary files the kills left, a new save and load go on as usual.
      createFileStore(path).save(STATE_A);
      expect(createFileStore(path).load()).toBe(STATE_A);
    });
  });
});

describe('webStorage store', () => {
  it('refuses a failed setItem (quota) with StoreFailed, the previous value intact', () => {
    const storage = fakeStorage(STATE_A.length + 'e4-state'.length);
    const store = createWebStorageStore(storage, 'e4-state');
    store.save(STATE_A);
    const e = failure(() => store.save(STATE_B + STATE_B));
    expect(isE4Error(e, E4ErrorCode.StoreFailed)).toBe(true);
    expect((e as Error).message).toContain('QuotaExceededError');
    expect((e as Error).message).not.toContain(SECRET);
    expect((e as Error).cause).toBeInstanceOf(DOMException);
    expect(store.load()).toBe(STATE_A);
    expect(storage.items.get('e4-state')).toBe(STATE_A);
  });

  it('reports storage that cannot be read (disabled by the user) as StoreFailed', () => {
    const store = createWebStorageStore(
      {
        getItem: () => {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
        setItem: () => {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      },
      'e4-state',
    );
    expectFailure(() => store.load(), E4ErrorCode.StoreFailed);
    expectFailure(() => store.save(STATE_A), E4ErrorCode.StoreFailed);
  });

  it('keeps stores under different keys apart', () => {
    const storage = fakeStorage();
    const one = createWebStorageStore(storage, 'client-1');
    const two = createWebStorageStore(storage, 'client-2');
    one.save(STATE_A);
    expect(two.load()).toBeNull();
    two.save(STATE_B);
    expect(one.load()).toBe(STATE_A);
  });

  it('refuses a storage without getItem and setItem, and a key that is not a string', () => {
    const bad = [null, {}, { getItem: () => null }] as unknown as WebStorageLike[];
    for (const storage of bad) {
      expectFailure(() => createWebStorageStore(storage, 'k'), E4ErrorCode.InvalidArgument);
    }
    const notAKey = 42 as unknown as string;
    expectFailure(() => createWebStorageStore(fakeStorage(), notAKey), E4ErrorCode.InvalidArgument);
  });
});
