/**
 * The WebAssembly backend: a thin, explicit binding over two embedded modules.
 *
 * Ownership of linear memory (the layouts themselves are defined once, in assembly/memory.ts and
 * assembly/argon2-module.ts; this file asks the exports for every pointer and hard-codes none):
 *  - the core module (AES-SIV, CMAC, CTR, SHA3-256) keeps its key cache and scratch to itself; the
 *    binding writes only the key slot, the associated-data length table, the IV slot and the I/O
 *    window, and reads results only from the window (and the IV slot). One copy in, one copy out.
 *    Each instance runs one AES core, chosen when it is made (`selectAesCore`, `options.aes`).
 *    The window grows (never shrinks) for large inputs up to `maxIoBytes()`; past that the caller
 *    gets `InputTooLarge`. Views are rebuilt only when a grow has detached the old buffer.
 *    `sivOpenPacked` lays a whole batch out in the window (descriptors, key table, then the
 *    messages in one copy) and opens it in one crossing, or in a few of BATCH_CHUNK_BYTES for a
 *    large batch; the opened run goes back to the caller's `out` in one copy.
 *  - the Argon2 module runs in an instance of its own, because WASM memory never shrinks and
 *    Argon2 needs `m` KiB of it (64 MiB for E4). The binding writes password ‖ salt into its
 *    window, reads the tag from it and calls `wipe()` after every call, whatever the status. The
 *    instance is kept for the next call and dropped, its memory with it, after ARGON2_IDLE_MS
 *    without one (a fresh instance pays for faulting in 64 MiB and for compiling its hot code
 *    again), or at `releaseArgon2Memory()`; `keepArgon2Memory` keeps it until then. The async
 *    derivation runs the same module in a worker (argon2-worker.ts), kept on the same terms.
 * Every status an export returns is mapped to an `E4Error`; a trap never reaches the caller.
 */
import { BATCH_OK, batchStatusOf } from '../batchStatus.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { fromBase64 } from '../utils.ts';
import {
  MAX_ADS,
  noArgon2,
  SHA3_256_LEN,
  SIV_TAG_LEN,
  type Argon2Params,
  type Argon2Type,
  type Backend,
  type CipherParts,
  type PackedSivBatch,
} from './backend.ts';
import { Argon2Worker, type Argon2Job, type Argon2Reply } from './argon2-worker.ts';
import { IdleRelease, platformSchedule, type Schedule } from './idle.ts';
import { ARGON2_WASM, CORE_WASM } from './wasm-bytes.ts';

interface CoreExports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  ioCapacity(): number;
  maxIoBytes(): number;
  keyPtr(): number;
  adLensPtr(): number;
  maxAds(): number;
  ivPtr(): number;
  keyCacheSlots(): number;
  reserve(bytes: number): number;
  sivSeal(keyLen: number, adCount: number, ptLen: number): number;
  sivOpen(keyLen: number, adCount: number, sealedLen: number): number;
  maxBatchKeys(): number;
  batchItemBytes(): number;
  batchKeyBytes(): number;
  sivOpenBatch(count: number, keyCount: number): number;
  sha3_256(len: number): number;
  aesEncryptBlock(keyLen: number): number;
  aesCtr(keyLen: number, len: number): number;
  cmac(keyLen: number, len: number): number;
  dbl(): number;
  wipeKeyCache(): void;
  selectAesCore(constantTime: number): number;
  aesCore(): number;
}

interface Argon2Exports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  ioCapacity(): number;
  argon2(type: number, t: number, mKiB: number, p: number, pwdLen: number, saltLen: number, dkLen: number): number;
  wipe(): void;
}

/** The statuses the modules return (assembly/status.ts), indexed by their number. */
const STATUS_CODES: readonly E4ErrorCode[] = [
  E4ErrorCode.Internal, // 0 = ok, never mapped
  E4ErrorCode.NotAuthentic,
  E4ErrorCode.InvalidKeyLength,
  E4ErrorCode.InputTooLarge,
  E4ErrorCode.TooManyAds,
  E4ErrorCode.OutOfMemory,
  E4ErrorCode.InvalidArgument,
  E4ErrorCode.InvalidSignature,
  E4ErrorCode.InvalidPublicKey,
];

/** Throws the E4Error of a non-zero status; `src/backends/wasm-curves.ts` maps its statuses here too. */
export function check(status: number, operation: string): void {
  if (status === 0) return;
  const code = status > 0 && status < STATUS_CODES.length ? STATUS_CODES[status] : E4ErrorCode.Internal;
  const detail =
    code === E4ErrorCode.NotAuthentic
      ? 'authentication failed'
      : code === E4ErrorCode.Internal
        ? 'unknown status ' + status
        : code;
  throw e4Error(code, operation + ': ' + detail);
}

/**
 * assembly/memory.ts, "Batch open": a descriptor is four u32 in this order (sizes come from the
 * module: `batchItemBytes()`, `batchKeyBytes()`).
 */
const BATCH_ITEM_KEY = 0;
const BATCH_ITEM_OFFSET = 1;
const BATCH_ITEM_LENGTH = 2;
const BATCH_ITEM_STATUS = 3;
/** Each module status as a batch status byte (src/batchStatus.ts). */
const BATCH_STATUSES = Uint8Array.from(STATUS_CODES, (code, status) => (status === 0 ? BATCH_OK : batchStatusOf(code)));
const TOO_LARGE_STATUS = batchStatusOf(E4ErrorCode.InputTooLarge);
const INTERNAL_STATUS = batchStatusOf(E4ErrorCode.Internal);
/**
 * The window bytes one batch crossing aims at (a larger single message gets a crossing of its
 * own): big enough that the crossing costs nothing per message, small enough that a batch does
 * not grow memory, which never shrinks, far beyond what single calls need.
 */
const BATCH_CHUNK_BYTES = 4 << 20;

const ARGON2_TYPES: Record<Argon2Type, number> = { argon2i: 1, argon2id: 2 };

export const imports = {
  env: {
    abort(): never {
      throw e4Error(E4ErrorCode.Internal, 'WebAssembly module aborted');
    },
  },
};

export interface WasmModules {
  core: WebAssembly.Module;
  /** Null in the entry points built without Argon2: the backend's `argon2` then refuses. */
  argon2: WebAssembly.Module | null;
}

/**
 * One embedded module's bytes. build/build-wasm.ts stores each deflated in the zlib format
 * (RFC 1950: a quarter of the size, and an Adler-32 checksum the stream verifies) and then as
 * base64; the platform's DecompressionStream inflates it.
 */
export async function inflate(packed: string, title: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new DecompressionStream('deflate');
  const writer = stream.writable.getWriter();
  // A damaged module rejects the reads below; these promises reject with it and are not awaited.
  writer.write(fromBase64(packed, title)).catch(ignore);
  writer.close().catch(ignore);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      length += next.value.length;
    }
  } catch {
    throw e4Error(E4ErrorCode.Internal, 'the embedded ' + title + ' does not inflate');
  }
  const bytes = new Uint8Array(length);
  let pos = 0;
  for (let i = 0; i < chunks.length; i++) {
    bytes.set(chunks[i], pos);
    pos += chunks[i].length;
  }
  return bytes;
}

function ignore(): void {}

let coreBytes: Promise<Uint8Array<ArrayBuffer> | null> | null = null;

/** The core module's bytes, or null where this runtime cannot inflate or validate them. */
function supportedCoreBytes(): Promise<Uint8Array<ArrayBuffer> | null> {
  coreBytes ??=
    typeof WebAssembly !== 'object' ||
    typeof WebAssembly.validate !== 'function' ||
    typeof DecompressionStream !== 'function'
      ? Promise.resolve(null)
      : inflate(CORE_WASM, 'core module').then((bytes) => (WebAssembly.validate(bytes) ? bytes : null));
  return coreBytes;
}

/**
 * True when this runtime can run the core module: it has WebAssembly and DecompressionStream
 * (every current browser, Node 18 and later, Deno, Bun) and validates the module, which takes
 * WebAssembly SIMD (the constant-time AES core's v128): Chrome 91, Firefox 89, Safari 16.4.
 */
export async function wasmSupported(): Promise<boolean> {
  return (await supportedCoreBytes()) !== null;
}

let coreCompiled: Promise<WebAssembly.Module> | null = null;
let argon2Compiled: Promise<WebAssembly.Module> | null = null;

/**
 * Compiles a module; `BackendUnavailable` where the runtime refuses to, as a browser does under a
 * Content Security Policy that allows neither 'wasm-unsafe-eval' nor 'unsafe-eval'.
 */
async function compile(bytes: Uint8Array<ArrayBuffer>, title: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    const reason = e instanceof Error ? ': ' + e.message : '';
    throw e4Error(E4ErrorCode.BackendUnavailable, 'this runtime refuses to compile the ' + title + reason);
  }
}

/** Compiles the core module once; `BackendUnavailable` where this runtime cannot run it. */
export function compileCoreModule(): Promise<WebAssembly.Module> {
  coreCompiled ??= supportedCoreBytes().then((bytes) => {
    if (bytes === null) throw e4Error(E4ErrorCode.BackendUnavailable, 'this runtime cannot run the WebAssembly backend');
    return compile(bytes, 'core module');
  });
  return coreCompiled;
}

/**
 * Compiles the Argon2 module once. Argon2 is scalar 64-bit code: V8 turns BlaMka into multiply
 * and rotate instructions, and v128 builds measured no faster at E4's parameters, so there is no
 * SIMD variant to choose.
 */
export function compileArgon2Module(): Promise<WebAssembly.Module> {
  argon2Compiled ??= inflate(ARGON2_WASM, 'argon2 module')
    .then((bytes) => compile(bytes, 'argon2 module'))
    .then((module) => {
      warmUpArgon2(module);
      return module;
    });
  return argon2Compiled;
}

/** Lanes and KiB of the warm-up derivation: 64 compressions, on an instance dropped at once. */
const WARM_UP_LANES = 4;
const WARM_UP_KIB = 64;

/**
 * One derivation at a few KiB on a throwaway instance (about a millisecond): the engine starts
 * with baseline code and optimises the compression function only once it has run, so without
 * this the first real derivation spends its first thousands of blocks on the slow code.
 */
function warmUpArgon2(module: WebAssembly.Module): void {
  const a2 = new WebAssembly.Instance(module, imports).exports as unknown as Argon2Exports;
  check(a2.argon2(ARGON2_TYPES.argon2i, 1, WARM_UP_KIB, WARM_UP_LANES, 0, 0, 32), 'argon2 warm-up');
}

/** Both embedded modules, compiled. */
export async function compileWasmModules(): Promise<WasmModules> {
  const [core, argon2] = await Promise.all([compileCoreModule(), compileArgon2Module()]);
  return { core, argon2 };
}

/**
 * How long an Argon2 instance, and its `m` KiB of memory, waits for the next call: long enough
 * for a client's derivations one after the other, short enough that a page or a server that
 * derives once does not hold 64 MiB for long.
 */
export const ARGON2_IDLE_MS = 5000;

/**
 * The AES core of the WebAssembly backend: `ct` the constant-time, bitsliced one
 * (assembly/aes-ct.ts), `table` the T-table one (assembly/aes.ts), faster and not constant-time.
 */
export type AesCore = 'ct' | 'table';

export interface WasmBackendOptions {
  /**
   * Keep the Argon2 instance (and its memory, `m` KiB) until `releaseArgon2Memory()`, rather
   * than for ARGON2_IDLE_MS after the last call. Default false.
   */
  keepArgon2Memory?: boolean;
  /** The AES core; `init` defaults it by runtime (src/backends/select.ts). Default here `table`. */
  aes?: AesCore;
}

export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  /** The AES core this instance runs. */
  readonly aes: AesCore;
  /** How many SIV keys the core caches before it evicts (and wipes) one. */
  readonly keyCacheSlots: number;
  releaseArgon2Memory(): void;
  argon2Async(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array>;
  /**
   * For the tests of wiping and release: the kept Argon2 instance's linear memory (null when none
   * is kept), and whether a worker of `argon2Async` is running.
   */
  argon2Memory(): Uint8Array | null;
  argon2WorkerRunning(): boolean;
  /** The core module's whole linear memory, for tests that look for leftover secrets. */
  coreMemory(): Uint8Array;
}

/** `schedule` runs the idle release; tests inject one they fire themselves. */
export function createWasmBackend(
  modules: WasmModules,
  options: WasmBackendOptions = {},
  schedule: Schedule | null = platformSchedule(),
): WasmBackend {
  const ex = new WebAssembly.Instance(modules.core, imports).exports as unknown as CoreExports;
  const aes: AesCore = options.aes ?? 'table';
  check(ex.selectAesCore(aes === 'ct' ? 1 : 0), 'selectAesCore');
  const ioPtr = ex.ioPtr();
  const keyPtr = ex.keyPtr();
  const ivPtr = ex.ivPtr();
  const adLensPtr = ex.adLensPtr();
  const maxIo = ex.maxIoBytes();
  if (ex.maxAds() < MAX_ADS) throw e4Error(E4ErrorCode.Internal, 'core module takes too few associated data');
  let capacity = ex.ioCapacity();
  let mem = new Uint8Array(ex.memory.buffer);
  let adLens = new Uint32Array(ex.memory.buffer, adLensPtr, MAX_ADS);
  let words = new Uint32Array(ex.memory.buffer);
  const maxBatchKeys = ex.maxBatchKeys();
  const BATCH_ITEM_BYTES = ex.batchItemBytes();
  const BATCH_ITEM_WORDS = BATCH_ITEM_BYTES / 4;
  const BATCH_KEY_BYTES = ex.batchKeyBytes();

  /** Makes the window hold `bytes`, growing memory if needed; refreshes views after a grow. */
  function ensure(bytes: number, operation: string): void {
    if (bytes > capacity) {
      if (bytes > maxIo) {
        throw e4Error(E4ErrorCode.InputTooLarge, operation + ': input of ' + bytes + ' bytes exceeds the limit of ' + maxIo);
      }
      check(ex.reserve(bytes), operation);
      capacity = ex.ioCapacity();
      // `reserve` is the only export that grows memory, and growing detaches the old buffer:
      // the views are rebuilt here and nowhere else, so no call pays for a buffer check.
      mem = new Uint8Array(ex.memory.buffer);
      adLens = new Uint32Array(ex.memory.buffer, adLensPtr, MAX_ADS);
      words = new Uint32Array(ex.memory.buffer);
    }
  }

  /** Copies the associated data to the start of the window; returns where the message starts. */
  function writeAds(ads: readonly Uint8Array[]): number {
    let pos = ioPtr;
    for (let i = 0; i < ads.length; i++) {
      adLens[i] = ads[i].length;
      mem.set(ads[i], pos);
      pos += ads[i].length;
    }
    return pos;
  }

  /**
   * The one copy out of the window: into the caller's `out` when given (which saves allocating
   * an array per call, a fifth of the time of a 256-byte open), else into a new array.
   */
  function readOut(start: number, length: number, out: Uint8Array | undefined): Uint8Array {
    if (out === undefined) return mem.slice(start, start + length);
    const view = out.subarray(0, length);
    view.set(mem.subarray(start, start + length));
    return view;
  }

  function adsLength(ads: readonly Uint8Array[]): number {
    let total = 0;
    for (let i = 0; i < ads.length; i++) total += ads[i].length;
    return total;
  }

  /** Per batch: the index of each caller key in the current crossing's key table, else −1. */
  let tableIndex = new Int32Array(0);
  /** The current crossing's items (batch indexes) and keys (caller key indexes), in order. */
  let chunkItems = new Int32Array(0);
  let chunkKeys = new Int32Array(0);

  /**
   * Splits the batch into crossings of about BATCH_CHUNK_BYTES and at most maxBatchKeys keys,
   * each a contiguous run of the batch copied in and out of the window whole. A message too
   * large for the window even alone is answered InputTooLarge without a crossing.
   */
  function sivOpenPacked(batch: PackedSivBatch, out: Uint8Array, status: Uint8Array): void {
    const { offsets, count, keyIndexes } = batch;
    const keyCount = batch.sivKeys.length;
    if (tableIndex.length < keyCount) tableIndex = new Int32Array(keyCount);
    tableIndex.fill(-1, 0, keyCount);
    if (chunkItems.length < count) chunkItems = new Int32Array(count);
    if (chunkKeys.length < Math.min(keyCount, maxBatchKeys)) chunkKeys = new Int32Array(Math.min(keyCount, maxBatchKeys));
    const alone = (i: number): boolean => keyIndexes[i] < 0 || BATCH_ITEM_BYTES + BATCH_KEY_BYTES + offsets[i + 1] - offsets[i] > maxIo;
    let next = 0;
    while (next < count) {
      for (; next < count && alone(next); next++) {
        if (keyIndexes[next] >= 0) status[next] = TOO_LARGE_STATUS;
      }
      const first = next;
      let items = 0;
      let keys = 0;
      for (; next < count; next++) {
        const skip = alone(next);
        const key = keyIndexes[next];
        const isNewKey = !skip && tableIndex[key] < 0;
        const tables = (items + (skip ? 0 : 1)) * BATCH_ITEM_BYTES + (keys + (isNewKey ? 1 : 0)) * BATCH_KEY_BYTES;
        const bytes = tables + offsets[next + 1] - offsets[first];
        if (items > 0 && (bytes > BATCH_CHUNK_BYTES || (isNewKey && keys === maxBatchKeys))) break;
        if (skip) continue;
        if (isNewKey) {
          tableIndex[key] = keys;
          chunkKeys[keys++] = key;
        }
        chunkItems[items++] = next;
      }
      if (items > 0) crossPacked(batch, first, next, items, keys, out, status);
      for (let k = 0; k < keys; k++) tableIndex[chunkKeys[k]] = -1;
    }
  }

  /**
   * One crossing: the messages data[offsets[first], offsets[end]) copied into the window after
   * the tables, the `items` of chunkItems opened under the `keys` of chunkKeys, and the run
   * copied back to `out` at the same offsets.
   */
  function crossPacked(
    batch: PackedSivBatch,
    first: number,
    end: number,
    items: number,
    keys: number,
    out: Uint8Array,
    status: Uint8Array,
  ): void {
    const { data, offsets, keyIndexes, sivKeys } = batch;
    const tables = items * BATCH_ITEM_BYTES + keys * BATCH_KEY_BYTES;
    const runStart = offsets[first];
    const runEnd = offsets[end];
    ensure(tables + runEnd - runStart, 'aesSivOpenBatch');
    const keysPos = ioPtr + items * BATCH_ITEM_BYTES;
    for (let k = 0; k < keys; k++) mem.set(sivKeys[chunkKeys[k]], keysPos + k * BATCH_KEY_BYTES);
    mem.set(data.subarray(runStart, runEnd), ioPtr + tables);
    let word = ioPtr >>> 2;
    for (let j = 0; j < items; j++, word += BATCH_ITEM_WORDS) {
      const i = chunkItems[j];
      words[word + BATCH_ITEM_KEY] = tableIndex[keyIndexes[i]];
      words[word + BATCH_ITEM_OFFSET] = tables + offsets[i] - runStart;
      words[word + BATCH_ITEM_LENGTH] = offsets[i + 1] - offsets[i];
    }
    check(ex.sivOpenBatch(items, keys), 'aesSivOpenBatch');
    word = ioPtr >>> 2;
    for (let j = 0; j < items; j++, word += BATCH_ITEM_WORDS) {
      const moduleStatus = words[word + BATCH_ITEM_STATUS];
      status[chunkItems[j]] = moduleStatus < BATCH_STATUSES.length ? BATCH_STATUSES[moduleStatus] : INTERNAL_STATUS;
    }
    out.set(mem.subarray(ioPtr + tables, ioPtr + tables + runEnd - runStart), runStart);
  }

  const argon2Module = modules.argon2;
  let argon2Kept: Argon2Exports | null = null;
  /** Null with keepArgon2Memory: kept until releaseArgon2Memory(). */
  const idleRelease = (release: () => void): IdleRelease | null =>
    options.keepArgon2Memory === true ? null : new IdleRelease(release, ARGON2_IDLE_MS, schedule);
  // The blocks were wiped after the last call: dropping the instance is all that is left to do.
  const argon2Idle = idleRelease(() => (argon2Kept = null));

  function argon2(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array {
    if (argon2Module === null) return noArgon2();
    const a2 = argon2Kept ?? (new WebAssembly.Instance(argon2Module, imports).exports as unknown as Argon2Exports);
    argon2Kept = a2;
    try {
      const io = a2.ioPtr();
      if (password.length + salt.length + params.dkLen > a2.ioCapacity()) {
        throw e4Error(E4ErrorCode.InputTooLarge, 'argon2: password, salt and output exceed ' + a2.ioCapacity() + ' bytes');
      }
      let view = new Uint8Array(a2.memory.buffer);
      view.set(password, io);
      view.set(salt, io + password.length);
      const status = a2.argon2(ARGON2_TYPES[type], params.t, params.m, params.p, password.length, salt.length, params.dkLen);
      check(status, 'argon2');
      view = new Uint8Array(a2.memory.buffer);
      return view.slice(io, io + params.dkLen);
    } finally {
      // The blocks are derived from the password: wiped now, though the instance is kept.
      a2.wipe();
      argon2Idle?.touch();
    }
  }

  let worker: Argon2Worker | null = null;
  const workerIdle = idleRelease(() => worker?.release());

  /** The worker's status as the synchronous call would have thrown it. */
  function keyOf(reply: Argon2Reply): Uint8Array {
    if (reply.status < 0) throw e4Error(E4ErrorCode.Internal, 'argon2 worker: ' + reply.message);
    check(reply.status, 'argon2');
    return reply.tag as Uint8Array;
  }

  function argon2Async(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array> {
    if (argon2Module === null) return Promise.resolve().then(noArgon2);
    const input = new Uint8Array(password.length + salt.length);
    input.set(password);
    input.set(salt, password.length);
    const job: Argon2Job = {
      type: ARGON2_TYPES[type],
      t: params.t,
      m: params.m,
      p: params.p,
      pwdLen: password.length,
      saltLen: salt.length,
      dkLen: params.dkLen,
      input,
    };
    worker ??= new Argon2Worker(argon2Module, workerIdle, keyOf);
    // Where the worker cannot run it: the same job on this thread, from the job's own copy.
    return worker.run(job, () => argon2(type, input.subarray(0, password.length), input.subarray(password.length), params));
  }

  const parts: CipherParts = {
    aesEncryptBlock(key, block) {
      ensure(block.length, 'aesEncryptBlock');
      mem.set(key, keyPtr);
      mem.set(block, ioPtr);
      check(ex.aesEncryptBlock(key.length), 'aesEncryptBlock');
      return mem.slice(ioPtr, ioPtr + block.length);
    },
    aesCtr(key, iv, data) {
      ensure(data.length, 'aesCtr');
      mem.set(key, keyPtr);
      mem.set(iv, ivPtr);
      mem.set(data, ioPtr);
      check(ex.aesCtr(key.length, data.length), 'aesCtr');
      return mem.slice(ioPtr, ioPtr + data.length);
    },
    cmac(key, message) {
      ensure(message.length, 'cmac');
      mem.set(key, keyPtr);
      mem.set(message, ioPtr);
      check(ex.cmac(key.length, message.length), 'cmac');
      return mem.slice(ivPtr, ivPtr + SIV_TAG_LEN);
    },
    dbl(block) {
      ensure(0, 'dbl');
      mem.set(block, ivPtr);
      check(ex.dbl(), 'dbl');
      return mem.slice(ivPtr, ivPtr + block.length);
    },
  };

  return {
    name: 'wasm',
    aes,
    keyCacheSlots: ex.keyCacheSlots(),
    sivSeal(sivKey, ads, plaintext, out) {
      ensure(adsLength(ads) + SIV_TAG_LEN + plaintext.length, 'aesSivSeal');
      mem.set(sivKey, keyPtr);
      const tagPos = writeAds(ads);
      mem.set(plaintext, tagPos + SIV_TAG_LEN);
      check(ex.sivSeal(sivKey.length, ads.length, plaintext.length), 'aesSivSeal');
      return readOut(tagPos, SIV_TAG_LEN + plaintext.length, out);
    },
    sivOpen(sivKey, ads, sealed, out) {
      ensure(adsLength(ads) + sealed.length, 'aesSivOpen');
      mem.set(sivKey, keyPtr);
      const tagPos = writeAds(ads);
      mem.set(sealed, tagPos);
      check(ex.sivOpen(sivKey.length, ads.length, sealed.length), 'aesSivOpen');
      return readOut(tagPos + SIV_TAG_LEN, sealed.length - SIV_TAG_LEN, out);
    },
    sivOpenPacked: sivOpenPacked,
    sha3_256(data) {
      ensure(Math.max(data.length, SHA3_256_LEN), 'sha3_256');
      mem.set(data, ioPtr);
      check(ex.sha3_256(data.length), 'sha3_256');
      return mem.slice(ioPtr, ioPtr + SHA3_256_LEN);
    },
    argon2,
    argon2Async,
    wipeKeyCache() {
      ex.wipeKeyCache();
    },
    releaseArgon2Memory() {
      argon2Idle?.keep();
      workerIdle?.keep();
      argon2Kept = null;
      worker?.release();
    },
    argon2Memory() {
      return argon2Kept === null ? null : new Uint8Array(argon2Kept.memory.buffer);
    },
    argon2WorkerRunning() {
      return worker !== null && worker.running;
    },
    coreMemory() {
      return new Uint8Array(ex.memory.buffer);
    },
    parts,
  } satisfies WasmBackend;
}
