/**
 * Rotation rules, stored in the `rules` table and evaluated by the scheduler (scheduler.ts):
 *
 * - `rotateEvery` (`everyMs`): rotate a topic once its current key is that old (made or last
 *   rotated that long ago);
 * - `rotateAfterMessages` (`afterMessages`): rotate once that many messages were seen on the
 *   topic since its last rotation (counted by the monitor, which never decrypts);
 * - `rotateOnRevoke`: revoking a client rotates the topics it was on, for the clients that
 *   remain. With no `rotateOnRevoke` rule at all, every topic is rotated on revocation (the
 *   safe default: a revoked client that ignores its RemoveTopic keeps the key otherwise); once
 *   one exists, only the topics an enabled one covers are.
 *
 * A rule names a topic, or none: then it covers every topic.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { Clock } from '../protocol/clock.ts';
import type { NewRule, Page, PageRequest, RuleKind, RuleView } from './api.ts';
import type { Database } from './db/database.ts';
import { decodeCursor, pageLimit, pageOf } from './db/pages.ts';
import { randomId } from './jobModel.ts';

interface RuleRow {
  id: string;
  topic: string | null;
  kind: RuleKind;
  every_ms: number | null;
  after_messages: number | null;
  enabled: number;
  last_fired_at: number | null;
  created_at: number;
}

/** A rotation a rule asks for. */
export interface DueRotation {
  rule: string;
  topic: string;
}

const KINDS: readonly RuleKind[] = ['rotateEvery', 'rotateAfterMessages', 'rotateOnRevoke'];
/** The shortest `everyMs`: a key changed more often than every second helps no one. */
export const MIN_EVERY_MS = 1000;

function view(row: RuleRow): RuleView {
  return {
    id: row.id,
    kind: row.kind,
    topic: row.topic,
    everyMs: row.every_ms === null ? null : Number(row.every_ms),
    afterMessages: row.after_messages === null ? null : Number(row.after_messages),
    enabled: Number(row.enabled) === 1,
    lastFiredAt: row.last_fired_at === null ? null : Number(row.last_fired_at),
    createdAt: Number(row.created_at),
  };
}

function positiveInteger(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"' + name + '" expected an integer of at least ' + min);
  }
  return value;
}

export class Rules {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async add(rule: NewRule): Promise<RuleView> {
    if (typeof rule !== 'object' || rule === null || !KINDS.includes(rule.kind)) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"kind" expected one of ' + KINDS.join(', '));
    }
    const topic = rule.topic ?? null;
    if (topic !== null) {
      if (typeof topic !== 'string') throw e4Error(E4ErrorCode.InvalidArgument, '"topic" expected a topic name or null');
      if ((await this.db.get('SELECT name FROM topics WHERE name = ?', [topic])) === undefined) {
        throw e4Error(E4ErrorCode.NotFound, 'no topic with that name');
      }
    }
    const everyMs = rule.kind === 'rotateEvery' ? positiveInteger(rule.everyMs, 'everyMs', MIN_EVERY_MS) : null;
    const afterMessages = rule.kind === 'rotateAfterMessages' ? positiveInteger(rule.afterMessages, 'afterMessages', 1) : null;
    if (rule.kind !== 'rotateEvery' && rule.everyMs !== undefined) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"everyMs" is for rotateEvery rules only');
    }
    if (rule.kind !== 'rotateAfterMessages' && rule.afterMessages !== undefined) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"afterMessages" is for rotateAfterMessages rules only');
    }
    const id = randomId();
    const row: RuleRow = {
      id,
      topic,
      kind: rule.kind,
      every_ms: everyMs,
      after_messages: afterMessages,
      enabled: 1,
      last_fired_at: null,
      created_at: this.clock(),
    };
    await this.db.run(
      'INSERT INTO rules (id, topic, kind, every_ms, after_messages, enabled, last_fired_at, created_at) VALUES (?, ?, ?, ?, ?, 1, NULL, ?)',
      [id, topic, row.kind, everyMs, afterMessages, row.created_at],
    );
    return view(row);
  }

  /** In id order. */
  async list(page: PageRequest = {}): Promise<Page<RuleView>> {
    const limit = pageLimit(page);
    const after = decodeCursor(page.cursor, 'text');
    const rows = await this.db.all<RuleRow>(
      `SELECT * FROM rules ${after === undefined ? '' : 'WHERE id > ?'} ORDER BY id LIMIT ?`,
      after === undefined ? [limit + 1] : [after, limit + 1],
    );
    return pageOf(rows, limit, (r) => r.id, view);
  }

  async delete(id: string): Promise<void> {
    const result = await this.db.run('DELETE FROM rules WHERE id = ?', [id]);
    if (result.changes === 0) throw e4Error(E4ErrorCode.NotFound, 'no rule with that id');
  }

  /** Whether revoking a client of `topic` rotates it (see the top of this module). */
  async rotatesOnRevoke(topic: string): Promise<boolean> {
    const rows = await this.db.all<{ topic: string | null; enabled: number }>(
      "SELECT topic, enabled FROM rules WHERE kind = 'rotateOnRevoke'",
    );
    if (rows.length === 0) return true;
    return rows.some((r) => Number(r.enabled) === 1 && (r.topic === null || r.topic === topic));
  }

  /**
   * The rotations due now: topics whose key is older than a `rotateEvery` rule's period, or
   * that saw more messages than a `rotateAfterMessages` rule's count since their last rotation
   * (`sinceRotation`, the monitor's count). One per topic, by the first rule that asks.
   */
  async due(sinceRotation: (topic: string) => number): Promise<DueRotation[]> {
    const now = this.clock();
    const rules = await this.db.all<RuleRow>(
      "SELECT * FROM rules WHERE enabled = 1 AND kind IN ('rotateEvery', 'rotateAfterMessages') ORDER BY id",
    );
    if (rules.length === 0) return [];
    const topics = await this.db.all<{ name: string; created_at: number; rotated_at: number | null }>(
      'SELECT name, created_at, rotated_at FROM topics ORDER BY name',
    );
    const due = new Map<string, DueRotation>();
    for (const rule of rules) {
      for (const topic of topics) {
        if (due.has(topic.name) || (rule.topic !== null && rule.topic !== topic.name)) continue;
        const keyMadeAt = Number(topic.rotated_at ?? topic.created_at);
        const fires =
          rule.kind === 'rotateEvery'
            ? now - keyMadeAt >= Number(rule.every_ms)
            : sinceRotation(topic.name) >= Number(rule.after_messages);
        if (fires) due.set(topic.name, { rule: rule.id, topic: topic.name });
      }
    }
    return [...due.values()];
  }

  async fired(ruleId: string): Promise<void> {
    await this.db.run('UPDATE rules SET last_fired_at = ? WHERE id = ?', [this.clock(), ruleId]);
  }
}
