/**
 * What every job module shares: a job's row, how a job ends (failed, or stopped to be resumed),
 * the clients it commands, and the context a job's runner works in (jobs.ts gives it).
 */
import { toHex } from '../utils.ts';
import type { Clock } from '../protocol/clock.ts';
import type { EventView, JobKind, JobState, TopicRole } from './api.ts';
import type { CommandSender } from './commandSender.ts';
import type { Database, Queryable } from './db/database.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { Registry } from './registry.ts';

/** A job's row. */
export interface JobRow {
  id: string;
  kind: JobKind;
  topic: string | null;
  client_id: string | null;
  state: JobState;
  key_version: number | null;
  params: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** The event log: appended within a transaction, announced to live listeners once committed. */
export interface EventSink {
  append(q: Queryable, type: string, subject: string | null, data: Record<string, unknown>): Promise<EventView>;
  announce(events: EventView[]): void;
}

export interface RetryPolicy {
  /** Tries per client and command (default 3). */
  attempts: number;
  /** Wait before the second try, doubled before each later one (default 500 ms). */
  backoffMs: number;
}

/** How a job ends in failure: its code and message, kept in its row. */
export class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The process is stopping: the job stays as it is, to be resumed. */
export class Stopping extends Error {}

export interface ClientRow {
  id: string;
  name: string;
  mode: 'symmetric' | 'publicKey';
  public_key: Uint8Array | null;
  status: 'active' | 'revoked';
}

/** A job's rows and its steps, for the modules that run each kind (rotation.ts, clientJobs.ts). */
export interface JobContext {
  readonly db: Database;
  readonly registry: Registry;
  readonly dispatcher: Dispatcher;
  readonly events: EventSink;
  readonly clock: Clock;
  readonly sender: CommandSender;
  /** Whether revoking a client rotates `topic` (rules.ts). */
  rotatesOnRevoke(topic: string): Promise<boolean>;
  /** A new job's row, within `q`; started by `launch` once committed. */
  insertJob(
    q: Queryable,
    kind: JobKind,
    fields: { topic?: string; clientId?: string; state: JobState; keyVersion?: number; params: Record<string, unknown> },
  ): Promise<JobRow>;
  /** Runs the job here unless this process runs it already (its lock decides between processes). */
  launch(job: JobRow): JobRow;
  /** Ends the job: its row, its event, and what else `also` writes, in one transaction. */
  finish(job: JobRow, state: 'done' | 'failed', failure: JobFailure | null, also?: (q: Queryable) => Promise<EventView[]>): Promise<void>;
  setState(job: JobRow, state: JobState): Promise<void>;
  /** Throws `Stopping` once the process stops or, for `job`, its lock is lost. */
  checkStopping(job?: JobRow): void;
  /** The row of a job once it finished (any process may run it). */
  finished(id: string): Promise<JobRow>;
  clientRow(id: string): Promise<ClientRow | undefined>;
}

export const FINISHED: JobState[] = ['done', 'failed'];
export const RECEIVES = "('receiver', 'both')";
export const SENDS = "('sender', 'both')";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** 32 random hex digits: the ids of jobs and rules. */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return toHex(bytes);
}

export const receives = (role: TopicRole) => role !== 'sender';
export const sendsOn = (role: TopicRole) => role !== 'receiver';

export function jobData(job: JobRow): Record<string, unknown> {
  return { kind: job.kind, topic: job.topic, client: job.client_id, keyVersion: job.key_version };
}
