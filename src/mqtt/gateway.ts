/**
 * The gateway protection proxy of the E4 integration guide: legacy devices publish and receive
 * plaintext on a local broker; the upstream broker only ever carries protected messages.
 *
 * - uplink: messages on the local `uplink` filters are protected with the gateway's key for their
 *   topic and published upstream on the same topic; one it holds no key for is dropped and
 *   reported (`TopicKeyNotFound`), never forwarded in the clear;
 * - downlink: messages on the upstream `downlink` filters are unprotected and published locally;
 *   one that fails (tampered, too old, unknown key) is dropped and reported by code;
 * - the gateway is an E4 client like any device: C2 manages its keys with commands on its
 *   control topic upstream, acknowledged when C2 enrolled it (see `./ack.ts`).
 *
 * Uplink and downlink filters must not overlap: the gateway would read back what it forwarded
 * and send it round again (MQTT 3.1.1 has no "no local" subscription option to prevent it).
 */
import { EventEmitter } from 'node:events';
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { E4Client } from '../client/client.ts';
import { E4ErrorCode, isE4Error } from '../errors.ts';
import { checkGrants, E4MqttClient, type E4CommandEvent, type QoS } from './adapter.ts';
import { filtersOverlap, topicMatches } from './topics.ts';

export type Direction = 'up' | 'down';

export interface GatewayEvents {
  forwarded: (event: { direction: Direction; topic: string; bytes: number }) => void;
  rejected: (event: { direction: Direction; topic: string; code: E4ErrorCode }) => void;
  command: (event: E4CommandEvent) => void;
  transportError: (error: Error) => void;
}

export interface GatewayOptions {
  /** The local broker, where legacy devices publish and read plaintext. */
  local: MqttClient;
  /** The upstream broker, which only sees protected messages. */
  upstream: MqttClient;
  /** The gateway's E4 client (its keys, updated by C2 on its control topic upstream). */
  e4: E4Client;
  /** Local filters forwarded upstream, protected. */
  uplink: string[];
  /** Upstream filters forwarded to the local broker, unprotected. */
  downlink: string[];
  /** QoS of the subscriptions and forwarded publishes (default 1). */
  qos?: QoS;
}

export interface GatewayStats {
  up: number;
  down: number;
  rejected: Record<string, number>;
}

/** Refuses uplink and downlink filters that overlap (a loop). */
export function checkGatewayFilters(uplink: string[], downlink: string[]): void {
  if (uplink.length + downlink.length === 0) throw new TypeError('the gateway needs at least one uplink or downlink filter');
  for (const up of uplink) {
    for (const down of downlink) {
      if (filtersOverlap(up, down)) {
        throw new TypeError('uplink "' + up + '" and downlink "' + down + '" overlap: the gateway would forward its own messages back');
      }
    }
  }
}

export class E4Gateway {
  readonly adapter: E4MqttClient;
  private readonly local: MqttClient;
  private readonly uplink: string[];
  private readonly qos: QoS;
  private readonly events = new EventEmitter();
  private readonly counters: GatewayStats = { up: 0, down: 0, rejected: {} };
  private readonly localListener: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
  private closed = false;

  /** Subscribes on both sides and starts forwarding. */
  static async start(options: GatewayOptions): Promise<E4Gateway> {
    checkGatewayFilters(options.uplink, options.downlink);
    const adapter = await E4MqttClient.create({ mqtt: options.upstream, e4: options.e4 });
    const gateway = new E4Gateway(options, adapter);
    try {
      if (options.downlink.length > 0) await adapter.subscribe(options.downlink, { qos: gateway.qos });
      if (options.uplink.length > 0) checkGrants(await options.local.subscribeAsync(options.uplink, { qos: gateway.qos }));
    } catch (e) {
      await gateway.close();
      throw e;
    }
    return gateway;
  }

  private constructor(options: GatewayOptions, adapter: E4MqttClient) {
    this.adapter = adapter;
    this.local = options.local;
    this.uplink = options.uplink.slice();
    this.qos = options.qos ?? 1;
    adapter.on('message', (e) => {
      this.local.publishAsync(e.topic, Buffer.from(e.payload), { qos: this.qos }).then(
        () => {
          this.counters.down++;
          this.events.emit('forwarded', { direction: 'down', topic: e.topic, bytes: e.payload.length });
        },
        (error: Error) => this.events.emit('transportError', error),
      );
    });
    adapter.on('rejected', (e) => {
      if (!e.control) this.reject('down', e.topic, e.code);
    });
    adapter.on('command', (e) => this.events.emit('command', e));
    adapter.on('transportError', (e) => this.events.emit('transportError', e));
    this.localListener = (topic, payload) => this.forwardUp(topic, payload);
    this.local.on('message', this.localListener);
  }

  get stats(): GatewayStats {
    return { up: this.counters.up, down: this.counters.down, rejected: { ...this.counters.rejected } };
  }

  on<K extends keyof GatewayEvents>(event: K, listener: GatewayEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  off<K extends keyof GatewayEvents>(event: K, listener: GatewayEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  /** Stops forwarding and unsubscribes on both sides; the connections stay the caller's. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.off('message', this.localListener);
    await this.adapter.close();
    if (this.uplink.length > 0 && this.local.connected) {
      try {
        await this.local.unsubscribeAsync(this.uplink);
      } catch {
        // Disconnected meanwhile: the subscriptions went with the connection.
      }
    }
  }

  private reject(direction: Direction, topic: string, code: E4ErrorCode): void {
    this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1;
    this.events.emit('rejected', { direction, topic, code });
  }

  private forwardUp(topic: string, payload: Buffer): void {
    if (this.closed || !this.uplink.some((f) => topicMatches(f, topic))) return;
    this.adapter.publish(topic, payload, { qos: this.qos }).then(
      () => {
        this.counters.up++;
        this.events.emit('forwarded', { direction: 'up', topic, bytes: payload.length });
      },
      (e: unknown) => {
        if (isE4Error(e)) this.reject('up', topic, e.code);
        else this.events.emit('transportError', e instanceof Error ? e : new Error(String(e)));
      },
    );
  }
}
