/**
 * A job whose PostgreSQL lock is lost (its connection's backend terminated) stops sending: the
 * lock may be taken by another process at once, and two processes sending one job's commands is
 * what the lock exists to prevent. The job is left where it was and resumed by the lock's next
 * holder.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectMqtt } from '../mqtt-helpers.ts';
import { suiteBroker, suiteDatabases, TestC2, until } from './fixtures.ts';
import { postgresBin } from './postgres.ts';

const skip = postgresBin === null;
const broker = suiteBroker(skip);

describe('a job whose lock is lost', () => {
  const dbs = suiteDatabases('postgres', skip);

  it.skipIf(skip)('stops sending while another holds its lock, and is resumed once it is free', async () => {
    const url = await dbs.create();
    const ackTimeoutMs = 500;
    const c2 = new TestC2(url, broker.url, { ackTimeoutMs, retry: { attempts: 4, backoffMs: 50 }, scheduler: false });
    const service = await c2.start();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // A client that never acknowledges: each attempt is one command on its control topic, seen here.
    const observer = await connectMqtt(broker.url);
    try {
      const { client } = await service.addClient({ name: 'silent-1', mode: 'symmetric' });
      await service.addTopic('plant/lock');
      let commands = 0;
      observer.on('message', () => commands++);
      await observer.subscribeAsync('e4/' + client.id, { qos: 2 });
      // Its provisioning fails as it never acknowledges.
      await expect(service.waitForJob((await service.linkTopic(client.id, 'plant/lock', 'receiver')).id, 30_000)).rejects.toMatchObject({
        code: 'CommandFailed',
      });

      const before = commands;
      const job = await service.rotateTopic('plant/lock');
      await until(() => commands > before, 'the rotation’s first command');
      const { rows } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()",
      );
      expect(rows).toHaveLength(1);
      // Another process takes the lock as soon as the dead connection's locks are freed.
      await until(
        async () => (await admin.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', ['job:' + job.id])).rows[0].locked === true,
        'the lost lock to be free',
      );
      const sent = commands;
      // Longer than the attempts left would take: none of them is made.
      await new Promise((r) => setTimeout(r, 5 * ackTimeoutMs));
      expect(commands).toBe(sent);
      expect((await service.getJob(job.id)).state).toBe('receivers');

      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', ['job:' + job.id]);
      await service.jobs.resume();
      await expect(service.waitForJob(job.id, 30_000)).rejects.toThrow(/did not confirm/);
      expect(await service.getJob(job.id)).toMatchObject({ state: 'failed', error: { code: 'RotationAborted' } });
      // Resumed: its commands sent again (the topic key, and the ack key again after each timeout).
      expect(commands).toBeGreaterThan(sent);
    } finally {
      await observer.endAsync();
      await admin.end();
      await c2.stop();
    }
  });
});
