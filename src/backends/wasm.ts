/**
 * The WebAssembly backend: a thin, explicit binding over two embedded modules.
 *
 * Ownership of linear memory (the layouts themselves are defined once, in assembly/memory.ts and
 * assembly/argon2-module.ts; this file asks the exports for every pointer and hard-codes none):
 *  - the core module (AES-SIV, CMAC, CTR, SHA3-256) keeps its key cache and scratch to itself; the
 *    binding writes only the key slot, the associated-data length table, the IV slot and the I/O
 *    window, and reads results only from the window (and the IV slot). One copy in, one copy out.
 *    The window grows (never shrinks) for large inputs up to `maxIoBytes()`; past that the caller
 *    gets `InputTooLarge`. Views are rebuilt only when a grow has detached the old buffer.
 *    `sivOpenBatch` lays a whole batch out in the window (descriptors, key table, messages) and
 *    opens it in one crossing, or in a few of BATCH_CHUNK_BYTES for a large batch.
 *  - the Argon2 module runs in an instance of its own, because WASM memory never shrinks and
 *    Argon2 needs `m` KiB of it (64 MiB for E4). By default the instance is dropped after each
 *    call so that memory goes with it; `keepArgon2Memory` keeps it for reuse, which halves the
 *    time of later calls and holds the memory until `releaseArgon2Memory()`.
 * Every status an export returns is mapped to an `E4Error`; a trap never reaches the caller.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { fromBase64 } from '../utils.ts';
import {
  BATCH_AD_LEN,
  MAX_ADS,
  noArgon2,
  SHA3_256_LEN,
  SIV_TAG_LEN,
  type Argon2Params,
  type Argon2Type,
  type Backend,
  type CipherParts,
  type SivBatchResult,
} from './backend.ts';
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
const BATCH_HEADER_LEN = BATCH_AD_LEN + SIV_TAG_LEN;
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
 * (every current browser, Node 18 and later, Deno, Bun) and validates the module.
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
  argon2Compiled ??= inflate(ARGON2_WASM, 'argon2 module').then((bytes) => compile(bytes, 'argon2 module'));
  return argon2Compiled;
}

/** Both embedded modules, compiled. */
export async function compileWasmModules(): Promise<WasmModules> {
  const [core, argon2] = await Promise.all([compileCoreModule(), compileArgon2Module()]);
  return { core, argon2 };
}

export interface WasmBackendOptions {
  /** Keep the Argon2 instance (and its memory, `m` KiB) between calls. Default false. */
  keepArgon2Memory?: boolean;
}

export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  /** How many SIV keys the core caches before it evicts (and wipes) one. */
  readonly keyCacheSlots: number;
  /** Drops a kept Argon2 instance, after wiping it. */
  releaseArgon2Memory(): void;
  /** The core module's whole linear memory, for tests that look for leftover secrets. */
  coreMemory(): Uint8Array;
}

export function createWasmBackend(modules: WasmModules, options: WasmBackendOptions = {}): WasmBackend {
  const ex = new WebAssembly.Instance(modules.core, imports).exports as unknown as CoreExports;
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
  const chunkItems: number[] = [];
  const chunkKeys: number[] = [];
  /** Where each item of the crossing starts in `out`: items take `length − 24` bytes each, in order. */
  const chunkOutPos: number[] = [];

  /**
   * Splits the batch into crossings of about BATCH_CHUNK_BYTES and at most maxBatchKeys keys;
   * a message too large for the window even alone is answered InputTooLarge without a crossing.
   */
  function sivOpenBatch(
    sivKeys: readonly Uint8Array[],
    keyIndexes: ArrayLike<number>,
    messages: readonly Uint8Array[],
    out: Uint8Array | undefined,
  ): SivBatchResult[] {
    const count = messages.length;
    const results: SivBatchResult[] = new Array(count);
    let windowBytes = count * BATCH_ITEM_BYTES + Math.min(sivKeys.length, count) * BATCH_KEY_BYTES;
    let plaintextBytes = 0;
    for (let i = 0; i < count; i++) {
      windowBytes += messages[i].length;
      plaintextBytes += messages[i].length - BATCH_HEADER_LEN;
    }
    // Views of the window would be overwritten by the next crossing: several crossings need `out`.
    let target = out;
    if (target === undefined && (windowBytes > BATCH_CHUNK_BYTES || sivKeys.length > maxBatchKeys)) {
      target = new Uint8Array(plaintextBytes);
    }
    if (target !== undefined && target.length < plaintextBytes) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"out" expected at least ' + plaintextBytes + ' bytes, got ' + target.length);
    }
    if (tableIndex.length < sivKeys.length) tableIndex = new Int32Array(sivKeys.length);
    tableIndex.fill(-1, 0, sivKeys.length);
    let next = 0;
    let outPos = 0;
    while (next < count) {
      chunkItems.length = 0;
      chunkKeys.length = 0;
      chunkOutPos.length = 0;
      let bytes = 0;
      for (; next < count; next++) {
        const key = keyIndexes[next];
        const isNewKey = tableIndex[key] < 0;
        const add = BATCH_ITEM_BYTES + (isNewKey ? BATCH_KEY_BYTES : 0) + messages[next].length;
        if (add > maxIo) {
          results[next] = E4ErrorCode.InputTooLarge;
          outPos += messages[next].length - BATCH_HEADER_LEN;
          continue;
        }
        if (chunkItems.length > 0 && (bytes + add > BATCH_CHUNK_BYTES || (isNewKey && chunkKeys.length === maxBatchKeys))) break;
        if (isNewKey) {
          tableIndex[key] = chunkKeys.length;
          chunkKeys.push(key);
        }
        chunkItems.push(next);
        chunkOutPos.push(outPos);
        outPos += messages[next].length - BATCH_HEADER_LEN;
        bytes += add;
      }
      if (chunkItems.length > 0) crossBatch(sivKeys, keyIndexes, messages, bytes, results, target);
      for (let k = 0; k < chunkKeys.length; k++) tableIndex[chunkKeys[k]] = -1;
    }
    return results;
  }

  /** One crossing: the items and keys of chunkItems / chunkKeys, results into `results`. */
  function crossBatch(
    sivKeys: readonly Uint8Array[],
    keyIndexes: ArrayLike<number>,
    messages: readonly Uint8Array[],
    bytes: number,
    results: SivBatchResult[],
    out: Uint8Array | undefined,
  ): void {
    ensure(bytes, 'aesSivOpenBatch');
    const itemCount = chunkItems.length;
    const keyCount = chunkKeys.length;
    const keysPos = ioPtr + itemCount * BATCH_ITEM_BYTES;
    for (let k = 0; k < keyCount; k++) mem.set(sivKeys[chunkKeys[k]], keysPos + k * BATCH_KEY_BYTES);
    let offset = itemCount * BATCH_ITEM_BYTES + keyCount * BATCH_KEY_BYTES;
    let word = ioPtr >>> 2;
    for (let j = 0; j < itemCount; j++, word += BATCH_ITEM_WORDS) {
      const message = messages[chunkItems[j]];
      words[word + BATCH_ITEM_KEY] = tableIndex[keyIndexes[chunkItems[j]]];
      words[word + BATCH_ITEM_OFFSET] = offset;
      words[word + BATCH_ITEM_LENGTH] = message.length;
      mem.set(message, ioPtr + offset);
      offset += message.length;
    }
    check(ex.sivOpenBatch(itemCount, keyCount), 'aesSivOpenBatch');
    word = ioPtr >>> 2;
    for (let j = 0; j < itemCount; j++, word += BATCH_ITEM_WORDS) {
      const item = chunkItems[j];
      const start = ioPtr + words[word + BATCH_ITEM_OFFSET] + BATCH_HEADER_LEN;
      const length = words[word + BATCH_ITEM_LENGTH] - BATCH_HEADER_LEN;
      const status = words[word + BATCH_ITEM_STATUS];
      if (status !== 0) {
        results[item] = status < STATUS_CODES.length ? STATUS_CODES[status] : E4ErrorCode.Internal;
      } else if (out === undefined) {
        results[item] = mem.subarray(start, start + length);
      } else {
        const view = out.subarray(chunkOutPos[j], chunkOutPos[j] + length);
        view.set(mem.subarray(start, start + length));
        results[item] = view;
      }
    }
  }

  let argon2Kept: Argon2Exports | null = null;

  const argon2Module = modules.argon2;

  function argon2(type: Argon2Type, password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array {
    if (argon2Module === null) return noArgon2();
    const a2 = argon2Kept ?? (new WebAssembly.Instance(argon2Module, imports).exports as unknown as Argon2Exports);
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
      // The blocks are derived from the password: wiped whether the instance is kept or dropped.
      a2.wipe();
      if (options.keepArgon2Memory) argon2Kept = a2;
    }
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
    sivOpenBatch(sivKeys, keyIndexes, messages, out) {
      return sivOpenBatch(sivKeys, keyIndexes, messages, out);
    },
    sha3_256(data) {
      ensure(Math.max(data.length, SHA3_256_LEN), 'sha3_256');
      mem.set(data, ioPtr);
      check(ex.sha3_256(data.length), 'sha3_256');
      return mem.slice(ioPtr, ioPtr + SHA3_256_LEN);
    },
    argon2,
    wipeKeyCache() {
      ex.wipeKeyCache();
    },
    releaseArgon2Memory() {
      if (argon2Kept !== null) argon2Kept.wipe();
      argon2Kept = null;
    },
    coreMemory() {
      return new Uint8Array(ex.memory.buffer);
    },
    parts,
  } satisfies WasmBackend;
}
