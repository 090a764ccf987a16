/**
 * The key server's bench (`npm run bench:c2`): on mosquitto, with simulated symmetric clients in
 * this process sharing 40 MQTT connections,
 *
 * - commands per second C2 protects, publishes at QoS 2 and has acknowledged (the dispatcher
 *   alone: no journal, no job), to 1,000 clients;
 * - the time to rotate one topic's key for 1,000 and for 10,000 clients (a tenth receivers, the
 *   rest senders), as a job: journal rows committed before each command and after each
 *   acknowledgement, receivers first, on SQLite and on PostgreSQL.
 *
 * The clients run in the same process as C2 and share its two cores: on a real deployment they
 * are devices, and C2 has the machine to itself. Goal: 10,000 clients rotated in under 30 s.
 * Writes bench/results/c2.json, c2.md and c2.svg. `--sizes 1000` runs the smaller fleet only.
 */
import { cmdSetTopicKey, generateSymmetricKey } from '../src/c2.ts';
import { Dispatcher } from '../src/c2server/dispatcher.ts';
import { wipe } from '../src/utils.ts';
import { inBatches, SimFleet, startTestBroker, TestC2, registerFleet, type TestBroker } from '../test/c2/fixtures.ts';
import { connectMqtt } from '../test/mqtt-helpers.ts';
import { postgresBin, testDatabases, type Dialect } from '../test/c2/postgres.ts';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, writeReport, type Row, type Target } from './report.ts';

const CONNECTIONS = 40;
const sizesArg = process.argv.indexOf('--sizes');
const SIZES = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [1000, 10_000];
const DIALECT_LIST: Dialect[] = postgresBin === null ? ['sqlite'] : ['sqlite', 'postgres'];

function row(group: string, impl: string, opsPerSec: number): Row {
  return { group, impl, opsPerSec, bytes: 0, rme: 0, samples: 1 };
}

interface Run {
  dialect: Dialect;
  clients: number;
  rotateSeconds: number;
  commandsPerSecond: number | null;
}

async function runOne(broker: TestBroker, dialect: Dialect, clients: number): Promise<Run> {
  const dbs = await testDatabases(dialect);
  const c2 = new TestC2(await dbs.create(), broker.url, { scheduler: false, ackTimeoutMs: 60_000, statsEveryMs: 60_000 });
  const service = await c2.start();
  const fleet = await SimFleet.create(broker.url, CONNECTIONS);
  try {
    const topic = 'bench/' + dialect + '/' + clients;
    await service.addTopic(topic);
    const sims = [];
    for (let i = 0; i < clients; i++) sims.push(await fleet.add('bench-' + i, 'symmetric'));
    await registerFleet(service, sims);
    const started = Date.now();
    const receivers = new Set(sims.filter((_, i) => i % 10 === 0));
    await inBatches(sims, 256, async (c) => {
      const job = await service.linkTopic(c.id, topic, receivers.has(c) ? 'receiver' : 'sender');
      await service.waitForJob(job.id, 600_000);
    });
    console.log(`${dialect} ${clients}: provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    let commandsPerSecond: number | null = null;
    if (clients === 1000) {
      // The dispatcher alone, on a connection of its own, clients registered with their persisted ack keys.
      const mqtt = await connectMqtt(broker.url);
      const c2PrivateKey = await service.registry.c2PrivateKey();
      const dispatcher = await Dispatcher.create({
        mqtt,
        c2PrivateKey,
        directory: { target: (id) => service.registry.clientKeys(id), saveAckKey: (id, key) => service.registry.setAckKey(id, key) },
      });
      wipe(c2PrivateKey);
      const command = cmdSetTopicKey(generateSymmetricKey(), 'bench/commands');
      await Promise.all(sims.map((c) => dispatcher.send(c.id, command)));
      const rounds = 5;
      const t0 = performance.now();
      for (let r = 0; r < rounds; r++) await Promise.all(sims.map((c) => dispatcher.send(c.id, command)));
      commandsPerSecond = (rounds * clients) / ((performance.now() - t0) / 1000);
      await dispatcher.close();
      await mqtt.endAsync();
    }

    const t0 = performance.now();
    const job = await service.rotateTopic(topic);
    const done = await service.waitForJob(job.id, 600_000);
    const rotateSeconds = (performance.now() - t0) / 1000;
    if (done.progress.confirmed !== clients) throw new Error('rotation confirmed ' + done.progress.confirmed + ' of ' + clients);
    const key = (await c2.topicKeys(topic)).get(2)!.key;
    const behind = sims.filter((c) => SimFleet.topicKey(c, topic) !== key).length;
    if (behind > 0) throw new Error(behind + ' clients without the new key');
    console.log(`${dialect} ${clients}: rotated in ${rotateSeconds.toFixed(2)} s` + (commandsPerSecond === null ? '' : `; ${commandsPerSecond.toFixed(0)} commands/s`));
    return { dialect, clients, rotateSeconds, commandsPerSecond };
  } finally {
    await fleet.close();
    await c2.stop();
    await dbs.close();
  }
}

const broker = await startTestBroker();
const runs: Run[] = [];
try {
  for (const clients of SIZES) for (const dialect of DIALECT_LIST) runs.push(await runOne(broker, dialect, clients));
} finally {
  await broker.stop();
}

const rows: Row[] = [];
for (const r of runs) {
  if (r.commandsPerSecond !== null) {
    rows.push(row('commands protected, published (QoS 2) and acknowledged, 1,000 clients: per second', r.dialect, r.commandsPerSecond));
  }
}
for (const clients of SIZES) {
  for (const r of runs.filter((x) => x.clients === clients)) {
    rows.push(row(`rotate one topic, ${clients.toLocaleString('en')} clients: clients per second`, r.dialect, r.clients / r.rotateSeconds));
  }
}
const targets: Target[] = runs
  .filter((r) => r.clients === 10_000)
  .map((r) => ({ what: `10,000 clients rotated on ${r.dialect}: time / 30 s`, ratio: r.rotateSeconds / 30, bound: 1, kind: 'atMost' as const }));
writeReport('c2', 'e4ts C2: commands and rotations on mosquitto', rows, 'sqlite', targets);
const times = ['| clients | database | rotation (s) |', '| ---: | --- | ---: |', ...runs.map((r) => `| ${r.clients.toLocaleString('en')} | ${r.dialect} | ${r.rotateSeconds.toFixed(2)} |`)];
appendFileSync(join(RESULTS_DIR, 'c2.md'), '\n## Rotation times\n\nThe simulated clients share the machine with C2.\n\n' + times.join('\n') + '\n');
process.exit(0);
