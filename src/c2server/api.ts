/**
 * What the key server offers, independent of how it is reached: the HTTP routes, the console and
 * the command line are thin layers over this interface, and `service.ts` implements it over the
 * registry, the vault, the jobs and the monitor.
 *
 * Views carry no key material: a symmetric client key C2 generated is revealed once, in the
 * result of `addClient`, and never again.
 */

/** A page of a list; `next` is the cursor of the following page, null on the last one. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PageRequest {
  /** At most this many items (1 to 1000; default 100). */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export type ClientMode = 'symmetric' | 'publicKey';
export type ClientStatus = 'active' | 'revoked';
/** How a client uses a topic: receivers get a new key first, senders once every receiver has it. */
export type TopicRole = 'receiver' | 'sender' | 'both';

export interface ClientView {
  /** 32 hex digits. */
  id: string;
  name: string;
  mode: ClientMode;
  status: ClientStatus;
  /** The control topic, `e4/<id>`. */
  controlTopic: string;
  /** Public-key clients: their Ed25519 public key, hex (not secret). */
  publicKey: string | null;
  /** Whether the client acknowledges commands (it holds an ack key). */
  acks: boolean;
  topics: { topic: string; role: TopicRole; keyVersion: number | null }[];
  createdAt: number;
  updatedAt: number;
  revokedAt: number | null;
}

export interface NewClient {
  name: string;
  /** Default: SHA3-256(name)[0:16], as E4 derives ids from names. */
  id?: string;
  mode: ClientMode;
  /** Symmetric mode: the client key, 64 hex digits; omitted, C2 generates one and reveals it once. */
  key?: string;
  /** Public-key mode: the client's Ed25519 public key, 64 hex digits. */
  publicKey?: string;
}

export interface AddedClient {
  client: ClientView;
  /** The client key C2 generated (hex), present only when `NewClient.key` was omitted. Shown once. */
  generatedKey?: string;
}

export interface TopicView {
  name: string;
  /** E4's topic hash, 32 hex digits. */
  hash: string;
  keyVersion: number;
  /** When the current key was made (unix ms) and its age in ms at the time of the call. */
  keyCreatedAt: number;
  keyAgeMs: number;
  clients: { id: string; name: string; role: TopicRole; keyVersion: number | null }[];
  /** The rotation job running for this topic, if any. */
  rotating: string | null;
  createdAt: number;
}

export type JobKind = 'rotate' | 'provision' | 'unlink' | 'reset' | 'revoke' | 'command' | 'deleteTopic';
export type JobState = 'pending' | 'receivers' | 'senders' | 'running' | 'done' | 'failed';

export interface JobView {
  id: string;
  kind: JobKind;
  state: JobState;
  topic: string | null;
  clientId: string | null;
  keyVersion: number | null;
  /** Per client: what was sent and whether it is confirmed. */
  progress: { total: number; confirmed: number; failed: number };
  error: { code: string; message: string } | null;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface EventView {
  id: number;
  at: number;
  /** e.g. `client.added`, `client.revoked`, `topic.added`, `topic.rotated`, `job.failed`, `command.confirmed`. */
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
}

export type RuleKind = 'rotateEvery' | 'rotateAfterMessages' | 'rotateOnRevoke';

export interface RuleView {
  id: string;
  kind: RuleKind;
  /** null: every topic. */
  topic: string | null;
  everyMs: number | null;
  afterMessages: number | null;
  enabled: boolean;
  lastFiredAt: number | null;
  createdAt: number;
}

export interface NewRule {
  kind: RuleKind;
  topic?: string | null;
  everyMs?: number;
  afterMessages?: number;
}

export interface TopicStatsView {
  topic: string;
  messages: number;
  bytes: number;
  /** Messages per second over the last minute. */
  ratePerSecond: number;
  averageSize: number;
  messagesSinceRotation: number;
  /** Error codes clients reported in their acknowledgements, with counts (e.g. TimestampTooOld). */
  errors: Record<string, number>;
  updatedAt: number;
}

export type TokenScope = 'read' | 'admin';

export interface TokenView {
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface NewToken {
  name: string;
  scope: TokenScope;
  /** Lifetime in ms; omitted, the token does not expire. */
  ttlMs?: number;
}

/** Every method rejects with an `E4Error` (NotFound, AlreadyExists, Conflict, InvalidArgument…). */
export interface C2Api {
  addClient(client: NewClient): Promise<AddedClient>;
  getClient(id: string): Promise<ClientView>;
  listClients(page?: PageRequest & { status?: ClientStatus; topic?: string }): Promise<Page<ClientView>>;
  renameClient(id: string, name: string): Promise<ClientView>;
  /** Forgets a client: its links go, no command is sent. Revoke first to take its keys away. */
  deleteClient(id: string): Promise<void>;
  /** Links a client to a topic with a role and sends it the topic's current key (a job). */
  linkTopic(id: string, topic: string, role: TopicRole): Promise<JobView>;
  /** Unlinks and sends RemoveTopic (a job); the topic's key is not rotated unless asked. */
  unlinkTopic(id: string, topic: string): Promise<JobView>;
  /** Sends ResetTopics then every linked topic's key again (a job). */
  resetClient(id: string): Promise<JobView>;
  /** Revokes: removes the client from every topic (RemoveTopic, ResetTopics) and, by the revocation rules, rotates those topics for the others. */
  revokeClient(id: string): Promise<JobView>;

  addTopic(name: string): Promise<TopicView>;
  getTopic(name: string): Promise<TopicView>;
  listTopics(page?: PageRequest): Promise<Page<TopicView>>;
  /** Removes a topic from every client (RemoveTopic) and forgets it. */
  deleteTopic(name: string): Promise<JobView>;
  /** Starts a rotation job (Conflict if one is running for the topic). */
  rotateTopic(name: string): Promise<JobView>;

  getJob(id: string): Promise<JobView>;
  listJobs(page?: PageRequest & { state?: JobState; topic?: string }): Promise<Page<JobView>>;
  /** Resolves when the job is done; rejects with the job's error when it failed. */
  waitForJob(id: string, timeoutMs?: number): Promise<JobView>;

  listEvents(page?: PageRequest & { after?: number; type?: string; newest?: boolean }): Promise<Page<EventView>>;
  /** Live events, in order; returns the unsubscribe function. */
  onEvent(listener: (event: EventView) => void): () => void;

  addRule(rule: NewRule): Promise<RuleView>;
  listRules(page?: PageRequest): Promise<Page<RuleView>>;
  deleteRule(id: string): Promise<void>;

  topicStats(topic?: string): Promise<TopicStatsView[]>;

  /** C2's X25519 public key, hex (not secret): what public-key clients are created with. */
  c2PublicKey(): Promise<string>;

  createToken(token: NewToken): Promise<{ token: TokenView; secret: string }>;
  listTokens(page?: PageRequest): Promise<Page<TokenView>>;
  revokeToken(id: string): Promise<void>;
  /** The token for a bearer secret; Unauthorized if unknown, expired or revoked. */
  authenticate(secret: string): Promise<TokenView>;
}
