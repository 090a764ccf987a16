/**
 * Keeps the workers' copies of the client in step with it. The client swaps in a new state
 * object for every command it applies (copy-on-write), so a state object other than the one last
 * sent means the keys changed: the workers get the new state before the next batch.
 */
import type { Worker } from 'node:worker_threads';
import type { BatchParts, E4Client } from '../client/client.ts';
import type { ClientState } from '../keys/state.ts';
import type { ToWorker } from './messages.ts';

export class KeySync {
  private sent: ClientState | null = null;

  constructor(private readonly client: E4Client) {}

  /** Posts the client's state to every worker unless they hold it already (`parts.state`). */
  sync(parts: BatchParts, workers: readonly Worker[]): void {
    if (parts.state === this.sent) return;
    // `exportState` answers a string, which cannot be wiped: it is dropped at once, left to the
    // GC. Each worker's bytes are transferred, so none stay on this thread; the worker zeroes them.
    const text = this.client.exportState();
    const encoder = new TextEncoder();
    for (const worker of workers) {
      const json = encoder.encode(text);
      const message: ToWorker = { type: 'state', json, window: parts.window };
      worker.postMessage(message, [json.buffer]);
    }
    this.sent = parts.state;
  }
}
