/**
 * The key server's service: `C2Api` over the registry, the vault, the jobs, the rules, the
 * monitor, the tokens and the event log. The HTTP API, the console and the command line are
 * layers over it; `server.ts` builds one from options.
 *
 * Every change is logged as an event (`client.added`, `client.revoked`, `topic.added`,
 * `topic.rotated`, `job.started`, `job.done`, `job.failed`, `command.confirmed` once per step of
 * a job with its counts, not once per client…), within the change's transaction where the
 * change is one.
 */
import type { MqttClient } from 'mqtt';
import { E4ErrorCode, e4Error } from '../errors.ts';
import type { Clock } from '../protocol/clock.ts';
import { toHex, wipe } from '../utils.ts';
import type {
  AddedClient,
  C2Api,
  ClientStatus,
  ClientView,
  EventView,
  JobState,
  JobView,
  NewClient,
  NewRule,
  NewToken,
  Page,
  PageRequest,
  RuleView,
  TokenView,
  TopicRole,
  TopicStatsView,
  TopicView,
} from './api.ts';
import type { Database } from './db/database.ts';
import { Dispatcher, type ClientDirectory } from './dispatcher.ts';
import { EventLog } from './events.ts';
import { Jobs, type JobRow, type RetryPolicy } from './jobs.ts';
import { Journal } from './journal.ts';
import { Monitor } from './monitor.ts';
import { checkClientId, checkTopic, openRegistry, type Registry } from './registry.ts';
import { Rules } from './rules.ts';
import { intervalTimer, Scheduler, type SchedulerTimer } from './scheduler.ts';
import { Tokens } from './tokens.ts';
import type { Vault } from './vault.ts';

export interface C2ServiceOptions {
  db: Database;
  vault: Vault;
  /** The connection commands go out and acknowledgements come in on. */
  mqtt: MqttClient;
  /** The connection the monitor subscribes to the fleet's topics on (default `mqtt`). */
  monitorMqtt?: MqttClient;
  /** Whether the broker has shared subscriptions (see monitor.ts; default false). */
  sharedSubscriptions?: boolean;
  /** Time of the database's rows, key ages and rules (default `Date.now`); commands carry the real time. */
  clock?: Clock;
  /** How long a client has to acknowledge a command (default 10 s). */
  ackTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Commands in flight at once (default 256). */
  concurrency?: number;
  scheduler?: { intervalMs?: number; timer?: SchedulerTimer; retryAfterMs?: number } | false;
  /** How often the monitor's counts are written to `topic_stats` (default 5 s). */
  statsEveryMs?: number;
  /** Failures of background work (a scheduler tick, a stats flush), for the server's log. */
  onError?: (error: unknown) => void;
}

export interface C2Service extends C2Api {
  readonly jobs: Jobs;
  readonly monitor: Monitor;
  readonly scheduler: Scheduler | null;
  readonly registry: Registry;
  readonly tokens: Tokens;
  /** The first admin token, on a database that has none yet (null otherwise): shown once. */
  bootstrapToken(): Promise<{ token: TokenView; secret: string } | null>;
  /** Stops the scheduler and the jobs (left to resume at next start), flushes the stats. */
  stop(): Promise<void>;
}

const ROLES: readonly TopicRole[] = ['receiver', 'sender', 'both'];

function checkRole(role: unknown): TopicRole {
  if (!ROLES.includes(role as TopicRole)) throw e4Error(E4ErrorCode.InvalidArgument, '"role" expected receiver, sender or both');
  return role as TopicRole;
}

/** All topic names, page by page. */
async function allTopics(registry: Registry): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await registry.listTopics({ limit: 1000, cursor });
    names.push(...page.items.map((t) => t.name));
    cursor = page.next ?? undefined;
  } while (cursor !== undefined);
  return names;
}

export async function createC2Service(options: C2ServiceOptions): Promise<C2Service> {
  const { db, vault } = options;
  const clock = options.clock ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const registry = await openRegistry(db, vault, { now: clock });
  const events = new EventLog(db, { now: clock });
  const tokens = new Tokens(db, { now: clock });
  const rules = new Rules(db, clock);
  const journal = new Journal(db, clock);

  const directory: ClientDirectory = {
    target: (id) => registry.clientKeys(id),
    saveAckKey: (id, key) => registry.setAckKey(id, key),
  };
  const c2PrivateKey = await registry.c2PrivateKey();
  let dispatcher: Dispatcher;
  try {
    dispatcher = await Dispatcher.create({
      mqtt: options.mqtt,
      c2PrivateKey,
      directory,
      concurrency: options.concurrency,
      ackTimeoutMs: options.ackTimeoutMs,
    });
  } finally {
    wipe(c2PrivateKey);
  }

  const monitor = new Monitor({ mqtt: options.monitorMqtt ?? options.mqtt, db, clock, shared: options.sharedSubscriptions === true });
  const jobs = new Jobs({
    db,
    journal,
    dispatcher,
    registry,
    events,
    clock,
    rotatesOnRevoke: (topic) => rules.rotatesOnRevoke(topic),
    onRefused: (topic, code) => monitor.commandRefused(topic, code),
    retry: options.retry,
  });
  const unfollow = events.onEvent((event) => {
    if (event.subject === null) return;
    if (event.type === 'topic.rotated') monitor.rotated(event.subject);
    else if (event.type === 'topic.deleted') monitor.unwatch(event.subject).catch(onError);
  });
  const scheduler =
    options.scheduler === false
      ? null
      : new Scheduler({
          rules,
          jobs,
          sinceRotation: (topic) => monitor.sinceRotation(topic),
          intervalMs: options.scheduler?.intervalMs,
          timer: options.scheduler?.timer,
          retryAfterMs: options.scheduler?.retryAfterMs,
          onError,
        });
  const stopStats = intervalTimer.start(() => {
    allTopics(registry)
      .then((topics) => monitor.sync(topics))
      .then(() => monitor.flush())
      .catch(onError);
  }, options.statsEveryMs ?? 5000);

  await monitor.start(await allTopics(registry));
  await jobs.resume();
  scheduler?.start();

  const view = (row: JobRow) => jobs.viewOf(row);

  const service: C2Service = {
    jobs,
    monitor,
    scheduler,
    registry,
    tokens,

    async addClient(client: NewClient): Promise<AddedClient> {
      const added = await registry.addClient(client);
      await events.record('client.added', added.client.id, { name: added.client.name, mode: added.client.mode });
      return added;
    },
    getClient: (id) => registry.getClient(id),
    listClients: (page?: PageRequest & { status?: ClientStatus; topic?: string }) => registry.listClients(page),
    async renameClient(id: string, name: string): Promise<ClientView> {
      const client = await registry.renameClient(id, name);
      await events.record('client.renamed', client.id, { name: client.name });
      return client;
    },
    async deleteClient(id: string): Promise<void> {
      const clientId = checkClientId(id);
      const event = await db.transaction(async (q) => {
        await registry.deleteClient(clientId, q);
        return events.append(q, 'client.deleted', clientId, {});
      });
      dispatcher.forget(clientId);
      events.announce([event]);
    },
    linkTopic: async (id: string, topic: string, role: TopicRole) =>
      view(await jobs.provision(checkClientId(id), checkTopic(topic), checkRole(role))),
    unlinkTopic: async (id: string, topic: string) => view(await jobs.unlink(checkClientId(id), checkTopic(topic))),
    resetClient: async (id: string) => view(await jobs.reset(checkClientId(id))),
    revokeClient: async (id: string) => view(await jobs.revoke(checkClientId(id))),

    async addTopic(name: string): Promise<TopicView> {
      const topic = checkTopic(name);
      const event = await db.transaction(async (q) => {
        await registry.addTopic(topic, q);
        return events.append(q, 'topic.added', topic, { version: 1 });
      });
      events.announce([event]);
      await monitor.watch([topic]);
      return registry.getTopic(topic);
    },
    getTopic: (name) => registry.getTopic(name),
    listTopics: (page?: PageRequest) => registry.listTopics(page),
    deleteTopic: async (name: string) => view(await jobs.deleteTopic(checkTopic(name))),
    rotateTopic: async (name: string) => view(await jobs.rotate(checkTopic(name))),

    getJob: (id: string) => jobs.view(id),
    listJobs: (page?: PageRequest & { state?: JobState; topic?: string }) => jobs.list(page),
    waitForJob: (id: string, timeoutMs?: number): Promise<JobView> => jobs.wait(id, timeoutMs),

    listEvents: (page?: PageRequest & { after?: number; type?: string; newest?: boolean }): Promise<Page<EventView>> => events.list(page),
    onEvent: (listener) => events.onEvent(listener),

    async addRule(rule: NewRule): Promise<RuleView> {
      const added = await rules.add(rule);
      await events.record('rule.added', added.id, { kind: added.kind, topic: added.topic });
      return added;
    },
    listRules: (page?: PageRequest) => rules.list(page),
    async deleteRule(id: string): Promise<void> {
      await rules.delete(id);
      await events.record('rule.deleted', id, {});
    },

    async topicStats(topic?: string): Promise<TopicStatsView[]> {
      if (topic !== undefined) await registry.getTopic(topic);
      return monitor.stats(topic);
    },

    async createToken(token: NewToken) {
      const created = await tokens.create(token);
      await events.record('token.created', created.token.id, { name: created.token.name, scope: created.token.scope });
      return created;
    },
    listTokens: (page?: PageRequest) => tokens.list(page),
    async revokeToken(id: string): Promise<void> {
      await tokens.revoke(id);
      await events.record('token.revoked', id, {});
    },
    authenticate: (secret: string) => tokens.authenticate(secret),

    c2PublicKey: async () => toHex(await registry.c2PublicKey()),
    bootstrapToken: () => tokens.ensureBootstrapToken(),

    async stop(): Promise<void> {
      stopStats();
      unfollow();
      await scheduler?.stop();
      // Running jobs stop at their next step; closing the dispatcher ends their waits for acks.
      const stopped = jobs.stop();
      await dispatcher.close();
      await stopped;
      await journal.settle();
      await monitor.close();
    },
  };
  return service;
}
