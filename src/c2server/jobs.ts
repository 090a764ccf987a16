/**
 * Jobs: everything C2 does to clients, persisted step by step so that a C2 killed at any point
 * resumes where it was. Each job's progress lives in the database (its row, the journal,
 * `topic_clients.key_version`), never only in memory: a job run again after a restart reads
 * what is left to do and does only that. This module starts jobs, runs them, and reads them;
 * what each kind does is in rotation.ts and clientJobs.ts, how its commands go out in
 * commandSender.ts.
 *
 * A job is run by the process that holds its lock (`tryLock('job:'+id)`): several C2 processes
 * on one PostgreSQL never run a job twice, and a killed process's locks die with its connection.
 */
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import type { Clock } from '../protocol/clock.ts';
import type { EventView, JobKind, JobState, JobView, Page, PageRequest, TopicRole } from './api.ts';
import { runDeleteTopic, runProvision, runReset, runRevoke, runUnlink } from './clientJobs.ts';
import { CommandSender } from './commandSender.ts';
import type { Database, Queryable } from './db/database.ts';
import { decodeCursor, encodeCursor, pageLimit } from './db/pages.ts';
import type { Dispatcher } from './dispatcher.ts';
import { faultPoint } from './faultPoints.ts';
import {
  FINISHED,
  JobFailure,
  jobData,
  randomId,
  sleep,
  Stopping,
  type ClientRow,
  type EventSink,
  type JobContext,
  type JobRow,
  type RetryPolicy,
} from './jobModel.ts';
import type { Journal } from './journal.ts';
import type { Registry } from './registry.ts';
import { insertRotation, runRotation } from './rotation.ts';

export type { JobRow, RetryPolicy } from './jobModel.ts';

export interface JobsOptions {
  db: Database;
  journal: Journal;
  dispatcher: Dispatcher;
  registry: Registry;
  events: EventSink;
  clock: Clock;
  /** Whether revoking a client rotates `topic` (rules.ts). */
  rotatesOnRevoke: (topic: string) => Promise<boolean>;
  /** A client refused a command about `topic` with `code` (the monitor counts them). */
  onRefused?: (topic: string, code: E4ErrorCode) => void;
  retry?: Partial<RetryPolicy>;
  /** Clients commanded at once within a job (default 512; the dispatcher bounds what is in flight). */
  lanes?: number;
}

export class Jobs {
  private readonly db: Database;
  private readonly journal: Journal;
  private readonly dispatcher: Dispatcher;
  private readonly registry: Registry;
  private readonly events: EventSink;
  private readonly clock: Clock;
  private readonly sender: CommandSender;
  /** What the runners of each kind (rotation.ts, clientJobs.ts) use of this object. */
  private readonly context: JobContext;
  /** This process's name in `jobs.owner`. */
  readonly owner = randomId().slice(0, 12);
  /**
   * The jobs this process runs. `resume` skips them itself: PostgreSQL's session locks are
   * re-entrant, so the lock alone would not keep this process from running a job twice.
   */
  private readonly running = new Map<string, Promise<void>>();
  private readonly finishedListeners = new Set<(id: string) => void>();
  /** The `lost` signal of each running job's lock: once it fires, another process may run the job. */
  private readonly lockLost = new Map<string, AbortSignal>();
  private stopping = false;

  constructor(options: JobsOptions) {
    this.db = options.db;
    this.journal = options.journal;
    this.dispatcher = options.dispatcher;
    this.registry = options.registry;
    this.events = options.events;
    this.clock = options.clock;
    this.sender = new CommandSender({
      db: options.db,
      journal: options.journal,
      dispatcher: options.dispatcher,
      events: options.events,
      retry: { attempts: options.retry?.attempts ?? 3, backoffMs: options.retry?.backoffMs ?? 500 },
      lanes: options.lanes ?? 512,
      stopped: (job) => this.stopped(job),
      onRefused: options.onRefused,
    });
    this.context = {
      db: this.db,
      registry: this.registry,
      dispatcher: this.dispatcher,
      events: this.events,
      clock: this.clock,
      sender: this.sender,
      rotatesOnRevoke: options.rotatesOnRevoke,
      insertJob: (q, kind, fields) => this.insertJob(q, kind, fields),
      launch: (job) => this.launch(job),
      finish: (job, state, failure, also) => this.finish(job, state, failure, also),
      setState: (job, state) => this.setState(job, state),
      checkStopping: (job) => this.checkStopping(job),
      finished: (id) => this.finished(id),
      clientRow: (id) => this.clientRow(id),
    };
  }

  // ---- starting jobs ----

  /** Starts a rotation of the topic's key (Conflict when one, or its deletion, is running). */
  async rotate(topic: string, origin: string = 'api'): Promise<JobRow> {
    const job = await this.db.transaction((q) => insertRotation(this.context, q, topic, origin));
    faultPoint('rotate:pending');
    return this.launch(job);
  }

  /**
   * Links the client to the topic and starts sending it the topic's key (the current one, and a
   * pending rotation's when its role may have it yet), in one transaction with the link. Linking
   * again changes the role and sends the keys again.
   */
  provision(clientId: string, topic: string, role: TopicRole): Promise<JobRow> {
    return this.create('provision', { topic, clientId, params: { role } }, async (q) => {
      await this.topicOpen(q, topic);
      await this.registry.link(clientId, topic, role, q);
    });
  }

  /** Unlinks at once (rotations no longer count the client) and tells the client to forget the topic. */
  unlink(clientId: string, topic: string): Promise<JobRow> {
    return this.create('unlink', { topic, clientId }, async (q) => {
      const linked = await q.get<{ role: TopicRole }>('SELECT role FROM topic_clients WHERE topic = ? AND client_id = ?', [topic, clientId]);
      await this.registry.unlink(clientId, topic, q);
      return { role: linked?.role };
    });
  }

  /** ResetTopics, then the client's ack key and every linked topic's key again. */
  reset(clientId: string): Promise<JobRow> {
    return this.create('reset', { clientId }, async (q) => {
      await this.activeClient(q, clientId);
    });
  }

  /**
   * Revokes at once (no job sends to the client again, no rotation counts it) and unlinks it from
   * every topic; the job then tells it to forget them and rotates them for the others.
   */
  revoke(clientId: string): Promise<JobRow> {
    return this.create('revoke', { clientId }, async (q) => {
      const client = await this.activeClient(q, clientId);
      const links = await q.all<{ topic: string; role: TopicRole }>(
        'SELECT topic, role FROM topic_clients WHERE client_id = ? ORDER BY topic',
        [clientId],
      );
      await this.registry.revokeClient(clientId, q);
      await q.run('DELETE FROM topic_clients WHERE client_id = ?', [clientId]);
      await this.events.append(q, 'client.revoked', clientId, { name: client.name });
      return { links, rotations: {} };
    });
  }

  /** Tells every client of the topic to forget it, then forgets the topic. */
  deleteTopic(topic: string): Promise<JobRow> {
    return this.create('deleteTopic', { topic }, async (q) => {
      await this.topicOpen(q, topic);
    });
  }

  /** Runs every unfinished job this process is not running yet (at start, and periodically for jobs of dead processes). */
  async resume(): Promise<void> {
    if (this.stopping) return;
    const rows = await this.db.all<JobRow>("SELECT * FROM jobs WHERE state NOT IN ('done', 'failed') ORDER BY created_at, id");
    for (const row of rows) this.launch(row);
  }

  /** Stops starting work; running jobs stop at their next step, left to be resumed. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  // ---- reading jobs ----

  async row(id: string): Promise<JobRow> {
    const row = await this.db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
    if (row === undefined) throw e4Error(E4ErrorCode.NotFound, 'no job with that id');
    return row;
  }

  async view(id: string): Promise<JobView> {
    return this.viewOf(await this.row(id));
  }

  async viewOf(row: JobRow): Promise<JobView> {
    return {
      id: row.id,
      kind: row.kind,
      state: row.state,
      topic: row.topic,
      clientId: row.client_id,
      keyVersion: row.key_version,
      progress: await this.journal.progressOf(row.id),
      error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
      attempts: Number(row.attempts),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    };
  }

  /** Newest first. */
  async list(page: PageRequest & { state?: JobState; topic?: string } = {}): Promise<Page<JobView>> {
    const limit = pageLimit(page);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (page.state !== undefined) {
      where.push('state = ?');
      params.push(page.state);
    }
    if (page.topic !== undefined) {
      where.push('topic = ?');
      params.push(page.topic);
    }
    const after = decodeCursor(page.cursor, 'text') as string | undefined;
    if (after !== undefined) {
      const [at, id] = [Number(after.slice(0, after.indexOf(':'))), after.slice(after.indexOf(':') + 1)];
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(at, at, id);
    }
    const rows = await this.db.all<JobRow>(
      `SELECT * FROM jobs ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const kept = rows.slice(0, limit);
    const items = await Promise.all(kept.map((r) => this.viewOf(r)));
    const last = kept[kept.length - 1];
    return { items, next: rows.length > limit ? encodeCursor(Number(last.created_at) + ':' + last.id) : null };
  }

  /** Resolves with the job once done; rejects with its error (an E4Error `CommandFailed`, its code in the message) once failed. */
  async wait(id: string, timeoutMs = 60_000): Promise<JobView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.row(id);
      if (row.state === 'done') return this.viewOf(row);
      if (row.state === 'failed') {
        const error = e4Error(E4ErrorCode.CommandFailed, 'job ' + id + ' failed: ' + row.error_code + ': ' + (row.error_message ?? ''));
        throw Object.assign(error, { jobCode: row.error_code });
      }
      const left = deadline - Date.now();
      if (left <= 0) throw e4Error(E4ErrorCode.Conflict, 'job ' + id + ' is still ' + row.state + ' after ' + timeoutMs + ' ms');
      // Woken by this process finishing it; polled, for a job another process runs.
      await new Promise<void>((resolve) => {
        const done = (finished: string) => {
          if (finished === id) wake();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        function wake() {
          clearTimeout(timer);
          listeners.delete(done);
          resolve();
        }
        const listeners = this.finishedListeners;
        listeners.add(done);
      });
    }
  }

  /** Whether the topic's last job of `kind` failed less than `ms` ago. */
  async failedRecently(kind: JobKind, topic: string, ms: number): Promise<boolean> {
    const last = await this.db.get<{ state: JobState; finished_at: number | null }>(
      'SELECT state, finished_at FROM jobs WHERE kind = ? AND topic = ? ORDER BY created_at DESC LIMIT 1',
      [kind, topic],
    );
    return last?.state === 'failed' && this.clock() - Number(last.finished_at) < ms;
  }

  // ---- creating and running ----

  private async create(
    kind: JobKind,
    target: { topic?: string; clientId?: string; params?: Record<string, unknown> },
    prepare: (q: Queryable) => Promise<Record<string, unknown> | void>,
  ): Promise<JobRow> {
    const job = await this.db.transaction(async (q) => {
      const extra = await prepare(q);
      return this.insertJob(q, kind, { ...target, state: 'running', params: { ...target.params, ...extra } });
    });
    return this.launch(job);
  }

  private async insertJob(
    q: Queryable,
    kind: JobKind,
    fields: { topic?: string; clientId?: string; state: JobState; keyVersion?: number; params: Record<string, unknown> },
  ): Promise<JobRow> {
    const now = this.clock();
    const row: JobRow = {
      id: randomId(),
      kind,
      topic: fields.topic ?? null,
      client_id: fields.clientId ?? null,
      state: fields.state,
      key_version: fields.keyVersion ?? null,
      params: JSON.stringify(fields.params),
      error_code: null,
      error_message: null,
      attempts: 0,
      owner: null,
      lease_until: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    };
    await q.run(
      `INSERT INTO jobs (id, kind, topic, client_id, state, key_version, params, attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      [row.id, kind, row.topic, row.client_id, row.state, row.key_version, row.params, now, now],
    );
    this.pendingEvents.set(row.id, [await this.events.append(q, 'job.started', row.id, jobData(row))]);
    return row;
  }

  /** Events appended by a transaction, announced once it committed. */
  private readonly pendingEvents = new Map<string, EventView[]>();

  private launch(job: JobRow): JobRow {
    const announced = this.pendingEvents.get(job.id);
    if (announced !== undefined) {
      this.pendingEvents.delete(job.id);
      this.events.announce(announced);
    }
    if (!this.stopping && !this.running.has(job.id)) {
      const run = this.run(job.id).finally(() => {
        this.running.delete(job.id);
        for (const listener of this.finishedListeners) listener(job.id);
      });
      this.running.set(job.id, run);
    }
    return job;
  }

  private async run(id: string): Promise<void> {
    const lock = await this.db.tryLock('job:' + id);
    // Another process runs it.
    if (lock === null) return;
    this.lockLost.set(id, lock.lost);
    let job: JobRow | undefined;
    try {
      job = await this.db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
      if (job === undefined || FINISHED.includes(job.state)) return;
      await this.db.run('UPDATE jobs SET owner = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?', [this.owner, this.clock(), id]);
      await this.execute(job);
    } catch (e) {
      if (this.stopping || e instanceof Stopping || job === undefined) return;
      const failure = e instanceof JobFailure ? e : new JobFailure(isE4Error(e) ? e.code : E4ErrorCode.Internal, messageOf(e));
      await this.finish(job, 'failed', failure).catch(() => undefined);
    } finally {
      this.lockLost.delete(id);
      await lock.release();
    }
  }

  private execute(job: JobRow): Promise<void> {
    switch (job.kind) {
      case 'rotate':
        return runRotation(this.context, job);
      case 'provision':
        return runProvision(this.context, job);
      case 'unlink':
        return runUnlink(this.context, job);
      case 'reset':
        return runReset(this.context, job);
      case 'revoke':
        return runRevoke(this.context, job);
      case 'deleteTopic':
        return runDeleteTopic(this.context, job);
      default:
        throw new JobFailure(E4ErrorCode.Internal, 'no runner for jobs of kind ' + job.kind);
    }
  }

  /** Ends the job: its row, its event, and what else `also` writes, in one transaction. */
  private async finish(job: JobRow, state: 'done' | 'failed', failure: JobFailure | null, also?: (q: Queryable) => Promise<EventView[]>) {
    const now = this.clock();
    const events = await this.db.transaction(async (q) => {
      const extra = also === undefined ? [] : await also(q);
      await q.run('UPDATE jobs SET state = ?, error_code = ?, error_message = ?, updated_at = ?, finished_at = ? WHERE id = ?', [
        state,
        failure?.code ?? null,
        failure?.message ?? null,
        now,
        now,
        job.id,
      ]);
      const data = { ...jobData(job), ...(failure === null ? {} : { code: failure.code, message: failure.message }) };
      return [...extra, await this.events.append(q, state === 'done' ? 'job.done' : 'job.failed', job.id, data)];
    });
    if (job.kind === 'rotate' && state === 'done') faultPoint('rotate:committed');
    this.events.announce(events);
  }

  private async setState(job: JobRow, state: JobState): Promise<void> {
    await this.db.run('UPDATE jobs SET state = ?, updated_at = ? WHERE id = ?', [state, this.clock(), job.id]);
    job.state = state;
  }

  /** The row of a job once it finished (any process may run it). */
  private async finished(id: string): Promise<JobRow> {
    for (;;) {
      this.checkStopping();
      const row = await this.row(id);
      if (FINISHED.includes(row.state)) return row;
      const running = this.running.get(id);
      if (running !== undefined) await running;
      else await sleep(200);
    }
  }

  /** Stopping, or, for `job`, its lock lost: nothing more is sent for it here, it is resumed by the lock's next holder. */
  private stopped(job?: JobRow): boolean {
    return this.stopping || (job !== undefined && this.lockLost.get(job.id)?.aborted === true);
  }

  private checkStopping(job?: JobRow): void {
    if (this.stopped(job)) throw new Stopping();
  }

  // ---- rows ----

  private clientRow(id: string): Promise<ClientRow | undefined> {
    return this.db.get<ClientRow>('SELECT id, name, mode, public_key, status FROM clients WHERE id = ?', [id]);
  }

  private async activeClient(q: Queryable, id: string): Promise<ClientRow> {
    const client = await q.get<ClientRow>('SELECT id, name, mode, public_key, status FROM clients WHERE id = ?', [id]);
    if (client === undefined) throw e4Error(E4ErrorCode.NotFound, 'no client with that id');
    if (client.status !== 'active') throw e4Error(E4ErrorCode.Conflict, 'client ' + client.name + ' is revoked');
    return client;
  }

  /** The topic exists and is not being deleted. */
  private async topicOpen(q: Queryable, topic: string): Promise<void> {
    const row = await q.get('SELECT name FROM topics WHERE name = ?', [topic]);
    if (row === undefined) throw e4Error(E4ErrorCode.NotFound, 'no topic with that name');
    const deleting = await q.get("SELECT id FROM jobs WHERE topic = ? AND kind = 'deleteTopic' AND state NOT IN ('done', 'failed')", [topic]);
    if (deleting !== undefined) throw e4Error(E4ErrorCode.Conflict, 'that topic is being deleted');
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
