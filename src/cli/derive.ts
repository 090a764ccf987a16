/**
 * E4's password derivation for the CLI: Argon2i with 64 MiB takes a noticeable moment, so it runs
 * in a worker thread while the terminal shows a spinner. Where a worker cannot start, it runs on
 * the main thread (the spinner then stands still until it is done).
 */
import { Worker } from 'node:worker_threads';
import { e4Error, type E4ErrorCode } from '../errors.ts';
import { deriveKeyFromPassword } from '../primitives.ts';
import { workerScript } from '../workerScript.ts';
import { validatePassword } from '../validate.ts';

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Awaits `task`; on a terminal, a spinner with `label` turns from `delayMs` on (a task done
 * sooner shows nothing), then leaves one line with the time taken. Elsewhere it prints nothing.
 */
export async function withSpinner<T>(
  task: Promise<T>,
  label: string,
  stream: ProgressStream,
  timing: { delayMs?: number; intervalMs?: number } = {},
): Promise<T> {
  if (stream.isTTY !== true) return task;
  const started = Date.now();
  let frame = 0;
  let shown = false;
  let interval: ReturnType<typeof setInterval> | null = null;
  const draw = () => {
    shown = true;
    stream.write('\r' + FRAMES[frame++ % FRAMES.length] + ' ' + label);
  };
  const delay = setTimeout(() => {
    draw();
    interval = setInterval(draw, timing.intervalMs ?? 80);
  }, timing.delayMs ?? 150);
  const stop = (mark: string) => {
    clearTimeout(delay);
    if (interval !== null) clearInterval(interval);
    if (shown) stream.write('\r\x1b[K' + mark + ' ' + label + ' (' + ((Date.now() - started) / 1000).toFixed(1) + ' s)\n');
  };
  try {
    const value = await task;
    stop('✓');
    return value;
  } catch (e) {
    stop('✗');
    throw e;
  }
}

type WorkerAnswer = { key: Uint8Array } | { code: E4ErrorCode; message: string };

/** The derivation in a worker thread; rejects with the E4Error the derivation gives. */
export function deriveInWorker(password: string): Promise<Uint8Array> {
  // Refused at once, without starting a worker, when E4 would refuse it.
  const invalid = validatePassword(password);
  if (invalid !== null) return Promise.reject(invalid);
  const { url, execArgv } = workerScript(import.meta.url, 'deriveWorker');
  return new Promise((resolve, reject) => {
    let worker: Worker;
    let answered = false;
    const fallBack = () => {
      if (answered) return;
      answered = true;
      try {
        resolve(deriveKeyFromPassword(password));
      } catch (e) {
        reject(e);
      }
    };
    try {
      worker = new Worker(url, { workerData: { password }, execArgv });
    } catch {
      fallBack();
      return;
    }
    worker.once('message', (answer: WorkerAnswer) => {
      if (answered) return;
      answered = true;
      void worker.terminate();
      if ('key' in answer) resolve(new Uint8Array(answer.key));
      else reject(e4Error(answer.code, answer.message));
    });
    worker.once('error', fallBack);
    worker.once('exit', fallBack);
  });
}
