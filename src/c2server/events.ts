/**
 * The event log: what happened to the fleet (`client.added`, `topic.rotated`, `job.failed`…),
 * persisted and paginated, and announced to live listeners (the console's event stream).
 *
 * An event is appended within the transaction of the change it tells of, so the log and the
 * state never disagree, and announced only once that transaction has committed: a listener never
 * hears of a change that was rolled back. `record` does both for a change of its own.
 *
 * Event data is JSON and never holds a key: keys are named by reference (topic and version,
 * client id). `append` refuses data holding bytes, where a key would most likely slip in.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { EventView, Page, PageRequest } from './api.ts';
import type { Database, Queryable } from './db/database.ts';
import { decodeCursor, pageLimit, pageOf } from './db/pages.ts';

interface EventRow {
  id: number;
  at: number;
  type: string;
  subject: string | null;
  data: string;
}

/** Dotted words: `topic.rotated`, `command.confirmed`. */
const TYPE_PATTERN = /^[a-z][a-zA-Z0-9_-]{0,63}(\.[a-zA-Z0-9_-]{1,64}){0,7}$/;

function eventView(row: EventRow): EventView {
  return { id: row.id, at: row.at, type: row.type, subject: row.subject, data: JSON.parse(row.data) as Record<string, unknown> };
}

/** JSON of event data; bytes (a Uint8Array, a Buffer, an ArrayBuffer) anywhere inside are refused. */
function eventData(data: Record<string, unknown>): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw e4Error(E4ErrorCode.InvalidArgument, 'event data is an object');
  }
  return JSON.stringify(data, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      throw e4Error(E4ErrorCode.InvalidArgument, 'event data holds bytes: events name keys, never carry them');
    }
    // Buffer's toJSON runs before the replacer sees it: its JSON shape is refused as well.
    if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      throw e4Error(E4ErrorCode.InvalidArgument, 'event data holds bytes: events name keys, never carry them');
    }
    return value;
  });
}

export interface EventLogOptions {
  now?: () => number;
}

export class EventLog {
  private readonly listeners = new Set<(event: EventView) => void>();
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    options: EventLogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Appends an event within `q` (the change's transaction); announce it once that commits. */
  async append(q: Queryable, type: string, subject: string | null, data: Record<string, unknown>): Promise<EventView> {
    if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) {
      throw e4Error(E4ErrorCode.InvalidArgument, 'an event type is dotted words, such as topic.rotated');
    }
    if (subject !== null && typeof subject !== 'string') throw e4Error(E4ErrorCode.InvalidArgument, 'an event subject is a string or null');
    const json = eventData(data);
    const at = this.now();
    const row = await q.get<{ id: number }>('INSERT INTO events (at, type, subject, data) VALUES (?, ?, ?, ?) RETURNING id', [at, type, subject, json]);
    return { id: (row as { id: number }).id, at, type, subject, data: JSON.parse(json) as Record<string, unknown> };
  }

  /** Tells every live listener of committed events, in order. A listener that throws is skipped. */
  announce(events: EventView[]): void {
    for (const event of events) {
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch {
          // One listener's failure (a closed stream) neither stops the others nor the change.
        }
      }
    }
  }

  /** Appends an event in a transaction of its own, then announces it. */
  async record(type: string, subject: string | null, data: Record<string, unknown>): Promise<EventView> {
    const event = await this.db.transaction((q) => this.append(q, type, subject, data));
    this.announce([event]);
    return event;
  }

  /**
   * Events in the order they were appended: from the start, after a page's cursor, or after the
   * event `after` (what a reconnecting stream has seen), optionally of one type only. `newest`:
   * the last `limit` of them instead (still oldest first, and no next page), what a viewer shows
   * before the live ones.
   */
  async list(page: PageRequest & { after?: number; type?: string; newest?: boolean } = {}, q: Queryable = this.db): Promise<Page<EventView>> {
    const limit = pageLimit(page);
    const cursor = decodeCursor(page.cursor, 'integer') as number | undefined;
    if (page.after !== undefined && (!Number.isInteger(page.after) || page.after < 0)) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"after" expected an event id (an integer ≥ 0)');
    }
    const from = Math.max(cursor ?? 0, page.after ?? 0);
    const params: (string | number)[] = [from];
    let where = 'id > ?';
    if (page.type !== undefined) {
      if (typeof page.type !== 'string' || page.type === '') throw e4Error(E4ErrorCode.InvalidArgument, '"type" expected an event type');
      where += ' AND type = ?';
      params.push(page.type);
    }
    if (page.newest === true) {
      const rows = await q.all<EventRow>(`SELECT id, at, type, subject, data FROM events WHERE ${where} ORDER BY id DESC LIMIT ?`, [...params, limit]);
      return { items: rows.reverse().map(eventView), next: null };
    }
    const rows = await q.all<EventRow>(`SELECT id, at, type, subject, data FROM events WHERE ${where} ORDER BY id LIMIT ?`, [...params, limit + 1]);
    return pageOf(rows, limit, (r) => r.id, eventView);
  }

  /** Live events, in order; returns the unsubscribe function. */
  onEvent(listener: (event: EventView) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
