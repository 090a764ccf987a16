/**
 * Monitoring without decrypting: C2 subscribes to the fleet's topics and counts, per topic, the
 * messages and their bytes, the rate over the last minute, the messages since the last rotation
 * (what `rotateAfterMessages` rules read), and the error codes clients report in their
 * acknowledgements of C2's commands. It reads sizes and counts only: no message is opened.
 *
 * On a broker with shared subscriptions (mosquitto, EMQX, HiveMQ…) it subscribes with
 * `$share/e4ts-c2/<topic>`, so that several C2 processes split the traffic instead of each
 * receiving all of it; their counts add up in `topic_stats`, which each process updates with
 * increments. The rate is each process's own view (the share of traffic it receives). aedes,
 * the embedded broker, has no shared subscriptions: plain ones are used there. `detectSharedSubscriptions`
 * tells which a broker does.
 */
import type { MqttClient } from 'mqtt';
import { SHARE_PREFIX, sharedSubscription } from '../mqtt/topics.ts';
import type { Clock } from '../protocol/clock.ts';
import type { TopicStatsView } from './api.ts';
import type { Database } from './db/database.ts';
import { randomId } from './jobModel.ts';

export const MONITOR_GROUP = 'e4ts-c2';
/** The rate's window: one minute, in one-second buckets. */
const WINDOW_S = 60;

interface Counter {
  /** Totals as persisted, plus what this process counted since its last flush. */
  messages: number;
  bytes: number;
  sinceRotation: number;
  errors: Record<string, number>;
  /** Not yet persisted. */
  delta: { messages: number; bytes: number; sinceRotation: number; errors: Record<string, number> };
  /** Messages per second of the last minute: bucket i counts second `second` - (head - i). */
  buckets: number[];
  head: number;
  updatedAt: number;
}

export interface MonitorOptions {
  /** A connection of its own is best: the fleet's traffic does not queue behind commands. */
  mqtt: MqttClient;
  db: Database;
  clock: Clock;
  /** Subscribe with `$share/e4ts-c2/` (the broker must have shared subscriptions). */
  shared: boolean;
}

interface StatsRow {
  topic: string;
  messages: number;
  bytes: number;
  errors: string;
  since_rotation: number;
  updated_at: number;
}

function emptyDelta(): Counter['delta'] {
  return { messages: 0, bytes: 0, sinceRotation: 0, errors: {} };
}

export class Monitor {
  private readonly counters = new Map<string, Counter>();
  private readonly watched = new Set<string>();
  private readonly listener: (topic: string, payload: Buffer) => void;
  private flushing: Promise<void> | null = null;

  constructor(private readonly options: MonitorOptions) {
    this.listener = (topic, payload) => this.count(topic, payload.length);
    options.mqtt.on('message', this.listener);
  }

  /** Loads the persisted totals and subscribes to `topics`. */
  async start(topics: string[]): Promise<void> {
    const rows = await this.options.db.all<StatsRow>('SELECT * FROM topic_stats');
    for (const row of rows) {
      const counter = this.counter(row.topic);
      counter.messages += Number(row.messages);
      counter.bytes += Number(row.bytes);
      counter.sinceRotation += Number(row.since_rotation);
      mergeInto(counter.errors, JSON.parse(row.errors) as Record<string, number>);
      counter.updatedAt = Number(row.updated_at);
    }
    await this.watch(topics);
  }

  /** Subscribes to topics not watched yet. */
  async watch(topics: string[]): Promise<void> {
    const fresh = topics.filter((t) => !this.watched.has(t));
    if (fresh.length === 0) return;
    for (const t of fresh) this.watched.add(t);
    for (let i = 0; i < fresh.length; i += 500) {
      const part = fresh.slice(i, i + 500);
      await this.options.mqtt.subscribeAsync(part.map((t) => this.subscriptionOf(t)), { qos: 0 });
    }
  }

  async unwatch(topic: string): Promise<void> {
    if (!this.watched.delete(topic)) return;
    this.counters.delete(topic);
    if (this.options.mqtt.connected) await this.options.mqtt.unsubscribeAsync(this.subscriptionOf(topic));
  }

  /** Follows the topics in the registry (another process may add some). */
  async sync(topics: string[]): Promise<void> {
    const current = new Set(topics);
    for (const t of [...this.watched]) if (!current.has(t)) await this.unwatch(t);
    await this.watch(topics);
  }

  /** A client refused a command about `topic` with `code` (its acknowledgement said so). */
  commandRefused(topic: string, code: string): void {
    const counter = this.counter(topic);
    counter.errors[code] = (counter.errors[code] ?? 0) + 1;
    counter.delta.errors[code] = (counter.delta.errors[code] ?? 0) + 1;
    counter.updatedAt = this.options.clock();
  }

  /** The topic's key changed: its count since rotation starts again. */
  rotated(topic: string): void {
    const counter = this.counter(topic);
    counter.sinceRotation = 0;
    counter.delta.sinceRotation = 0;
  }

  sinceRotation(topic: string): number {
    return this.counters.get(topic)?.sinceRotation ?? 0;
  }

  stats(topic?: string): TopicStatsView[] {
    const topics = topic === undefined ? [...this.watched].sort() : [topic];
    return topics.map((t) => {
      const counter = this.counters.get(t);
      if (counter === undefined) {
        return { topic: t, messages: 0, bytes: 0, ratePerSecond: 0, averageSize: 0, messagesSinceRotation: 0, errors: {}, updatedAt: 0 };
      }
      this.advance(counter);
      const lastMinute = counter.buckets.reduce((a, b) => a + b, 0);
      return {
        topic: t,
        messages: counter.messages,
        bytes: counter.bytes,
        ratePerSecond: lastMinute / WINDOW_S,
        averageSize: counter.messages === 0 ? 0 : counter.bytes / counter.messages,
        messagesSinceRotation: counter.sinceRotation,
        errors: { ...counter.errors },
        updatedAt: counter.updatedAt,
      };
    });
  }

  /** Adds what was counted since the last flush to `topic_stats`. */
  flush(): Promise<void> {
    this.flushing ??= this.persist().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    this.options.mqtt.off('message', this.listener);
    await this.flush();
  }

  private async persist(): Promise<void> {
    const now = this.options.clock();
    const dirty = [...this.counters].filter(([, c]) => c.delta.messages > 0 || Object.keys(c.delta.errors).length > 0);
    if (dirty.length === 0) return;
    const taken = dirty.map(([topic, c]) => {
      const delta = c.delta;
      c.delta = emptyDelta();
      return { topic, delta };
    });
    await this.options.db.transaction(async (q) => {
      for (const { topic, delta } of taken) {
        const row = await q.get<{ errors: string }>('SELECT errors FROM topic_stats WHERE topic = ?', [topic]);
        if (row === undefined) {
          await q.run('INSERT INTO topic_stats (topic, messages, bytes, errors, since_rotation, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
            topic,
            delta.messages,
            delta.bytes,
            JSON.stringify(delta.errors),
            delta.sinceRotation,
            now,
          ]);
          continue;
        }
        const errors = JSON.parse(row.errors) as Record<string, number>;
        mergeInto(errors, delta.errors);
        await q.run(
          `UPDATE topic_stats SET messages = messages + ?, bytes = bytes + ?, since_rotation = since_rotation + ?, errors = ?, updated_at = ?
           WHERE topic = ?`,
          [delta.messages, delta.bytes, delta.sinceRotation, JSON.stringify(errors), now, topic],
        );
      }
    });
  }

  private subscriptionOf(topic: string): string {
    return this.options.shared ? sharedSubscription(MONITOR_GROUP, topic) : topic;
  }

  private count(topic: string, size: number): void {
    if (!this.watched.has(topic)) return;
    const counter = this.counter(topic);
    this.advance(counter);
    counter.buckets[counter.buckets.length - 1]++;
    counter.messages++;
    counter.bytes += size;
    counter.sinceRotation++;
    counter.delta.messages++;
    counter.delta.bytes += size;
    counter.delta.sinceRotation++;
    counter.updatedAt = this.options.clock();
  }

  /** Moves the rate's window to the current second. */
  private advance(counter: Counter): void {
    const second = Math.floor(this.options.clock() / 1000);
    const shift = Math.min(second - counter.head, WINDOW_S);
    if (shift <= 0) return;
    counter.buckets.splice(0, shift);
    for (let i = 0; i < shift; i++) counter.buckets.push(0);
    counter.head = second;
  }

  private counter(topic: string): Counter {
    let counter = this.counters.get(topic);
    if (counter === undefined) {
      counter = {
        messages: 0,
        bytes: 0,
        sinceRotation: 0,
        errors: {},
        delta: emptyDelta(),
        buckets: new Array(WINDOW_S).fill(0),
        head: Math.floor(this.options.clock() / 1000),
        updatedAt: 0,
      };
      this.counters.set(topic, counter);
    }
    return counter;
  }
}

function mergeInto(into: Record<string, number>, add: Record<string, number>): void {
  for (const [code, n] of Object.entries(add)) into[code] = (into[code] ?? 0) + n;
}

/**
 * Whether the broker has shared subscriptions: subscribes to a fresh topic through
 * `$share/<group>/`, publishes on it, and waits up to `timeoutMs` for the message (a broker
 * without them, such as aedes, takes the filter literally and delivers nothing).
 */
export async function detectSharedSubscriptions(mqtt: MqttClient, timeoutMs = 1000): Promise<boolean> {
  const topic = 'e4ts-c2/probe/' + randomId();
  const filter = SHARE_PREFIX + MONITOR_GROUP + '-probe/' + topic;
  let listener: ((t: string) => void) | null = null;
  const arrived = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    listener = (t: string) => {
      if (t === topic) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    mqtt.on('message', listener);
  });
  try {
    const grants = await mqtt.subscribeAsync(filter, { qos: 1 });
    if (grants.some((g) => g.qos >= 128)) return false;
    await mqtt.publishAsync(topic, Buffer.from('probe'), { qos: 1 });
    return await arrived;
  } finally {
    if (listener !== null) mqtt.off('message', listener);
    await mqtt.unsubscribeAsync(filter).catch(() => undefined);
  }
}
