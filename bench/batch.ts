/**
 * `node --import tsx bench/batch.ts [--quick]`: symmetric messages/s of `unprotect` (one call per
 * message) against `unprotectBatch` (one call per batch, with and without a reused `out`), at
 * 64, 256 and 1024-byte payloads, on each backend. Prints a table and the batch / single ratios;
 * writes no file.
 */
import { init, type BackendChoice } from '../src/backends/select.ts';
import * as c2 from '../src/c2.ts';
import { unprotectBatch } from '../src/client/batch.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';

const quick = process.argv.includes('--quick');
const ROUND_MS = quick ? 100 : 400;
const ROUNDS = quick ? 3 : 7;
const BATCH = 1000;
const TOPICS = 8;
const SIZES = [64, 256, 1024];
const BACKENDS: BackendChoice[] = ['wasm', 'js'];
const T0 = 1_700_000_000_000;

/** The best messages/s over ROUNDS rounds of at least ROUND_MS each; `run` reads `count` messages. */
function messagesPerSecond(count: number, run: () => void): number {
  run();
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let done = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      run();
      done += count;
      elapsed = performance.now() - start;
    } while (elapsed < ROUND_MS);
    best = Math.max(best, (done / elapsed) * 1000);
  }
  return best;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(11);

async function main(): Promise<void> {
  console.log(`batch of ${BATCH} messages over ${TOPICS} topics; best of ${ROUNDS} rounds of ${ROUND_MS} ms`);
  console.log('backend  size   single msg/s   batch msg/s  batch+out msg/s  batch/single  batch+out/single');
  for (const backend of BACKENDS) {
    await init({ backend });
    const clientKey = c2.generateSymmetricKey();
    const client = createSymmetricClient({ id: c2.generateId(), key: clientKey, clock: () => T0 });
    const topics: string[] = [];
    for (let t = 0; t < TOPICS; t++) {
      topics.push('fleet/site-' + t + '/telemetry');
      const command = c2.protectCommand(clientKey, c2.cmdSetTopicKey(c2.generateSymmetricKey(), topics[t]), T0);
      client.unprotect(command, client.controlTopic);
    }
    for (const size of SIZES) {
      const messages: Uint8Array[] = [];
      const messageTopics: string[] = [];
      const payload = new Uint8Array(size).fill(0x5a);
      for (let i = 0; i < BATCH; i++) {
        messageTopics.push(topics[i % TOPICS]);
        messages.push(client.protect(payload, messageTopics[i]));
      }
      const out = new Uint8Array(BATCH * (size + 24));
      const single = messagesPerSecond(BATCH, () => {
        for (let i = 0; i < BATCH; i++) client.unprotect(messages[i], messageTopics[i]);
      });
      const batch = messagesPerSecond(BATCH, () => {
        const results = unprotectBatch(client, messages, messageTopics);
        if (!results[BATCH - 1].ok) throw new Error('batch failed');
      });
      const batchOut = messagesPerSecond(BATCH, () => {
        const results = unprotectBatch(client, messages, messageTopics, out);
        if (!results[BATCH - 1].ok) throw new Error('batch failed');
      });
      console.log(
        `${backend.padEnd(7)} ${String(size).padStart(5)} ${fmt(single)}    ${fmt(batch)}      ${fmt(batchOut)}     ` +
          `${(batch / single).toFixed(2).padStart(6)}×       ${(batchOut / single).toFixed(2).padStart(6)}×`,
      );
    }
    client.destroy();
  }
}

await main();
