/**
 * Sends a job's commands to its clients and waits for their acknowledgements, each step in the
 * journal first: intent committed → publish (QoS 2) → sent → acknowledgement → confirmed
 * committed, retried with backoff. A job killed between two of them resumes from the journal.
 */
import { E4ErrorCode } from '../errors.ts';
import { isC2Error, type CommandOutcome } from '../mqtt/c2.ts';
import type { Database } from './db/database.ts';
import type { Dispatcher } from './dispatcher.ts';
import { faultPoint } from './faultPoints.ts';
import type { Journal, JournalStep, KeyHeld } from './journal.ts';
import { JobFailure, sleep, Stopping, type EventSink, type JobRow, type RetryPolicy } from './jobModel.ts';

/** One command to one client within a job. */
export interface Send {
  step: JournalStep;
  clientId: string;
  send: (onPublished: () => void) => Promise<CommandOutcome>;
  keyHeld?: KeyHeld;
  /** Tried once; its failure is recorded, not fatal (a revoked client told to forget a topic). */
  bestEffort?: boolean;
  /** Client codes that mean the command's effect is already there (RemovePubKey of a key not held). */
  alreadyDone?: E4ErrorCode[];
}

export interface SendResult {
  confirmed: number;
  failures: { clientId: string; code: string; message: string }[];
}

export interface CommandSenderOptions {
  db: Database;
  journal: Journal;
  dispatcher: Dispatcher;
  events: EventSink;
  retry: RetryPolicy;
  /** Clients commanded at once within a job. */
  lanes: number;
  /** Whether nothing more may be sent for `job` here (the process stops, or its lock was lost). */
  stopped: (job: JobRow) => boolean;
  /** A client refused a command about `topic` with `code` (the monitor counts them). */
  onRefused?: (topic: string, code: E4ErrorCode) => void;
}

export class CommandSender {
  private readonly retry: RetryPolicy;
  private readonly lanes: number;

  constructor(private readonly options: CommandSenderOptions) {
    this.retry = options.retry;
    this.lanes = options.lanes;
  }

  async sendOrFail(job: JobRow, sends: Send[]): Promise<void> {
    if (sends.length === 0) return;
    const result = await this.sendAll(job, sends);
    if (result.failures.length > 0) throw new JobFailure(E4ErrorCode.CommandFailed, describeFailures(result, 'client'));
  }

  /**
   * Sends each command, `lanes` clients at a time, each: intent committed → publish → sent →
   * acknowledgement → confirmed committed (with the key version it now holds); retried with
   * backoff. Ends with one `command.confirmed` event for the whole set.
   */
  async sendAll(job: JobRow, sends: Send[]): Promise<SendResult> {
    const result: SendResult = { confirmed: 0, failures: [] };
    let next = 0;
    const lane = async () => {
      while (next < sends.length) {
        const item = sends[next++];
        const failure = await this.sendOne(job, item);
        if (failure === null) result.confirmed++;
        else if (!item.bestEffort) result.failures.push({ clientId: item.clientId, ...failure });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.lanes, sends.length) }, lane));
    const first = sends[0];
    const event = await this.options.events.append(this.options.db, 'command.confirmed', job.id, {
      job: job.id,
      kind: job.kind,
      phase: first.step.phase,
      command: first.step.command,
      clients: sends.length,
      confirmed: result.confirmed,
      failed: sends.length - result.confirmed,
    });
    this.options.events.announce([event]);
    return result;
  }

  /** null once confirmed, else why it failed (after its retries). */
  private async sendOne(job: JobRow, item: Send): Promise<{ code: string; message: string } | null> {
    const point = job.kind + ':' + item.step.phase.split(':')[0];
    const attempts = item.bestEffort === true ? 1 : this.retry.attempts;
    let failure = { code: E4ErrorCode.CommandFailed as string, message: '' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.checkStopping(job);
      await this.options.journal.intend(item.step, item.clientId);
      faultPoint(point + ':intent');
      try {
        let outcome: CommandOutcome | null;
        try {
          outcome = await item.send(() => {
            this.options.journal.sent(item.step, item.clientId).catch(() => undefined);
            faultPoint(point + ':published');
          });
        } catch (e) {
          if (!isC2Error(e, 'CommandRejected') || e.clientCode === undefined || !(item.alreadyDone ?? []).includes(e.clientCode)) throw e;
          outcome = null;
        }
        await this.options.journal.confirmed(item.step, item.clientId, outcome?.confirmedBy ?? 'ack', item.keyHeld ?? null);
        faultPoint(point + ':confirmed');
        return null;
      } catch (e) {
        if (this.options.stopped(job) || isC2Error(e, 'Closed')) throw new Stopping();
        if (!isC2Error(e)) throw e;
        const topic = item.step.args.topic ?? job.topic;
        if (isC2Error(e, 'CommandRejected') && e.clientCode !== undefined && typeof topic === 'string') {
          this.options.onRefused?.(topic, e.clientCode);
        }
        failure = { code: isC2Error(e, 'CommandRejected') && e.clientCode !== undefined ? e.clientCode : e.code, message: e.message };
        if (attempt === attempts) break;
        await sleep(this.retry.backoffMs * 2 ** (attempt - 1));
        // A client that missed its ack key (C2 stopped between persisting and sending it)
        // acknowledges nothing: give it again before retrying. One that holds it changes nothing.
        if (isC2Error(e, 'AckTimeout')) await this.options.dispatcher.reenroll(item.clientId).catch(() => undefined);
      }
    }
    await this.options.journal.failed(item.step, item.clientId, failure.code);
    return failure;
  }

  private checkStopping(job: JobRow): void {
    if (this.options.stopped(job)) throw new Stopping();
  }
}

export function describeFailures(result: SendResult, role: string): string {
  const first = result.failures[0];
  const n = result.failures.length;
  return n + ' ' + role + (n === 1 ? '' : 's') + ' did not confirm (' + first.clientId + ': ' + first.code + (n > 1 ? '; …' : '') + ')';
}
