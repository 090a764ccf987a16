/**
 * A worker of the ingestion pool (pool.ts): holds a copy of the client, rebuilt from each state
 * the pool sends, and reads its share of each batch with `unprotectPacked`, straight from the
 * slot's shared memory into the slot's shared memory.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { unprotectPacked } from '../client/batch.ts';
import { E4Client } from '../client/client.ts';
import { E4ErrorCode, isE4Error } from '../errors.ts';
import { importE4goState } from '../keys/e4goJson.ts';
import type { TimestampWindow } from '../protocol/clock.ts';
import type { BytesLike } from '../utils.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.ts';
import { slotViews, type SlotViews } from './slot.ts';
import { prepareWorker, type PreparedWorker } from './workerBackend.ts';

const port = parentPort;
if (port !== null) await serve(port, workerData as WorkerSetup);

async function serve(port: MessagePort, setup: WorkerSetup): Promise<void> {
  const post = (message: FromWorker): void => port.postMessage(message);
  let prepared: PreparedWorker;
  try {
    prepared = await prepareWorker(setup.backend, setup.thresholds, setup.aes, setup.publicKey);
  } catch (e) {
    post({ type: 'startFailed', ...codeAndMessage(e) });
    port.close();
    return;
  }
  const slots = new Map<number, SlotViews>();
  let client: E4Client | null = null;
  // Every message of a batch is read at the clock reading the pool took when it was submitted.
  let now = 0;
  const clock = (): number => now;

  const adopt = (json: Uint8Array, window: TimestampWindow): void => {
    // The decoded text is a string, which cannot be wiped: it is dropped at once, left to the GC.
    const text = new TextDecoder().decode(json);
    json.fill(0);
    const state = importE4goState(text);
    const next = new E4Client(prepared.mode, state, { clock, window });
    if (client !== null) client.destroy();
    client = next;
  };

  const readBatch = (m: Extract<ToWorker, { type: 'batch' }>): void => {
    const slot = slots.get(m.slot);
    try {
      if (client === null || slot === undefined) throw new Error('a batch before its state or slot');
      now = m.now;
      const read = unprotectPacked(
        client,
        {
          data: m.data ?? slot.data,
          offsets: slot.offsets.subarray(m.from, m.to + 1),
          topicIndexes: slot.topicIndexes.subarray(m.from, m.to),
          // A null topic is refused message by message, as the main thread refuses a value that is no topic.
          topics: m.topics as BytesLike[],
          count: m.to - m.from,
        },
        slot.out,
        { status: slot.status.subarray(m.from, m.to), starts: slot.starts.subarray(m.from, m.to), ends: slot.ends.subarray(m.from, m.to) },
      );
      post({ type: 'done', id: m.id, read });
    } catch (e) {
      post({ type: 'failed', id: m.id, ...codeAndMessage(e) });
    }
  };

  port.on('message', (m: ToWorker) => {
    if (m.type === 'slot') slots.set(m.index, slotViews(m.buffer, setup.capacity));
    else if (m.type === 'drop') slots.delete(m.index);
    else if (m.type === 'state') adopt(m.json, m.window);
    else if (m.type === 'batch') readBatch(m);
    else {
      if (client !== null) client.destroy();
      port.close();
    }
  });
  post({ type: 'ready', aes: prepared.aes });
}

/** An error as it crosses to the pool: E4 errors keep their code, anything else is `Internal`. */
function codeAndMessage(e: unknown): { code: E4ErrorCode; message: string } {
  return {
    code: isE4Error(e) ? e.code : E4ErrorCode.Internal,
    message: e instanceof Error ? e.message : String(e),
  };
}
