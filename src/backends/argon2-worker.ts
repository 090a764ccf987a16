/**
 * Argon2 off the calling thread: one worker, started from source text (no file to fetch, no
 * module to resolve, so it works from a bundle too), which receives the compiled Argon2 module
 * with each job and keeps its own instance. Node (20.16 and later) and Deno get a worker_threads
 * worker from `process.getBuiltinModule`, which bundlers do not see as an import and which,
 * unref'd while idle, never keeps a process alive; browsers get a module Worker from a Blob URL. The worker and its memory go after an idle interval, or
 * at `release()`, as the synchronous path's instance does.
 *
 * The worker speaks the module's contract (assembly/argon2-module.ts) as src/backends/wasm.ts
 * does: password ‖ salt into the window, `argon2`, the tag out, `wipe()` whatever the status.
 * It answers the status; the host maps it to an E4Error.
 */
import type { IdleRelease } from './idle.ts';

/**
 * Plain script, valid as a module or as CommonJS; on Node its port comes from worker_threads, as
 * the host's worker does (bundles are checked for `require` and `node:`, so neither is here).
 */
const WORKER_SOURCE = `
const threads = typeof process === 'object' && typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('worker_threads') : null;
const port = threads && threads.parentPort ? threads.parentPort : self;
const imports = { env: { abort() { throw new Error('WebAssembly module aborted'); } } };
let a2 = null;
function run(job) {
  if (a2 === null) a2 = new WebAssembly.Instance(job.module, imports).exports;
  const io = a2.ioPtr();
  try {
    new Uint8Array(a2.memory.buffer).set(job.input, io);
    job.input.fill(0);
    const status = a2.argon2(job.type, job.t, job.m, job.p, job.pwdLen, job.saltLen, job.dkLen);
    const tag = status === 0 ? new Uint8Array(a2.memory.buffer).slice(io, io + job.dkLen) : null;
    return { id: job.id, status, tag };
  } finally {
    a2.wipe();
  }
}
function answer(job) {
  let reply;
  try {
    reply = run(job);
  } catch (e) {
    reply = { id: job.id, status: -1, tag: null, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, reply.tag === null ? [] : [reply.tag.buffer]);
}
if (typeof port.on === 'function') port.on('message', answer);
else port.onmessage = (event) => answer(event.data);
`;

/**
 * One derivation, in the module's terms; `input` is password ‖ salt, a copy the worker gets a
 * clone of (and zeroes once in its memory) and the host zeroes once the job is settled.
 */
export interface Argon2Job {
  type: number;
  t: number;
  m: number;
  p: number;
  pwdLen: number;
  saltLen: number;
  dkLen: number;
  input: Uint8Array;
}

/** The module's status, with the tag when it is 0; a negative status is a failure in the worker. */
export interface Argon2Reply {
  status: number;
  tag: Uint8Array | null;
  message?: string;
}

interface Thread {
  post(message: unknown, transfer: Transferable[]): void;
  /** Node: whether the worker keeps the process alive (only while a job is pending). */
  hold(busy: boolean): void;
  terminate(): void;
}

interface NodeWorker {
  on(event: 'message' | 'error' | 'exit', listener: (value: never) => void): void;
  postMessage(message: unknown, transfer: Transferable[]): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

type NodeWorkerThreads = { Worker: new (source: string, options: { eval: true; execArgv: string[] }) => NodeWorker };

function nodeWorkerThreads(): NodeWorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule('worker_threads') as NodeWorkerThreads | null) : null;
}

/** A worker running WORKER_SOURCE, or null where this runtime has none or refuses to start one. */
function startThread(onReply: (reply: Argon2Reply & { id: number }) => void, onFailure: () => void): Thread | null {
  try {
    const threads = nodeWorkerThreads();
    if (threads !== null) {
      // No execArgv: the script needs none of the options (loaders, say) the process started with.
      const worker = new threads.Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      worker.on('message', onReply);
      worker.on('error', onFailure);
      worker.on('exit', onFailure);
      return {
        post: (message, transfer) => worker.postMessage(message, transfer),
        hold: (busy) => (busy ? worker.ref() : worker.unref()),
        terminate: () => void worker.terminate(),
      };
    }
    if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL.createObjectURL !== 'function') return null;
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' });
    const done = () => URL.revokeObjectURL(url);
    worker.onmessage = (event: MessageEvent) => {
      done();
      onReply(event.data as Argon2Reply & { id: number });
    };
    // A page whose CSP refuses blob: workers, or WebAssembly in them, lands here.
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      done();
      onFailure();
    };
    return {
      post: (message, transfer) => worker.postMessage(message, transfer),
      hold: () => {},
      terminate: () => {
        done();
        worker.terminate();
      },
    };
  } catch {
    return null;
  }
}

interface Pending {
  job: Argon2Job;
  resolve(key: Uint8Array): void;
  reject(error: unknown): void;
  /** The same derivation on this thread, for a worker that fails or is stopped meanwhile. */
  here(): Uint8Array;
}

/**
 * Runs jobs in a kept worker; `keyOf` turns a reply into the key or throws its E4Error. Where no
 * worker starts, or once one has failed, every job runs on this thread instead.
 */
export class Argon2Worker {
  private thread: Thread | null = null;
  private usable = true;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly idle: IdleRelease | null,
    private readonly keyOf: (reply: Argon2Reply) => Uint8Array,
  ) {}

  /** True while a worker runs, holding its instance's memory. */
  get running(): boolean {
    return this.thread !== null;
  }

  /** `job` in the worker, or `here()` on this thread; either way `job.input` is zeroed after. */
  run(job: Argon2Job, here: () => Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { job, resolve, reject, here };
      const thread = this.usable ? (this.thread ?? this.start()) : null;
      if (thread === null) {
        // Later, as a worker would answer: the caller is never blocked inside this call.
        void Promise.resolve().then(() => answerHere(pending));
        return;
      }
      const id = this.nextId++;
      this.idle?.keep();
      this.pending.set(id, pending);
      thread.hold(true);
      try {
        thread.post({ id, module: this.module, ...job }, []);
      } catch {
        // A runtime that cannot send a WebAssembly.Module to a worker.
        this.stop(thread);
      }
    });
  }

  /** Stops the worker, whose memory goes with it; a job still pending is answered on this thread. */
  release(): void {
    const thread = this.thread;
    this.thread = null;
    if (thread !== null) thread.terminate();
    this.answerPendingHere();
  }

  private start(): Thread | null {
    const thread = startThread(
      (reply) => this.settle(reply),
      () => this.stop(thread),
    );
    this.thread = thread;
    if (thread === null) this.usable = false;
    return thread;
  }

  /** A worker that failed: no later job tries one, pending jobs run here. */
  private stop(thread: Thread | null): void {
    // Only the current worker's failure counts: one stopped by `release()` exits too.
    if (thread === null || this.thread !== thread) return;
    this.usable = false;
    this.thread = null;
    thread.terminate();
    this.answerPendingHere();
  }

  private settle(reply: Argon2Reply & { id: number }): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) {
      this.thread?.hold(false);
      this.idle?.touch();
    }
    settleWith(pending, () => this.keyOf(reply));
  }

  private answerPendingHere(): void {
    const jobs = Array.from(this.pending.values());
    this.pending.clear();
    for (const pending of jobs) answerHere(pending);
  }
}

function answerHere(pending: Pending): void {
  settleWith(pending, pending.here);
}

function settleWith(pending: Pending, key: () => Uint8Array): void {
  try {
    pending.resolve(key());
  } catch (e) {
    pending.reject(e);
  } finally {
    pending.job.input.fill(0);
  }
}
