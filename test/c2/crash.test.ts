/**
 * Crash safety: the key server runs as a child process and is killed with SIGKILL (by the
 * fault points of src/c2server/faultPoints.ts) at ten points of a rotation: after the pending key
 * is written, after a receiver's intent row, after its publish before its acknowledgement is
 * recorded, after a receiver's confirmation, between the phases (twice), after a sender's intent
 * row and after its publish, before the final commit, and after it before its events go out.
 * Each time it is started again, the rotation resumes and completes; at the end every client
 * holds the topic's current key, every message published across the ten rotations was read, and
 * every key any client ever held is one C2 recorded, one per version: a resumed job resends its
 * own key, never a different one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSymmetricKey } from '../../src/c2.ts';
import type { JobView } from '../../src/c2server/api.ts';
import { openDatabase } from '../../src/c2server/db/database.ts';
import { ROTATION_POINTS } from '../../src/c2server/rotation.ts';
import { openRegistry } from '../../src/c2server/registry.ts';
import { kekFromHex, openVault } from '../../src/c2server/vault.ts';
import { toHex } from '../../src/utils.ts';
import { apiClient, SimFleet, startC2Child, startTestBroker, until, type SimClient, type TestBroker } from './fixtures.ts';
import { testDatabases, type TestDatabases } from './postgres.ts';

/** Points reached once per client: killed at the third client's, mid-phase. */
const PER_CLIENT = new Set<string>(['rotate:receivers:intent', 'rotate:receivers:published', 'rotate:receivers:confirmed', 'rotate:senders:intent', 'rotate:senders:published']);

let broker: TestBroker;
let dbs: TestDatabases;
beforeAll(async () => {
  broker = await startTestBroker();
  dbs = await testDatabases('sqlite');
});
afterAll(async () => {
  await dbs.close();
  await broker.stop();
});

describe('a C2 killed during a rotation', () => {
  it('resumes and completes it from each of ten points, with the same key and nothing lost', async () => {
    const db = await dbs.create();
    const kek = toHex(generateSymmetricKey());
    const topic = 'crash/telemetry';
    const fleet = await SimFleet.create(broker.url, 2);
    let child = startC2Child(db, broker.url, kek);
    try {
      const first = await child.ready;
      const token = first.adminToken!;
      let api = apiClient(first.url, token);
      await api.post('/api/topics', { name: topic });
      const receivers = await Promise.all(Array.from({ length: 6 }, (_, i) => fleet.add('crash-rx-' + i, 'symmetric')));
      const senders = await Promise.all(Array.from({ length: 4 }, (_, i) => fleet.add('crash-tx-' + i, 'symmetric')));
      for (const c of [...receivers, ...senders]) {
        await api.post('/api/clients', { name: c.name, mode: 'symmetric', key: c.key });
        const job = await api.post<JobView>('/api/clients/' + c.id + '/topics', { topic, role: receivers.includes(c) ? 'receiver' : 'sender' });
        expect((await api.get<JobView>('/api/jobs/' + job.id + '?wait=20000')).state).toBe('done');
      }
      // Every key each client held, in order.
      const held = new Map<SimClient, string[]>();
      for (const c of [...receivers, ...senders]) {
        held.set(c, [SimFleet.topicKey(c, topic)!]);
        c.adapter.on('command', () => {
          const key = SimFleet.topicKey(c, topic);
          const list = held.get(c)!;
          if (key !== null && list[list.length - 1] !== key) list.push(key);
        });
      }
      for (const r of receivers) await r.adapter.subscribe(topic);
      const sent = new Map<string, number>(senders.map((s) => [s.name, 0]));
      let running = true;
      const traffic = Promise.all(
        senders.map(async (s) => {
          while (running) {
            await s.adapter.publish(topic, s.name + ':' + sent.get(s.name));
            sent.set(s.name, sent.get(s.name)! + 1);
            await new Promise((r) => setTimeout(r, 20));
          }
        }),
      );

      for (const [i, point] of ROTATION_POINTS.entries()) {
        // A clean stop, then a start that will crash at `point`.
        child.process.kill('SIGTERM');
        expect(await child.exited).toBe(0);
        child = startC2Child(db, broker.url, kek, point + (PER_CLIENT.has(point) ? '#3' : ''));
        api = apiClient((await child.ready).url, token);
        // The rotation's answer may never come: the point may be reached before it is sent.
        api.post('/api/topics/' + encodeURIComponent(topic) + '/rotate').catch(() => undefined);
        expect(await child.exited).toBe('SIGKILL');

        child = startC2Child(db, broker.url, kek);
        api = apiClient((await child.ready).url, token);
        const jobs = await api.get<{ items: JobView[] }>('/api/jobs?topic=' + encodeURIComponent(topic) + '&limit=1');
        const job = jobs.items[0];
        expect(job.kind).toBe('rotate');
        expect(job.keyVersion).toBe(i + 2);
        const done = await api.get<JobView>('/api/jobs/' + job.id + '?wait=30000');
        expect(done, point).toMatchObject({ state: 'done', keyVersion: i + 2, error: null });
        const current = SimFleet.topicKey(receivers[0], topic);
        for (const c of [...receivers, ...senders]) expect(SimFleet.topicKey(c, topic), point + ' ' + c.name).toBe(current);
        expect(held.get(receivers[0])!.length, point).toBe(i + 2);
      }
      running = false;
      await traffic;
      const total = [...sent.values()].reduce((a, b) => a + b, 0);
      await until(() => receivers.every((r) => (r.received.get(topic) ?? []).length >= total), 'every message at every receiver');
      for (const r of receivers) {
        const got = r.received.get(topic)!;
        for (const [name, n] of sent) expect(got.filter((m) => m.startsWith(name + ':'))).toEqual(Array.from({ length: n }, (_, k) => name + ':' + k));
        expect(r.rejected).toEqual([]);
      }
      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);

      // C2's record: one key per version; every client held exactly those, in version order.
      const database = await openDatabase(db);
      try {
        const registry = await openRegistry(database, await openVault(database, kekFromHex(kek, 'kek')));
        const recorded: string[] = [];
        for (let v = 1; v <= ROTATION_POINTS.length + 1; v++) recorded.push(toHex((await registry.topicKey(topic, v))!.key));
        expect(await registry.topicKey(topic, ROTATION_POINTS.length + 2)).toBeNull();
        expect((await registry.topicKey(topic, 'current'))!.version).toBe(ROTATION_POINTS.length + 1);
        for (const c of [...receivers, ...senders]) expect(held.get(c), c.name).toEqual(recorded);
      } finally {
        await database.close();
      }
    } finally {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await fleet.close();
    }
  }, 180_000);
});
