/**
 * The gateway protection proxy between two embedded brokers: plaintext in from a legacy device,
 * only protected payloads upstream, read back by an e4ts client; protected messages down to
 * plaintext; C2 changing the gateway's keys; and `e4ts gateway` as a process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { cmdSetTopicKey, generateId, generateSymmetricKey, protectCommand } from '../src/c2.ts';
import { loadClient } from '../src/client/load.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { E4MqttClient, type E4MessageEvent, type E4RejectedEvent } from '../src/mqtt/adapter.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/mqtt/broker.ts';
import { E4MqttC2 } from '../src/mqtt/c2.ts';
import { checkGatewayFilters, E4Gateway } from '../src/mqtt/gateway.ts';
import { createFileStore } from '../src/stores/file.ts';
import { fromHex } from '../src/utils.ts';
import { cli, jsonLines, spawnCli } from './cli-helpers.ts';
import { connectMqtt, waitFor } from './mqtt-helpers.ts';

let local: EmbeddedBroker;
let upstream: EmbeddedBroker;
let dir: string;
const connections: MqttClient[] = [];

async function connect(url: string): Promise<MqttClient> {
  const c = await connectMqtt(url);
  connections.push(c);
  return c;
}

beforeAll(async () => {
  await init();
  [local, upstream] = await Promise.all([startEmbeddedBroker(), startEmbeddedBroker()]);
  dir = mkdtempSync(join(tmpdir(), 'e4ts-gateway-'));
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.endAsync(true)));
  await Promise.all([local.close(), upstream.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Messages a plain MQTT client receives, by topic. */
function collect(client: MqttClient): { topic: string; payload: Buffer }[] {
  const got: { topic: string; payload: Buffer }[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: Buffer.from(payload) }));
  return got;
}

describe('E4Gateway', () => {
  it('refuses uplink and downlink filters that overlap', () => {
    expect(() => checkGatewayFilters(['plant/#'], ['plant/+/setpoint'])).toThrow(/overlap/);
    expect(() => checkGatewayFilters([], [])).toThrow(/at least one/);
    expect(() => checkGatewayFilters(['plant/+/temp'], ['plant/+/setpoint'])).not.toThrow();
  });

  it('protects uplink, unprotects downlink, and follows C2 commands', async () => {
    // The gateway: a symmetric E4 client whose state lives in a file, managed by C2 upstream.
    const gwId = generateId();
    const gwKey = generateSymmetricKey();
    const statePath = join(dir, 'gw.json');
    const gwE4 = createSymmetricClient({ id: gwId, key: gwKey, store: createFileStore(statePath) });
    const gateway = await E4Gateway.start({
      local: await connect(local.url),
      upstream: await connect(upstream.url),
      e4: gwE4,
      uplink: ['plant/+/temp'],
      downlink: ['plant/+/setpoint'],
    });
    const rejected: { direction: string; topic: string; code: string }[] = [];
    gateway.on('rejected', (e) => rejected.push(e));
    const commands: string[] = [];
    gateway.on('command', (e) => commands.push(e.command));

    // C2 and a cloud service, both upstream.
    const c2 = await E4MqttC2.create({ mqtt: await connect(upstream.url), ackTimeoutMs: 2000 });
    const cloudId = generateId();
    const cloudKey = generateSymmetricKey();
    const cloud = await E4MqttClient.create({ mqtt: await connect(upstream.url), e4: createSymmetricClient({ id: cloudId, key: cloudKey }) });
    const cloudMessages: E4MessageEvent[] = [];
    cloud.on('message', (e) => cloudMessages.push(e));
    const gw = c2.register({ name: 'gateway', id: gwId, key: gwKey });
    const svc = c2.register({ name: 'cloud', id: cloudId, key: cloudKey });
    const kTemp = generateSymmetricKey();
    const kSet = generateSymmetricKey();
    for (const m of [gw, svc]) {
      await c2.enableAcks(m);
      await c2.send(m, cmdSetTopicKey(kTemp, 'plant/1/temp'));
      await c2.send(m, cmdSetTopicKey(kSet, 'plant/1/setpoint'));
    }
    expect(commands).toEqual(['SetTopicKey', 'SetTopicKey', 'SetTopicKey']);
    await cloud.subscribe('plant/+/temp');

    // What the upstream broker carries, and what the legacy side receives.
    const upstreamSpy = await connect(upstream.url);
    const wire = collect(upstreamSpy);
    await upstreamSpy.subscribeAsync('plant/#', { qos: 1 });
    const device = await connect(local.url);
    const deviceGot = collect(device);
    await device.subscribeAsync('plant/+/setpoint', { qos: 1 });

    // Up: plaintext in, protected upstream, read back in the clear by the e4ts client.
    await device.publishAsync('plant/1/temp', Buffer.from('21.5'), { qos: 1 });
    await waitFor(() => cloudMessages.length === 1, 'the reading upstream');
    expect(new TextDecoder().decode(cloudMessages[0].payload)).toBe('21.5');
    expect(wire.map((m) => m.topic)).toEqual(['plant/1/temp']);
    expect(wire[0].payload.includes(Buffer.from('21.5'))).toBe(false);
    expect(wire[0].payload.length).toBe(24 + 4);

    // Down: protected upstream, plaintext to the legacy device.
    await cloud.publish('plant/1/setpoint', '19.0');
    await waitFor(() => deviceGot.length === 1, 'the setpoint downstream');
    expect(deviceGot[0]).toEqual({ topic: 'plant/1/setpoint', payload: Buffer.from('19.0') });
    expect(wire[1].payload.includes(Buffer.from('19.0'))).toBe(false);

    // No key: dropped, never forwarded in the clear. Tampered downlink: dropped.
    await device.publishAsync('plant/2/temp', Buffer.from('plaintext!'), { qos: 1 });
    const tampered = Buffer.from(wire[1].payload);
    tampered[tampered.length - 1] ^= 1;
    await upstreamSpy.publishAsync('plant/1/setpoint', tampered, { qos: 1 });
    await waitFor(() => rejected.length === 2, 'two rejections');
    expect(rejected).toEqual([
      { direction: 'up', topic: 'plant/2/temp', code: 'TopicKeyNotFound' },
      { direction: 'down', topic: 'plant/1/setpoint', code: 'NotAuthentic' },
    ]);
    expect(wire.filter((m) => m.topic === 'plant/2/temp')).toEqual([]);
    expect(deviceGot.length).toBe(1);

    // C2 changes the gateway's keys: a rotation, receivers first; the state file follows.
    const rotation = await c2.rotateTopicKey('plant/1/temp', { receivers: [svc], senders: [gw] });
    expect(rotation.senders.map((o) => [o.client.name, o.confirmedBy])).toEqual([['gateway', 'ack']]);
    expect(commands.length).toBe(4);
    // A reader holding nothing but the new key reads what the gateway sends now.
    const readerKey = generateSymmetricKey();
    const onlyNewKey = createSymmetricClient({ id: generateId(), key: readerKey });
    onlyNewKey.unprotect(protectCommand(readerKey, cmdSetTopicKey(rotation.key, 'plant/1/temp')), onlyNewKey.controlTopic);
    const reader = await E4MqttClient.create({ mqtt: await connect(upstream.url), e4: onlyNewKey });
    const readerGot: E4MessageEvent[] = [];
    const readerRejected: E4RejectedEvent[] = [];
    reader.on('message', (e) => readerGot.push(e));
    reader.on('rejected', (e) => readerRejected.push(e));
    await reader.subscribe('plant/1/temp');
    await device.publishAsync('plant/1/temp', Buffer.from('22.0'), { qos: 1 });
    await waitFor(() => readerGot.length === 1 && cloudMessages.length === 2, 'the reading under the new key');
    expect(new TextDecoder().decode(readerGot[0].payload)).toBe('22.0');
    expect(readerRejected).toEqual([]);
    // The gateway's state file holds what it holds in memory.
    expect(loadClient({ store: createFileStore(statePath) }).exportState()).toBe(gwE4.exportState());
    expect(readFileSync(statePath, 'utf8')).toBe(gwE4.exportState());

    await gateway.close();
    await device.publishAsync('plant/1/temp', Buffer.from('after close'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(cloudMessages.length).toBe(2);
    await Promise.all([cloud.close(), reader.close(), c2.close()]);
  });
});

describe('e4ts gateway', () => {
  it('runs as a process: forwards both ways, applies C2 commands to its state file, stops on SIGTERM', async () => {
    const statePath = join(dir, 'gw-cli.json');
    const keys = JSON.parse((await cli(['keygen', 'symmetric', '--name', 'gateway-cli', '--state', statePath, '--json'])).text);
    const child = spawnCli([
      'gateway', '--state', statePath, '--local', local.url, '--upstream', upstream.url,
      '--uplink', 'site/+/up', '--downlink', 'site/+/down', '--json',
    ]);
    const out = jsonLines(child);
    const ready = await out.waitFor((l) => l.event === 'ready', 'ready');
    expect(ready).toMatchObject({ id: keys.id, controlTopic: keys.controlTopic, uplink: ['site/+/up'], downlink: ['site/+/down'] });

    // C2 gives the gateway its keys over the upstream broker, acknowledged.
    const c2 = await E4MqttC2.create({ mqtt: await connect(upstream.url), ackTimeoutMs: 5000 });
    const gw = c2.register({ name: 'gateway-cli', id: fromHex(keys.id, 'id'), key: fromHex(keys.key, 'key') });
    const kUp = generateSymmetricKey();
    const kDown = generateSymmetricKey();
    await c2.enableAcks(gw);
    await c2.send(gw, cmdSetTopicKey(kUp, 'site/1/up'));
    await c2.send(gw, cmdSetTopicKey(kDown, 'site/1/down'));
    expect(out.lines.filter((l) => l.event === 'command').length).toBe(3);
    expect(loadClient({ text: readFileSync(statePath, 'utf8') }).exportState()).toContain('"TopicKeys":{"');

    // An upstream e4ts client with the same keys.
    const cloudKey = generateSymmetricKey();
    const cloudE4 = createSymmetricClient({ id: generateId(), key: cloudKey });
    for (const [k, t] of [[kUp, 'site/1/up'], [kDown, 'site/1/down']] as const) {
      cloudE4.unprotect(protectCommand(cloudKey, cmdSetTopicKey(k, t)), cloudE4.controlTopic);
    }
    const cloud = await E4MqttClient.create({ mqtt: await connect(upstream.url), e4: cloudE4 });
    const got: E4MessageEvent[] = [];
    cloud.on('message', (e) => got.push(e));
    await cloud.subscribe('site/+/up');
    const device = await connect(local.url);
    const deviceGot = collect(device);
    await device.subscribeAsync('site/+/down', { qos: 1 });

    await device.publishAsync('site/1/up', Buffer.from('hello upstream'), { qos: 1 });
    await cloud.publish('site/1/down', 'hello device');
    await waitFor(() => got.length === 1 && deviceGot.length === 1, 'both directions');
    expect(new TextDecoder().decode(got[0].payload)).toBe('hello upstream');
    expect(deviceGot[0].payload.toString()).toBe('hello device');
    await out.waitFor((l) => l.event === 'forwarded' && l.direction === 'down', 'the downlink log');

    child.kill('SIGTERM');
    expect(await out.exited).toBe(0);
    expect(out.lines[out.lines.length - 1]).toMatchObject({ event: 'stopped', up: 1, down: 1 });
    expect(out.stderr()).toBe('');
    await Promise.all([cloud.close(), c2.close()]);
  });
});
