/**
 * Two key servers on one PostgreSQL database: the one running a rotation is killed with SIGKILL
 * (a process of its own, its lock connection closed with it) while a receiver is offline. The
 * other was running all along: its scheduler finds the job no process runs any more and
 * completes it, without a restart of anything. Every client ends with the new key, and no
 * command of the job was sent by both: the clients the dead server had reached got the key once,
 * their journal rows one attempt each.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { generateSymmetricKey } from '../../src/c2.ts';
import type { JobView } from '../../src/c2server/api.ts';
import { kekFromHex } from '../../src/c2server/vault.ts';
import { toHex } from '../../src/utils.ts';
import { apiClient, SimFleet, startC2Child, suiteBroker, suiteDatabases, TestC2, until, type SimClient } from './fixtures.ts';
import { postgresBin } from './postgres.ts';

const skip = postgresBin === null;
const broker = suiteBroker(skip);

describe('a rotation whose server died', () => {
  const dbs = suiteDatabases('postgres', skip);

  it.skipIf(skip)('is completed by another running server, each client sent its key by one of them', async () => {
    const url = await dbs.create();
    const kek = toHex(generateSymmetricKey());
    const topic = 'plant/takeover';
    const fleet = await SimFleet.create(broker.url, 2);
    const dying = startC2Child(url, broker.url, kek);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    let survivor: TestC2 | undefined;
    try {
      const served = await dying.ready;
      const api = apiClient(served.url, served.adminToken!);
      await api.post('/api/topics', { name: topic });
      const receivers = await Promise.all(Array.from({ length: 4 }, (_, i) => fleet.add('takeover-rx-' + i, 'symmetric')));
      const senders = await Promise.all(Array.from({ length: 2 }, (_, i) => fleet.add('takeover-tx-' + i, 'symmetric')));
      const clients = [...receivers, ...senders];
      for (const c of clients) {
        await api.post('/api/clients', { name: c.name, mode: 'symmetric', key: c.key });
        const job = await api.post<JobView>('/api/clients/' + c.id + '/topics', { topic, role: receivers.includes(c) ? 'receiver' : 'sender' });
        expect((await api.get<JobView>('/api/jobs/' + job.id + '?wait=20000')).state).toBe('done');
      }
      // Offline: the rotation waits for its acknowledgement, the others confirmed.
      const offline = receivers[3];
      await offline.adapter.close();
      const commandsBefore = new Map<SimClient, number>(clients.map((c) => [c, c.commands.length]));
      const job = await api.post<JobView>('/api/topics/' + encodeURIComponent(topic) + '/rotate');
      const confirmed = async () =>
        (await admin.query("SELECT client_id FROM journal WHERE job_id = $1 AND status = 'confirmed'", [job.id])).rows.map((r) => r.client_id as string);
      await until(async () => (await confirmed()).length === 3, 'the online receivers to confirm');

      // Started while the other runs the job: it does not take it then.
      survivor = new TestC2(url, broker.url, { scheduler: { intervalMs: 500 }, retry: { attempts: 3, backoffMs: 100 } }, kekFromHex(kek, 'kek'));
      const service = await survivor.start();
      const { owner: firstOwner } = (await admin.query('SELECT owner FROM jobs WHERE id = $1', [job.id])).rows[0];
      expect(firstOwner).not.toBe(service.jobs.owner);
      expect((await service.getJob(job.id)).state).toBe('receivers');

      dying.process.kill('SIGKILL');
      expect(await dying.exited).toBe('SIGKILL');
      await fleet.attach(offline);

      expect(await service.waitForJob(job.id, 60_000)).toMatchObject({ state: 'done', keyVersion: 2, error: null });
      expect((await admin.query('SELECT owner FROM jobs WHERE id = $1', [job.id])).rows[0].owner).toBe(service.jobs.owner);
      const current = (await survivor.topicKeys(topic)).get(2)!;
      expect(current.state).toBe('current');
      for (const c of clients) expect(SimFleet.topicKey(c, topic), c.name).toBe(current.key);

      // One row per client of the version, confirmed; the clients reached before the kill once.
      const { rows } = await admin.query("SELECT client_id, status, attempts FROM journal WHERE job_id = $1 AND command = 'SetTopicKey'", [job.id]);
      expect(rows.map((r) => r.client_id).sort()).toEqual(clients.map((c) => c.id).sort());
      expect(rows.every((r) => r.status === 'confirmed')).toBe(true);
      for (const c of clients.filter((c) => c !== offline)) {
        expect(rows.find((r) => r.client_id === c.id).attempts, c.name).toBe(1);
        expect(c.commands.slice(commandsBefore.get(c)).filter((name) => name === 'SetTopicKey'), c.name).toHaveLength(1);
      }
    } finally {
      if (dying.process.exitCode === null && dying.process.signalCode === null) dying.process.kill('SIGKILL');
      await survivor?.stop();
      await admin.end();
      await fleet.close();
    }
  });
});
