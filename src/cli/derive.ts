/**
 * The terminal's side of E4's password derivation: Argon2i with 64 MiB takes a noticeable moment,
 * which `deriveKeyFromPasswordAsync` spends in a worker while a spinner turns here.
 */

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
