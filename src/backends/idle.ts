/**
 * Timers that release memory held for reuse once it has gone unused for a while, and that never
 * keep a process alive for that: unref'd on Node and Bun, `Deno.unrefTimer` on Deno (a browser
 * page has no process to keep alive).
 */

/** Calls `callback` after `ms` milliseconds; returns the function that cancels it. */
export type Schedule = (callback: () => void, ms: number) => () => void;

interface Unrefable {
  unref(): void;
}

declare const Deno: { unrefTimer?(id: number): void } | undefined;

/** The platform's timers, unref'd where they can be; null where there are none (no setTimeout). */
export function platformSchedule(): Schedule | null {
  if (typeof setTimeout !== 'function') return null;
  return (callback, ms) => {
    const handle: unknown = setTimeout(callback, ms);
    if (typeof (handle as Partial<Unrefable> | null)?.unref === 'function') (handle as Unrefable).unref();
    else if (typeof Deno === 'object' && typeof Deno?.unrefTimer === 'function') Deno.unrefTimer(handle as number);
    return () => clearTimeout(handle as ReturnType<typeof setTimeout>);
  };
}

/**
 * Something kept between calls and dropped after `idleMs` without one: `touch()` after each use
 * restarts the count; `drop()` ends it at once. Without timers, each `touch()` drops at once.
 */
export class IdleRelease {
  private cancel: (() => void) | null = null;

  constructor(
    private readonly release: () => void,
    private readonly idleMs: number,
    private readonly schedule: Schedule | null,
  ) {}

  touch(): void {
    this.keep();
    if (this.schedule === null) {
      this.drop();
      return;
    }
    this.cancel = this.schedule(() => {
      this.cancel = null;
      this.release();
    }, this.idleMs);
  }

  /** Stops the count without dropping: kept until the next `touch()` or `drop()`. */
  keep(): void {
    if (this.cancel !== null) this.cancel();
    this.cancel = null;
  }

  drop(): void {
    this.keep();
    this.release();
  }
}
