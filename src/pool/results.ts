/**
 * The answers to one batch of the ingestion pool, read in place in the shared memory of its slot.
 */
import { batchErrorCode, type PackedResults } from '../client/batch.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { Slot } from './slots.ts';

/**
 * One batch's answers, in input order, as `unprotectPacked` gives them: `status[i]` is 0 when
 * message i was read, its payload then `out[starts[i], ends[i])`; otherwise the number of its
 * error code (`batchErrorCode`). Every view lies in the pool's shared memory and stays valid
 * until `release()`, which hands the memory to a later batch.
 */
export interface IngestResults extends PackedResults {
  /** Messages in the batch. */
  readonly count: number;
  /** Messages read (status 0). */
  readonly read: number;
  /**
   * The messages where the workers read them: a view of the caller's SharedArrayBuffer (not
   * copied), or the pool's memory (filled by `IngestBatch`, or a copy of a batch in an
   * ordinary ArrayBuffer). Message i is `data[offsets[i], offsets[i + 1])`.
   */
  readonly data: Uint8Array;
  /** `count + 1` offsets into `data` and `out`, the first 0. */
  readonly offsets: Uint32Array;
  /** The payloads, each where its message lies in `data`. */
  readonly out: Uint8Array;
  /** Message i's payload (a view of `out`), or null when it was not read. */
  payload(i: number): Uint8Array | null;
  /** Message i's error code, or null when it was read. */
  code(i: number): E4ErrorCode | null;
  /** Gives the memory back to the pool: every view of these results may then be overwritten. */
  release(): void;
}

export class SlotResults implements IngestResults {
  readonly offsets: Uint32Array;
  readonly status: Uint8Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly out: Uint8Array;
  private released = false;

  constructor(
    private readonly slot: Slot,
    readonly count: number,
    readonly read: number,
    readonly data: Uint8Array,
    private readonly giveBack: (slot: Slot) => void,
  ) {
    const views = slot.views;
    this.offsets = views.offsets.subarray(0, count + 1);
    this.status = views.status.subarray(0, count);
    this.starts = views.starts.subarray(0, count);
    this.ends = views.ends.subarray(0, count);
    this.out = views.out;
  }

  payload(i: number): Uint8Array | null {
    this.check(i);
    return this.status[i] === 0 ? this.out.subarray(this.starts[i], this.ends[i]) : null;
  }

  code(i: number): E4ErrorCode | null {
    this.check(i);
    return batchErrorCode(this.status[i]);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.giveBack(this.slot);
  }

  private check(i: number): void {
    if (this.released) throw e4Error(E4ErrorCode.InvalidArgument, 'these results were released');
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw e4Error(E4ErrorCode.InvalidArgument, 'message index ' + String(i) + ' is not in 0…' + (this.count - 1));
    }
  }
}
