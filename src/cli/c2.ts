/**
 * `e4ts c2`: the key server. With no subcommand (or `serve`) it runs one; `client`, `topic` and
 * `token` talk to a running one through its HTTP API (--url, --token or E4TS_C2_TOKEN); `kek`
 * works on a KEK file or on a database no server runs on. Errors the
 * API answers are printed as the rest of the CLI prints E4 errors, `e4ts: <code>: <message>`, and
 * exit with 1; a missing token or a bad option exits with 2.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AddedClient, ClientView, JobView, Page, TokenView, TopicView } from '../c2server/api.ts';
import { E4ErrorCode, e4Error, isE4Error, type E4ErrorCode as Code } from '../errors.ts';
import { CliError, EXIT_USAGE, table, type CliIo } from './io.ts';
import { brokerUrl, untilStopped } from './services.ts';

/**
 * Where the commands find the server when --url is not given: `e4ts c2`'s own default address.
 * server.ts is imported only when needed: it loads the whole server, which the other commands
 * of the CLI have no use for.
 */
async function defaultUrl(): Promise<string> {
  const { DEFAULT_HTTP_PORT } = await import('../c2server/server.ts');
  return 'http://127.0.0.1:' + DEFAULT_HTTP_PORT;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;

function hexOf(length: number, what: string) {
  const pattern = length === 16 ? HEX32 : HEX64;
  return (value: string): string => {
    if (!pattern.test(value)) throw new InvalidArgumentError('expected ' + what + ': ' + 2 * length + ' hex digits');
    return value.toLowerCase();
  };
}

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `12h`, `30d` in ms. */
export function parseDuration(value: string): number {
  const match = DURATION.exec(value);
  if (match === null) throw new InvalidArgumentError('expected a duration such as 90s, 15m, 12h or 30d');
  return Number(match[1]) * UNIT_MS[match[2]];
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected the key server URL, e.g. http://127.0.0.1:8480');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('expected an http:// or https:// URL');
  return url.origin;
}

interface ApiOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** A call of the key server's API; an error answer becomes the E4 error it names. */
export async function callApi<T>(options: ApiOptions, method: string, path: string, body?: unknown): Promise<T> {
  const token = options.token ?? process.env.E4TS_C2_TOKEN;
  if (token === undefined || token === '') throw new CliError('no API token: give --token or set E4TS_C2_TOKEN', EXIT_USAGE);
  const headers: Record<string, string> = { authorization: 'Bearer ' + token };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const url = options.url ?? (await defaultUrl());
  let response: Response;
  try {
    response = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    // fetch's own message is "fetch failed"; the socket's code is in its cause (or in the cause's
    // errors, one per address tried).
    const cause = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (e as Error).message;
    throw new CliError('cannot reach the key server at ' + url + ': ' + reason);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CliError('the key server at ' + url + ' answered ' + response.status + ' with a body that is not JSON');
  }
  if (!response.ok) {
    const { code, message } = data as { code?: string; message?: string };
    if (typeof code === 'string' && isE4Error({ code })) throw e4Error(code as Code, message ?? code);
    throw new CliError('the key server answered ' + response.status);
  }
  return data as T;
}

const topicPath = (name: string) => '/api/topics/' + encodeURIComponent(name);

/** Every item of a list, page after page. */
async function allPages<T>(options: ApiOptions, path: string, query: Record<string, string | undefined>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...query, limit: '1000', cursor: cursor ?? undefined })) {
      if (value !== undefined) params.set(name, value);
    }
    const page: Page<T> = await callApi<Page<T>>(options, 'GET', path + '?' + params.toString());
    items.push(...page.items);
    cursor = page.next;
  } while (cursor !== null);
  return items;
}

const FINISHED = new Set(['done', 'failed']);

/**
 * Follows a job until it finishes, printing its progress on stderr as it changes; resolves to
 * the finished job, or throws its error when it failed.
 */
export async function followJob(options: ApiOptions, job: JobView, io: CliIo, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let shown = '';
  for (;;) {
    const line = 'job ' + job.id + ' (' + job.kind + '): ' + job.state + ', ' + job.progress.confirmed + '/' + job.progress.total + ' confirmed' +
      (job.progress.failed > 0 ? ', ' + job.progress.failed + ' failed' : '');
    if (line !== shown && options.json !== true) io.stderr.write(line + '\n');
    shown = line;
    if (FINISHED.has(job.state)) break;
    const left = deadline - Date.now();
    if (left <= 0) throw new CliError('job ' + job.id + ' has not finished after ' + Math.round(timeoutMs / 1000) + ' s; it goes on (e4ts c2 job state: GET /api/jobs/' + job.id + ')');
    job = await callApi<JobView>(options, 'GET', '/api/jobs/' + encodeURIComponent(job.id) + '?wait=' + Math.min(left, 1000));
  }
  if (job.state === 'failed') {
    if (options.json === true) io.stdout.write(JSON.stringify(job, null, 2) + '\n');
    const error = job.error ?? { code: E4ErrorCode.CommandFailed, message: 'the job failed' };
    throw isE4Error({ code: error.code }) ? e4Error(error.code as Code, 'job ' + job.id + ' failed: ' + error.message) : new CliError('job ' + job.id + ' failed: ' + error.message);
  }
  return job;
}

function print(io: CliIo, options: ApiOptions, value: unknown, text: string): void {
  io.stdout.write(options.json === true ? JSON.stringify(value, null, 2) + '\n' : text);
}

function clientLine(client: ClientView): string {
  return [client.id, client.status.padEnd(7), client.mode.padEnd(9), client.name, client.topics.map((t) => t.topic + ':' + t.role).join(',')].join('  ') + '\n';
}

function topicText(topic: TopicView): string {
  return table([
    ['topic', topic.name],
    ['hash', topic.hash],
    ['key version', String(topic.keyVersion)],
    ['key age', Math.round(topic.keyAgeMs / 1000) + ' s'],
    ['clients', String(topic.clients.length)],
  ]);
}

/** The options every API command takes. */
function apiCommand(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', "the key server (default: e4ts c2's own address, http://127.0.0.1:8480)").argParser(httpUrl))
    .addOption(new Option('--token <secret>', 'an API token (default: $E4TS_C2_TOKEN); other users can see it in the process list, the variable they cannot'))
    .option('--json', 'print JSON');
}

const waitOptions = (command: Command) =>
  command
    .option('--no-wait', 'print the job and return without waiting for it')
    .option('--timeout <duration>', 'how long to wait for the job', parseDuration, 300_000);

export function registerC2(program: Command, io: CliIo): void {
  const c2 = program
    .command('c2')
    .description('the key server: run one (the default), or manage the clients, topics and tokens of a running one')
    .addHelpText('after', `
Examples:
  e4ts c2                                   # ./e4ts-c2.db, the embedded broker, http://127.0.0.1:8480
  e4ts c2 --db postgres://c2@db/e4 --kek-file /run/secrets/kek --broker mqtt://broker:1883
  export E4TS_C2_TOKEN=<the admin token printed at first start>
  e4ts c2 client add thermometer-1
  e4ts c2 topic add plant/1/temperature
  e4ts c2 topic rotate plant/1/temperature`);

  c2.command('serve', { isDefault: true })
    .description('run the key server: the API, the console and the jobs (until SIGINT or SIGTERM)')
    .option('--db <path|url>', 'a SQLite file, or postgres://… for PostgreSQL (default: ./e4ts-c2.db)')
    .option('--kek-file <file>', 'the key-encryption key (32 bytes, raw or hex); default: $E4TS_C2_KEK, else <db>.kek beside a SQLite file, made at first start')
    .option('--broker <url>', 'the fleet broker, e.g. mqtt://broker:1883 (default: an embedded aedes broker)', brokerUrl)
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (default 8480; 0: any free one)', portNumber)
    .option('--json', 'log JSON lines on stdout')
    .action(async (options) => {
      await serve({ db: options.db, kekFile: options.kekFile, broker: options.broker, host: options.host, port: options.port, json: options.json === true }, io);
    });

  registerKek(c2, io);

  const client = c2.command('client').description("a running key server's clients");
  apiCommand(client.command('add'))
    .description('provision a client; a symmetric key C2 generates is printed this once')
    .argument('<name>')
    .addOption(new Option('--mode <mode>', 'symmetric, or public-key (Ed25519)').choices(['symmetric', 'public-key']).default('symmetric'))
    .option('--key <hex>', 'symmetric: the client key (default: C2 makes one)', hexOf(32, 'a 32-byte key'))
    .option('--public-key <hex>', "public-key: the client's Ed25519 public key", hexOf(32, 'an Ed25519 public key'))
    .option('--id <hex>', 'the id (default: SHA3-256(name)[0:16])', hexOf(16, 'an id'))
    .action(async (name: string, options) => {
      const mode = options.mode === 'public-key' ? 'publicKey' : 'symmetric';
      if (mode === 'publicKey' && options.publicKey === undefined) throw new CliError('--mode public-key needs --public-key', EXIT_USAGE);
      if (mode === 'symmetric' && options.publicKey !== undefined) throw new CliError('--public-key is for --mode public-key', EXIT_USAGE);
      if (mode === 'publicKey' && options.key !== undefined) throw new CliError('--key is for --mode symmetric', EXIT_USAGE);
      const body = { name, mode, id: options.id, key: options.key, publicKey: options.publicKey };
      const added = await callApi<AddedClient>(options, 'POST', '/api/clients', body);
      const rows: [string, string][] = [
        ['id', added.client.id],
        ['name', added.client.name],
        ['mode', added.client.mode],
        ['control topic', added.client.controlTopic],
      ];
      if (added.generatedKey !== undefined) rows.push(['key', added.generatedKey]);
      print(io, options, added, table(rows));
      if (added.generatedKey !== undefined && options.json !== true) io.stderr.write('the key is shown this once: C2 keeps it sealed and never shows it again\n');
    });

  apiCommand(client.command('list'))
    .description('list the clients (every page)')
    .addOption(new Option('--status <status>', 'only these').choices(['active', 'revoked']))
    .option('--topic <topic>', 'only the clients of this topic')
    .action(async (options) => {
      const clients = await allPages<ClientView>(options, '/api/clients', { status: options.status, topic: options.topic });
      print(io, options, clients, clients.map(clientLine).join(''));
    });

  waitOptions(apiCommand(client.command('revoke')))
    .description("revoke a client: remove it from every topic and, by the rules, rotate those topics' keys")
    .argument('<id>', "the client's id (e4ts id <name> prints it)", hexOf(16, 'a client id'))
    .action(async (id: string, options) => {
      const job = await callApi<JobView>(options, 'POST', '/api/clients/' + id + '/revoke');
      const result = options.wait === false ? job : await followJob(options, job, io, options.timeout);
      print(io, options, result, 'revoked ' + id + ' (job ' + result.id + ', ' + result.state + ')\n');
    });

  const topic = c2.command('topic').description("a running key server's topics");
  apiCommand(topic.command('add'))
    .description('add a topic; C2 makes its first key')
    .argument('<name>')
    .action(async (name: string, options) => {
      const added = await callApi<TopicView>(options, 'POST', '/api/topics', { name });
      print(io, options, added, topicText(added));
    });

  waitOptions(apiCommand(topic.command('rotate')))
    .description("rotate a topic's key: receivers first, then senders; shows the progress until every client confirmed")
    .argument('<name>')
    .action(async (name: string, options) => {
      const job = await callApi<JobView>(options, 'POST', topicPath(name) + '/rotate');
      const result = options.wait === false ? job : await followJob(options, job, io, options.timeout);
      print(io, options, result, 'rotated ' + name + ' to key version ' + (result.keyVersion ?? '?') + ' (job ' + result.id + ', ' + result.state + ')\n');
    });

  const token = c2.command('token').description("a running key server's API tokens");
  apiCommand(token.command('create'))
    .description('create an API token; its secret is printed this once')
    .argument('<name>')
    .addOption(new Option('--scope <scope>', 'read: GET routes only; admin: everything').choices(['read', 'admin']).default('read'))
    .option('--ttl <duration>', 'expire after this long (e.g. 30d; default: never)', parseDuration)
    .action(async (name: string, options) => {
      const created = await callApi<{ token: TokenView; secret: string }>(options, 'POST', '/api/tokens', { name, scope: options.scope, ttlMs: options.ttl });
      print(
        io,
        options,
        created,
        table([
          ['id', created.token.id],
          ['name', created.token.name],
          ['scope', created.token.scope],
          ['expires', created.token.expiresAt === null ? 'never' : new Date(created.token.expiresAt).toISOString()],
          ['secret', created.secret],
        ]),
      );
    });
}

/** `e4ts c2 kek generate|rotate`: on the database or the file directly, no server involved. */
function registerKek(c2: Command, io: CliIo): void {
  const kek = c2.command('kek').description("the key-encryption key that seals every key of a key server's database");
  kek
    .command('generate')
    .description('write a new random key-encryption key to a file: 64 hex digits, mode 0600, never over an existing file')
    .requiredOption('--out <file>', 'the file to write')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const [{ init }, { generateKekFile }] = await Promise.all([import('../backends/select.ts'), import('../c2server/vault.ts')]);
      await init();
      const made = generateKekFile(options.out);
      made.wipe();
      const file = resolve(options.out);
      print(io, options, { id: made.id, file }, 'wrote the key-encryption key ' + made.id + ' to ' + file + '\n');
    });

  kek
    .command('rotate')
    .description('re-seal every key of a database under a new key-encryption key, in one transaction; refused while a key server runs on it')
    .requiredOption('--db <path|url>', 'the SQLite file, or postgres://… for PostgreSQL')
    .requiredOption('--kek-file <file>', "the database's key-encryption key")
    .requiredOption('--new-kek-file <file>', 'the new key-encryption key (e4ts c2 kek generate makes one)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const rotated = await rotateDatabaseKek(options.db, options.kekFile, options.newKekFile, io);
      print(io, options, rotated, 'the key-encryption key is now ' + rotated.kekId + ' (was ' + rotated.retired + '): ' + rotated.resealed + ' keys re-sealed\n');
    });
}

async function rotateDatabaseKek(url: string, kekFile: string, newKekFile: string, io: CliIo) {
  const [{ init }, { openDatabase }, { loadKekFile, rotateKek }] = await Promise.all([
    import('../backends/select.ts'),
    import('../c2server/db/database.ts'),
    import('../c2server/vault.ts'),
  ]);
  await init();
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    // Opening a path that does not exist would make a new, empty database there.
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
    if (!existsSync(path)) throw e4Error(E4ErrorCode.NotFound, 'no database at "' + path + '"');
  }
  const onWarning = (message: string) => io.stderr.write('e4ts: warning: ' + message + '\n');
  const current = loadKekFile(kekFile, { onWarning });
  try {
    const next = loadKekFile(newKekFile, { onWarning });
    try {
      const db = await openDatabase(url);
      try {
        const { resealed } = await rotateKek(db, current, next);
        return { kekId: next.id, retired: current.id, resealed };
      } finally {
        await db.close();
      }
    } finally {
      next.wipe();
    }
  } finally {
    current.wipe();
  }
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

interface ServeOptions {
  db?: string;
  kekFile?: string;
  broker?: string;
  host: string;
  port?: number;
  json: boolean;
}

/** Runs the key server until the signal (or until it stops by itself, an error): its addresses on stdout, and the first admin token once. */
async function serve(options: ServeOptions, io: CliIo): Promise<void> {
  const { startC2Server } = await import('../c2server/server.ts');
  const line = (level: string) => (message: string) => {
    if (options.json) io.stdout.write(JSON.stringify({ event: 'log', level, message }) + '\n');
    else io.stderr.write(message + '\n');
  };
  const server = await startC2Server({
    db: options.db,
    kekFile: options.kekFile,
    broker: options.broker,
    http: { host: options.host, port: options.port },
    logger: { info: line('info'), warn: line('warn'), error: line('error') },
  });
  try {
    const url = server.url!;
    const ready = { event: 'ready', url, console: url + '/', openapi: url + '/openapi.json', broker: server.brokerUrl, adminToken: server.adminToken };
    const rows: [string, string][] = [
      ['API', url + '/api (OpenAPI: ' + url + '/openapi.json)'],
      ['console', url + '/'],
      ['broker', server.brokerUrl],
    ];
    if (server.adminToken !== null) rows.push(['admin token', server.adminToken + '  (shown this once: keep it, e.g. export E4TS_C2_TOKEN=…)']);
    io.stdout.write(options.json ? JSON.stringify(ready) + '\n' : 'e4ts c2 listening on ' + url + '\n' + table(rows));
    const stoppedItself = await Promise.race([untilStopped(io.signal).then(() => null), server.stoppedOnItsOwn]);
    if (stoppedItself !== null) throw stoppedItself;
  } finally {
    await server.stop();
  }
  line('info')('stopped');
}
