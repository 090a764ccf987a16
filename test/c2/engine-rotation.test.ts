/**
 * The engine on real MQTT with real E4 clients, on SQLite and PostgreSQL: provisioning by link,
 * rotation with receivers first (observed in the order clients applied their commands), every
 * message read across it, the journal and the events it leaves, a restarted C2 verifying acks
 * with the ack keys it persisted, public-key topics (signers' keys given and taken back), and a
 * rotation that fails before any sender when a receiver is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './postgres.ts';
import { SimFleet, startTestBroker, TestC2, registerFleet, until, type SimClient, type TestBroker, suiteDatabases } from './fixtures.ts';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
});

/** Publishes numbered messages from each sender until stopped; returns what each sent. */
function pump(senders: SimClient[], topic: string) {
  const sent = new Map<string, number>(senders.map((s) => [s.name, 0]));
  let running = true;
  const loops = senders.map(async (s) => {
    while (running) {
      const n = sent.get(s.name)!;
      await s.adapter.publish(topic, s.name + ':' + n, { qos: 1 });
      sent.set(s.name, n + 1);
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    sent,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Every receiver read every message every sender published on `topic`, in order per sender. */
async function expectAllRead(receivers: SimClient[], topic: string, sent: Map<string, number>): Promise<void> {
  const total = [...sent.values()].reduce((a, b) => a + b, 0);
  await until(() => receivers.every((r) => (r.received.get(topic) ?? []).length >= total), 'every message at every receiver');
  for (const r of receivers) {
    const got = r.received.get(topic) ?? [];
    for (const [name, n] of sent) {
      expect(got.filter((m) => m.startsWith(name + ':'))).toEqual(Array.from({ length: n }, (_, i) => name + ':' + i));
    }
    expect(r.rejected).toEqual([]);
  }
}

describe.each(DIALECTS)('engine on $dialect', ({ dialect, skip }) => {
  const dbs = suiteDatabases(dialect, skip);

  it.skipIf(skip)('provisions by link, rotates receivers first, reads every message across the rotation, and survives a restart', async () => {
    const c2 = new TestC2(await dbs.create(), broker.url);
    const service = await c2.start();
    const fleet = await SimFleet.create(broker.url, 2);
    try {
      const topic = 'plant/1/temp';
      await service.addTopic(topic);
      const receivers = await Promise.all([0, 1, 2].map((i) => fleet.add('rx-' + i + '-' + dialect, 'symmetric')));
      const senders = await Promise.all([0, 1].map((i) => fleet.add('tx-' + i + '-' + dialect, 'symmetric')));
      await registerFleet(service, [...receivers, ...senders]);
      const links = [
        ...receivers.map((c) => service.linkTopic(c.id, topic, 'receiver')),
        ...senders.map((c) => service.linkTopic(c.id, topic, 'sender')),
      ];
      for (const job of await Promise.all(links)) expect((await service.waitForJob(job.id, 20_000)).state).toBe('done');
      const v1 = (await c2.topicKeys(topic)).get(1)!;
      for (const c of [...receivers, ...senders]) expect(SimFleet.topicKey(c, topic)).toBe(v1.key);
      expect((await service.getClient(receivers[0].id)).acks).toBe(true);
      for (const r of receivers) await r.adapter.subscribe(topic);

      // Which client applied a command, in order, from the rotation on.
      const order: string[] = [];
      for (const c of [...receivers, ...senders]) c.adapter.on('command', () => order.push(c.name.slice(0, 2)));
      const traffic = pump(senders, topic);
      await until(() => receivers.every((r) => (r.received.get(topic) ?? []).length > 5), 'traffic before the rotation');
      const job = await service.rotateTopic(topic);
      expect(job).toMatchObject({ kind: 'rotate', state: 'receivers', keyVersion: 2 });
      await expect(service.rotateTopic(topic)).rejects.toMatchObject({ code: 'Conflict' });
      const done = await service.waitForJob(job.id, 30_000);
      await until(() => order.length === 5, 'both phases applied');
      await new Promise((r) => setTimeout(r, 100));
      await traffic.stop();

      expect(done).toMatchObject({ state: 'done', keyVersion: 2, progress: { total: 5, confirmed: 5, failed: 0 } });
      expect(order).toEqual(['rx', 'rx', 'rx', 'tx', 'tx']);
      const keys = await c2.topicKeys(topic);
      expect(keys.get(1)!.state).toBe('previous');
      expect(keys.get(2)!.state).toBe('current');
      for (const c of [...receivers, ...senders]) expect(SimFleet.topicKey(c, topic)).toBe(keys.get(2)!.key);
      await expectAllRead(receivers, topic, traffic.sent);
      const view = await service.getTopic(topic);
      expect(view).toMatchObject({ keyVersion: 2, rotating: null });
      expect(view.clients.every((c) => c.keyVersion === 2)).toBe(true);

      // The journal: one row per client, intent → sent → confirmed by ack; no key in it.
      const journal = await c2.db.all<{ status: string; confirmed_by: string; args: string; phase: string }>(
        'SELECT status, confirmed_by, args, phase FROM journal WHERE job_id = ?',
        [job.id],
      );
      expect(journal.map((r) => [r.phase, r.status, r.confirmed_by]).sort()).toEqual([
        ...Array(3).fill(['receivers', 'confirmed', 'ack']),
        ...Array(2).fill(['senders', 'confirmed', 'ack']),
      ]);
      expect(JSON.parse(journal[0].args)).toEqual({ topic, version: 2 });
      const types = (await service.listEvents({ limit: 1000 })).items.filter((e) => e.subject === job.id || e.subject === topic).map((e) => e.type);
      expect(types).toEqual(['topic.added', 'job.started', 'command.confirmed', 'command.confirmed', 'topic.rotated', 'job.done']);

      // A restarted C2 registers clients with their persisted ack keys: acknowledged at once.
      await c2.stop();
      const again = await c2.start();
      const third = await again.waitForJob((await again.rotateTopic(topic)).id, 30_000);
      expect(third.progress).toEqual({ total: 5, confirmed: 5, failed: 0 });
      for (const c of [...receivers, ...senders]) expect(SimFleet.topicKey(c, topic)).toBe((await c2.topicKeys(topic)).get(3)!.key);
    } finally {
      await fleet.close();
      await c2.stop();
    }
  });

  it.skipIf(skip)('public-key topics: signers’ keys go to receivers on link and are taken back on unlink', async () => {
    const c2 = new TestC2(await dbs.create(), broker.url);
    const service = await c2.start();
    const fleet = await SimFleet.create(broker.url, 1);
    try {
      const topic = 'door/events';
      await service.addTopic(topic);
      const c2Public = await c2.c2PublicKey();
      const camera = await fleet.add('camera-' + dialect, 'publicKey', c2Public);
      const hub = await fleet.add('hub-' + dialect, 'publicKey', c2Public);
      const relay = await fleet.add('relay-' + dialect, 'publicKey', c2Public);
      await registerFleet(service, [camera, hub, relay]);
      await service.waitForJob((await service.linkTopic(hub.id, topic, 'receiver')).id);
      await service.waitForJob((await service.linkTopic(camera.id, topic, 'sender')).id);
      await service.waitForJob((await service.linkTopic(relay.id, topic, 'both')).id);
      // The hub has the camera's and the relay's keys; the relay the camera's; the camera none.
      expect(hub.commands.filter((c) => c === 'SetPubKey')).toHaveLength(2);
      expect(relay.commands.filter((c) => c === 'SetPubKey')).toHaveLength(1);
      expect(camera.commands.filter((c) => c === 'SetPubKey')).toHaveLength(0);
      await hub.adapter.subscribe(topic);
      await camera.adapter.publish(topic, 'motion');
      await relay.adapter.publish(topic, 'relayed');
      await until(() => (hub.received.get(topic) ?? []).length === 2, 'both signed messages');

      const rotation = await service.waitForJob((await service.rotateTopic(topic)).id, 20_000);
      expect(rotation.progress.confirmed).toBe(3);
      await camera.adapter.publish(topic, 'after rotation');
      await until(() => (hub.received.get(topic) ?? []).length === 3, 'the message after the rotation');

      const unlink = await service.waitForJob((await service.unlinkTopic(camera.id, topic)).id);
      expect(unlink.progress).toEqual({ total: 3, confirmed: 3, failed: 0 });
      expect(SimFleet.topicKey(camera, topic)).toBeNull();
      expect(hub.commands.at(-1)).toBe('RemovePubKey');
      expect(relay.commands.at(-1)).toBe('RemovePubKey');
      expect(hub.rejected).toEqual([]);
    } finally {
      await fleet.close();
      await c2.stop();
    }
  });

  it.skipIf(skip)('stops before any sender when a receiver does not confirm; the next rotation reuses the same key', async () => {
    const c2 = new TestC2(await dbs.create(), broker.url, { ackTimeoutMs: 500, retry: { attempts: 2, backoffMs: 50 } });
    const service = await c2.start();
    const fleet = await SimFleet.create(broker.url, 1);
    try {
      const topic = 'abort/me';
      await service.addTopic(topic);
      const [rx, gone, tx] = await Promise.all(['rx', 'gone', 'tx'].map((n) => fleet.add(n + '-abort-' + dialect, 'symmetric')));
      await registerFleet(service, [rx, gone, tx]);
      for (const [c, role] of [[rx, 'receiver'], [gone, 'receiver'], [tx, 'sender']] as const) {
        await service.waitForJob((await service.linkTopic(c.id, topic, role)).id);
      }
      const before = SimFleet.topicKey(tx, topic);
      await gone.adapter.close();
      const job = await service.rotateTopic(topic);
      const failure = await service.waitForJob(job.id, 20_000).catch((e) => e);
      expect(failure).toMatchObject({ code: 'CommandFailed', jobCode: 'RotationAborted' });
      const failed = await service.getJob(job.id);
      expect(failed.error?.code).toBe('RotationAborted');
      expect(failed.error?.message).toMatch(/stopped before any sender/);
      expect(SimFleet.topicKey(tx, topic)).toBe(before);
      const pending = (await c2.topicKeys(topic)).get(2)!;
      expect(pending.state).toBe('pending');
      expect(SimFleet.topicKey(rx, topic)).toBe(pending.key);
      const journal = await c2.db.all<{ client_id: string; status: string; error_code: string; attempts: number }>(
        'SELECT client_id, status, error_code, attempts FROM journal WHERE job_id = ? ORDER BY client_id',
        [job.id],
      );
      expect(journal.find((r) => r.client_id === gone.id)).toMatchObject({ status: 'failed', error_code: 'AckTimeout', attempts: 2 });

      // The receiver comes back: the retry sends the same key, and the rotation completes.
      await fleet.attach(gone);
      const retry = await service.waitForJob((await service.rotateTopic(topic)).id, 20_000);
      expect(retry).toMatchObject({ state: 'done', keyVersion: 2 });
      for (const c of [rx, gone, tx]) expect(SimFleet.topicKey(c, topic)).toBe(pending.key);
    } finally {
      await fleet.close();
      await c2.stop();
    }
  });
});
