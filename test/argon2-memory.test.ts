/**
 * The WebAssembly backend's Argon2 memory: kept for the next call, its blocks zeroed after every
 * call, and dropped once ARGON2_IDLE_MS pass without one (timers injected here and fired by the
 * test), or at once with `releaseArgon2Memory()`, or never with `keepArgon2Memory`. The worker
 * of the async derivation is kept and dropped on the same terms.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { ARGON2_IDLE_MS, compileWasmModules, createWasmBackend, type WasmModules } from '../src/backends/wasm.ts';
import type { Schedule } from '../src/backends/idle.ts';
import { E4ErrorCode } from '../src/errors.ts';
import { deriveKeyFromPassword, deriveKeyFromPasswordAsync, releaseArgon2Memory } from '../src/primitives.ts';
import { utf8Encode } from '../src/utils.ts';

const PARAMS = { t: 1, m: 256, p: 2, dkLen: 32 };
const password = utf8Encode('a password worth wiping', 'password');
const salt = new Uint8Array(8).fill(0x5a);

/** Timers that only the test fires. */
function manualTimers(): { schedule: Schedule; pending: () => { ms: number; fire: () => void }[] } {
  const timers: { ms: number; fire: () => void; live: boolean }[] = [];
  const schedule: Schedule = (callback, ms) => {
    const timer = { ms, live: true, fire: () => timer.live && ((timer.live = false), callback()) };
    timers.push(timer);
    return () => (timer.live = false);
  };
  return { schedule, pending: () => timers.filter((t) => t.live) };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

let modules: WasmModules;
beforeAll(async () => {
  modules = await compileWasmModules();
});

describe('Argon2 memory on the WebAssembly backend', () => {
  it('keeps the instance for the next call, with its blocks, the password and the tag zeroed', () => {
    const timers = manualTimers();
    const backend = createWasmBackend(modules, {}, timers.schedule);
    const tag = backend.argon2('argon2i', password, salt, PARAMS);
    const memory = backend.argon2Memory();
    expect(memory).not.toBeNull();
    // The blocks lie at the end of memory: all m KiB of them are zero.
    expect(memory!.subarray(memory!.length - PARAMS.m * 1024).every((b) => b === 0)).toBe(true);
    expect(indexOf(memory!, password)).toBe(-1);
    expect(indexOf(memory!, tag)).toBe(-1);
    // The same instance answers the next call, with the same result.
    expect(backend.argon2('argon2i', password, salt, PARAMS)).toEqual(tag);
    expect(backend.argon2Memory()!.buffer).toBe(memory!.buffer);
  });

  it('drops the instance once the idle interval has passed since the last call', () => {
    const timers = manualTimers();
    const backend = createWasmBackend(modules, {}, timers.schedule);
    backend.argon2('argon2i', password, salt, PARAMS);
    backend.argon2('argon2id', password, salt, PARAMS);
    // One count running, restarted by the second call.
    expect(timers.pending().map((t) => t.ms)).toEqual([ARGON2_IDLE_MS]);
    expect(backend.argon2Memory()).not.toBeNull();
    timers.pending()[0].fire();
    expect(backend.argon2Memory()).toBeNull();
    expect(timers.pending()).toEqual([]);
  });

  it('drops it at once on releaseArgon2Memory(), and cancels the count', () => {
    const timers = manualTimers();
    const backend = createWasmBackend(modules, {}, timers.schedule);
    backend.argon2('argon2i', password, salt, PARAMS);
    backend.releaseArgon2Memory();
    expect(backend.argon2Memory()).toBeNull();
    expect(timers.pending()).toEqual([]);
  });

  it('keeps it without a count under keepArgon2Memory, until releaseArgon2Memory()', () => {
    const timers = manualTimers();
    const backend = createWasmBackend(modules, { keepArgon2Memory: true }, timers.schedule);
    backend.argon2('argon2i', password, salt, PARAMS);
    expect(timers.pending()).toEqual([]);
    expect(backend.argon2Memory()).not.toBeNull();
    backend.releaseArgon2Memory();
    expect(backend.argon2Memory()).toBeNull();
  });

  it('drops it after each call where the runtime has no timers', () => {
    const backend = createWasmBackend(modules, {}, null);
    const tag = backend.argon2('argon2i', password, salt, PARAMS);
    expect(backend.argon2Memory()).toBeNull();
    expect(backend.argon2('argon2i', password, salt, PARAMS)).toEqual(tag);
  });

  it('zeroes the blocks after a call that fails too', () => {
    const backend = createWasmBackend(modules, { keepArgon2Memory: true }, null);
    backend.argon2('argon2i', password, salt, PARAMS);
    // 64 KiB of input: refused before anything is written.
    expect(() => backend.argon2('argon2i', new Uint8Array(65536), salt, PARAMS)).toThrow(expect.objectContaining({ code: E4ErrorCode.InputTooLarge }));
    const memory = backend.argon2Memory()!;
    expect(memory.subarray(memory.length - PARAMS.m * 1024).every((b) => b === 0)).toBe(true);
  });

  it('derives in a worker kept on the same terms, with the same result', async () => {
    const timers = manualTimers();
    const backend = createWasmBackend(modules, {}, timers.schedule);
    const tag = backend.argon2('argon2i', password, salt, PARAMS);
    expect(await backend.argon2Async('argon2i', password, salt, PARAMS)).toEqual(tag);
    expect(backend.argon2WorkerRunning()).toBe(true);
    expect(await backend.argon2Async('argon2id', password, salt, PARAMS)).toEqual(backend.argon2('argon2id', password, salt, PARAMS));
    // The worker's count and the synchronous instance's.
    expect(timers.pending().map((t) => t.ms)).toEqual([ARGON2_IDLE_MS, ARGON2_IDLE_MS]);
    for (const timer of timers.pending()) timer.fire();
    expect(backend.argon2WorkerRunning()).toBe(false);
    expect(backend.argon2Memory()).toBeNull();
    // A later call starts a worker again.
    expect(await backend.argon2Async('argon2i', password, salt, PARAMS)).toEqual(tag);
    backend.releaseArgon2Memory();
    expect(backend.argon2WorkerRunning()).toBe(false);
  });

  it('rejects in the worker with the error the synchronous call throws', async () => {
    const backend = createWasmBackend(modules, {}, manualTimers().schedule);
    // m beyond what 32-bit memory can hold passes the API's range check only at the backend.
    const huge = { t: 1, m: 0x3fffff, p: 1, dkLen: 32 };
    const sync = (() => {
      try {
        backend.argon2('argon2i', password, salt, huge);
      } catch (e) {
        return (e as { code: string }).code;
      }
    })();
    expect(sync).toBe(E4ErrorCode.OutOfMemory);
    await expect(backend.argon2Async('argon2i', password, salt, huge)).rejects.toMatchObject({ code: sync });
    backend.releaseArgon2Memory();
  });
});

describe('deriveKeyFromPasswordAsync', () => {
  it.each(['wasm', 'js'] as const)('gives the key deriveKeyFromPassword gives, on %s', async (backend) => {
    await init({ backend });
    const text = 'correct horse battery staple';
    expect(await deriveKeyFromPasswordAsync(text)).toEqual(deriveKeyFromPassword(text));
    releaseArgon2Memory();
  });

  it('rejects what deriveKeyFromPassword refuses, with the same code', async () => {
    await init();
    await expect(deriveKeyFromPasswordAsync('short')).rejects.toMatchObject({ code: E4ErrorCode.InvalidPassword });
    await expect(deriveKeyFromPasswordAsync(42 as never)).rejects.toMatchObject({ code: E4ErrorCode.InvalidArgument });
  });
});
