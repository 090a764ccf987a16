/**
 * The scheduler: every `intervalMs` it starts the rotations the rules ask for (rules.ts), and
 * runs again the jobs no process runs (those of a C2 process that died: its locks went with it).
 *
 * Never two rotations of a topic at once: a topic whose rotation is running is skipped, and
 * starting one is refused (`Conflict`) in the transaction that would create it, so schedulers of
 * several processes on one database, firing together, start one between them.
 *
 * The clock and the timer are injectable: tests move time forward and call `tick` themselves.
 * The default timer is unref'd: a scheduler alone never keeps the process running.
 */
import { E4ErrorCode, isE4Error } from '../errors.ts';
import type { Jobs } from './jobs.ts';
import type { Rules } from './rules.ts';

export interface SchedulerTimer {
  start(tick: () => void, intervalMs: number): () => void;
}

/** setInterval, unref'd. */
export const intervalTimer: SchedulerTimer = {
  start(tick, intervalMs) {
    const handle = setInterval(tick, intervalMs);
    handle.unref();
    return () => clearInterval(handle);
  },
};

export interface SchedulerOptions {
  rules: Rules;
  jobs: Jobs;
  /** Messages seen on a topic since its last rotation (the monitor's count). */
  sinceRotation: (topic: string) => number;
  /** Default 1 s. */
  intervalMs?: number;
  /** After a rule's rotation failed, the wait before the rule starts the topic's next (default 60 s). */
  retryAfterMs?: number;
  timer?: SchedulerTimer;
  /** A tick's failure (the database unreachable, say); the next tick tries again. */
  onError?: (error: unknown) => void;
}

export class Scheduler {
  private stopTimer: (() => void) | null = null;
  private ticking: Promise<void> | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    if (this.stopTimer !== null) return;
    const timer = this.options.timer ?? intervalTimer;
    this.stopTimer = timer.start(() => void this.tick(), this.options.intervalMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = null;
    await this.ticking;
  }

  /** One evaluation; a tick asked for while one runs joins it. Resolves with the rotations started. */
  tick(): Promise<void> {
    this.ticking ??= this.evaluate().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async evaluate(): Promise<void> {
    const { rules, jobs } = this.options;
    try {
      await jobs.resume();
      for (const due of await rules.due(this.options.sinceRotation)) {
        if (await jobs.failedRecently('rotate', due.topic, this.options.retryAfterMs ?? 60_000)) continue;
        try {
          await jobs.rotate(due.topic, 'rule:' + due.rule);
          await rules.fired(due.rule);
        } catch (e) {
          // Already rotating (here or in another process), or deleted meanwhile.
          if (!isE4Error(e, E4ErrorCode.Conflict) && !isE4Error(e, E4ErrorCode.NotFound)) throw e;
        }
      }
    } catch (e) {
      this.options.onError?.(e);
    }
  }
}
