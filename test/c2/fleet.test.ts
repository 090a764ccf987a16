/**
 * A fleet of 1,000 simulated clients, half symmetric and half public-key, in this process on
 * mosquitto (the embedded aedes where mosquitto is missing, outside CI), provisioned and rotated
 * through the HTTP API of a key server on SQLite and on PostgreSQL: each mode on a topic of its
 * own, many senders and a few receivers (ingestion services), telemetry flowing throughout. Every
 * client ends with the new key, and every message published across the rotation is read by
 * every receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/c2server/api.ts';
import { startC2Server, type C2Server } from '../../src/c2server/server.ts';
import { fromHex, toHex } from '../../src/utils.ts';
import { generateSymmetricKey } from '../../src/c2.ts';
import { apiClient, SimFleet, startTestBroker, until, type SimClient, type TestBroker, inBatches, suiteDatabases } from './fixtures.ts';
import { DIALECTS } from './postgres.ts';

const PER_MODE = 500;
const RECEIVERS = 5;

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
});

describe.each(DIALECTS)('a 1,000-client fleet on $dialect', ({ dialect, skip }) => {
  const dbs = suiteDatabases(dialect, skip);

  it.skipIf(skip)('is provisioned and rotated through the HTTP API, every client ending with the new key, nothing lost', async () => {
    const server: C2Server = await startC2Server({
      db: await dbs.create(),
      kek: toHex(generateSymmetricKey()),
      broker: broker.url,
      sharedSubscriptions: broker.sharedSubscriptions,
      http: { port: 0, rateLimit: false },
      service: { scheduler: false },
    });
    const fleet = await SimFleet.create(broker.url, 8);
    try {
      const api = apiClient(server.url!, server.adminToken!);
      const c2Public = fromHex((await api.get<{ publicKey: string }>('/api/c2')).publicKey, 'c2');
      const topics = { symmetric: 'fleet/' + dialect + '/sym', publicKey: 'fleet/' + dialect + '/pk' } as const;
      const groups: { topic: string; receivers: SimClient[]; senders: SimClient[] }[] = [];
      for (const mode of ['symmetric', 'publicKey'] as const) {
        await api.post('/api/topics', { name: topics[mode] });
        const clients: SimClient[] = [];
        for (let i = 0; i < PER_MODE; i++) clients.push(await fleet.add(mode + '-' + i + '-' + dialect, mode, c2Public));
        groups.push({ topic: topics[mode], receivers: clients.slice(0, RECEIVERS), senders: clients.slice(RECEIVERS) });
      }
      for (const { topic, receivers, senders } of groups) {
        await inBatches([...receivers, ...senders], 32, async (c) => {
          await api.post('/api/clients', c.mode === 'symmetric' ? { name: c.name, mode: c.mode, key: c.key } : { name: c.name, mode: c.mode, publicKey: c.publicKey });
          const role = receivers.includes(c) ? 'receiver' : 'sender';
          const job = await api.post<JobView>('/api/clients/' + c.id + '/topics', { topic, role });
          const done = await api.get<JobView>('/api/jobs/' + job.id + '?wait=60000');
          expect(done.error, c.name).toBeNull();
        });
        for (const r of receivers) await r.adapter.subscribe(topic);
      }

      // Telemetry from every sender, a slice at a time, before, during and after the rotation.
      const sent = new Map<SimClient, number>();
      let running = true;
      const traffic = (async () => {
        for (let round = 0; running; round++) {
          await Promise.all(
            groups.flatMap(({ topic, senders }) =>
              senders.filter((_, i) => i % 10 === round % 10).map(async (s) => {
                const n = sent.get(s) ?? 0;
                sent.set(s, n + 1);
                await s.adapter.publish(topic, s.name + ':' + n);
              }),
            ),
          );
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await new Promise((r) => setTimeout(r, 500));
      const jobs = await Promise.all(groups.map(({ topic }) => api.post<JobView>('/api/topics/' + encodeURIComponent(topic) + '/rotate')));
      for (const job of jobs) {
        const done = await api.get<JobView>('/api/jobs/' + job.id + '?wait=60000');
        expect(done).toMatchObject({ state: 'done', keyVersion: 2, progress: { total: PER_MODE, confirmed: PER_MODE, failed: 0 } });
      }
      await new Promise((r) => setTimeout(r, 500));
      running = false;
      await traffic;

      for (const { topic, receivers, senders } of groups) {
        const current = SimFleet.topicKey(receivers[0], topic);
        const v2 = await server.service.registry.topicKey(topic, 'current');
        expect(v2!.version).toBe(2);
        expect(current).toBe(toHex(v2!.key));
        for (const c of [...receivers, ...senders]) expect(SimFleet.topicKey(c, topic)).toBe(current);
        const expected = senders.reduce((n, s) => n + (sent.get(s) ?? 0), 0);
        expect(expected).toBeGreaterThan(senders.length);
        await until(() => receivers.every((r) => (r.received.get(topic) ?? []).length >= expected), 'every message at every receiver', 60_000);
        for (const r of receivers) {
          const got = new Set(r.received.get(topic));
          expect(got.size).toBe(expected);
          for (const s of senders) for (let n = 0; n < (sent.get(s) ?? 0); n++) expect(got.has(s.name + ':' + n)).toBe(true);
          expect(r.rejected).toEqual([]);
        }
      }
      const stats = await api.get<{ messages: number }>('/api/topics/' + encodeURIComponent(topics.symmetric) + '/stats');
      expect(stats.messages).toBeGreaterThan(0);
    } finally {
      await fleet.close();
      await server.stop();
    }
  }, 180_000);
});
