/** The options of `createIngestPool`, checked, with their defaults. */
import { availableParallelism } from 'node:os';
import { checkNativeThresholds, type NativeThresholds } from '../backends/native-init.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { SYM_OVERHEAD } from '../protocol/sizes.ts';
import type { AesCore } from '../backends/wasm.ts';
import type { PoolBackend } from './messages.ts';
import type { SlotCapacity } from './slot.ts';

export interface IngestPoolOptions {
  /** Worker threads; default one per core (`os.availableParallelism()`). */
  workers?: number;
  /**
   * What each worker computes with (default `wasm`): `wasm`, `js` or `native` (node:crypto),
   * as `init`/`initNative` choose it; in public-key mode its signatures are checked by that
   * backend's curves (WebAssembly, @noble/curves, node:crypto), all with Go's verdicts.
   */
  backend?: PoolBackend;
  /** With `backend: 'native'`: AES-SIV open chosen by size, as `initNative({ thresholds })`. */
  thresholds?: NativeThresholds;
  /**
   * The workers' WebAssembly AES core, as `init({ aes })` takes it: `'ct'` (constant-time) or
   * `'table'`; left out, the runtime's default (`'table'` on Node). With `backend: 'native'`, the
   * core of the sizes it leaves to WebAssembly. Not with `backend: 'js'`, which has tables only.
   */
  aes?: AesCore;
  /**
   * Bytes of messages one batch may hold (default 1 MiB). Each batch in flight or held takes
   * a slot of about twice this (messages and payloads) plus 17 bytes per message of capacity.
   */
  capacityBytes?: number;
  /** Messages one batch may hold; default: as many as `capacityBytes` holds of the shortest readable message (25 bytes). */
  capacityMessages?: number;
}

export interface PoolSettings {
  workers: number;
  backend: PoolBackend;
  thresholds: NativeThresholds | undefined;
  aes: AesCore | undefined;
  capacity: SlotCapacity;
}

const DEFAULT_CAPACITY_BYTES = 1 << 20;
/** Offsets are 32-bit, and a slot holds its capacity twice. */
const MAX_CAPACITY_BYTES = 1 << 30;
const MAX_WORKERS = 256;
const SHORTEST_READABLE = SYM_OVERHEAD + 1;
const BACKENDS: readonly PoolBackend[] = ['wasm', 'js', 'native'];
const AES_CORES: readonly AesCore[] = ['ct', 'table'];

export function checkPoolOptions(options: IngestPoolOptions | undefined): PoolSettings {
  const opts = options ?? {};
  if (typeof opts !== 'object' || opts === null) fail('options expected an object');
  const workers = opts.workers ?? availableParallelism();
  const backend = opts.backend ?? 'wasm';
  const bytes = opts.capacityBytes ?? DEFAULT_CAPACITY_BYTES;
  if (!isIntegerIn(workers, 1, MAX_WORKERS)) fail('"workers" expected an integer from 1 to ' + MAX_WORKERS + ', got ' + String(workers));
  if (!BACKENDS.includes(backend)) fail('"backend" expected one of ' + BACKENDS.join(', ') + ', got ' + String(backend));
  if (opts.thresholds !== undefined && backend !== 'native') fail('"thresholds" apply to the native backend only');
  if (opts.aes !== undefined && !AES_CORES.includes(opts.aes)) fail('"aes" expected one of ' + AES_CORES.join(', ') + ', got ' + String(opts.aes));
  if (opts.aes !== undefined && backend === 'js') fail('"aes" applies to the WebAssembly AES cores: the js backend has tables only');
  if (!isIntegerIn(bytes, 1, MAX_CAPACITY_BYTES)) fail('"capacityBytes" expected an integer from 1 to ' + MAX_CAPACITY_BYTES + ', got ' + String(bytes));
  const messages = opts.capacityMessages ?? Math.ceil(bytes / SHORTEST_READABLE);
  if (!isIntegerIn(messages, 1, MAX_CAPACITY_BYTES)) fail('"capacityMessages" expected a positive integer, got ' + String(messages));
  const thresholds = opts.thresholds === undefined ? undefined : checkNativeThresholds(opts.thresholds);
  return { workers, backend, thresholds, aes: opts.aes, capacity: { bytes, messages } };
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function fail(message: string): never {
  throw e4Error(E4ErrorCode.InvalidArgument, 'ingestion pool: ' + message);
}
