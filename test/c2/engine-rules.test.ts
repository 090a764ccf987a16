/**
 * Revocation, rules and the monitor, on SQLite and PostgreSQL with real clients: a revoked client
 * is told to forget its topics and they are rotated for the others (the default, and as
 * `rotateOnRevoke` rules say); `rotateEvery` and `rotateAfterMessages` fire on an injected clock
 * and the monitor's counts; the monitor counts messages, bytes and clients' refusals by code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './postgres.ts';
import { manualClock } from './store-fixtures.ts';
import { registerFleet, SimFleet, startTestBroker, TestC2, until, type TestBroker, suiteDatabases } from './fixtures.ts';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
});

describe.each(DIALECTS)('rules and monitor on $dialect', ({ dialect, skip }) => {
  const dbs = suiteDatabases(dialect, skip);

  it.skipIf(skip)('revokes: RemoveTopic to the client, its topics rotated for the others, by default and by rule', async () => {
    const c2 = new TestC2(await dbs.create(), broker.url, { scheduler: false });
    const service = await c2.start();
    const fleet = await SimFleet.create(broker.url, 1);
    try {
      for (const t of ['a/1', 'a/2']) await service.addTopic(t);
      const [bad, rx, tx] = await Promise.all(['bad', 'rx', 'tx'].map((n) => fleet.add(n + '-revoke-' + dialect, 'symmetric')));
      await registerFleet(service, [bad, rx, tx]);
      for (const t of ['a/1', 'a/2']) {
        for (const [c, role] of [[bad, 'both'], [rx, 'receiver'], [tx, 'sender']] as const) {
          await service.waitForJob((await service.linkTopic(c.id, t, role)).id);
        }
      }
      const job = await service.revokeClient(bad.id);
      expect((await service.getClient(bad.id)).status).toBe('revoked');
      await expect(service.linkTopic(bad.id, 'a/1', 'receiver')).rejects.toMatchObject({ code: 'Conflict' });
      const done = await service.waitForJob(job.id, 30_000);
      expect(done.state).toBe('done');
      for (const t of ['a/1', 'a/2']) {
        expect(SimFleet.topicKey(bad, t)).toBeNull();
        const topic = await service.getTopic(t);
        expect(topic.keyVersion).toBe(2);
        expect(topic.clients.map((c) => c.id).sort()).toEqual([rx.id, tx.id].sort());
        const current = (await c2.topicKeys(t)).get(2)!.key;
        expect(SimFleet.topicKey(rx, t)).toBe(current);
        expect(SimFleet.topicKey(tx, t)).toBe(current);
      }
      const types = (await service.listEvents({ limit: 1000 })).items.map((e) => e.type);
      expect(types).toContain('client.revoked');
      expect(types.filter((t) => t === 'topic.rotated')).toHaveLength(2);

      // Once a rotateOnRevoke rule exists, only the topics it covers rotate.
      await service.addRule({ kind: 'rotateOnRevoke', topic: 'a/2' });
      const other = await fleet.add('other-revoke-' + dialect, 'symmetric');
      await registerFleet(service, [other]);
      for (const t of ['a/1', 'a/2']) await service.waitForJob((await service.linkTopic(other.id, t, 'receiver')).id);
      await service.waitForJob((await service.revokeClient(other.id)).id, 30_000);
      expect((await service.getTopic('a/1')).keyVersion).toBe(2);
      expect((await service.getTopic('a/2')).keyVersion).toBe(3);
      await expect(service.revokeClient(other.id)).rejects.toMatchObject({ code: 'Conflict' });
    } finally {
      await fleet.close();
      await c2.stop();
    }
  });

  it.skipIf(skip)('fires rotateEvery on the clock and rotateAfterMessages on the monitor’s count, never two at once', async () => {
    const clock = manualClock(Date.now());
    const c2 = new TestC2(await dbs.create(), broker.url, { clock: clock.now, scheduler: { timer: { start: () => () => undefined } } });
    const service = await c2.start();
    const fleet = await SimFleet.create(broker.url, 1);
    try {
      await service.addTopic('every/1');
      await service.addTopic('count/1');
      const [rx, tx] = await Promise.all(['rx', 'tx'].map((n) => fleet.add(n + '-rules-' + dialect, 'symmetric')));
      await registerFleet(service, [rx, tx]);
      for (const t of ['every/1', 'count/1']) {
        await service.waitForJob((await service.linkTopic(rx.id, t, 'receiver')).id);
        await service.waitForJob((await service.linkTopic(tx.id, t, 'sender')).id);
      }
      await expect(service.addRule({ kind: 'rotateEvery', everyMs: 10 })).rejects.toMatchObject({ code: 'InvalidArgument' });
      await expect(service.addRule({ kind: 'rotateEvery', topic: 'nope', everyMs: 60_000 })).rejects.toMatchObject({ code: 'NotFound' });
      const every = await service.addRule({ kind: 'rotateEvery', topic: 'every/1', everyMs: 3_600_000 });
      await service.addRule({ kind: 'rotateAfterMessages', topic: 'count/1', afterMessages: 5 });
      expect((await service.listRules()).items).toHaveLength(2);
      const scheduler = service.scheduler!;

      await scheduler.tick();
      expect((await service.listJobs({ topic: 'every/1' })).items.filter((j) => j.kind === 'rotate')).toHaveLength(0);
      clock.advance(3_600_000);
      // Two ticks at once start one rotation.
      await Promise.all([scheduler.tick(), scheduler.tick()]);
      await scheduler.tick();
      const rotations = (await service.listJobs({ topic: 'every/1' })).items.filter((j) => j.kind === 'rotate');
      expect(rotations).toHaveLength(1);
      await service.waitForJob(rotations[0].id, 20_000);
      expect((await service.getTopic('every/1')).keyVersion).toBe(2);
      expect((await service.listRules()).items.find((r) => r.id === every.id)!.lastFiredAt).not.toBeNull();
      await scheduler.tick();
      expect((await service.listJobs({ topic: 'every/1' })).items.filter((j) => j.kind === 'rotate')).toHaveLength(1);

      await rx.adapter.subscribe('count/1');
      for (let i = 0; i < 5; i++) await tx.adapter.publish('count/1', 'reading ' + i);
      await until(() => service.monitor.sinceRotation('count/1') === 5, 'the monitor to count five messages');
      await scheduler.tick();
      const counted = (await service.listJobs({ topic: 'count/1' })).items.filter((j) => j.kind === 'rotate');
      expect(counted).toHaveLength(1);
      await service.waitForJob(counted[0].id, 20_000);
      await until(() => service.monitor.sinceRotation('count/1') === 0, 'the count to restart');
      const [stats] = await service.topicStats('count/1');
      expect(stats).toMatchObject({ topic: 'count/1', messages: 5, messagesSinceRotation: 0 });
      expect(stats.bytes).toBeGreaterThan(5 * 'reading 0'.length);
      expect(stats.ratePerSecond).toBeCloseTo(5 / 60, 5);
    } finally {
      await fleet.close();
      await c2.stop();
    }
  });

  it.skipIf(skip)('monitors without decrypting: counts persisted across a restart, refusals counted by code', async () => {
    const c2 = new TestC2(await dbs.create(), broker.url, { scheduler: false, retry: { attempts: 1, backoffMs: 10 } });
    const service = await c2.start();
    const fleet = await SimFleet.create(broker.url, 1);
    try {
      await service.addTopic('mon/1');
      await service.addTopic('mon/2');
      const tx = await fleet.add('tx-monitor-' + dialect, 'symmetric');
      await registerFleet(service, [tx]);
      await service.waitForJob((await service.linkTopic(tx.id, 'mon/1', 'sender')).id);
      for (let i = 0; i < 3; i++) await tx.adapter.publish('mon/1', 'x'.repeat(100));
      await until(async () => (await service.topicStats('mon/1'))[0].messages === 3, 'three messages counted');
      const [before] = await service.topicStats('mon/1');
      expect(before.averageSize).toBeGreaterThan(100);
      await expect(service.topicStats('no/such')).rejects.toMatchObject({ code: 'NotFound' });

      // A client whose clock runs behind refuses C2's commands as from the future, and says so.
      const e4 = tx.e4 as unknown as { clock: () => number };
      e4.clock = () => Date.now() - 120_000;
      const failed = await service.waitForJob((await service.linkTopic(tx.id, 'mon/2', 'sender')).id).catch((e) => e);
      expect(failed).toMatchObject({ code: 'CommandFailed' });
      expect((await service.topicStats('mon/2'))[0].errors).toEqual({ TimestampInFuture: 1 });

      await c2.stop();
      const again = await c2.start();
      expect((await again.topicStats('mon/1'))[0]).toMatchObject({ messages: 3, bytes: before.bytes });
      expect((await again.topicStats('mon/2'))[0].errors).toEqual({ TimestampInFuture: 1 });
      expect((await again.topicStats()).map((s) => s.topic)).toEqual(['mon/1', 'mon/2']);
    } finally {
      await fleet.close();
      await c2.stop();
    }
  });
});
