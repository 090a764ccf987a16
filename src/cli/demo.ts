/**
 * `e4ts demo`: a whole E4 fleet over MQTT in one process, checked as it runs.
 *
 * - a broker: aedes embedded on a free loopback port, or `--broker mqtt://host:port`;
 * - C2 provisions every client by protected commands on its control topic (QoS 2), each one
 *   acknowledged by the client (see src/mqtt/ack.ts);
 * - devices, half symmetric and half public-key (signing), publish protected telemetry;
 * - an ingestion service (one client of each mode) unprotects everything;
 * - mid-run, C2 rotates every telemetry topic's key with `rotateTopicKey`: receivers first,
 *   then senders, so the key transition reads what senders still protect under the old key;
 * - a tampering device publishes corrupted messages, which must all be rejected by code;
 * - an eavesdropper subscribed to everything checks that no payload holds plaintext or a key.
 *
 * The report says what was sent, received, lost and rejected; any loss, undecryptable message,
 * accepted tampering or plaintext seen fails the run.
 */
import type { MqttClient } from 'mqtt';
import { cmdSetPubKey, cmdSetTopicKey, generateEd25519KeyPair, generateId, generateSymmetricKey, generateX25519KeyPair } from '../c2.ts';
import type { E4Client } from '../client/client.ts';
import { createPublicKeyClient } from '../client/publicKey.ts';
import { createSymmetricClient } from '../client/symmetric.ts';
import { writeTimestamp } from '../protocol/clock.ts';
import { toHex } from '../utils.ts';
import { asBuffer, E4MqttClient } from '../mqtt/adapter.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../mqtt/broker.ts';
import { E4MqttC2, type ManagedClient } from '../mqtt/c2.ts';
import { openMqtt } from '../mqtt/connect.ts';
import { CONTROL_TOPIC_PREFIX } from '../protocol/sizes.ts';
import type { CliIo } from './io.ts';

export interface DemoOptions {
  /** `mqtt://host:port` of a running broker; default an embedded one. */
  broker?: string;
  /** Simulated devices besides the tampering one (default 6). */
  devices: number;
  /** Messages per second per device. */
  rate: number;
  /** Seconds of telemetry; the rotation happens halfway. */
  duration: number;
  json: boolean;
  /** MQTT protocol version: 4 (3.1.1) or 5. */
  mqttVersion: 4 | 5;
}

export interface DemoReport {
  ok: boolean;
  failures: string[];
  broker: { url: string; embedded: boolean };
  durationMs: number;
  ratePerDevice: number;
  devices: { total: number; symmetric: number; publicKey: number; provisioned: number; tampering: number };
  commands: { sent: number; acknowledged: number };
  telemetry: { sent: number; received: number; lost: number; duplicates: number; undecryptable: number; perSecond: number };
  rotation: {
    done: boolean;
    topics: number;
    atMs: number | null;
    receiversFirst: boolean;
    readThroughTransition: number;
    lost: number;
  };
  tampering: { sent: number; rejected: number; accepted: number; byCode: Record<string, number> };
  eavesdropper: { payloads: number; plaintextSeen: number; keysSeen: number };
  errors: { byCode: Record<string, number> };
  interrupted: boolean;
}

type Mode = 'symmetric' | 'publicKey';

interface Actor {
  name: string;
  mode: Mode;
  e4: E4Client;
  adapter: E4MqttClient;
  managed: ManagedClient;
  publicKey: Uint8Array | null;
}

interface Device extends Actor {
  topic: string;
  topicKey: Uint8Array;
  sent: number;
  /** How many telemetry keys it has received: 1 after provisioning, 2 after the rotation. */
  keyEpoch: number;
  setTopicKeys: number;
  received: Map<number, number>;
  tampering: boolean;
}

interface Telemetry {
  d: string;
  seq: number;
  k: number;
  celsius: number;
  canary: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(b);
  return toHex(b);
}

function countInto(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

function codesText(table: Record<string, number>): string {
  const entries = Object.entries(table);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => code + ' ' + n).join(', ');
}

/** Runs the demo; the report's `ok` is the verdict. */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<DemoReport> {
  const human = !options.json;
  const tty = io.stdout.isTTY === true;
  const say = (line: string) => {
    if (human) io.stdout.write(line + '\n');
  };
  /** A line above the live status line (which the next tick redraws). */
  const printAbove = (line: string) => {
    if (human && tty) io.stdout.write('\r\x1b[K');
    say(line);
  };
  const run = randomHex(4);
  const prefix = 'e4ts-demo/' + run;
  const canary = 'canary-' + randomHex(8);
  const canaryBytes = Buffer.from(canary);
  const secrets: Buffer[] = [];
  const keep = (key: Uint8Array) => {
    secrets.push(Buffer.from(key));
    return key;
  };

  const connections: MqttClient[] = [];
  const adapters: E4MqttClient[] = [];
  const clients: E4Client[] = [];
  let broker: EmbeddedBroker | null = null;
  let c2: E4MqttC2 | null = null;
  const timers: ReturnType<typeof setInterval>[] = [];

  const report: DemoReport = {
    ok: false,
    failures: [],
    broker: { url: options.broker ?? '', embedded: options.broker === undefined },
    durationMs: 0,
    ratePerDevice: options.rate,
    devices: { total: 0, symmetric: 0, publicKey: 0, provisioned: 0, tampering: 1 },
    commands: { sent: 0, acknowledged: 0 },
    telemetry: { sent: 0, received: 0, lost: 0, duplicates: 0, undecryptable: 0, perSecond: 0 },
    rotation: { done: false, topics: 0, atMs: null, receiversFirst: false, readThroughTransition: 0, lost: 0 },
    tampering: { sent: 0, rejected: 0, accepted: 0, byCode: {} },
    eavesdropper: { payloads: 0, plaintextSeen: 0, keysSeen: 0 },
    errors: { byCode: {} },
    interrupted: false,
  };

  const connect = async (name: string) => {
    const client = await openMqtt(report.broker.url, {
      clientId: 'e4ts-demo-' + run + '-' + name,
      protocolVersion: options.mqttVersion,
      reconnectPeriod: 1000,
    });
    connections.push(client);
    return client;
  };

  try {
    if (options.broker === undefined) {
      broker = await startEmbeddedBroker();
      report.broker.url = broker.url;
    }
    say('e4ts demo: an E4 fleet over MQTT');
    say('  broker        ' + report.broker.url + (report.broker.embedded ? ' (embedded aedes, MQTT 3.1.1)' : ''));

    // C2, with its own X25519 key pair for the public-key clients.
    const c2Keys = generateX25519KeyPair();
    c2 = await E4MqttC2.create({ mqtt: await connect('c2'), c2PrivateKey: c2Keys.privateKey, ackTimeoutMs: 10_000 });
    const controller = c2;

    // The eavesdropper: subscribed to the whole fleet and every control topic, as the broker sees them.
    const eavesdropper = await connect('eavesdropper');
    let sampled = false;
    eavesdropper.on('message', (topic, payload) => {
      if (!topic.startsWith(prefix + '/') && !topic.startsWith(CONTROL_TOPIC_PREFIX)) return;
      report.eavesdropper.payloads++;
      if (payload.includes(canaryBytes)) report.eavesdropper.plaintextSeen++;
      for (const secret of secrets) if (payload.includes(secret)) report.eavesdropper.keysSeen++;
      if (!sampled && topic.endsWith('/telemetry') && !topic.includes('/tamperer/')) {
        sampled = true;
        printAbove('  on the wire   ' + topic.slice(prefix.length + 1) + ': ' + payload.subarray(0, 24).toString('hex') + '… (' + payload.length + ' bytes)');
      }
    });
    await eavesdropper.subscribeAsync([prefix + '/#', CONTROL_TOPIC_PREFIX + '#'], { qos: 1 });

    // Clients, with the keys C2 shares with them out of band (their client key or public key).
    const makeActor = async (name: string, mode: Mode): Promise<Actor> => {
      const id = generateId();
      let e4: E4Client;
      let managed: ManagedClient;
      let publicKey: Uint8Array | null = null;
      if (mode === 'symmetric') {
        const key = keep(generateSymmetricKey());
        e4 = createSymmetricClient({ id, key });
        managed = controller.register({ name, id, key });
      } else {
        const pair = generateEd25519KeyPair();
        keep(pair.privateKey.subarray(0, 32));
        publicKey = pair.publicKey;
        e4 = createPublicKeyClient({ id, privateKey: pair.privateKey, c2PublicKey: c2Keys.publicKey });
        managed = controller.register({ name, id, publicKey });
      }
      clients.push(e4);
      const adapter = await E4MqttClient.create({ mqtt: await connect(name), e4 });
      adapters.push(adapter);
      return { name, mode, e4, adapter, managed, publicKey };
    };
    const devices: Device[] = [];
    for (let i = 0; i <= options.devices; i++) {
      const tampering = i === options.devices;
      const mode: Mode = tampering || i % 2 === 0 ? 'symmetric' : 'publicKey';
      const name = tampering ? 'tamperer' : 'sensor-' + String(i + 1).padStart(2, '0');
      const actor = await makeActor(name, mode);
      const device: Device = {
        ...actor,
        topic: prefix + '/' + (mode === 'symmetric' ? 'sym' : 'pk') + '/' + name + '/telemetry',
        topicKey: keep(generateSymmetricKey()),
        sent: 0,
        keyEpoch: 0,
        setTopicKeys: 0,
        received: new Map(),
        tampering,
      };
      // Its first SetTopicKey is the ack topic's; each later one is a telemetry key.
      device.adapter.on('command', (e) => {
        if (e.command === 'SetTopicKey' && ++device.setTopicKeys > 1) device.keyEpoch = device.setTopicKeys - 1;
      });
      devices.push(device);
    }
    const honest = devices.filter((d) => !d.tampering);
    report.devices.total = honest.length;
    report.devices.symmetric = honest.filter((d) => d.mode === 'symmetric').length;
    report.devices.publicKey = honest.filter((d) => d.mode === 'publicKey').length;
    const ingestion: Record<Mode, Actor> = {
      symmetric: await makeActor('ingest-sym', 'symmetric'),
      publicKey: await makeActor('ingest-pk', 'publicKey'),
    };

    // Provisioning: every command protected for its client, QoS 2, acknowledged.
    const started = Date.now();
    const provision = async (actor: Actor, commands: Uint8Array[]) => {
      await controller.enableAcks(actor.managed, keep(generateSymmetricKey()));
      for (const command of commands) await controller.send(actor.managed, command);
    };
    await Promise.all([
      ...devices.map((d) => provision(d, [cmdSetTopicKey(d.topicKey, d.topic)])),
      ...(['symmetric', 'publicKey'] as Mode[]).map((mode) => {
        const mine = devices.filter((d) => d.mode === mode);
        const commands = mine.map((d) => cmdSetTopicKey(d.topicKey, d.topic));
        for (const d of mine) if (d.publicKey !== null) commands.push(cmdSetPubKey(d.publicKey, { id: d.managed.id }));
        return provision(ingestion[mode], commands);
      }),
    ]);
    report.devices.provisioned = honest.filter((d) => d.keyEpoch === 1).length;
    const stats = controller.stats;
    say(
      '  provisioning  ' + devices.length + ' devices (' + report.devices.symmetric + ' symmetric, ' + report.devices.publicKey +
        ' public-key, 1 tampering) and 2 ingestion clients: ' + stats.commandsSent + ' commands at QoS 2, ' + stats.acknowledged +
        ' acknowledged, in ' + (Date.now() - started) + ' ms',
    );

    // Ingestion: one subscription per mode; everything it reads is checked against what was sent.
    const byTopic = new Map(devices.map((d) => [d.topic, d]));
    const receiversReady = new Set<string>();
    /** When each of the last second's messages was read, for the rate. */
    const recentReads: number[] = [];
    let firstRead = true;
    for (const mode of ['symmetric', 'publicKey'] as Mode[]) {
      const adapter = ingestion[mode].adapter;
      adapter.on('message', (e) => {
        const device = byTopic.get(e.topic);
        if (device === undefined) return;
        if (device.tampering) {
          report.tampering.accepted++;
          return;
        }
        let body: Telemetry;
        try {
          body = JSON.parse(new TextDecoder().decode(e.payload)) as Telemetry;
        } catch {
          countInto(report.errors.byCode, 'MalformedPayload');
          return;
        }
        device.received.set(body.seq, (device.received.get(body.seq) ?? 0) + 1);
        recentReads.push(Date.now());
        if (body.k === 1 && receiversReady.has(e.topic)) report.rotation.readThroughTransition++;
        if (firstRead) {
          firstRead = false;
          printAbove('  ingestion     reads ' + new TextDecoder().decode(e.payload));
        }
      });
      adapter.on('rejected', (e) => {
        countInto(report.errors.byCode, e.code);
        const device = byTopic.get(e.topic);
        if (device !== undefined && device.tampering) {
          report.tampering.rejected++;
          countInto(report.tampering.byCode, e.code);
        } else report.telemetry.undecryptable++;
      });
    }
    await ingestion.symmetric.adapter.subscribe(prefix + '/sym/+/telemetry', { qos: 1 });
    await ingestion.publicKey.adapter.subscribe(prefix + '/pk/+/telemetry', { qos: 1 });

    // Telemetry.
    const publishFailures: string[] = [];
    const inFlight = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>) => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };
    const reading = (d: Device): Telemetry => ({
      d: d.name,
      seq: d.sent,
      k: d.keyEpoch,
      celsius: Math.round((18 + 6 * Math.random()) * 100) / 100,
      canary,
    });
    let tamperKind = 0;
    const tick = (d: Device) => {
      const body = JSON.stringify(reading(d));
      d.sent++;
      if (!d.tampering) {
        report.telemetry.sent++;
        track(d.adapter.publish(d.topic, body, { qos: 1 }).catch((e: Error) => publishFailures.push(d.name + ': ' + e.message)));
        return;
      }
      // The tamperer protects like any device, then breaks the message on its way out.
      const message = d.e4.protect(new TextEncoder().encode(body), d.topic);
      const kind = tamperKind++ % 3;
      let broken: Uint8Array;
      if (kind === 0) {
        broken = message.slice();
        broken[broken.length - 1] ^= 0x01;
      } else if (kind === 1) broken = message.slice(0, 20);
      else {
        broken = message.slice();
        writeTimestamp(Date.now() - 2 * 3600_000, broken, 0);
      }
      report.tampering.sent++;
      track(d.adapter.mqtt.publishAsync(d.topic, asBuffer(broken), { qos: 1 }).catch((e: Error) => publishFailures.push(d.name + ': ' + e.message)));
    };
    const periodMs = 1000 / options.rate;
    const runStarted = Date.now();
    devices.forEach((d, i) => {
      // Spread the devices over one period so the load is even.
      const start = setTimeout(() => {
        tick(d);
        timers.push(setInterval(() => tick(d), periodMs));
      }, (periodMs * i) / devices.length);
      timers.push(start);
    });

    // The live status line.
    const received = () => honest.reduce((n, d) => n + d.received.size, 0);
    const statusLine = () => {
      const now = Date.now();
      while (recentReads.length > 0 && recentReads[0] < now - 1000) recentReads.shift();
      const seconds = Math.min(1, (now - runStarted) / 1000);
      const rate = seconds > 0 ? recentReads.length / seconds : 0;
      return (
        '  ' + ((now - runStarted) / 1000).toFixed(1).padStart(5) + ' s  sent ' + report.telemetry.sent + '  received ' + received() + '  ' +
        rate.toFixed(0) + ' msg/s  eavesdropper: ' + report.eavesdropper.payloads + ' payloads, ' + report.eavesdropper.plaintextSeen +
        ' plaintext  rejected: ' + codesText(report.errors.byCode)
      );
    };
    let lastStatus = '';
    const showStatus = (final: boolean) => {
      if (!human) return;
      const line = statusLine();
      // Cut to the terminal's width: a wrapped line could not be redrawn in place.
      const width = io.stdout.columns ?? 0;
      const shown = width > 10 && line.length >= width ? line.slice(0, width - 2) + '…' : line;
      if (tty) io.stdout.write('\r\x1b[K' + shown + (final ? '\n' : ''));
      else if (line !== lastStatus) io.stdout.write(line + '\n');
      lastStatus = line;
    };
    timers.push(setInterval(() => showStatus(false), tty ? 250 : 1000));

    const interrupted = new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const waitOrInterrupt = (ms: number) => Promise.race([sleep(ms), interrupted]);

    // Halfway: rotate every telemetry topic's key, receivers first.
    const durationMs = options.duration * 1000;
    await waitOrInterrupt(durationMs / 2);
    if (!io.signal.aborted) {
      const at = Date.now() - runStarted;
      const rotationStarted = Date.now();
      let receiversDone = 0;
      let sendersBeforeReceivers = false;
      const results = await Promise.all(
        devices.map((d) => {
          const receiver = ingestion[d.mode];
          const watch = () => {
            if (!receiversReady.has(d.topic)) sendersBeforeReceivers = true;
          };
          d.adapter.once('command', watch);
          return controller
            .rotateTopicKey(d.topic, {
              receivers: [receiver.managed],
              senders: [d.managed],
              key: keep(generateSymmetricKey()),
              // Senders get the key about two messages later: the receivers read those through the transition.
              senderDelayMs: Math.min(2 * periodMs, 1000),
              onReceiversReady: () => {
                receiversReady.add(d.topic);
                receiversDone++;
              },
            })
            .then((r) => r, (e: Error) => e);
        }),
      );
      const failed = results.filter((r): r is Error => r instanceof Error);
      report.rotation.done = failed.length === 0;
      report.rotation.topics = results.length - failed.length;
      report.rotation.atMs = at;
      report.rotation.receiversFirst = !sendersBeforeReceivers && receiversDone === devices.length;
      for (const f of failed) report.failures.push('rotation: ' + f.message);
      printAbove(
        '  rotation      at ' + (at / 1000).toFixed(1) + ' s: new keys for ' + report.rotation.topics + ' topics, receivers first (acknowledged), then senders, in ' +
          (Date.now() - rotationStarted) + ' ms',
      );
    }
    await waitOrInterrupt(Math.max(0, runStarted + durationMs - Date.now()));
    report.interrupted = io.signal.aborted;

    // Stop the devices, then let what is in flight arrive.
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([...inFlight]);
    const drained = Date.now() + 3000;
    while (
      Date.now() < drained &&
      (received() < report.telemetry.sent || report.tampering.rejected + report.tampering.accepted < report.tampering.sent)
    ) {
      await sleep(20);
    }
    showStatus(true);
    report.durationMs = Date.now() - runStarted;

    // The verdict.
    for (const d of honest) {
      for (let seq = 0; seq < d.sent; seq++) {
        const n = d.received.get(seq) ?? 0;
        if (n === 0) report.telemetry.lost++;
        if (n > 1) report.telemetry.duplicates += n - 1;
      }
    }
    report.telemetry.received = received();
    report.telemetry.perSecond = Math.round((report.telemetry.received / Math.max(1, report.durationMs)) * 10000) / 10;
    report.rotation.lost = report.telemetry.lost;
    const after = controller.stats;
    report.commands = { sent: after.commandsSent, acknowledged: after.acknowledged };
    const f = report.failures;
    if (report.devices.provisioned !== report.devices.total) f.push('provisioning: ' + report.devices.provisioned + ' of ' + report.devices.total + ' devices');
    if (report.telemetry.sent === 0) f.push('telemetry: nothing was sent');
    if (report.telemetry.lost > 0) f.push('telemetry: ' + report.telemetry.lost + ' messages lost');
    if (report.telemetry.undecryptable > 0) f.push('telemetry: ' + report.telemetry.undecryptable + ' messages could not be unprotected');
    if (!report.interrupted && !report.rotation.done) f.push('rotation: not done');
    if (report.rotation.atMs !== null && !report.rotation.receiversFirst) f.push('rotation: a sender got the key before its receivers');
    if (report.tampering.accepted > 0) f.push('tampering: ' + report.tampering.accepted + ' tampered messages accepted');
    if (report.tampering.rejected !== report.tampering.sent) f.push('tampering: ' + report.tampering.rejected + ' of ' + report.tampering.sent + ' tampered messages rejected');
    if (report.eavesdropper.plaintextSeen > 0) f.push('eavesdropper: saw plaintext in ' + report.eavesdropper.plaintextSeen + ' payloads');
    if (report.eavesdropper.keysSeen > 0) f.push('eavesdropper: saw a key in ' + report.eavesdropper.keysSeen + ' payloads');
    if (report.eavesdropper.payloads === 0) f.push('eavesdropper: saw nothing');
    for (const p of publishFailures) f.push('publish failed: ' + p);
    report.ok = f.length === 0;

    if (human) {
      say('');
      say('Summary');
      say('  devices       ' + report.devices.provisioned + ' of ' + report.devices.total + ' provisioned (' + report.devices.symmetric + ' symmetric, ' +
        report.devices.publicKey + ' public-key) + 1 tampering; ' + report.commands.sent + ' commands, ' + report.commands.acknowledged + ' acknowledged');
      say('  telemetry     ' + report.telemetry.sent + ' sent, ' + report.telemetry.received + ' received and unprotected, ' + report.telemetry.lost + ' lost, ' +
        report.telemetry.undecryptable + ' undecryptable (' + report.telemetry.perSecond + ' msg/s)');
      say('  rotation      ' + (report.rotation.done ? report.rotation.topics + ' topics, receivers first; ' + report.rotation.readThroughTransition +
        ' messages read under the old key through the transition; ' + report.rotation.lost + ' lost' : 'not done'));
      say('  tampering     ' + report.tampering.sent + ' tampered messages, ' + report.tampering.rejected + ' rejected (' + codesText(report.tampering.byCode) +
        '), ' + report.tampering.accepted + ' accepted');
      say('  eavesdropper  ' + report.eavesdropper.payloads + ' payloads seen on the broker, ' + report.eavesdropper.plaintextSeen + ' with plaintext, ' +
        report.eavesdropper.keysSeen + ' with a key');
      say(report.ok ? 'OK' : 'FAILED: ' + f.join('; '));
    }
    return report;
  } finally {
    for (const t of timers) clearInterval(t);
    for (const a of adapters) await a.close().catch(() => undefined);
    if (c2 !== null) await c2.close().catch(() => undefined);
    await Promise.allSettled(connections.map((c) => c.endAsync(true)));
    if (broker !== null) await broker.close();
    for (const e4 of clients) e4.destroy();
  }
}
