/**
 * Runs E4's password derivation (Argon2i, 64 MiB) off the main thread, so the CLI's spinner keeps
 * turning while it works. Receives `{ password }`, answers `{ key }` or `{ code, message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { init } from '../backends/select.ts';
import { isE4Error } from '../errors.ts';
import { deriveKeyFromPassword } from '../primitives.ts';

const port = parentPort;
if (port !== null) {
  try {
    await init();
    const key = deriveKeyFromPassword((workerData as { password: string }).password);
    port.postMessage({ key }, [key.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ code: isE4Error(e) ? e.code : 'Internal', message: e instanceof Error ? e.message : String(e) });
  }
}
