/**
 * Jobs: everything C2 does to clients, persisted step by step so that a C2 killed at any point
 * resumes where it was. Each job's progress lives in the database (its row, the journal,
 * `topic_clients.key_version`), never only in memory: a job run again after a restart reads
 * what is left to do and does only that.
 *
 * Rotation, the crash-safe heart (see C2-DESIGN.md):
 * 1. one transaction writes the new key, sealed, as the topic's `pending` key and the job row
 *    (`receivers`): the key exists before any command, and a resumed job reads the same key back;
 *    a rotation that failed leaves its pending key, and the next rotation of the topic reuses it
 *    (receivers that confirmed it keep it; never a second new key on top of a half-done one);
 * 2. every active receiver not confirmed for the version gets it (journal intent → publish at
 *    QoS 2 → acknowledgement → journal confirmed with `key_version`, one commit);
 * 3. then the senders, the same way; 4. one transaction makes the pending key current.
 * A receiver that does not confirm after its retries fails the job with `RotationAborted`
 * before any sender is touched; a sender, with `RotationIncomplete`.
 *
 * A job is run by the process that holds its lock (`tryLock('job:'+id)`): several C2 processes
 * on one PostgreSQL never run a job twice, and a killed process's locks die with its connection.
 * One rotation (or topic deletion) per topic at a time: starting another is a Conflict.
 *
 * Public-key topics: a receiver checks each sender's signature, so it needs the sender's Ed25519
 * public key. Linking a public-key sender sends its key (SetPubKey) to the topic's public-key
 * receivers, linking a receiver sends it the senders' keys, both before the topic key; unlinking
 * and revoking send RemovePubKey to receivers that share no other topic with that sender.
 *
 * Revocation rotates the client's topics for the clients that remain, by the `rotateOnRevoke`
 * rules (rules.ts): with none defined every topic is rotated, the safe default, as a revoked
 * client that ignores its RemoveTopic keeps the key otherwise.
 */
import {
  cmdRemovePubKey,
  cmdRemoveTopic,
  cmdResetTopics,
  cmdSetPubKey,
  cmdSetTopicKey,
} from '../c2.ts';
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { isC2Error, type CommandOutcome } from '../mqtt/c2.ts';
import type { Clock } from '../protocol/clock.ts';
import { fromHex, toHex, wipe } from '../utils.ts';
import type { EventView, JobKind, JobState, JobView, Page, PageRequest, TopicRole } from './api.ts';
import type { Database, Queryable } from './db/database.ts';
import { decodeCursor, encodeCursor, pageLimit } from './db/pages.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { Journal, JournalStep, KeyHeld } from './journal.ts';
import type { Registry } from './registry.ts';

/**
 * Fault injection for the crash suite: with `E4TS_C2_CRASH_AT=<point>` (or `<point>#<n>`: the
 * nth time) the process kills itself with SIGKILL when it reaches that point, as a power cut
 * would. Unset (always, outside that suite), a point does nothing.
 */
const CRASH_AT = /^([a-z:-]+)(?:#(\d+))?$/.exec(process.env.E4TS_C2_CRASH_AT ?? '');
let crashCountdown = CRASH_AT === null ? 0 : Number(CRASH_AT[2] ?? 1);

function faultPoint(name: string): void {
  if (CRASH_AT === null || CRASH_AT[1] !== name) return;
  if (--crashCountdown === 0) process.kill(process.pid, 'SIGKILL');
}

/** The points of a rotation the crash suite kills C2 at, in order. */
export const ROTATION_POINTS = [
  'rotate:pending',
  'rotate:receivers:intent',
  'rotate:receivers:published',
  'rotate:receivers:confirmed',
  'rotate:receivers-done',
  'rotate:senders',
  'rotate:senders:intent',
  'rotate:senders:published',
  'rotate:before-commit',
  'rotate:committed',
] as const;

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

/** How a job ends in failure: its code and message, kept in its row. */
class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The process is stopping: the job stays as it is, to be resumed. */
class Stopping extends Error {}

interface Send {
  step: JournalStep;
  clientId: string;
  send: (onPublished: () => void) => Promise<CommandOutcome>;
  keyHeld?: KeyHeld;
  /** Tried once; its failure is recorded, not fatal (a revoked client told to forget a topic). */
  bestEffort?: boolean;
  /** Client codes that mean the command's effect is already there (RemovePubKey of a key not held). */
  alreadyDone?: E4ErrorCode[];
}

interface SendResult {
  confirmed: number;
  failures: { clientId: string; code: string; message: string }[];
}

interface RevokeParams {
  links: { topic: string; role: TopicRole }[];
  /** The rotation started for each topic. */
  rotations: Record<string, string>;
}

interface ClientRow {
  id: string;
  name: string;
  mode: 'symmetric' | 'publicKey';
  public_key: Uint8Array | null;
  status: 'active' | 'revoked';
}

const FINISHED: JobState[] = ['done', 'failed'];
const RECEIVES = "('receiver', 'both')";
const SENDS = "('sender', 'both')";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** 32 random hex digits: the ids of jobs and rules. */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return toHex(bytes);
}

const receives = (role: TopicRole) => role !== 'sender';
const sendsOn = (role: TopicRole) => role !== 'receiver';

export class Jobs {
  private readonly db: Database;
  private readonly journal: Journal;
  private readonly dispatcher: Dispatcher;
  private readonly registry: Registry;
  private readonly events: EventSink;
  private readonly clock: Clock;
  private readonly options: JobsOptions;
  private readonly retry: RetryPolicy;
  private readonly lanes: number;
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
    this.options = options;
    this.db = options.db;
    this.journal = options.journal;
    this.dispatcher = options.dispatcher;
    this.registry = options.registry;
    this.events = options.events;
    this.clock = options.clock;
    this.retry = { attempts: options.retry?.attempts ?? 3, backoffMs: options.retry?.backoffMs ?? 500 };
    this.lanes = options.lanes ?? 512;
  }

  // ---- starting jobs ----

  /** Starts a rotation of the topic's key (Conflict when one, or its deletion, is running). */
  async rotate(topic: string, origin: string = 'api'): Promise<JobRow> {
    const job = await this.db.transaction((q) => this.insertRotation(q, topic, origin));
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

  /** The unfinished rotation or deletion of the topic, if any. */
  async activeTopicJob(q: Queryable, topic: string): Promise<JobRow | undefined> {
    return q.get<JobRow>(
      "SELECT * FROM jobs WHERE topic = ? AND kind IN ('rotate', 'deleteTopic') AND state NOT IN ('done', 'failed') ORDER BY created_at LIMIT 1",
      [topic],
    );
  }

  // ---- creating and running ----

  private async insertRotation(q: Queryable, topic: string, origin: string, also?: (q: Queryable, job: JobRow) => Promise<void>) {
    // Touching the topic's row first takes its row lock on PostgreSQL: two processes starting a
    // rotation of one topic at once are serialised here, and the second sees the first's job.
    const touched = await q.run('UPDATE topics SET rotated_at = rotated_at WHERE name = ?', [topic]);
    if (touched.changes === 0) throw e4Error(E4ErrorCode.NotFound, 'no topic with that name');
    const active = await this.activeTopicJob(q, topic);
    if (active !== undefined) throw e4Error(E4ErrorCode.Conflict, 'a ' + active.kind + ' job is running for that topic: ' + active.id);
    const pending = await q.get<{ version: number }>("SELECT version FROM topic_keys WHERE topic = ? AND state = 'pending'", [topic]);
    let version: number;
    if (pending !== undefined) version = Number(pending.version);
    else {
      const key = await this.registry.insertPendingKey(topic, q);
      wipe(key.key);
      version = key.version;
    }
    const job = await this.insertJob(q, 'rotate', { topic, state: 'receivers', keyVersion: version, params: { origin } });
    if (also !== undefined) await also(q, job);
    return job;
  }

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
        return this.runRotation(job);
      case 'provision':
        return this.runProvision(job);
      case 'unlink':
        return this.runUnlink(job);
      case 'reset':
        return this.runReset(job);
      case 'revoke':
        return this.runRevoke(job);
      case 'deleteTopic':
        return this.runDeleteTopic(job);
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

  // ---- rotation ----

  private async runRotation(job: JobRow): Promise<void> {
    const topic = job.topic as string;
    const version = job.key_version as number;
    const command = await this.setTopicKeyCommand(topic, version);
    try {
      const phases: { state: 'receivers' | 'senders'; roles: string; code: string }[] = [
        { state: 'receivers', roles: RECEIVES, code: 'RotationAborted' },
        { state: 'senders', roles: "('sender')", code: 'RotationIncomplete' },
      ];
      for (const phase of phases) {
        if (job.state === 'senders' && phase.state === 'receivers') continue;
        const step: JournalStep = { jobId: job.id, phase: phase.state, command: 'SetTopicKey', args: { topic, version } };
        // Until none is left: a client linked while the phase ran is caught by the next round.
        for (let round = 0; ; round++) {
          const ids = await this.unconfirmed(topic, version, phase.roles);
          if (ids.length === 0) break;
          if (round >= 5) throw new JobFailure(phase.code, 'clients of "' + topic + '" kept needing the key');
          const result = await this.sendAll(
            job,
            ids.map((clientId) => ({
              step,
              clientId,
              keyHeld: { topic, version },
              send: (onPublished) => this.dispatcher.send(clientId, command, { onPublished }),
            })),
          );
          if (result.failures.length > 0) {
            const what = phase.state === 'receivers' ? 'stopped before any sender' : 'every receiver has the new key, but';
            throw new JobFailure(phase.code, 'rotation of "' + topic + '" ' + what + ': ' + describeFailures(result, phase.state));
          }
        }
        if (phase.state === 'receivers') {
          faultPoint('rotate:receivers-done');
          await this.setState(job, 'senders');
          faultPoint('rotate:senders');
        }
      }
    } finally {
      command.fill(0);
    }
    faultPoint('rotate:before-commit');
    await this.finish(job, 'done', null, async (q) => {
      await this.registry.promotePendingKey(topic, version, q);
      await q.run('UPDATE topic_stats SET since_rotation = 0, updated_at = ? WHERE topic = ?', [this.clock(), topic]);
      return [await this.events.append(q, 'topic.rotated', topic, { version, job: job.id })];
    });
  }

  /** Active clients of the topic in `roles` not confirmed holding `version`. */
  private async unconfirmed(topic: string, version: number, roles: string): Promise<string[]> {
    const rows = await this.db.all<{ client_id: string }>(
      `SELECT tc.client_id FROM topic_clients tc JOIN clients c ON c.id = tc.client_id
       WHERE tc.topic = ? AND tc.role IN ${roles} AND c.status = 'active' AND (tc.key_version IS NULL OR tc.key_version < ?)
       ORDER BY tc.client_id`,
      [topic, version],
    );
    return rows.map((r) => r.client_id);
  }

  // ---- provisioning, unlinking, reset ----

  private async runProvision(job: JobRow): Promise<void> {
    const clientId = job.client_id as string;
    const topic = job.topic as string;
    const link = await this.db.get<{ role: TopicRole }>('SELECT role FROM topic_clients WHERE topic = ? AND client_id = ?', [topic, clientId]);
    const client = await this.clientRow(clientId);
    // Unlinked or revoked since: nothing is left to give it.
    if (link !== undefined && client?.status === 'active') {
      await this.sendPublicKeysOnLink(job, client, topic, link.role);
      await this.sendTopicKeys(job, clientId, topic, link.role);
    }
    await this.finish(job, 'done', null);
  }

  /**
   * Gives the client the topic's current key, then a pending rotation's key when its role may
   * hold it yet (receivers always; senders once every receiver has it), and again whatever a
   * rotation that ended meanwhile made current: until the last key sent is the one it must hold.
   */
  private async sendTopicKeys(job: JobRow, clientId: string, topic: string, role: TopicRole): Promise<void> {
    let last: number | null = null;
    for (let round = 0; round < 4; round++) {
      const versions = await this.keyVersions(topic);
      if (versions === null) return;
      const pendingAllowed = versions.pending !== null && (receives(role) || (await this.unconfirmed(topic, versions.pending, RECEIVES)).length === 0);
      const target = pendingAllowed ? (versions.pending as number) : versions.current;
      if (target === last) return;
      const wanted = last === null && target !== versions.current ? [versions.current, target] : [target];
      for (const version of wanted) {
        const command = await this.setTopicKeyCommand(topic, version);
        try {
          await this.sendOrFail(job, [
            {
              step: { jobId: job.id, phase: 'key:' + topic + '@' + version, command: 'SetTopicKey', args: { topic, version } },
              clientId,
              keyHeld: { topic, version },
              send: (onPublished) => this.dispatcher.send(clientId, command, { onPublished }),
            },
          ]);
        } finally {
          command.fill(0);
        }
      }
      last = target;
    }
  }

  /** SetTopicKey of a version of the topic's key (the caller wipes it once sent). */
  private async setTopicKeyCommand(topic: string, version: number): Promise<Uint8Array> {
    const key = await this.registry.topicKey(topic, version);
    if (key === null) throw new JobFailure(E4ErrorCode.InvalidState, 'no key version ' + version + ' for "' + topic + '"');
    try {
      return cmdSetTopicKey(key.key, topic);
    } finally {
      wipe(key.key);
    }
  }

  private async keyVersions(topic: string): Promise<{ current: number; pending: number | null } | null> {
    const row = await this.db.get<{ current_version: number; pending: number | null }>(
      `SELECT t.current_version, (SELECT k.version FROM topic_keys k WHERE k.topic = t.name AND k.state = 'pending') AS pending
       FROM topics t WHERE t.name = ?`,
      [topic],
    );
    if (row === undefined) return null;
    return { current: Number(row.current_version), pending: row.pending === null ? null : Number(row.pending) };
  }

  /** Public-key clients of `topic` (active, other than `except`) whose role is in `roles`. */
  private publicKeyPeers(topic: string, roles: string, except: string): Promise<ClientRow[]> {
    return this.db.all<ClientRow>(
      `SELECT c.id, c.name, c.mode, c.public_key, c.status FROM topic_clients tc JOIN clients c ON c.id = tc.client_id
       WHERE tc.topic = ? AND tc.role IN ${roles} AND c.mode = 'publicKey' AND c.status = 'active' AND c.id <> ?
       ORDER BY c.id`,
      [topic, except],
    );
  }

  /** A public-key client linked to a topic: its receivers get its public key, it gets its senders'. */
  private async sendPublicKeysOnLink(job: JobRow, client: ClientRow, topic: string, role: TopicRole): Promise<void> {
    if (client.mode !== 'publicKey') return;
    const sends: Send[] = [];
    if (sendsOn(role)) {
      const command = cmdSetPubKey(client.public_key as Uint8Array, { id: fromHex(client.id, 'id') });
      for (const receiver of await this.publicKeyPeers(topic, RECEIVES, client.id)) {
        sends.push(this.pubKeySend(job, 'SetPubKey', client.id, receiver.id, command));
      }
    }
    if (receives(role)) {
      for (const sender of await this.publicKeyPeers(topic, SENDS, client.id)) {
        const command = cmdSetPubKey(sender.public_key as Uint8Array, { id: fromHex(sender.id, 'id') });
        sends.push(this.pubKeySend(job, 'SetPubKey', sender.id, client.id, command));
      }
    }
    await this.sendOrFail(job, sends);
  }

  /**
   * A public-key client no longer on a topic in `role`: RemovePubKey of its key to the
   * receivers that share no other topic where it sends, and of its senders' keys to it.
   */
  private async removePublicKeysOnUnlink(job: JobRow, client: ClientRow, topic: string, role: TopicRole, toClient: boolean): Promise<void> {
    if (client.mode !== 'publicKey') return;
    const sends: Send[] = [];
    if (sendsOn(role)) {
      const command = cmdRemovePubKey({ id: fromHex(client.id, 'id') });
      for (const receiver of await this.publicKeyPeers(topic, RECEIVES, client.id)) {
        if (await this.stillNeedsKey(receiver.id, client.id)) continue;
        sends.push(this.pubKeySend(job, 'RemovePubKey', client.id, receiver.id, command));
      }
    }
    if (toClient && receives(role)) {
      for (const sender of await this.publicKeyPeers(topic, SENDS, client.id)) {
        if (await this.stillNeedsKey(client.id, sender.id)) continue;
        sends.push(this.pubKeySend(job, 'RemovePubKey', sender.id, client.id, cmdRemovePubKey({ id: fromHex(sender.id, 'id') })));
      }
    }
    await this.sendOrFail(job, sends);
  }

  private pubKeySend(job: JobRow, name: 'SetPubKey' | 'RemovePubKey', ofClient: string, to: string, command: Uint8Array): Send {
    return {
      step: { jobId: job.id, phase: 'pubkey:' + ofClient, command: name, args: { client: ofClient } },
      clientId: to,
      send: (onPublished) => this.dispatcher.send(to, command, { onPublished }),
      alreadyDone: name === 'RemovePubKey' ? [E4ErrorCode.PubKeyNotFound] : [],
    };
  }

  /** Whether `receiver` still reads a topic `sender` sends on. */
  private async stillNeedsKey(receiver: string, sender: string): Promise<boolean> {
    const row = await this.db.get(
      `SELECT 1 AS shared FROM topic_clients s JOIN topic_clients r ON r.topic = s.topic
       WHERE s.client_id = ? AND s.role IN ${SENDS} AND r.client_id = ? AND r.role IN ${RECEIVES} LIMIT 1`,
      [sender, receiver],
    );
    return row !== undefined;
  }

  private async runUnlink(job: JobRow): Promise<void> {
    const clientId = job.client_id as string;
    const topic = job.topic as string;
    const { role } = JSON.parse(job.params) as { role: TopicRole };
    const client = await this.clientRow(clientId);
    if (client !== undefined) {
      const active = client.status === 'active';
      if (active) await this.sendOrFail(job, [this.removeTopicSend(job, clientId, topic, false)]);
      await this.removePublicKeysOnUnlink(job, client, topic, role, active);
    }
    await this.finish(job, 'done', null);
  }

  private removeTopicSend(job: JobRow, clientId: string, topic: string, bestEffort: boolean): Send {
    const command = cmdRemoveTopic(topic);
    return {
      step: { jobId: job.id, phase: 'remove:' + topic, command: 'RemoveTopic', args: { topic } },
      clientId,
      bestEffort,
      send: (onPublished) => this.dispatcher.send(clientId, command, { onPublished }),
    };
  }

  private async runReset(job: JobRow): Promise<void> {
    const clientId = job.client_id as string;
    const client = await this.clientRow(clientId);
    if (client?.status === 'active') {
      // ResetTopics takes the ack key away with every other: it is confirmed by the
      // acknowledgement of the ack key sent right after it (see SendOptions in src/mqtt/c2.ts).
      await this.sendOrFail(job, [
        {
          step: { jobId: job.id, phase: 'reset', command: 'ResetTopics', args: {} },
          clientId,
          send: async (onPublished) => {
            await this.dispatcher.send(clientId, cmdResetTopics(), { acknowledged: false, onPublished });
            return this.dispatcher.reenroll(clientId);
          },
        },
      ]);
      const links = await this.db.all<{ topic: string; role: TopicRole }>(
        'SELECT topic, role FROM topic_clients WHERE client_id = ? ORDER BY topic',
        [clientId],
      );
      for (const link of links) await this.sendTopicKeys(job, clientId, link.topic, link.role);
    }
    await this.finish(job, 'done', null);
  }

  // ---- revocation and topic deletion ----

  private async runRevoke(job: JobRow): Promise<void> {
    const clientId = job.client_id as string;
    const params = JSON.parse(job.params) as RevokeParams;
    const client = await this.clientRow(clientId);
    this.dispatcher.forget(clientId);
    if (client !== undefined) {
      // Best effort: a revoked client may be gone or hostile; the rotations below are what
      // takes the keys away from it.
      await this.sendAll(job, params.links.map((l) => this.removeTopicSend(job, clientId, l.topic, true)));
      for (const link of params.links) await this.removePublicKeysOnUnlink(job, client, link.topic, link.role, false);
    }
    for (const { topic } of params.links) {
      if (!(await this.options.rotatesOnRevoke(topic))) continue;
      let rotation: string | null | undefined = params.rotations[topic];
      while (rotation === undefined) {
        this.checkStopping();
        rotation = await this.startRotationFor(job, params, topic);
        if (rotation === undefined) await sleep(200);
      }
      if (rotation === null) continue;
      const child = await this.waitQuietly(rotation);
      if (child.state === 'failed') throw new JobFailure(child.error_code ?? 'RotationAborted', 'rotation of "' + topic + '": ' + child.error_message);
    }
    await this.finish(job, 'done', null);
  }

  /**
   * A rotation of `topic` for a revocation, recorded in the revocation's row in the same
   * transaction; undefined while another rotation of the topic runs (its key may have reached
   * the revoked client: the revocation's own comes after it); null for a topic deleted since.
   */
  private async startRotationFor(job: JobRow, params: RevokeParams, topic: string): Promise<string | null | undefined> {
    try {
      const rotation = await this.db.transaction((q) =>
        this.insertRotation(q, topic, 'revoke', async (tq, child) => {
          await tq.run('UPDATE jobs SET params = ?, updated_at = ? WHERE id = ?', [
            JSON.stringify({ ...params, rotations: { ...params.rotations, [topic]: child.id } }),
            this.clock(),
            job.id,
          ]);
        }),
      );
      params.rotations[topic] = rotation.id;
      this.launch(rotation);
      return rotation.id;
    } catch (e) {
      if (isE4Error(e, E4ErrorCode.Conflict)) return undefined;
      if (isE4Error(e, E4ErrorCode.NotFound)) return null;
      throw e;
    }
  }

  /** The row of a job once it finished (any process may run it). */
  private async waitQuietly(id: string): Promise<JobRow> {
    for (;;) {
      this.checkStopping();
      const row = await this.row(id);
      if (FINISHED.includes(row.state)) return row;
      const running = this.running.get(id);
      if (running !== undefined) await running;
      else await sleep(200);
    }
  }

  private async runDeleteTopic(job: JobRow): Promise<void> {
    const topic = job.topic as string;
    const rows = await this.db.all<{ client_id: string }>(
      `SELECT tc.client_id FROM topic_clients tc JOIN clients c ON c.id = tc.client_id WHERE tc.topic = ? AND c.status = 'active' ORDER BY tc.client_id`,
      [topic],
    );
    await this.sendOrFail(job, rows.map((r) => this.removeTopicSend(job, r.client_id, topic, false)));
    await this.finish(job, 'done', null, async (q) => {
      await q.run('DELETE FROM topics WHERE name = ?', [topic]);
      await q.run('DELETE FROM rules WHERE topic = ?', [topic]);
      await q.run('DELETE FROM topic_stats WHERE topic = ?', [topic]);
      return [await this.events.append(q, 'topic.deleted', topic, { job: job.id })];
    });
  }

  // ---- sending ----

  private async sendOrFail(job: JobRow, sends: Send[]): Promise<void> {
    if (sends.length === 0) return;
    const result = await this.sendAll(job, sends);
    if (result.failures.length > 0) throw new JobFailure(E4ErrorCode.CommandFailed, describeFailures(result, 'client'));
  }

  /**
   * Sends each command, `lanes` clients at a time, each: intent committed → publish → sent →
   * acknowledgement → confirmed committed (with the key version it now holds); retried with
   * backoff. Ends with one `command.confirmed` event for the whole set.
   */
  private async sendAll(job: JobRow, sends: Send[]): Promise<SendResult> {
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
    const event = await this.events.append(this.db, 'command.confirmed', job.id, {
      job: job.id,
      kind: job.kind,
      phase: first.step.phase,
      command: first.step.command,
      clients: sends.length,
      confirmed: result.confirmed,
      failed: sends.length - result.confirmed,
    });
    this.events.announce([event]);
    return result;
  }

  /** null once confirmed, else why it failed (after its retries). */
  private async sendOne(job: JobRow, item: Send): Promise<{ code: string; message: string } | null> {
    const point = job.kind + ':' + item.step.phase.split(':')[0];
    const attempts = item.bestEffort === true ? 1 : this.retry.attempts;
    let failure = { code: E4ErrorCode.CommandFailed as string, message: '' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.checkStopping(job);
      await this.journal.intend(item.step, item.clientId);
      faultPoint(point + ':intent');
      try {
        let outcome: CommandOutcome | null;
        try {
          outcome = await item.send(() => {
            this.journal.sent(item.step, item.clientId).catch(() => undefined);
            faultPoint(point + ':published');
          });
        } catch (e) {
          if (!isC2Error(e, 'CommandRejected') || e.clientCode === undefined || !(item.alreadyDone ?? []).includes(e.clientCode)) throw e;
          outcome = null;
        }
        await this.journal.confirmed(item.step, item.clientId, outcome?.confirmedBy ?? 'ack', item.keyHeld ?? null);
        faultPoint(point + ':confirmed');
        return null;
      } catch (e) {
        if (this.stopped(job) || isC2Error(e, 'Closed')) throw new Stopping();
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
        if (isC2Error(e, 'AckTimeout')) await this.dispatcher.reenroll(item.clientId).catch(() => undefined);
      }
    }
    await this.journal.failed(item.step, item.clientId, failure.code);
    return failure;
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

function jobData(job: JobRow): Record<string, unknown> {
  return { kind: job.kind, topic: job.topic, client: job.client_id, keyVersion: job.key_version };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function describeFailures(result: SendResult, role: string): string {
  const first = result.failures[0];
  const n = result.failures.length;
  return n + ' ' + role + (n === 1 ? '' : 's') + ' did not confirm (' + first.clientId + ': ' + first.code + (n > 1 ? '; …' : '') + ')';
}
