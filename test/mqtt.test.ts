/**
 * The MQTT adapter and the C2 side on the embedded broker: commands applied and acknowledged,
 * protect on publish and unprotect on receipt in both modes, rejections by code, clean-up, and
 * rotations that give receivers the key before senders.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import {
  cmdResetPubKeys,
  cmdSetPubKey,
  cmdSetTopicKey,
  generateEd25519KeyPair,
  generateId,
  generateSymmetricKey,
  generateX25519KeyPair,
} from '../src/c2.ts';
import type { E4Client } from '../src/client/client.ts';
import { createPublicKeyClient } from '../src/client/publicKey.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { commandDigest, decodeAck, encodeAck } from '../src/mqtt/ack.ts';
import { asBuffer, E4MqttClient, type E4CommandEvent, type E4MessageEvent, type E4RejectedEvent } from '../src/mqtt/adapter.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/mqtt/broker.ts';
import { E4MqttC2, isC2Error, type ManagedClient } from '../src/mqtt/c2.ts';
import { ackTopicOf, filtersOverlap, sharedSubscription, topicMatches } from '../src/mqtt/topics.ts';
import { connectMqtt, waitFor } from './mqtt-helpers.ts';

let broker: EmbeddedBroker;
let c2Mqtt: MqttClient;
let c2: E4MqttC2;
const c2Keys = { privateKey: new Uint8Array(32), publicKey: new Uint8Array(32) };
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  await init();
  Object.assign(c2Keys, generateX25519KeyPair());
  broker = await startEmbeddedBroker();
  c2Mqtt = await connectMqtt(broker.url);
  c2 = await E4MqttC2.create({ mqtt: c2Mqtt, c2PrivateKey: c2Keys.privateKey, ackTimeoutMs: 1000, settleMs: 50 });
});

afterAll(async () => {
  for (const o of opened) await o.close();
  await c2.close();
  await c2Mqtt.endAsync();
  await broker.close();
});

interface Node {
  e4: E4Client;
  mqtt: MqttClient;
  adapter: E4MqttClient;
  managed: ManagedClient;
  messages: E4MessageEvent[];
  commands: E4CommandEvent[];
  rejected: E4RejectedEvent[];
  publicKey?: Uint8Array;
}

async function attach(e4: E4Client, managed: ManagedClient, publicKey?: Uint8Array): Promise<Node> {
  const mqtt = await connectMqtt(broker.url);
  const adapter = await E4MqttClient.create({ mqtt, e4 });
  const node: Node = { e4, mqtt, adapter, managed, messages: [], commands: [], rejected: [], publicKey };
  adapter.on('message', (e) => node.messages.push(e));
  adapter.on('command', (e) => node.commands.push(e));
  adapter.on('rejected', (e) => node.rejected.push(e));
  opened.push({ close: () => adapter.close({ end: true }) });
  return node;
}

async function symmetricNode(name: string): Promise<Node> {
  const id = generateId();
  const key = generateSymmetricKey();
  return attach(createSymmetricClient({ id, key }), c2.register({ name, id, key }));
}

async function publicKeyNode(name: string): Promise<Node> {
  const id = generateId();
  const keys = generateEd25519KeyPair();
  const e4 = createPublicKeyClient({ id, privateKey: keys.privateKey, c2PublicKey: c2Keys.publicKey });
  return attach(e4, c2.register({ name, id, publicKey: keys.publicKey }), keys.publicKey);
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('topics', () => {
  it('matches filters as MQTT does', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/d')).toBe(false);
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('$share/g/a/+', 'a/b')).toBe(true);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
  });

  it('tells whether two filters can match one topic', () => {
    expect(filtersOverlap('up/#', 'down/#')).toBe(false);
    expect(filtersOverlap('a/+/c', 'a/b/#')).toBe(true);
    expect(filtersOverlap('a/b', 'a/b/c')).toBe(false);
    expect(filtersOverlap('a/+', 'a/b')).toBe(true);
    expect(filtersOverlap('#', 'x')).toBe(true);
    expect(sharedSubscription('workers', 'fleet/#')).toBe('$share/workers/fleet/#');
    expect(() => sharedSubscription('a/b', 'x')).toThrow(/group/);
  });

  it('reads only acknowledgements it can parse', () => {
    const digest = 'ab'.repeat(16);
    expect(decodeAck(encodeAck({ digest, ok: true, command: 'SetTopicKey' }))).toEqual({ digest, ok: true, command: 'SetTopicKey' });
    expect(decodeAck(encodeAck({ digest, ok: false, code: 'NotAuthentic' }))).toEqual({ digest, ok: false, code: 'NotAuthentic' });
    expect(decodeAck(new TextEncoder().encode('{"c":"00","ok":true,"command":"SetTopicKey"}'))).toBeNull();
    expect(decodeAck(new TextEncoder().encode(`{"c":"${digest}","ok":true,"command":"Nope"}`))).toBeNull();
    expect(decodeAck(new Uint8Array([0xff]))).toBeNull();
  });
});

describe('adapter and C2', () => {
  it('provisions by acknowledged commands, then protects and unprotects in symmetric mode', async () => {
    const device = await symmetricNode('thermo');
    const ingest = await symmetricNode('ingest');
    const topic = 'plant/1/temp';
    for (const n of [device, ingest]) {
      expect((await c2.enableAcks(n.managed)).confirmedBy).toBe('ack');
    }
    const key = generateSymmetricKey();
    for (const n of [device, ingest]) {
      const outcome = await c2.send(n.managed, cmdSetTopicKey(key, topic));
      expect(outcome).toMatchObject({ command: 'SetTopicKey', confirmedBy: 'ack' });
    }
    expect(device.commands.map((c) => c.command)).toEqual(['SetTopicKey', 'SetTopicKey']);

    await ingest.adapter.subscribe('plant/+/temp');
    await device.adapter.publish(topic, '21.5');
    await waitFor(() => ingest.messages.length === 1, 'the message');
    expect(text(ingest.messages[0].payload)).toBe('21.5');
    expect(ingest.messages[0].topic).toBe(topic);

    // What the broker carries is the protected form, not the plaintext.
    const raw = await connectMqtt(broker.url);
    const seen: Buffer[] = [];
    raw.on('message', (_t, p) => seen.push(p));
    await raw.subscribeAsync(topic, { qos: 1 });
    await device.adapter.publish(topic, 'secret-reading');
    await waitFor(() => seen.length === 1 && ingest.messages.length === 2, 'both copies');
    expect(seen[0].includes(Buffer.from('secret-reading'))).toBe(false);
    expect(text(ingest.messages[1].payload)).toBe('secret-reading');

    // Tampered and unknown-topic messages are reported by code, not delivered.
    const tampered = Buffer.from(seen[0]);
    tampered[tampered.length - 1] ^= 1;
    await raw.publishAsync(topic, tampered, { qos: 1 });
    await raw.publishAsync('plant/2/temp', Buffer.from(seen[0]), { qos: 1 });
    await waitFor(() => ingest.rejected.length === 2, 'two rejections');
    expect(ingest.rejected.map((r) => [r.topic, r.code, r.control])).toEqual([
      [topic, 'NotAuthentic', false],
      ['plant/2/temp', 'TopicKeyNotFound', false],
    ]);
    expect(ingest.messages.length).toBe(2);
    await raw.endAsync();

    // Publishing refuses what E4 refuses, before anything is sent.
    await expect(device.adapter.publish('no/key', 'x')).rejects.toMatchObject({ code: 'TopicKeyNotFound' });
  });

  it('signs in public-key mode and checks signatures on receipt; acknowledgements are signed', async () => {
    const camera = await publicKeyNode('camera');
    const hub = await publicKeyNode('hub');
    const topic = 'door/events';
    const key = generateSymmetricKey();
    for (const n of [camera, hub]) {
      await c2.enableAcks(n.managed);
      await c2.send(n.managed, cmdSetTopicKey(key, topic));
    }
    expect((await c2.send(hub.managed, cmdSetPubKey(camera.publicKey!, { id: camera.managed.id }))).confirmedBy).toBe('ack');
    await hub.adapter.subscribe(topic, { qos: 2 });
    await camera.adapter.publish(topic, 'motion', { qos: 2 });
    await waitFor(() => hub.messages.length === 1, 'the signed event');
    expect(text(hub.messages[0].payload)).toBe('motion');

    // A client whose public key the hub does not hold.
    const stranger = await publicKeyNode('stranger');
    await c2.enableAcks(stranger.managed);
    await c2.send(stranger.managed, cmdSetTopicKey(key, topic));
    await stranger.adapter.publish(topic, 'let me in');
    await waitFor(() => hub.rejected.length === 1, 'the rejection');
    expect(hub.rejected[0].code).toBe('SignerPublicKeyNotFound');
  });

  it('reports a refused command to C2 with the client code', async () => {
    const device = await symmetricNode('refuser');
    await c2.enableAcks(device.managed);
    const failure = await c2.send(device.managed, cmdResetPubKeys()).catch((e) => e);
    expect(isC2Error(failure, 'CommandRejected')).toBe(true);
    expect(failure.clientCode).toBe('UnsupportedOperation');
    expect(device.rejected.map((r) => [r.code, r.control])).toEqual([['UnsupportedOperation', true]]);
  });

  it('rejects forged commands on the control topic', async () => {
    const device = await symmetricNode('target');
    const raw = await connectMqtt(broker.url);
    const forged = new Uint8Array(60).fill(7);
    new DataView(forged.buffer).setUint32(0, Math.floor(Date.now() / 1000), true);
    new DataView(forged.buffer).setUint32(4, 0, true);
    await raw.publishAsync(device.adapter.controlTopic, asBuffer(forged), { qos: 2 });
    await waitFor(() => device.rejected.length === 1, 'the rejection');
    expect(device.rejected[0]).toMatchObject({ code: 'NotAuthentic', control: true });
    expect(device.commands).toEqual([]);
    await raw.endAsync();
  });

  it('confirms by delivery only when the client is not enrolled, and times out without an acknowledgement', async () => {
    const plain = await symmetricNode('no-acks');
    expect((await c2.send(plain.managed, cmdSetTopicKey(generateSymmetricKey(), 't'))).confirmedBy).toBe('delivery');

    const gone = await symmetricNode('gone');
    await c2.enableAcks(gone.managed);
    await gone.adapter.close();
    // A forged acknowledgement of the pending command does not confirm it.
    const raw = await connectMqtt(broker.url);
    raw.on('message', (_t, payload) => {
      const ack = encodeAck({ digest: commandDigest(payload), ok: true, command: 'SetTopicKey' });
      void raw.publishAsync(ackTopicOf(gone.managed.controlTopic), asBuffer(ack), { qos: 1 });
    });
    await raw.subscribeAsync(gone.managed.controlTopic, { qos: 2 });
    const refusedBefore = c2.stats.acksRefused;
    const started = Date.now();
    const failure = await c2.send(gone.managed, cmdSetTopicKey(generateSymmetricKey(), 't')).catch((e) => e);
    expect(isC2Error(failure, 'AckTimeout')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(c2.stats.acksRefused).toBeGreaterThan(refusedBefore);
    await raw.endAsync();
  });

  it('verifies the acks of a client registered again with its ack key, and refuses them once it is unregistered', async () => {
    const device = await symmetricNode('re-registered');
    const ackKey = generateSymmetricKey();
    await c2.enableAcks(device.managed, ackKey);
    // A second C2 (as after a restart) that knows the ack key confirms by ack at once.
    const otherMqtt = await connectMqtt(broker.url);
    const other = await E4MqttC2.create({ mqtt: otherMqtt, ackTimeoutMs: 1000, settleMs: 50 });
    const key = (device.e4 as unknown as { batchParts(): { state: { key: { key: Uint8Array } } } }).batchParts().state.key.key;
    const again = other.register({ name: 're-registered', id: device.managed.id, key, ackKey });
    const published: string[] = [];
    const outcome = await other.send(again, cmdSetTopicKey(generateSymmetricKey(), 'r/r'), { onPublished: () => published.push('published') });
    expect(outcome.confirmedBy).toBe('ack');
    expect(published).toEqual(['published']);
    // Confirmation by delivery on demand, for a client enrolled in acks.
    expect((await other.send(again, cmdSetTopicKey(generateSymmetricKey(), 'r/s'), { acknowledged: false })).confirmedBy).toBe('delivery');
    other.unregister(again);
    expect(() => other.send(again, cmdSetTopicKey(generateSymmetricKey(), 'r/r'))).toThrow(/unknown client/);
    await other.close();
    await otherMqtt.endAsync();
  });

  it('confirms the same command sent twice at once, each by its own acknowledgement', async () => {
    const device = await symmetricNode('twice');
    await c2.enableAcks(device.managed);
    const command = cmdSetTopicKey(generateSymmetricKey(), 'twice/t');
    // Within one second both are the same bytes: one acknowledgement must not answer both.
    const outcomes = await Promise.all([c2.send(device.managed, command), c2.send(device.managed, command)]);
    expect(outcomes.map((o) => o.confirmedBy)).toEqual(['ack', 'ack']);
    expect(device.commands.map((c) => c.command)).toEqual(['SetTopicKey', 'SetTopicKey', 'SetTopicKey']);
  });

  it('close unsubscribes and detaches from the mqtt.js client', async () => {
    const device = await symmetricNode('closer');
    await c2.send(device.managed, cmdSetTopicKey(generateSymmetricKey(), 'x/y'));
    await device.adapter.subscribe('x/#');
    const listeners = device.mqtt.listenerCount('message');
    await device.adapter.close();
    expect(device.mqtt.listenerCount('message')).toBe(listeners - 1);
    // Nothing reaches the closed adapter; the connection itself stays open.
    const raw = await connectMqtt(broker.url);
    await raw.publishAsync('x/y', Buffer.from('garbage'), { qos: 1 });
    await raw.publishAsync(device.adapter.controlTopic, Buffer.from('garbage'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(device.rejected).toEqual([]);
    expect(device.mqtt.connected).toBe(true);
    await expect(device.adapter.publish('x/y', 'z')).rejects.toThrow(/closed/);
    await raw.endAsync();
  });
});

describe('rotation', () => {
  async function pair(topic: string) {
    const sender = await symmetricNode('sender');
    const receiver = await symmetricNode('receiver');
    const key = generateSymmetricKey();
    for (const n of [sender, receiver]) {
      await c2.enableAcks(n.managed);
      await c2.send(n.managed, cmdSetTopicKey(key, topic));
    }
    await receiver.adapter.subscribe(topic);
    return { sender, receiver };
  }

  it('gives receivers the key before senders: nothing is lost while messages flow', async () => {
    const topic = 'rotate/flow';
    const { sender, receiver } = await pair(topic);
    const order: string[] = [];
    sender.adapter.on('command', () => order.push('sender'));
    receiver.adapter.on('command', () => order.push('receiver'));
    let sent = 0;
    let running = true;
    const pump = (async () => {
      while (running) {
        await sender.adapter.publish(topic, String(sent++));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await waitFor(() => receiver.messages.length > 20, 'traffic before the rotation');
    const result = await c2.rotateTopicKey(topic, {
      receivers: [receiver.managed],
      senders: [sender.managed],
      onReceiversReady: () => order.push('receivers ready'),
      senderDelayMs: 50,
    });
    await waitFor(() => receiver.messages.length > sent - 1 && sent > 0, 'traffic after the rotation');
    running = false;
    await pump;
    await waitFor(() => receiver.messages.length === sent, 'every message');
    expect(order).toEqual(['receiver', 'receivers ready', 'sender']);
    expect(result.receivers.map((o) => o.confirmedBy)).toEqual(['ack']);
    expect(result.senders.map((o) => o.confirmedBy)).toEqual(['ack']);
    expect(receiver.rejected).toEqual([]);
    expect(receiver.messages.map((m) => Number(text(m.payload)))).toEqual([...Array(sent).keys()]);
  });

  it('the opposite order loses the messages sent in between', async () => {
    const topic = 'rotate/wrong-order';
    const { sender, receiver } = await pair(topic);
    const key = generateSymmetricKey();
    await c2.send(sender.managed, cmdSetTopicKey(key, topic));
    await sender.adapter.publish(topic, 'lost');
    await waitFor(() => receiver.rejected.length === 1, 'the rejection');
    expect(receiver.rejected[0].code).toBe('NotAuthentic');
  });

  it('stops before any sender when a receiver does not confirm', async () => {
    const topic = 'rotate/abort';
    const { sender, receiver } = await pair(topic);
    const offline = await symmetricNode('offline');
    await c2.enableAcks(offline.managed);
    await offline.adapter.close();
    const before = sender.e4.exportState();
    const failure = await c2
      .rotateTopicKey(topic, { receivers: [receiver.managed, offline.managed], senders: [sender.managed] })
      .catch((e) => e);
    expect(isC2Error(failure, 'RotationAborted')).toBe(true);
    expect(failure.failures.map((f: { client: ManagedClient }) => f.client.name)).toEqual(['offline']);
    expect(failure.message).toMatch(/stopped before any sender/);
    expect(sender.e4.exportState()).toBe(before);
    // The receiver already holds the new key and still reads the sender's old one.
    await sender.adapter.publish(topic, 'still read');
    await waitFor(() => receiver.messages.length === 1, 'the message');
    expect(receiver.rejected).toEqual([]);
  });

  it('serialises rotations of one topic', async () => {
    const topic = 'rotate/serial';
    const { sender, receiver } = await pair(topic);
    const log: string[] = [];
    sender.adapter.on('command', () => log.push('sender'));
    receiver.adapter.on('command', () => log.push('receiver'));
    const both = { receivers: [receiver.managed], senders: [sender.managed] };
    await Promise.all([c2.rotateTopicKey(topic, both), c2.rotateTopicKey(topic, both)]);
    expect(log).toEqual(['receiver', 'sender', 'receiver', 'sender']);
    await sender.adapter.publish(topic, 'after two rotations');
    await waitFor(() => receiver.messages.length === 1, 'the message');
  });
});
