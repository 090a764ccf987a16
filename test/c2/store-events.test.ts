/**
 * The event log on both engines: appended within the change's transaction and announced only
 * after it commits (a rolled-back change leaves neither a row nor an announcement), listed in
 * order in pages, after an id, by type, or the newest page; data carrying bytes refused; listeners isolated.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventView } from '../../src/c2server/api.ts';
import { EventLog } from '../../src/c2server/events.ts';
import { E4ErrorCode } from '../../src/errors.ts';
import { DIALECTS } from './postgres.ts';
import { manualClock, rejection, useStores, type Store } from './store-fixtures.ts';

describe.each(DIALECTS)('events on $dialect', ({ dialect, skip }) => {
  const suite = useStores(dialect, skip);
  let s: Store;
  const clock = manualClock();
  let events: EventLog;

  beforeAll(() => {
    if (skip) return;
    s = suite.store;
    events = new EventLog(s.db, { now: clock.now });
  });

  it.skipIf(skip)('records an event and announces it to every listener until it unsubscribes', async () => {
    const heard: EventView[] = [];
    const stop = events.onEvent((e) => heard.push(e));
    const event = await events.record('client.added', 'ab'.repeat(16), { name: 'sensor', mode: 'symmetric' });
    expect(event).toEqual({ id: event.id, at: clock.now(), type: 'client.added', subject: 'ab'.repeat(16), data: { name: 'sensor', mode: 'symmetric' } });
    expect(heard).toEqual([event]);
    expect((await events.list({ after: event.id - 1 })).items).toEqual([event]);
    stop();
    await events.record('client.renamed', null, {});
    expect(heard).toHaveLength(1);
  });

  it.skipIf(skip)('an event of a transaction is announced after the commit, and never when it rolls back', async () => {
    const heard: string[] = [];
    const stop = events.onEvent((e) => heard.push(e.type));
    const committed = await s.db.transaction(async (q) => {
      const e = await events.append(q, 'topic.rotated', 'a/topic', { version: 2 });
      expect(heard).toEqual([]);
      return e;
    });
    events.announce([committed]);
    expect(heard).toEqual(['topic.rotated']);
    const failed = await rejection(
      s.db.transaction(async (q) => {
        await events.append(q, 'topic.deleted', 'a/topic', {});
        throw new Error('rolled back');
      }),
    );
    expect(failed.message).toBe('rolled back');
    expect((await events.list({ type: 'topic.deleted' })).items).toEqual([]);
    expect(heard).toEqual(['topic.rotated']);
    stop();
  });

  it.skipIf(skip)('a listener that throws neither stops the others nor the change', async () => {
    const heard: number[] = [];
    const stops = [
      events.onEvent(() => {
        throw new Error('a closed stream');
      }),
      events.onEvent((e) => heard.push(e.id)),
    ];
    const event = await events.record('job.done', 'job-x', {});
    expect(heard).toEqual([event.id]);
    for (const stop of stops) stop();
  });

  it.skipIf(skip)('lists in order, in pages, after an id, and by type', async () => {
    const made: EventView[] = [];
    for (let i = 0; i < 12; i++) {
      clock.advance(1);
      made.push(await events.record(i % 3 === 0 ? 'job.failed' : 'job.started', 'job-' + i, { i }));
    }
    const walked: EventView[] = [];
    let cursor: string | undefined;
    do {
      const page = await events.list({ limit: 5, cursor, after: made[0].id - 1 });
      walked.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    expect(walked).toEqual(made);
    expect((await events.list({ after: made[9].id })).items).toEqual(made.slice(10));
    const failed = (await events.list({ type: 'job.failed', after: made[0].id - 1 })).items;
    expect(failed).toEqual(made.filter((e) => e.type === 'job.failed'));
    const all = (await events.list({ limit: 1000 })).items;
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
  });

  it.skipIf(skip)('newest: the last `limit` events, oldest first, with no next page; by type and after an id too', async () => {
    const made: EventView[] = [];
    for (let i = 0; i < 25; i++) {
      clock.advance(1);
      made.push(await events.record(i % 5 === 0 ? 'rule.added' : 'rule.deleted', 'rule-' + i, { i }));
    }
    const start = made[0].id - 1;
    expect(await events.list({ newest: true, limit: 10, after: start })).toEqual({ items: made.slice(15), next: null });
    expect(await events.list({ newest: true, limit: 10 })).toEqual({ items: made.slice(15), next: null });
    // Fewer than `limit` left: every one of them.
    expect(await events.list({ newest: true, limit: 100, after: start })).toEqual({ items: made, next: null });
    expect((await events.list({ newest: true, limit: 3, after: made[20].id })).items).toEqual(made.slice(22));
    expect((await events.list({ newest: true, limit: 3, after: made[23].id })).items).toEqual(made.slice(24));
    expect((await events.list({ newest: true, after: made[24].id })).items).toEqual([]);
    const added = made.filter((e) => e.type === 'rule.added');
    expect((await events.list({ newest: true, limit: 2, type: 'rule.added', after: start })).items).toEqual(added.slice(-2));
    // Then the forward pages from the newest page's last event: the events appended since, none twice.
    const newest = await events.list({ newest: true, limit: 5 });
    const later = [await events.record('rule.added', 'rule-late', {}), await events.record('rule.deleted', 'rule-late', {})];
    const after = newest.items[newest.items.length - 1].id;
    expect(await events.list({ after, limit: 1 })).toMatchObject({ items: [later[0]], next: expect.any(String) });
    const next = (await events.list({ after, limit: 1 })).next!;
    expect(await events.list({ after, limit: 1, cursor: next })).toEqual({ items: [later[1]], next: null });
  });

  it.skipIf(skip)('property: pages of any size add up to exactly the events appended, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(fc.constantFrom('a.x', 'b.y'), { maxLength: 12 }), async (limit, types) => {
        const start = (await s.db.get<{ last: number | null }>('SELECT MAX(id) AS last FROM events'))?.last ?? 0;
        const made: EventView[] = [];
        for (const type of types) made.push(await events.record(type, null, { limit }));
        const walked: EventView[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await events.list({ limit, cursor, after: start });
          walked.push(...page.items);
          cursor = page.next ?? undefined;
          pages++;
        } while (cursor !== undefined);
        expect(walked).toEqual(made);
        expect(pages).toBe(Math.max(1, Math.ceil(made.length / limit)));
      }),
      { numRuns: 25 },
    );
  });

  it.skipIf(skip)('refuses bytes in data (where a key would slip in), bad types and bad pages, appending nothing', async () => {
    const count = async () => (await s.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events'))?.n;
    const before = await count();
    for (const data of [{ key: new Uint8Array(32) }, { nested: { key: Buffer.alloc(32) } }, { list: [new Uint8Array(1).buffer] }, [] as never, null as never]) {
      expect((await rejection(events.record('key.leaked', null, data))).code).toBe(E4ErrorCode.InvalidArgument);
    }
    for (const type of ['', 'NoDot', 'has space.x', '.leading', 7 as never]) {
      expect((await rejection(events.record(type, null, {}))).code).toBe(E4ErrorCode.InvalidArgument);
    }
    expect((await rejection(events.record('a.b', 5 as never, {}))).code).toBe(E4ErrorCode.InvalidArgument);
    expect(await count()).toBe(before);
    for (const page of [{ after: -1 }, { after: 1.5 }, { cursor: 'bm90LWEtbnVtYmVy' }, { limit: 0 }, { type: '' }]) {
      expect((await rejection(events.list(page))).code).toBe(E4ErrorCode.InvalidArgument);
    }
  });
});
