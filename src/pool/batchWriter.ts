/**
 * A batch filled in place: messages are written straight into a slot's shared memory, where the
 * workers read them, so a server that receives into `reserve`'s views copies nothing at all.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { assertBytes, toHex, type BytesLike } from '../utils.ts';
import type { SentTopic } from './messages.ts';
import type { IngestResults } from './results.ts';
import type { Slot } from './slots.ts';

/**
 * A batch being filled in the pool's shared memory (`pool.batch()`). Messages are read in the
 * order they were added; `submit` hands the batch to the workers, after which it takes no more
 * messages. A batch never submitted goes back to the pool with `release`.
 */
export interface IngestBatch {
  /** Messages added so far. */
  readonly count: number;
  /** Bytes of messages added so far. */
  readonly bytes: number;
  /**
   * Copies `message`, received on `topic`, into the batch; false, adding nothing, when it does
   * not fit (the batch is full: submit it and start another). `InvalidArgument` for a message
   * longer than the pool's `capacityBytes`, which never fits.
   */
  add(message: Uint8Array, topic: BytesLike): boolean;
  /**
   * Room for a message of `length` bytes received on `topic`, to be written there before
   * `submit` (a socket can read into it); null when it does not fit, as for `add`.
   */
  reserve(length: number, topic: BytesLike): Uint8Array | null;
  /** Reads the batch (see `IngestPool.unprotect`). */
  submit(): Promise<IngestResults>;
  /** Gives an unsubmitted batch's memory back to the pool. */
  release(): void;
}

/** The pool's side of a batch. */
export interface BatchOwner {
  dispatch(slot: Slot, count: number, topics: SentTopic[], data: Uint8Array | null): Promise<IngestResults>;
  giveBack(slot: Slot): void;
}

export class SlotBatch implements IngestBatch {
  count = 0;
  bytes = 0;
  private readonly topics: SentTopic[] = [];
  /** Topic index by string, and by hex for a topic given as bytes (whose array the caller may reuse). */
  private readonly stringTopics = new Map<string, number>();
  private readonly byteTopics = new Map<string, number>();
  private state: 'open' | 'submitted' | 'released' = 'open';

  constructor(
    private readonly slot: Slot,
    private readonly owner: BatchOwner,
  ) {
    slot.views.offsets[0] = 0;
  }

  add(message: Uint8Array, topic: BytesLike): boolean {
    const view = this.reserve(assertBytes(message, 'message').length, topic);
    if (view === null) return false;
    view.set(message);
    return true;
  }

  reserve(length: number, topic: BytesLike): Uint8Array | null {
    this.assertOpen();
    const { offsets, topicIndexes, data } = this.slot.views;
    if (!Number.isSafeInteger(length) || length < 0 || length > data.length) {
      throw e4Error(E4ErrorCode.InvalidArgument, 'message length expected an integer from 0 to ' + data.length + ', got ' + String(length));
    }
    const t = this.topicIndex(topic);
    if (this.count === topicIndexes.length || this.bytes + length > data.length) return null;
    const view = data.subarray(this.bytes, this.bytes + length);
    topicIndexes[this.count] = t;
    this.bytes += length;
    this.count++;
    offsets[this.count] = this.bytes;
    return view;
  }

  submit(): Promise<IngestResults> {
    if (this.state !== 'open') return Promise.reject(this.notOpen());
    this.state = 'submitted';
    return this.owner.dispatch(this.slot, this.count, this.topics, null);
  }

  release(): void {
    if (this.state !== 'open') return;
    this.state = 'released';
    this.owner.giveBack(this.slot);
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw this.notOpen();
  }

  private notOpen(): Error {
    return e4Error(E4ErrorCode.InvalidArgument, 'this batch was ' + this.state);
  }

  private topicIndex(topic: BytesLike): number {
    if (typeof topic === 'string') return this.intern(this.stringTopics, topic, topic);
    if (topic instanceof Uint8Array) return this.intern(this.byteTopics, toHex(topic), topic);
    throw e4Error(E4ErrorCode.InvalidArgument, '"topic" expected a string or a Uint8Array, got ' + typeof topic);
  }

  private intern(known: Map<string, number>, key: string, topic: BytesLike): number {
    let t = known.get(key);
    if (t === undefined) {
      t = this.topics.push(typeof topic === 'string' ? topic : topic.slice()) - 1;
      known.set(key, t);
    }
    return t;
  }
}
