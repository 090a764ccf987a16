/**
 * Sends protected commands to the fleet's clients and waits for their acknowledgements, over
 * one E4MqttC2 (src/mqtt/c2.ts): one subscription to `e4/+/ack` for every client, whatever the
 * fleet's size, and clients registered into it lazily, from the registry, the first time a
 * command goes to them.
 *
 * A client is enrolled in acknowledgements with its first command: a fresh ack key, persisted
 * (sealed) before it is sent, so a restarted C2 registers the client with it and still verifies
 * its acknowledgements. A client that missed its ack key (C2 stopped between persisting and
 * sending it) is given the same key again by `reenroll`, which the jobs call before retrying.
 *
 * At most `concurrency` commands are in flight at once (published, ack awaited): a rotation of
 * 10,000 clients is a stream, not 10,000 simultaneous publishes.
 */
import type { MqttClient } from 'mqtt';
import { generateSymmetricKey } from '../c2.ts';
import { E4MqttC2, type CommandOutcome, type ManagedClient, type SendOptions } from '../mqtt/c2.ts';
import { fromHex, wipe } from '../utils.ts';
import type { ClientMode } from './api.ts';

/** What it takes to command one client, as the registry holds it (keys opened). */
export interface DispatchTarget {
  /** 32 hex digits. */
  id: string;
  name: string;
  mode: ClientMode;
  /** Symmetric clients: the client key (the dispatcher wipes it, and `ackKey`, once registered). */
  key: Uint8Array | null;
  /** Public-key clients: the Ed25519 public key. */
  publicKey: Uint8Array | null;
  ackKey: Uint8Array | null;
}

/** The registry's side of the dispatcher. */
export interface ClientDirectory {
  /** The client's keys (NotFound when there is no such client). */
  target(id: string): Promise<DispatchTarget>;
  /** Persists, sealed, the ack key about to be given to the client. */
  saveAckKey(id: string, key: Uint8Array): Promise<void>;
}

export interface DispatcherOptions {
  mqtt: MqttClient;
  /** C2's X25519 private key: the key each public-key client shares with C2 derives from it. */
  c2PrivateKey: Uint8Array;
  directory: ClientDirectory;
  /** Commands in flight at once (default 256). */
  concurrency?: number;
  /** How long to wait for each acknowledgement (default 10 s). */
  ackTimeoutMs?: number;
}

/** A counting semaphore: `run` waits for a free slot. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.free++;
      else next();
    }
  }
}

export class Dispatcher {
  private readonly c2: E4MqttC2;
  private readonly directory: ClientDirectory;
  private readonly slots: Slots;
  private readonly clients = new Map<string, Promise<ManagedClient>>();

  static async create(options: DispatcherOptions): Promise<Dispatcher> {
    const c2 = await E4MqttC2.create({
      mqtt: options.mqtt,
      c2PrivateKey: options.c2PrivateKey,
      ackTimeoutMs: options.ackTimeoutMs,
      // Every client is enrolled: delivery-only confirmation is used only right before an
      // acknowledged command, which confirms it (see SendOptions), so there is nothing to wait for.
      settleMs: 0,
    });
    return new Dispatcher(c2, options);
  }

  private constructor(c2: E4MqttC2, options: DispatcherOptions) {
    this.c2 = c2;
    this.directory = options.directory;
    this.slots = new Slots(options.concurrency ?? 256);
  }

  get stats() {
    return this.c2.stats;
  }

  /**
   * Sends `command` (from the `cmd…` builders) to the client and resolves once it is confirmed;
   * rejects with the C2Error of src/mqtt/c2.ts (AckTimeout, CommandRejected, PublishFailed, Closed).
   */
  send(clientId: string, command: Uint8Array, options: SendOptions = {}): Promise<CommandOutcome> {
    return this.slots.run(async () => {
      const client = await this.client(clientId);
      return this.c2.send(client, command, options);
    });
  }

  /** Gives the client its ack key again (the one persisted), for a client that may have missed it. */
  reenroll(clientId: string): Promise<CommandOutcome> {
    return this.slots.run(async () => {
      const client = await this.client(clientId);
      const { key, ackKey } = await this.directory.target(clientId);
      if (key !== null) wipe(key);
      if (ackKey === null) throw new Error('the client has no ack key yet');
      try {
        return await this.c2.enableAcks(client, ackKey);
      } finally {
        wipe(ackKey);
      }
    });
  }

  /** Forgets what was loaded of a client (revoked, deleted, or its keys changed in the registry). */
  forget(clientId: string): void {
    const client = this.clients.get(clientId);
    if (client === undefined) return;
    this.clients.delete(clientId);
    client.then((c) => this.c2.unregister(c), () => undefined);
  }

  close(): Promise<void> {
    return this.c2.close();
  }

  private client(clientId: string): Promise<ManagedClient> {
    let client = this.clients.get(clientId);
    if (client === undefined) {
      client = this.load(clientId);
      this.clients.set(clientId, client);
      client.catch(() => {
        if (this.clients.get(clientId) === client) this.clients.delete(clientId);
      });
    }
    return client;
  }

  private async load(clientId: string): Promise<ManagedClient> {
    const target = await this.directory.target(clientId);
    const id = fromHex(target.id, 'id');
    const ackKey = target.ackKey ?? undefined;
    let client: ManagedClient;
    try {
      client =
        target.mode === 'symmetric'
          ? this.c2.register({ name: target.name, id, key: target.key as Uint8Array, ackKey })
          : this.c2.register({ name: target.name, id, publicKey: target.publicKey as Uint8Array, ackKey });
    } finally {
      // E4MqttC2 keeps copies.
      for (const k of [target.key, target.ackKey]) if (k !== null) wipe(k);
    }
    if (target.ackKey === null) {
      const key = generateSymmetricKey();
      await this.directory.saveAckKey(clientId, key);
      try {
        await this.c2.enableAcks(client, key);
      } catch (e) {
        // The key is persisted: the next attempt registers the client with it and re-sends it.
        this.c2.unregister(client);
        throw e;
      }
    }
    return client;
  }
}
