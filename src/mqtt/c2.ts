/**
 * The C2 side over MQTT: sends protected commands to clients on their control topics (QoS 2),
 * waits for each client's acknowledgement (see `./ack.ts`), and rotates topic keys so that no
 * message is lost.
 *
 * Why a rotation loses nothing. A client that receives a new topic key keeps the previous one for
 * 60 minutes (E4's key transition), so a receiver holding the new key still reads every message
 * protected with the old one; a receiver holding only the old key reads nothing protected with
 * the new one. `rotateTopicKey` therefore:
 *
 * 1. sends the new key to every receiver and waits until each has acknowledged applying it (its
 *    authenticated acknowledgement, not the QoS 2 handshake, which only says the broker holds the
 *    command: a client that is offline, slow or refusing the command would pass that test);
 * 2. only then sends it to the senders. Messages they protect under the old key until their
 *    command arrives are read through the transition, as long as that is within 60 minutes.
 *
 * If a receiver does not confirm, the rotation stops before any sender (`RotationAborted`):
 * senders keep the old key, which every receiver still reads; retrying with the same `key` is
 * safe (a client given the key it already holds changes nothing). A client that both sends and
 * receives on the topic is treated as a receiver; what it publishes between its own update and
 * the other receivers' is readable only by those already updated, so keep roles apart where no
 * loss is acceptable. Rotations of one topic are serialised: a receiver keeps one previous key,
 * so a second rotation must wait until every sender holds the first new key.
 *
 * Clients not enrolled in acknowledgements (`enableAcks`) are confirmed by delivery only: the
 * QoS 2 publish completing plus `settleMs`. That holds for connected clients that keep up, not in
 * general; the result says which confirmation each client gave.
 */
import { EventEmitter } from 'node:events';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { cmdSetTopicKey, generateSymmetricKey, protectCommand, sharedKeyForClient } from '../c2.ts';
import { checkId, controlTopicOf } from '../client/client.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { nobleCurves } from '../keys/curves.ts';
import { C_CLIENT_WINDOW, checkTimestamp, systemClock, type Clock, type TimestampWindow } from '../protocol/clock.ts';
import { decodeCommand, type CommandName } from '../protocol/commands.ts';
import {
  checkPublicKeyLength,
  checkSymmetricKey,
  checkSymmetricMessage,
  openPublicKeyBody,
  openSymmetric,
  signatureOf,
  signedPart,
  signerIdOf,
} from '../protocol/messages.ts';
import { ED25519_PUBLIC_KEY_LEN } from '../protocol/sizes.ts';
import { assertBytes, copyBytes, equalBytes, toHex } from '../utils.ts';
import { commandDigest, decodeAck, type CommandAck } from './ack.ts';
import { asBuffer, checkGrants } from './adapter.ts';
import { ACK_FILTER, ackTopicOf } from './topics.ts';

export type C2ErrorCode =
  | 'AckTimeout'
  | 'CommandRejected'
  | 'PublishFailed'
  | 'RotationAborted'
  | 'RotationIncomplete'
  | 'Closed';

/** A failure of the C2 side: `code`, and for rotations the clients that did not confirm. */
export interface C2Error extends Error {
  readonly name: 'E4C2Error';
  readonly code: C2ErrorCode;
  /** For `CommandRejected`: the code the client refused the command with. */
  readonly clientCode?: E4ErrorCode;
  /** For rotations: each client that did not confirm, and why. */
  readonly failures?: ReadonlyArray<{ client: ManagedClient; error: C2Error }>;
}

function c2Error(code: C2ErrorCode, message: string, extra: Partial<C2Error> = {}): C2Error {
  const error = Object.assign(new Error(message), { name: 'E4C2Error', code }, extra);
  return error as C2Error;
}

export function isC2Error(e: unknown, code?: C2ErrorCode): e is C2Error {
  return e instanceof Error && e.name === 'E4C2Error' && (code === undefined || (e as C2Error).code === code);
}

/** A client C2 manages, as `register` returns it. */
export interface ManagedClient {
  readonly name: string;
  readonly id: Uint8Array;
  readonly controlTopic: string;
  readonly mode: 'symmetric' | 'publicKey';
}

/** A symmetric client: its id and client key. */
export interface SymmetricRegistration {
  name?: string;
  id: Uint8Array;
  key: Uint8Array;
  /** A client enrolled earlier: the ack key `enableAcks` gave it (a C2 that restarted still verifies its acks). */
  ackKey?: Uint8Array;
}

/** A public-key client: its id and Ed25519 public key (C2 derives the key they share). */
export interface PublicKeyRegistration {
  name?: string;
  id: Uint8Array;
  publicKey: Uint8Array;
  /** As for symmetric clients. */
  ackKey?: Uint8Array;
}

export interface SendOptions {
  /**
   * Wait for the client's acknowledgement (default: when it is enrolled). False confirms by
   * delivery: for a command after which the client cannot acknowledge, such as ResetTopics,
   * which takes its ack key away too; the acknowledgement of the next command, once the ack key
   * is sent again, confirms both (one publisher's messages on a topic arrive in order).
   */
  acknowledged?: boolean;
  /** Called once the broker holds the command (its QoS 2 publish completed), before the acknowledgement. */
  onPublished?: () => void;
}

export interface CommandOutcome {
  client: ManagedClient;
  command: CommandName;
  /** `ack`: the client's authenticated acknowledgement; `delivery`: QoS 2 completion and `settleMs`. */
  confirmedBy: 'ack' | 'delivery';
  ms: number;
}

export interface RotateOptions {
  /** Clients that read the topic: they get the new key first. */
  receivers: ManagedClient[];
  /** Clients that publish on it: they get the key once every receiver has confirmed. */
  senders: ManagedClient[];
  /** The new key; default a random one. Pass the same key to retry an aborted rotation. */
  key?: Uint8Array;
  /** Called once every receiver has confirmed, before any sender is sent the key. */
  onReceiversReady?: () => void;
  /** Waits this long between the two phases (staggering large fleets, or showing the transition). */
  senderDelayMs?: number;
}

export interface RotationResult {
  topic: string;
  /** The new topic key (C2 keeps it to provision clients that join later). */
  key: Uint8Array;
  receivers: CommandOutcome[];
  senders: CommandOutcome[];
}

export interface E4MqttC2Options {
  /** C2's connection; it subscribes to `e4/+/ack`. */
  mqtt: MqttClient;
  /** C2's X25519 private key: needed to register public-key clients. */
  c2PrivateKey?: Uint8Array;
  /** How long to wait for an acknowledgement (default 10 s). */
  ackTimeoutMs?: number;
  /** Delivery-only confirmation: the wait after the QoS 2 publish completes (default 500 ms). */
  settleMs?: number;
  clock?: Clock;
  /** Accepted age and skew of acknowledgements (default 10 minutes either way, as clocks differ). */
  ackWindow?: TimestampWindow;
}

export interface C2Stats {
  commandsSent: number;
  acknowledged: number;
  /** Messages on ack topics that failed verification (forged, replayed, unknown client or command). */
  acksRefused: number;
}

export interface E4MqttC2Events {
  /** A command sent and confirmed. */
  confirmed: (outcome: CommandOutcome) => void;
  /** A message on an ack topic that is not a valid acknowledgement of a pending command. */
  ackRefused: (event: { topic: string; reason: string }) => void;
}

interface ClientRecord extends ManagedClient {
  commandKey: Uint8Array;
  signingKey: Uint8Array | null;
  ackKey: Uint8Array | null;
  /** A new ack key sent and not yet confirmed. */
  nextAckKey: Uint8Array | null;
}

/** How a wait for an acknowledgement ends. */
type AckWait = { kind: 'ack'; ack: CommandAck } | { kind: 'timeout' } | { kind: 'closed' };

interface Pending {
  record: ClientRecord;
  resolve: (result: AckWait) => void;
  /** Resolves once the command's wait is over, whatever its outcome. */
  over: Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class E4MqttC2 {
  readonly mqtt: MqttClient;
  private readonly c2PrivateKey: Uint8Array | null;
  private readonly ackTimeoutMs: number;
  private readonly settleMs: number;
  private readonly clock: Clock;
  private readonly ackWindow: TimestampWindow;
  private readonly clients = new Map<string, ClientRecord>();
  private readonly records = new WeakMap<ManagedClient, ClientRecord>();
  private readonly pending = new Map<string, Pending>();
  private readonly rotations = new Map<string, Promise<unknown>>();
  private readonly events = new EventEmitter();
  private readonly listener: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
  private readonly counters: C2Stats = { commandsSent: 0, acknowledged: 0, acksRefused: 0 };
  private closed = false;

  /** Subscribes to every client's ack topic (resolves on SUBACK). */
  static async create(options: E4MqttC2Options): Promise<E4MqttC2> {
    const c2 = new E4MqttC2(options);
    try {
      checkGrants(await options.mqtt.subscribeAsync(ACK_FILTER, { qos: 1 }));
    } catch (e) {
      c2.mqtt.off('message', c2.listener);
      throw e;
    }
    return c2;
  }

  private constructor(options: E4MqttC2Options) {
    this.mqtt = options.mqtt;
    this.c2PrivateKey = options.c2PrivateKey === undefined ? null : copyBytes(assertBytes(options.c2PrivateKey, 'c2PrivateKey', 32));
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.settleMs = options.settleMs ?? 500;
    this.clock = options.clock ?? systemClock;
    this.ackWindow = options.ackWindow ?? C_CLIENT_WINDOW;
    this.listener = (topic, payload) => this.handleAck(topic, payload);
    this.mqtt.on('message', this.listener);
  }

  get stats(): C2Stats {
    return { ...this.counters };
  }

  on<K extends keyof E4MqttC2Events>(event: K, listener: E4MqttC2Events[K]): this {
    this.events.on(event, listener);
    return this;
  }

  off<K extends keyof E4MqttC2Events>(event: K, listener: E4MqttC2Events[K]): this {
    this.events.off(event, listener);
    return this;
  }

  /** Adds a client C2 manages: symmetric (`key`) or public-key (`publicKey`). */
  register(client: SymmetricRegistration | PublicKeyRegistration): ManagedClient {
    const id = copyBytes(checkId(client.id));
    const idHex = toHex(id);
    let commandKey: Uint8Array;
    let signingKey: Uint8Array | null = null;
    if ('key' in client) {
      commandKey = copyBytes(assertBytes(client.key, 'key'));
      checkSymmetricKey(commandKey);
    } else {
      if (this.c2PrivateKey === null) {
        throw e4Error(E4ErrorCode.InvalidArgument, 'a public-key client needs C2 created with its c2PrivateKey');
      }
      signingKey = copyBytes(assertBytes(client.publicKey, 'publicKey', ED25519_PUBLIC_KEY_LEN));
      commandKey = sharedKeyForClient(this.c2PrivateKey, signingKey);
    }
    const record: ClientRecord = {
      name: client.name ?? idHex,
      id,
      controlTopic: controlTopicOf(id),
      mode: signingKey === null ? 'symmetric' : 'publicKey',
      commandKey,
      signingKey,
      ackKey: client.ackKey === undefined ? null : copyBytes(assertBytes(client.ackKey, 'ackKey')),
      nextAckKey: null,
    };
    this.clients.set(idHex, record);
    const handle: ManagedClient = { name: record.name, id: copyBytes(id), controlTopic: record.controlTopic, mode: record.mode };
    this.records.set(handle, record);
    return handle;
  }

  /**
   * Gives the client a key for its ack topic, so it acknowledges every later command; this
   * command is itself acknowledged under the new key. Calling it again replaces the key.
   */
  async enableAcks(client: ManagedClient, key: Uint8Array = generateSymmetricKey()): Promise<CommandOutcome> {
    const record = this.recordOf(client);
    record.nextAckKey = copyBytes(key);
    try {
      const outcome = await this.dispatch(record, cmdSetTopicKey(key, ackTopicOf(record.controlTopic)), true);
      record.ackKey = record.nextAckKey;
      return outcome;
    } finally {
      record.nextAckKey = null;
    }
  }

  /**
   * Sends a command (from the `cmd…` builders) protected for the client, on its control topic at
   * QoS 2, and resolves once it is confirmed: acknowledged when the client is enrolled, else
   * delivered and settled. Rejects with `AckTimeout` or `CommandRejected` (and the client's code).
   */
  send(client: ManagedClient, command: Uint8Array, options: SendOptions = {}): Promise<CommandOutcome> {
    const record = this.recordOf(client);
    return this.dispatch(record, command, options.acknowledged ?? record.ackKey !== null, options.onPublished);
  }

  /** Forgets a client: its acknowledgements are refused from now on (`unknown client`). */
  unregister(client: ManagedClient): void {
    const record = this.recordOf(client);
    if (this.clients.get(toHex(record.id)) === record) this.clients.delete(toHex(record.id));
    this.records.delete(client);
  }

  /**
   * Rotates a topic's key: every receiver first, confirmed, then the senders (see the top of
   * this module). Rejects with `RotationAborted` (no sender touched) or `RotationIncomplete`
   * (every receiver has the key, some sender did not confirm: send it again within 60 minutes).
   */
  rotateTopicKey(topic: string, options: RotateOptions): Promise<RotationResult> {
    const previous = this.rotations.get(topic) ?? Promise.resolve();
    const run = previous.then(
      () => this.rotate(topic, options),
      () => this.rotate(topic, options),
    );
    this.rotations.set(topic, run);
    const forget = () => {
      if (this.rotations.get(topic) === run) this.rotations.delete(topic);
    };
    run.then(forget, forget);
    return run;
  }

  /** Unsubscribes from the ack topics and fails every pending command with `Closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mqtt.off('message', this.listener);
    for (const [digest, pending] of this.pending) {
      this.pending.delete(digest);
      pending.resolve({ kind: 'closed' });
    }
    if (this.mqtt.connected) {
      try {
        await this.mqtt.unsubscribeAsync(ACK_FILTER);
      } catch {
        // Disconnected meanwhile: the subscription went with the connection.
      }
    }
  }

  private async rotate(topic: string, options: RotateOptions): Promise<RotationResult> {
    const key = options.key === undefined ? generateSymmetricKey() : copyBytes(options.key);
    const command = cmdSetTopicKey(key, topic);
    const receivers = options.receivers.map((c) => this.recordOf(c));
    const senders = options.senders.map((c) => this.recordOf(c)).filter((r) => receivers.indexOf(r) < 0);

    const first = await this.sendAll(receivers, command);
    if (first.failures.length > 0) {
      throw c2Error(
        'RotationAborted',
        'rotation of "' + topic + '" stopped before any sender: ' + describeFailures(first.failures, receivers.length, 'receiver'),
        { failures: first.failures },
      );
    }
    if (options.onReceiversReady !== undefined) options.onReceiversReady();
    if (options.senderDelayMs !== undefined && options.senderDelayMs > 0) await sleep(options.senderDelayMs);
    const second = await this.sendAll(senders, command);
    if (second.failures.length > 0) {
      throw c2Error(
        'RotationIncomplete',
        'rotation of "' + topic + '": every receiver has the new key, but ' + describeFailures(second.failures, senders.length, 'sender'),
        { failures: second.failures },
      );
    }
    return { topic, key, receivers: first.outcomes, senders: second.outcomes };
  }

  private async sendAll(records: ClientRecord[], command: Uint8Array) {
    const settled = await Promise.allSettled(records.map((r) => this.dispatch(r, command, r.ackKey !== null)));
    const outcomes: CommandOutcome[] = [];
    const failures: { client: ManagedClient; error: C2Error }[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') outcomes.push(s.value);
      else {
        const error = isC2Error(s.reason) ? s.reason : c2Error('PublishFailed', String((s.reason as Error)?.message ?? s.reason));
        failures.push({ client: records[i], error });
      }
    });
    return { outcomes, failures };
  }

  private async dispatch(
    record: ClientRecord,
    command: Uint8Array,
    withAck: boolean,
    onPublished?: () => void,
  ): Promise<CommandOutcome> {
    if (this.closed) throw c2Error('Closed', 'this C2 connection is closed');
    const name = decodeCommand(command).spec.name;
    const started = Date.now();
    const message = protectCommand(record.commandKey, command, this.clock());
    const digest = commandDigest(message);
    let acked: Promise<AckWait> | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let finish = () => {};
    if (withAck) {
      // Commands are timestamped to the second: the same command sent twice to a client within
      // one second is the same bytes, which one acknowledgement would confirm for both. The
      // second waits until the first's wait is over.
      for (let other = this.pending.get(digest); other !== undefined; other = this.pending.get(digest)) await other.over;
      const over = new Promise<void>((resolve) => (finish = resolve));
      acked = new Promise<AckWait>((resolve) => {
        this.pending.set(digest, { record, resolve, over });
        timer = setTimeout(() => resolve({ kind: 'timeout' }), this.ackTimeoutMs);
      });
    }
    try {
      try {
        await this.mqtt.publishAsync(record.controlTopic, asBuffer(message), { qos: 2 });
      } catch (e) {
        throw c2Error('PublishFailed', 'could not publish ' + name + ' to ' + record.name + ': ' + String((e as Error)?.message ?? e));
      }
      this.counters.commandsSent++;
      if (onPublished !== undefined) onPublished();
      if (acked === null) {
        await sleep(this.settleMs);
        return this.confirmed({ client: record, command: name, confirmedBy: 'delivery', ms: Date.now() - started });
      }
      const result = await acked;
      if (result.kind === 'closed') throw c2Error('Closed', 'C2 closed before ' + record.name + ' acknowledged ' + name);
      if (result.kind === 'timeout') {
        throw c2Error('AckTimeout', record.name + ' did not acknowledge ' + name + ' within ' + this.ackTimeoutMs + ' ms');
      }
      if (!result.ack.ok) {
        throw c2Error('CommandRejected', record.name + ' refused ' + name + ': ' + result.ack.code, { clientCode: result.ack.code });
      }
      return this.confirmed({ client: record, command: name, confirmedBy: 'ack', ms: Date.now() - started });
    } finally {
      if (timer !== null) clearTimeout(timer);
      if (acked !== null) this.pending.delete(digest);
      finish();
    }
  }

  private confirmed(outcome: CommandOutcome): CommandOutcome {
    const record = outcome.client as ClientRecord;
    const result: CommandOutcome = {
      ...outcome,
      client: { name: record.name, id: copyBytes(record.id), controlTopic: record.controlTopic, mode: record.mode },
    };
    this.events.emit('confirmed', result);
    return result;
  }

  private recordOf(client: ManagedClient): ClientRecord {
    const record = this.records.get(client) ?? this.clients.get(toHex(client.id));
    if (record === undefined) throw e4Error(E4ErrorCode.InvalidArgument, 'unknown client: register it first');
    return record;
  }

  private refuse(topic: string, reason: string): void {
    this.counters.acksRefused++;
    this.events.emit('ackRefused', { topic, reason });
  }

  private handleAck(topic: string, message: Buffer): void {
    const match = /^e4\/([0-9a-f]{32})\/ack$/.exec(topic);
    if (match === null || this.closed) return;
    const record = this.clients.get(match[1]);
    if (record === undefined) return this.refuse(topic, 'unknown client');
    const keys = [record.nextAckKey, record.ackKey].filter((k): k is Uint8Array => k !== null);
    let payload: Uint8Array | null = null;
    let reason = 'no ack key';
    for (const key of keys) {
      try {
        payload = this.openAck(record, key, message);
        break;
      } catch (e) {
        reason = (e as { code?: string }).code ?? String(e);
      }
    }
    if (payload === null) return this.refuse(topic, reason);
    const ack = decodeAck(payload);
    if (ack === null) return this.refuse(topic, 'not an acknowledgement');
    const pending = this.pending.get(ack.digest);
    if (pending === undefined || pending.record !== record) return this.refuse(topic, 'no such pending command');
    this.pending.delete(ack.digest);
    if (ack.ok) this.counters.acknowledged++;
    pending.resolve({ kind: 'ack', ack });
  }

  /** Opens an acknowledgement: the client's ack key, and in public-key mode its signature. */
  private openAck(record: ClientRecord, key: Uint8Array, message: Uint8Array): Uint8Array {
    const now = this.clock();
    if (record.signingKey === null) {
      checkSymmetricMessage(message, now, this.ackWindow);
      return openSymmetric(key, message);
    }
    checkPublicKeyLength(message);
    checkTimestamp(message, now, this.ackWindow);
    if (!equalBytes(signerIdOf(message), record.id)) {
      throw e4Error(E4ErrorCode.InvalidSignature, 'an acknowledgement signed by another client');
    }
    if (!nobleCurves.ed25519Verify(record.signingKey, signedPart(message), signatureOf(message))) {
      throw e4Error(E4ErrorCode.InvalidSignature, 'invalid signature');
    }
    return openPublicKeyBody(key, message);
  }
}

function describeFailures(failures: { client: ManagedClient; error: C2Error }[], total: number, role: string): string {
  const first = failures[0];
  return (
    failures.length + ' of ' + total + ' ' + role + (total === 1 ? '' : 's') + ' did not confirm (' + first.client.name + ': ' +
    first.error.message + (failures.length > 1 ? '; …' : '') + ')'
  );
}
