/**
 * What the ingestion pool and its workers say to each other. Each worker reads its messages in
 * the order they were posted: a slot or a state posted before a batch is in place when that
 * batch is read.
 */
import type { NativeThresholds } from '../backends/native-init.ts';
import type { AesCore } from '../backends/wasm.ts';
import type { E4ErrorCode } from '../errors.ts';
import type { TimestampWindow } from '../protocol/clock.ts';
import type { SlotCapacity } from './slot.ts';

/** The backend each worker initialises: the primitives, and in public-key mode the curves too. */
export type PoolBackend = 'wasm' | 'js' | 'native';

/** A worker's `workerData`. */
export interface WorkerSetup {
  backend: PoolBackend;
  thresholds: NativeThresholds | undefined;
  /** The WebAssembly AES core; undefined: the runtime's default. */
  aes: AesCore | undefined;
  /** Whether the client is in public-key mode: its workers then prepare curves at start. */
  publicKey: boolean;
  capacity: SlotCapacity;
}

/** A topic as it travels: a string, a copy of its bytes, or null for a value that is neither. */
export type SentTopic = string | Uint8Array | null;

export type ToWorker =
  | { type: 'slot'; index: number; buffer: SharedArrayBuffer }
  | { type: 'drop'; index: number }
  /** The client's state as e4go JSON in UTF-8, transferred: the worker zeroes it once read. */
  | { type: 'state'; json: Uint8Array; window: TimestampWindow }
  /**
   * Messages `from` to `to` (exclusive) of the batch in slot `slot`, read at clock reading `now`;
   * their bytes are `data`, a view of the caller's SharedArrayBuffer, or the slot's own when null.
   */
  | { type: 'batch'; id: number; slot: number; from: number; to: number; now: number; topics: SentTopic[]; data: Uint8Array | null }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; aes: AesCore | null }
  | { type: 'startFailed'; code: E4ErrorCode; message: string }
  | { type: 'done'; id: number; read: number }
  | { type: 'failed'; id: number; code: E4ErrorCode; message: string };
