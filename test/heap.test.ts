/**
 * No per-message garbage in the batch hot path: a 100,000-message packed batch, measured in a
 * process of its own under --expose-gc by bench/heap.ts (which refuses a measurement a
 * collection could have hidden). The bound is in bytes per message, not a timing.
 */
import { describe, expect, it } from 'vitest';
import { heapBytesPerMessageInChild } from '../bench/heap.ts';

/** Per batch the binding allocates a few views and small arrays: kilobytes over 100,000 messages. */
const BOUND_BYTES_PER_MESSAGE = 8;

describe('heap per message of a packed batch', () => {
  it.each(['wasm', 'js'] as const)('%s: under ' + BOUND_BYTES_PER_MESSAGE + ' bytes per message', async (backend) => {
    const bytesPerMessage = await heapBytesPerMessageInChild(backend);
    console.log(`${backend}: ${bytesPerMessage.toFixed(2)} heap bytes per message`);
    expect(bytesPerMessage).toBeLessThan(BOUND_BYTES_PER_MESSAGE);
  });
});
