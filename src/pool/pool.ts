/**
 * The ingestion pool: batches of messages read by worker threads, each holding a copy of one
 * client's keys, in shared memory from end to end.
 *
 * A batch goes into a slot (slot.ts); each worker reads a contiguous range of it, balanced by
 * work (split.ts), so the results come back in input order. Batches settle in the order they
 * were submitted. Before each batch, the workers get the client's state again if a command has
 * changed it since the last batch (keySync.ts), and every batch carries the clock reading taken
 * when it was submitted: the workers answer what `unprotectPacked` on this thread would have
 * answered at that moment.
 */
import { Worker } from 'node:worker_threads';
import type { AesCore } from '../backends/wasm.ts';
import type { PackedMessages } from '../client/batch.ts';
import type { BatchParts, E4Client } from '../client/client.ts';
import { E4ErrorCode, e4Error, type E4Error } from '../errors.ts';
import { SlotBatch, type BatchOwner, type IngestBatch } from './batchWriter.ts';
import { KeySync } from './keySync.ts';
import type { FromWorker, SentTopic, ToWorker, WorkerSetup } from './messages.ts';
import { checkPoolOptions, type IngestPoolOptions, type PoolSettings } from './options.ts';
import { checkPackedInput, loadPackedInput, sentTopics } from './packedInput.ts';
import { SlotResults, type IngestResults } from './results.ts';
import { SlotStore, type Slot } from './slots.ts';
import { splitByWork } from './split.ts';
import { workerScript } from '../workerScript.ts';

export interface IngestPool {
  readonly workers: number;
  /** Bytes of messages one batch may hold. */
  readonly capacityBytes: number;
  /** Messages one batch may hold. */
  readonly capacityMessages: number;
  /**
   * The WebAssembly AES core the workers run (`aes` of the options, else the runtime's
   * default), known once the pool has started; null with `backend: 'js'`, which has tables only.
   */
  readonly aes: AesCore | null;
  /** An empty batch to fill in the pool's shared memory, then `submit`. */
  batch(): IngestBatch;
  /**
   * Reads `batch` as `unprotectPacked` would on this thread, with the client's keys and clock
   * as they are at this call. Messages in a SharedArrayBuffer are read where they lie; others
   * are copied into the pool's memory once. The caller may reuse `batch` once the promise has
   * settled. Rejects with `InvalidArgument` for a malformed batch or one beyond the capacity,
   * and with `PoolClosed` after `close()` or once a worker has stopped.
   */
  unprotect(batch: PackedMessages): Promise<IngestResults>;
  /** Lets the batches already submitted settle, then stops the workers, which wipe their keys. */
  close(): Promise<void>;
}

/** A batch submitted and not yet settled, in submission order. */
interface Pending {
  slot: Slot;
  count: number;
  data: Uint8Array;
  /** Worker ranges not yet answered. */
  parts: number;
  read: number;
  error: E4Error | null;
  resolve: (results: IngestResults) => void;
  reject: (error: E4Error) => void;
}

/**
 * Starts the workers of a pool for `client` and resolves once each has its backend ready; they
 * get the client's state at once. Rejects with `InvalidArgument` for bad options, or with the
 * error a worker met while starting (`BackendUnavailable`, say).
 */
export async function createIngestPool(client: E4Client, options?: IngestPoolOptions): Promise<IngestPool> {
  const settings = checkPoolOptions(options);
  if (typeof (client as { batchParts?: unknown } | null)?.batchParts !== 'function') {
    throw e4Error(E4ErrorCode.InvalidArgument, 'ingestion pool: "client" expected an E4Client');
  }
  const pool = new WorkerPool(client, client.batchParts(), settings);
  await pool.started;
  return pool;
}

class WorkerPool implements IngestPool, BatchOwner {
  readonly workers: number;
  readonly capacityBytes: number;
  readonly capacityMessages: number;
  aes: AesCore | null = null;
  /** Settles once every worker is ready, or one failed to start. */
  readonly started: Promise<void>;
  private readonly threads: Worker[] = [];
  private readonly exited: Promise<void>[] = [];
  private readonly keys: KeySync;
  private readonly slots: SlotStore;
  private readonly queue: Pending[] = [];
  private readonly byId = new Map<number, Pending>();
  private nextId = 0;
  private ready = 0;
  private startedSettle!: { resolve: () => void; reject: (error: E4Error) => void };
  /** Why no new batch is taken: the pool was closed, or a worker stopped. */
  private refusal: string | null = null;
  /** The workers are stopping or stopped: their exits are no failure. */
  private stopping = false;
  private closing: Promise<void> | null = null;
  private whenIdle: (() => void) | null = null;

  constructor(
    private readonly client: E4Client,
    parts: BatchParts,
    settings: PoolSettings,
  ) {
    this.workers = settings.workers;
    this.capacityBytes = settings.capacity.bytes;
    this.capacityMessages = settings.capacity.messages;
    this.keys = new KeySync(client);
    this.slots = new SlotStore(settings.capacity, (message) => this.postAll(message));
    this.started = new Promise((resolve, reject) => (this.startedSettle = { resolve, reject }));
    const setup: WorkerSetup = {
      backend: settings.backend,
      thresholds: settings.thresholds,
      aes: settings.aes,
      publicKey: parts.modeName === 'publicKey',
      capacity: settings.capacity,
    };
    const { url, execArgv } = workerScript(import.meta.url, 'ingestWorker');
    try {
      for (let w = 0; w < settings.workers; w++) this.threads.push(this.startWorker(url, setup, execArgv));
    } catch (e) {
      this.stopping = true;
      for (const worker of this.threads) void worker.terminate();
      throw e;
    }
    // Posted now, read by each worker once its backend is ready.
    this.keys.sync(parts, this.threads);
  }

  private startWorker(url: URL, setup: WorkerSetup, execArgv: string[] | undefined): Worker {
    const worker = new Worker(url, { workerData: setup, execArgv });
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    // The worker's own error stays there: its text is not this module's to vouch for.
    worker.on('error', () => this.lose(this.ready < this.workers ? 'an ingestion worker failed to start' : 'an ingestion worker failed'));
    this.exited.push(new Promise((resolve) => worker.once('exit', () => resolve())));
    worker.once('exit', (code) => this.lose('an ingestion worker stopped (exit code ' + code + ')'));
    return worker;
  }

  batch(): IngestBatch {
    this.assertTaking();
    return new SlotBatch(this.slots.take(), this);
  }

  unprotect(batch: PackedMessages): Promise<IngestResults> {
    try {
      this.assertTaking();
      checkPackedInput(batch, this.slots.capacity, (buffer) => this.slots.owns(buffer));
      const slot = this.slots.take();
      return this.dispatch(slot, batch.count, sentTopics(batch.topics), loadPackedInput(slot.views, batch));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shutDown();
    return this.closing;
  }

  /** @internal For the tests: the worker threads, to stop one. */
  workerThreads(): readonly Worker[] {
    return this.threads;
  }

  dispatch(slot: Slot, count: number, topics: SentTopic[], data: Uint8Array | null): Promise<IngestResults> {
    let parts: BatchParts;
    let now: number;
    try {
      this.assertTaking();
      parts = this.client.batchParts();
      this.keys.sync(parts, this.threads);
      now = parts.clock();
    } catch (e) {
      this.giveBack(slot);
      return Promise.reject(e);
    }
    const id = this.nextId++;
    const cuts = splitByWork(slot.views.offsets, count, this.threads.length, parts.modeName);
    return new Promise((resolve, reject) => {
      const pending: Pending = { slot, count, data: data ?? slot.views.data.subarray(0, slot.views.offsets[count]), parts: 0, read: 0, error: null, resolve, reject };
      for (let w = 0; w < this.threads.length; w++) {
        const from = cuts[w];
        const to = cuts[w + 1];
        if (to === from) continue;
        const message: ToWorker = { type: 'batch', id, slot: slot.index, from, to, now, topics, data };
        this.threads[w].postMessage(message);
        pending.parts++;
      }
      this.queue.push(pending);
      if (pending.parts > 0) this.byId.set(id, pending);
      else this.settleInOrder();
    });
  }

  giveBack(slot: Slot): void {
    if (!this.stopping) this.slots.give(slot);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') {
      // Every worker made the same choice from the same options in the same runtime.
      this.aes = m.aes;
      if (++this.ready === this.threads.length) this.startedSettle.resolve();
    } else if (m.type === 'startFailed') {
      this.fail(e4Error(m.code, m.message));
    } else {
      const pending = this.byId.get(m.id);
      if (pending === undefined) return;
      if (m.type === 'done') pending.read += m.read;
      else pending.error ??= e4Error(m.code, m.message);
      if (--pending.parts > 0) return;
      this.byId.delete(m.id);
      this.settleInOrder();
    }
  }

  /** Settles the oldest batches whose ranges have all been answered, stopping at one that has not. */
  private settleInOrder(): void {
    while (this.queue.length > 0 && this.queue[0].parts === 0) {
      const done = this.queue.shift()!;
      if (done.error !== null) {
        this.giveBack(done.slot);
        done.reject(done.error);
      } else {
        done.resolve(new SlotResults(done.slot, done.count, done.read, done.data, (slot) => this.giveBack(slot)));
      }
    }
    if (this.queue.length === 0 && this.whenIdle !== null) this.whenIdle();
  }

  /** A worker stopped on its own: the pool reads no more, and what is pending fails. */
  private lose(what: string): void {
    if (!this.stopping) this.fail(closedError(what + '; the ingestion pool reads no more batches'));
  }

  private fail(error: E4Error): void {
    if (this.stopping) return;
    this.stopping = true;
    this.refusal ??= error.message;
    this.startedSettle.reject(error);
    for (const worker of this.threads) void worker.terminate();
    const failed = this.queue.splice(0);
    this.byId.clear();
    for (const pending of failed) pending.reject(closedError(error.message));
    if (this.whenIdle !== null) this.whenIdle();
  }

  private async shutDown(): Promise<void> {
    this.refusal ??= 'the ingestion pool was closed';
    if (this.queue.length > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
    if (!this.stopping) {
      this.stopping = true;
      this.postAll({ type: 'close' });
    }
    await Promise.all(this.exited);
  }

  private assertTaking(): void {
    if (this.refusal !== null) throw closedError(this.refusal);
  }

  private postAll(message: ToWorker): void {
    for (const worker of this.threads) worker.postMessage(message);
  }
}

function closedError(message: string): E4Error {
  return e4Error(E4ErrorCode.PoolClosed, message);
}
