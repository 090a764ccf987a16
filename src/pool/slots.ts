/**
 * The pool's slots: made on demand, so that submitting never waits, and kept for reuse once
 * released, up to `KEEP_FREE` of them; every worker is told of a slot before its first batch.
 */
import type { ToWorker } from './messages.ts';
import { slotByteLength, slotViews, type SlotCapacity, type SlotViews } from './slot.ts';

/** Free slots kept for the next batches; a slot released beyond them is let go. */
const KEEP_FREE = 8;

export interface Slot {
  readonly index: number;
  readonly buffer: SharedArrayBuffer;
  readonly views: SlotViews;
}

export class SlotStore {
  private readonly free: Slot[] = [];
  private readonly buffers = new Set<ArrayBufferLike>();
  private made = 0;

  constructor(
    readonly capacity: SlotCapacity,
    private readonly announce: (message: ToWorker) => void,
  ) {}

  take(): Slot {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const buffer = new SharedArrayBuffer(slotByteLength(this.capacity));
    const slot: Slot = { index: this.made++, buffer, views: slotViews(buffer, this.capacity) };
    this.buffers.add(buffer);
    this.announce({ type: 'slot', index: slot.index, buffer });
    return slot;
  }

  give(slot: Slot): void {
    if (this.free.length < KEEP_FREE) {
      this.free.push(slot);
      return;
    }
    this.buffers.delete(slot.buffer);
    this.announce({ type: 'drop', index: slot.index });
  }

  /** Whether `buffer` is the memory of one of the pool's slots. */
  owns(buffer: ArrayBufferLike): boolean {
    return this.buffers.has(buffer);
  }
}
