/**
 * An E4 client over an mqtt.js client: what a device, an ingestion service or a gateway runs.
 *
 * - It subscribes to the client's control topic (QoS 2) and applies every command C2 sends
 *   there; each is reported (`command`, or `rejected` with its code) and acknowledged to C2
 *   when the client holds a key for its ack topic (see `./ack.ts`).
 * - `publish` protects, then publishes; `subscribe` adds topics whose messages are unprotected
 *   and delivered as `message`, or reported as `rejected` with their E4 error code.
 * - `close` unsubscribes what the adapter subscribed and detaches from the mqtt.js client.
 *
 * The mqtt.js client stays the caller's: the adapter handles only its own subscriptions' topics,
 * so one connection can also carry other traffic.
 */
import { EventEmitter } from 'node:events';
import type { IClientOptions, IClientPublishOptions, IPublishPacket, MqttClient } from 'mqtt';
import type { E4Client } from '../client/client.ts';
import { E4ErrorCode, e4Error, isE4Error, type E4Error } from '../errors.ts';
import type { CommandName } from '../protocol/commands.ts';
import { commandDigest, encodeAck, type CommandAck } from './ack.ts';
import { openMqtt } from './connect.ts';
import { ackTopicOf, filterOf, topicMatches } from './topics.ts';

export type QoS = 0 | 1 | 2;

/** A protected message received on a subscribed topic, and its payload once unprotected. */
export interface E4MessageEvent {
  topic: string;
  payload: Uint8Array;
  packet: IPublishPacket;
}

/** A command from C2 the client applied (and persisted, when it has a store). */
export interface E4CommandEvent {
  topic: string;
  command: CommandName;
}

/** A message or command refused: its E4 error code, and the bytes as received. */
export interface E4RejectedEvent {
  topic: string;
  code: E4ErrorCode;
  error: E4Error;
  message: Uint8Array;
  /** True for a command on the control topic. */
  control: boolean;
}

/** What the adapter reports; `transportError` is a failed acknowledgement publish. */
export interface E4MqttEvents {
  message: (event: E4MessageEvent) => void;
  command: (event: E4CommandEvent) => void;
  rejected: (event: E4RejectedEvent) => void;
  transportError: (error: Error) => void;
}

export interface E4MqttClientOptions {
  /** A connected (or connecting) mqtt.js client. */
  mqtt: MqttClient;
  /** The E4 client: its keys protect and unprotect, and C2's commands update it. */
  e4: E4Client;
  /** Publish an acknowledgement after each command when the client has a key for its ack topic (default true). */
  acknowledge?: boolean;
}

export interface PublishOptions {
  /** Default 1. */
  qos?: QoS;
  retain?: boolean;
}

/** A view of the bytes as a Buffer, as mqtt.js wants them, without a copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An unknown failure as an E4Error (a non-E4 exception from a client is a bug: `Internal`). */
function asE4Error(e: unknown): E4Error {
  if (isE4Error(e)) return e;
  return e4Error(E4ErrorCode.Internal, e instanceof Error ? e.message : String(e));
}

/** Refuses the subscription when the broker answered with a failure code (128 and up). */
export function checkGrants(grants: ReadonlyArray<{ topic: string; qos: number }>): void {
  for (const grant of grants) {
    if (grant.qos >= 128) throw new Error('the broker refused the subscription to "' + grant.topic + '"');
  }
}

export class E4MqttClient {
  readonly mqtt: MqttClient;
  readonly e4: E4Client;
  /** Subscriptions made through the adapter (shared ones included). */
  private readonly subscriptions = new Set<string>();
  private readonly events = new EventEmitter();
  private readonly acknowledge: boolean;
  private readonly listener: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
  private closed = false;
  private readonly control: string;

  /** Attaches to the mqtt.js client and subscribes to the control topic (resolves on SUBACK). */
  static async create(options: E4MqttClientOptions): Promise<E4MqttClient> {
    const adapter = new E4MqttClient(options);
    try {
      checkGrants(await options.mqtt.subscribeAsync(adapter.control, { qos: 2 }));
    } catch (e) {
      adapter.detach();
      throw e;
    }
    return adapter;
  }

  private constructor(options: E4MqttClientOptions) {
    this.mqtt = options.mqtt;
    this.e4 = options.e4;
    this.acknowledge = options.acknowledge !== false;
    this.control = options.e4.controlTopic;
    this.listener = (topic, payload, packet) => this.handle(topic, payload, packet);
    this.mqtt.on('message', this.listener);
  }

  /** The client's control topic, `e4/<hex id>`. */
  get controlTopic(): string {
    return this.control;
  }

  on<K extends keyof E4MqttEvents>(event: K, listener: E4MqttEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  off<K extends keyof E4MqttEvents>(event: K, listener: E4MqttEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  once<K extends keyof E4MqttEvents>(event: K, listener: E4MqttEvents[K]): this {
    this.events.once(event, listener);
    return this;
  }

  /**
   * Subscribes to topics whose messages are unprotected: filters with wildcards, or shared
   * subscriptions (`$share/<group>/<filter>`, on brokers that have them). Every topic they match
   * needs its own topic key; a message on a topic without one is rejected (`TopicKeyNotFound`).
   */
  async subscribe(subscriptions: string | string[], options: { qos?: QoS } = {}): Promise<void> {
    this.assertOpen();
    const list = typeof subscriptions === 'string' ? [subscriptions] : subscriptions.slice();
    const added = list.filter((s) => !this.subscriptions.has(s));
    for (const s of added) this.subscriptions.add(s);
    try {
      checkGrants(await this.mqtt.subscribeAsync(list, { qos: options.qos ?? 1 }));
    } catch (e) {
      for (const s of added) this.subscriptions.delete(s);
      throw e;
    }
  }

  async unsubscribe(subscriptions: string | string[]): Promise<void> {
    const list = typeof subscriptions === 'string' ? [subscriptions] : subscriptions.slice();
    for (const s of list) this.subscriptions.delete(s);
    await this.mqtt.unsubscribeAsync(list);
  }

  /**
   * Protects `payload` with the topic's key and publishes it (default QoS 1). Rejects with the
   * E4Error (`TopicKeyNotFound`, `EmptyPayload`…) before anything is sent.
   */
  async publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
    this.assertOpen();
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const message = this.e4.protect(bytes, topic);
    const publishOptions: IClientPublishOptions = { qos: options.qos ?? 1, retain: options.retain === true };
    await this.mqtt.publishAsync(topic, asBuffer(message), publishOptions);
  }

  /**
   * Stops handling messages and unsubscribes from the control topic and every subscription made
   * here (when connected); with `end`, also closes the mqtt.js connection. The E4 client stays
   * the caller's (call `e4.destroy()` to wipe its keys).
   */
  async close(options: { end?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    const topics = [this.control, ...this.subscriptions];
    this.detach();
    this.subscriptions.clear();
    if (this.mqtt.connected) {
      try {
        await this.mqtt.unsubscribeAsync(topics);
      } catch {
        // The connection went away meanwhile: the broker drops the subscriptions with it.
      }
    }
    if (options.end === true) await this.mqtt.endAsync();
  }

  private detach(): void {
    this.closed = true;
    this.mqtt.off('message', this.listener);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('this E4 MQTT client is closed');
  }

  private isSubscribed(topic: string): boolean {
    for (const s of this.subscriptions) if (topicMatches(filterOf(s), topic)) return true;
    return false;
  }

  private handle(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.closed) return;
    if (topic === this.control) {
      this.handleCommand(topic, payload);
      return;
    }
    if (!this.isSubscribed(topic)) return;
    let opened: Uint8Array;
    try {
      const result = this.e4.unprotect(payload, topic);
      // Only the control topic carries commands; this cannot be one.
      if (result.kind !== 'message') return;
      opened = result.payload;
    } catch (e) {
      this.reject(topic, payload, e, false);
      return;
    }
    this.events.emit('message', { topic, payload: opened, packet } satisfies E4MessageEvent);
  }

  private handleCommand(topic: string, payload: Buffer): void {
    const digest = commandDigest(payload);
    let ack: CommandAck;
    try {
      const result = this.e4.unprotect(payload, topic);
      if (result.kind !== 'command') return;
      ack = { digest, ok: true, command: result.command };
      this.events.emit('command', { topic, command: result.command } satisfies E4CommandEvent);
    } catch (e) {
      const error = this.reject(topic, payload, e, true);
      ack = { digest, ok: false, code: error.code };
    }
    if (this.acknowledge) this.sendAck(ack);
  }

  private reject(topic: string, payload: Uint8Array, e: unknown, control: boolean): E4Error {
    const error = asE4Error(e);
    const event: E4RejectedEvent = { topic, code: error.code, error, message: payload, control };
    this.events.emit('rejected', event);
    return error;
  }

  private sendAck(ack: CommandAck): void {
    const topic = ackTopicOf(this.control);
    let message: Uint8Array;
    try {
      message = this.e4.protect(encodeAck(ack), topic);
    } catch (e) {
      // No key for the ack topic: C2 did not ask for acknowledgements.
      if (isE4Error(e, E4ErrorCode.TopicKeyNotFound)) return;
      this.events.emit('transportError', e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.mqtt.publishAsync(topic, asBuffer(message), { qos: 1 }).catch((e: unknown) => {
      this.events.emit('transportError', e instanceof Error ? e : new Error(String(e)));
    });
  }
}

export interface ConnectOptions extends Omit<E4MqttClientOptions, 'mqtt'> {
  /** Passed to mqtt.js (`protocolVersion`, `clientId`, credentials, TLS…). */
  mqttOptions?: IClientOptions;
}

/** Connects to `url` with mqtt.js and attaches an adapter; `close({ end: true })` closes both. */
export async function connectE4Mqtt(url: string, options: ConnectOptions): Promise<E4MqttClient> {
  const mqtt = await openMqtt(url, options.mqttOptions);
  try {
    return await E4MqttClient.create({ ...options, mqtt });
  } catch (e) {
    await mqtt.endAsync(true);
    throw e;
  }
}
