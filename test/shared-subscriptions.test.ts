/**
 * Scale-out: two `e4ts ingest` processes share one subscription on mosquitto
 * (`$share/<group>/<filter>`); every message is unprotected by exactly one of them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { cmdSetTopicKey, generateId, generateSymmetricKey, protectCommand } from '../src/c2.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { E4MqttClient } from '../src/mqtt/adapter.ts';
import { jsonLines, spawnCli } from './cli-helpers.ts';
import { mosquittoBinary, startMosquitto, type Mosquitto } from './mosquitto.ts';
import { checkInstalled } from './runtime/check-installed.ts';
import { connectMqtt } from './mqtt-helpers.ts';

const MESSAGES = 200;
const DEVICES = 4;

checkInstalled(mosquittoBinary);

describe.skipIf(mosquittoBinary.skip)('shared subscriptions on mosquitto', () => {
  let mosquitto: Mosquitto;
  let dir: string;

  beforeAll(async () => {
    await init();
    mosquitto = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'e4ts-shared-'));
  });

  afterAll(async () => {
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two ingestion processes process each message exactly once', async () => {
    // One ingestion identity, with a key for each device topic; each worker its own copy of the state.
    const ingestKey = generateSymmetricKey();
    const ingest = createSymmetricClient({ id: generateId(), key: ingestKey });
    const topicKeys = Array.from({ length: DEVICES }, () => generateSymmetricKey());
    topicKeys.forEach((k, i) => ingest.unprotect(protectCommand(ingestKey, cmdSetTopicKey(k, `fleet/dev-${i}/telemetry`)), ingest.controlTopic));
    const states = [join(dir, 'worker-1.json'), join(dir, 'worker-2.json')];
    for (const s of states) writeFileSync(s, ingest.exportState());

    const workers = states.map((state) => {
      const child = spawnCli(['ingest', '--broker', mosquitto.url, '--state', state, '--topic', 'fleet/+/telemetry', '--share', 'ingestion', '--json']);
      return { child, out: jsonLines(child) };
    });
    for (const w of workers) {
      const ready = await w.out.waitFor((l) => l.event === 'ready', 'a worker ready');
      expect(ready.subscriptions).toEqual(['$share/ingestion/fleet/+/telemetry']);
    }

    // Devices publish protected telemetry.
    const devices = await Promise.all(
      topicKeys.map(async (k, i) => {
        const key = generateSymmetricKey();
        const e4 = createSymmetricClient({ id: generateId(), key });
        e4.unprotect(protectCommand(key, cmdSetTopicKey(k, `fleet/dev-${i}/telemetry`)), e4.controlTopic);
        return E4MqttClient.create({ mqtt: await connectMqtt(mosquitto.url), e4 });
      }),
    );
    const sent: string[] = [];
    for (let n = 0; n < MESSAGES; n++) {
      const i = n % DEVICES;
      const body = `dev-${i}#${n}`;
      sent.push(body);
      await devices[i].publish(`fleet/dev-${i}/telemetry`, body, { qos: 1 });
    }

    const received = () => workers.flatMap((w) => w.out.lines.filter((l) => l.event === 'message').map((l) => l.payload as string));
    const deadline = Date.now() + 10_000;
    while (received().length < MESSAGES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));

    const all = received();
    expect(all.length).toBe(MESSAGES);
    expect(new Set(all).size).toBe(MESSAGES);
    expect([...all].sort()).toEqual([...sent].sort());
    // Both workers took a share; neither saw anything it could not read.
    for (const w of workers) {
      expect(w.out.lines.filter((l) => l.event === 'message').length).toBeGreaterThan(MESSAGES / 10);
      expect(w.out.lines.filter((l) => l.event === 'rejected')).toEqual([]);
    }

    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) {
      expect(await w.out.exited).toBe(0);
      expect(w.out.stderr()).toBe('');
    }
    await Promise.all(devices.map((d) => d.close({ end: true })));
  });
});
