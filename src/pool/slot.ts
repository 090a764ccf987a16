/**
 * A slot: the shared memory one batch travels in, between the thread that submits it and the
 * workers that read it. One SharedArrayBuffer per slot, laid out the same on both sides:
 *
 *   offsets       Uint32 × (messages + 1)   where each message starts in `data` (the first at 0)
 *   topicIndexes  Uint32 × messages         into the batch's topic list
 *   starts, ends  Uint32 × messages each    payload bounds in `out`
 *   status        Uint8  × messages         0 read, else the batch status of an E4 error code
 *   data          bytes                     the messages, back to back
 *   out           bytes                     the payloads, each where its message lies in `data`
 *
 * The 32-bit arrays come first so that each starts on a multiple of 4. `data` and `out` start on
 * a multiple of 64: V8's copies to and from shared memory go word by word only where both sides
 * share their alignment, and with `out` misaligned a worker read several percent fewer messages.
 */

export interface SlotCapacity {
  /** Bytes of messages a batch may hold: the size of `data`, and of `out`. */
  bytes: number;
  /** Messages a batch may hold. */
  messages: number;
}

export interface SlotViews {
  offsets: Uint32Array;
  topicIndexes: Uint32Array;
  starts: Uint32Array;
  ends: Uint32Array;
  status: Uint8Array;
  data: Uint8Array;
  out: Uint8Array;
}

/** The bytes of a slot's SharedArrayBuffer. */
export function slotByteLength(capacity: SlotCapacity): number {
  return alignUp(4 * (4 * capacity.messages + 1) + capacity.messages) + alignUp(capacity.bytes) + capacity.bytes;
}

function alignUp(at: number): number {
  return Math.ceil(at / 64) * 64;
}

/** The views of a slot's buffer, as both sides see it. */
export function slotViews(buffer: SharedArrayBuffer, capacity: SlotCapacity): SlotViews {
  const n = capacity.messages;
  let at = 0;
  const words = (length: number): Uint32Array => {
    const view = new Uint32Array(buffer, at, length);
    at += 4 * length;
    return view;
  };
  const bytes = (length: number): Uint8Array => {
    const view = new Uint8Array(buffer, at, length);
    at += length;
    return view;
  };
  const alignedBytes = (length: number): Uint8Array => {
    at = alignUp(at);
    return bytes(length);
  };
  return {
    offsets: words(n + 1),
    topicIndexes: words(n),
    starts: words(n),
    ends: words(n),
    status: bytes(n),
    data: alignedBytes(capacity.bytes),
    out: alignedBytes(capacity.bytes),
  };
}
