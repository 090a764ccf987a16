/**
 * The JSON schemas of the HTTP API: what each route accepts (Ajv checks it before a handler runs)
 * and what it answers (fast-json-stringify writes only the listed properties, so a field a view
 * should not carry never reaches a response). @fastify/swagger turns the same objects into the
 * OpenAPI document.
 */

/** Lower-case hex of `bytes` bytes. */
const hex = (bytes: number, description: string) => ({ type: 'string', pattern: '^[0-9a-f]{' + 2 * bytes + '}$', description }) as const;
/** Hex of `bytes` bytes, either case (keys a user pastes). */
const hexInput = (bytes: number, description: string) =>
  ({ type: 'string', pattern: '^[0-9a-fA-F]{' + 2 * bytes + '}$', description }) as const;

const timestamp = { type: 'integer', description: 'unix time, ms' } as const;
const nullableTimestamp = { type: ['integer', 'null'], description: 'unix time, ms' } as const;

export const clientId = hex(16, "a client's id: 32 hex digits");
/** A topic as E4 sees it: any text of 1 to 512 bytes (the service checks the byte length). */
export const topicName = { type: 'string', minLength: 1, maxLength: 512, description: 'a topic; in a path, URL-encoded (a/b → a%2Fb)' } as const;
export const clientName = { type: 'string', minLength: 1, maxLength: 255, description: "a client's name (1 to 255 bytes of UTF-8)" } as const;
const opaqueId = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' } as const;

const topicRole = { type: 'string', enum: ['receiver', 'sender', 'both'] } as const;
const clientMode = { type: 'string', enum: ['symmetric', 'publicKey'] } as const;
const clientStatus = { type: 'string', enum: ['active', 'revoked'] } as const;
const jobState = { type: 'string', enum: ['pending', 'receivers', 'senders', 'running', 'done', 'failed'] } as const;
const ruleKind = { type: 'string', enum: ['rotateEvery', 'rotateAfterMessages', 'rotateOnRevoke'] } as const;
const tokenScope = { type: 'string', enum: ['read', 'admin'] } as const;

/** An object whose every listed property is required and nothing else is allowed. */
export function record(properties: Record<string, object>, description?: string) {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties, ...(description ? { description } : {}) };
}

export const errorBody = record(
  {
    code: { type: 'string', description: 'an E4 error code (src/errors.ts), e.g. NotFound, InvalidArgument, Unauthorized' },
    message: { type: 'string' },
  },
  'a typed error',
);

export const clientView = record({
  id: clientId,
  name: { type: 'string' },
  mode: clientMode,
  status: clientStatus,
  controlTopic: { type: 'string' },
  publicKey: { type: ['string', 'null'], description: 'public-key clients: the Ed25519 public key, hex (not secret)' },
  acks: { type: 'boolean' },
  topics: { type: 'array', items: record({ topic: { type: 'string' }, role: topicRole, keyVersion: { type: ['integer', 'null'] } }) },
  createdAt: timestamp,
  updatedAt: timestamp,
  revokedAt: nullableTimestamp,
});

export const addedClient = {
  type: 'object',
  additionalProperties: false,
  required: ['client'],
  properties: {
    client: clientView,
    generatedKey: {
      type: 'string',
      description: 'the client key C2 generated, hex: present only when the request gave no key, and shown this once, never again',
    },
  },
} as const;

export const topicView = record({
  name: { type: 'string' },
  hash: { type: 'string' },
  keyVersion: { type: 'integer' },
  keyCreatedAt: timestamp,
  keyAgeMs: { type: 'integer' },
  clients: { type: 'array', items: record({ id: clientId, name: { type: 'string' }, role: topicRole, keyVersion: { type: ['integer', 'null'] } }) },
  rotating: { type: ['string', 'null'], description: 'the id of the rotation job running for the topic' },
  createdAt: timestamp,
});

export const jobView = record({
  id: { type: 'string' },
  kind: { type: 'string', enum: ['rotate', 'provision', 'unlink', 'reset', 'revoke', 'command'] },
  state: jobState,
  topic: { type: ['string', 'null'] },
  clientId: { type: ['string', 'null'] },
  keyVersion: { type: ['integer', 'null'] },
  progress: record({ total: { type: 'integer' }, confirmed: { type: 'integer' }, failed: { type: 'integer' } }),
  error: { anyOf: [{ type: 'null' }, errorBody] },
  attempts: { type: 'integer' },
  createdAt: timestamp,
  updatedAt: timestamp,
  finishedAt: nullableTimestamp,
});

export const eventView = record({
  id: { type: 'integer' },
  at: timestamp,
  type: { type: 'string' },
  subject: { type: ['string', 'null'] },
  data: { type: 'object', additionalProperties: true },
});

export const ruleView = record({
  id: { type: 'string' },
  kind: ruleKind,
  topic: { type: ['string', 'null'] },
  everyMs: { type: ['integer', 'null'] },
  afterMessages: { type: ['integer', 'null'] },
  enabled: { type: 'boolean' },
  lastFiredAt: nullableTimestamp,
  createdAt: timestamp,
});

export const topicStatsView = record({
  topic: { type: 'string' },
  messages: { type: 'integer' },
  bytes: { type: 'integer' },
  ratePerSecond: { type: 'number', description: 'messages per second over the last minute' },
  averageSize: { type: 'number' },
  messagesSinceRotation: { type: 'integer' },
  errors: { type: 'object', additionalProperties: { type: 'integer' }, description: 'error codes clients reported in their acknowledgements, with counts' },
  updatedAt: timestamp,
});

export const tokenView = record({
  id: { type: 'string' },
  name: { type: 'string' },
  scope: tokenScope,
  createdAt: timestamp,
  expiresAt: nullableTimestamp,
  revokedAt: nullableTimestamp,
  lastUsedAt: nullableTimestamp,
});

export const createdToken = record({
  token: tokenView,
  secret: { type: 'string', description: 'the bearer secret: shown this once, stored only as a hash' },
});

/** `{items, next}`: `next` is the cursor of the following page, null on the last. */
export function pageOf(item: object) {
  return record({ items: { type: 'array', items: item }, next: { type: ['string', 'null'] } });
}

/** A querystring of `limit` and `cursor` and the list's own filters. */
export function pageQuery(filters: Record<string, object> = {}) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'at most this many items (default 100)' },
      cursor: { type: 'string', minLength: 1, maxLength: 600, description: 'the `next` of the previous page' },
      ...filters,
    },
  };
}

/** Path parameters, each required. */
export function pathParams(properties: Record<string, object>) {
  return record(properties);
}

// Request bodies.

export const newClientBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'mode'],
  properties: {
    name: clientName,
    id: { ...clientId, description: 'default: SHA3-256(name)[0:16], as E4 derives ids' },
    mode: clientMode,
    key: hexInput(32, 'symmetric mode: the client key; omitted, C2 generates one and reveals it once'),
    publicKey: hexInput(32, "public-key mode: the client's Ed25519 public key"),
  },
  allOf: [
    { if: { properties: { mode: { const: 'symmetric' } } }, then: { not: { required: ['publicKey'] } } },
    { if: { properties: { mode: { const: 'publicKey' } } }, then: { required: ['publicKey'], not: { required: ['key'] } } },
  ],
} as const;

export const renameBody = record({ name: clientName });
export const linkBody = record({ topic: topicName, role: topicRole });
export const newTopicBody = record({ name: topicName });

export const newRuleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: ruleKind,
    topic: { anyOf: [topicName, { type: 'null' }], description: 'null or omitted: every topic' },
    everyMs: { type: 'integer', minimum: 1000, maximum: 10 * 365 * 86_400_000, description: 'rotateEvery: the period, ms' },
    afterMessages: { type: 'integer', minimum: 1, maximum: 1e12, description: 'rotateAfterMessages: messages seen on the topic' },
  },
  allOf: [
    { if: { properties: { kind: { const: 'rotateEvery' } } }, then: { required: ['everyMs'], not: { required: ['afterMessages'] } } },
    { if: { properties: { kind: { const: 'rotateAfterMessages' } } }, then: { required: ['afterMessages'], not: { required: ['everyMs'] } } },
    { if: { properties: { kind: { const: 'rotateOnRevoke' } } }, then: { not: { anyOf: [{ required: ['everyMs'] }, { required: ['afterMessages'] }] } } },
  ],
} as const;

export const newTokenBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'scope'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    scope: tokenScope,
    ttlMs: { type: 'integer', minimum: 1000, maximum: 10 * 365 * 86_400_000, description: 'lifetime, ms; omitted, the token does not expire' },
  },
} as const;

export const ids = { clientId, ruleId: opaqueId, jobId: opaqueId, tokenId: opaqueId } as const;
export const filters = { clientStatus, jobState, topicName };
