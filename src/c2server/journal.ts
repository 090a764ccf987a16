/**
 * The command journal: a row written before each command is published (`intent`) and updated
 * with what became of it (`sent` once the broker holds it, `confirmed` once the client
 * acknowledged it, or `failed` with a code). A row names its command by reference (topic and key
 * version, a client id), never by its bytes: the journal holds no key.
 *
 * A row is one command of one step of a job for one client: a step (`job`, `phase`, `command`)
 * resumed after a restart reuses its rows, counting one more attempt, so a job's rows say per
 * client what was sent and how far it got however often it ran.
 *
 * Writes are committed in groups: every write asked for while a commit runs goes into the next
 * one, in a single transaction, whatever the number of clients. A 10,000-client rotation makes a
 * few dozen commits, not 30,000, and each command is still published only after its intent row
 * is committed, and counted confirmed only after its confirmation is.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { Clock } from '../protocol/clock.ts';
import type { Database, Queryable, SqlValue } from './db/database.ts';

export type JournalStatus = 'intent' | 'sent' | 'confirmed' | 'failed';

/** One step of a job: the same command to a set of clients. */
export interface JournalStep {
  jobId: string;
  /** What the step is within its job: `receivers`, `senders`, `key:3`, `pubkey:<id>`… */
  phase: string;
  /** The command's name (SetTopicKey, RemoveTopic…). */
  command: string;
  /** What the command carries, by reference: `{ topic, version }`, `{ pubKeyOf }`. Never a key. */
  args: Record<string, string | number>;
}

/** On confirmation: the version of a topic's key the client now holds (`topic_clients.key_version`). */
export interface KeyHeld {
  topic: string;
  version: number;
}

export interface JournalRow {
  id: number;
  job_id: string | null;
  client_id: string;
  command: string;
  args: string;
  phase: string | null;
  status: JournalStatus;
  confirmed_by: string | null;
  error_code: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
}

interface Write {
  step: JournalStep;
  clientId: string;
  status: JournalStatus;
  confirmedBy: string | null;
  errorCode: string | null;
  keyHeld: KeyHeld | null;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Rows per statement: well under both engines' limits on bound parameters. */
const CHUNK = 400;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function marks(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** Writes grouped by what they share (step, status, outcome), each group one statement per chunk. */
function groupBy<T>(items: T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return [...groups.values()];
}

const stepKey = (s: JournalStep) => s.jobId + '\u0000' + s.phase + '\u0000' + s.command;

export class Journal {
  private queue: Write[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Records that `step`'s command is about to be sent to the client; resolves once committed. */
  intend(step: JournalStep, clientId: string): Promise<void> {
    return this.write(step, clientId, 'intent', null, null, null);
  }

  /** The broker holds the command (its QoS 2 publish completed). */
  sent(step: JournalStep, clientId: string): Promise<void> {
    return this.write(step, clientId, 'sent', null, null, null);
  }

  /** The client confirmed the command; `keyHeld` records the topic key version it now holds, in the same commit. */
  confirmed(step: JournalStep, clientId: string, confirmedBy: string, keyHeld: KeyHeld | null = null): Promise<void> {
    return this.write(step, clientId, 'confirmed', confirmedBy, null, keyHeld);
  }

  failed(step: JournalStep, clientId: string, errorCode: string): Promise<void> {
    return this.write(step, clientId, 'failed', null, errorCode, null);
  }

  /** A job's rows, in the order they were first written. */
  rowsOf(jobId: string): Promise<JournalRow[]> {
    return this.db.all<JournalRow>('SELECT * FROM journal WHERE job_id = ? ORDER BY id', [jobId]);
  }

  /** Per job: its rows, how many are confirmed and how many failed. */
  async progressOf(jobId: string): Promise<{ total: number; confirmed: number; failed: number }> {
    const row = await this.db.get<{ total: number; confirmed: number | null; failed: number | null }>(
      `SELECT COUNT(*) AS total,
              SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS confirmed,
              SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
       FROM journal WHERE job_id = ?`,
      [jobId],
    );
    return { total: Number(row?.total ?? 0), confirmed: Number(row?.confirmed ?? 0), failed: Number(row?.failed ?? 0) };
  }

  /** Resolves once every write asked for so far is committed. */
  async settle(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private write(
    step: JournalStep,
    clientId: string,
    status: JournalStatus,
    confirmedBy: string | null,
    errorCode: string | null,
    keyHeld: KeyHeld | null,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ step, clientId, status, confirmedBy, errorCode, keyHeld, resolve, reject });
      if (this.flushing === null) this.flushing = this.flushLoop();
    });
  }

  /** Commits what is queued, then what was queued meanwhile, until nothing is left. */
  private async flushLoop(): Promise<void> {
    // Lets the writes of the current tick (a batch of sends starting together) join this commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      try {
        await this.db.transaction((q) => this.apply(q, batch));
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.flushing = null;
  }

  /**
   * The queued writes up to the first intent of a command whose outcome is already in the batch
   * (a retry): that one starts the next commit, so each commit applies intents before outcomes.
   */
  private takeBatch(): Write[] {
    const withOutcome = new Set<string>();
    let end = 0;
    for (; end < this.queue.length; end++) {
      const w = this.queue[end];
      const key = stepKey(w.step) + '\u0000' + w.clientId;
      if (w.status === 'intent' && withOutcome.has(key)) break;
      if (w.status !== 'intent') withOutcome.add(key);
    }
    return this.queue.splice(0, end);
  }

  private async apply(q: Queryable, batch: Write[]): Promise<void> {
    const now = this.clock();
    // Intent rows first (an outcome in the same batch updates its row), then per client and
    // step only its last outcome: `sent` and `confirmed` may share a commit.
    const intents = batch.filter((w) => w.status === 'intent');
    for (const group of groupBy(intents, (w) => stepKey(w.step))) await this.insertIntents(q, group, now);
    const last = new Map<string, Write>();
    for (const w of batch) if (w.status !== 'intent') last.set(stepKey(w.step) + '\u0000' + w.clientId, w);
    const outcomes = [...last.values()];
    for (const group of groupBy(outcomes, (w) => [stepKey(w.step), w.status, w.confirmedBy, w.errorCode].join('\u0000'))) {
      const { step, status, confirmedBy, errorCode } = group[0];
      for (const part of chunks(group)) {
        const ids = part.map((w) => w.clientId);
        const result = await q.run(
          `UPDATE journal SET status = ?, confirmed_by = ?, error_code = ?, updated_at = ?
           WHERE job_id = ? AND phase = ? AND command = ? AND client_id IN (${marks(ids.length)})`,
          [status, confirmedBy, errorCode, now, step.jobId, step.phase, step.command, ...ids],
        );
        if (result.changes < new Set(ids).size) {
          throw e4Error(E4ErrorCode.Internal, 'journal: an outcome for a command with no intent row');
        }
      }
    }
    const held = outcomes.filter((w) => w.keyHeld !== null);
    for (const group of groupBy(held, (w) => w.keyHeld!.topic + '\u0000' + w.keyHeld!.version)) {
      const { topic, version } = group[0].keyHeld!;
      for (const part of chunks(group)) {
        const ids = part.map((w) => w.clientId);
        // Never lowers it: a client confirmed for the new version keeps it even if a
        // provisioning job confirms the current one after.
        await q.run(
          `UPDATE topic_clients SET key_version = ?
           WHERE topic = ? AND client_id IN (${marks(ids.length)}) AND (key_version IS NULL OR key_version < ?)`,
          [version, topic, ...ids, version],
        );
      }
    }
  }

  private async insertIntents(q: Queryable, group: Write[], now: number): Promise<void> {
    const step = group[0].step;
    const args = JSON.stringify(step.args);
    for (const part of chunks(group)) {
      const ids = [...new Set(part.map((w) => w.clientId))];
      const existing = await q.all<{ client_id: string }>(
        `SELECT client_id FROM journal WHERE job_id = ? AND phase = ? AND command = ? AND client_id IN (${marks(ids.length)})`,
        [step.jobId, step.phase, step.command, ...ids],
      );
      const known = new Set(existing.map((r) => r.client_id));
      const again = ids.filter((id) => known.has(id));
      if (again.length > 0) {
        await q.run(
          `UPDATE journal SET status = 'intent', confirmed_by = NULL, error_code = NULL, attempts = attempts + 1, updated_at = ?
           WHERE job_id = ? AND phase = ? AND command = ? AND client_id IN (${marks(again.length)})`,
          [now, step.jobId, step.phase, step.command, ...again],
        );
      }
      const fresh = ids.filter((id) => !known.has(id));
      if (fresh.length > 0) {
        const values: SqlValue[] = [];
        for (const id of fresh) values.push(step.jobId, id, step.command, args, step.phase, now, now);
        await q.run(
          `INSERT INTO journal (job_id, client_id, command, args, phase, status, attempts, created_at, updated_at)
           VALUES ${fresh.map(() => "(?, ?, ?, ?, ?, 'intent', 1, ?, ?)").join(', ')}`,
          values,
        );
      }
    }
  }
}
