/**
 * `e4ts c2`: the server as a real process (a temporary SQLite file, the embedded broker, a free
 * port), printing its addresses and, at first start only, the admin token; and the commands
 * against it: tokens, clients, topics, a rotation followed to its end, a revocation, each in text
 * and in --json, and their failures as one line with the API's code (exit 1) or usage (exit 2);
 * the server's log of the requests it served, with no query string, token or key in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../src/c2.ts';
import { toHex } from '../../src/utils.ts';
import { cli, isOneCleanLine, jsonLines, spawnCli } from '../cli-helpers.ts';
import { freePort } from '../mqtt-helpers.ts';

let dir: string;
let server: ReturnType<typeof jsonLines> & { child: ReturnType<typeof spawnCli> };
let url: string;
let token: string;
/** Every secret the server handed out: none may appear in its log. */
const secrets: string[] = [];

async function startServer() {
  const child = spawnCli(['c2', '--port', '0', '--db', join(dir, 'c2.db'), '--json'], dir);
  const lines = jsonLines(child);
  const ready = await lines.waitFor((l) => l.event === 'ready', 'the server to start', 30_000);
  return { server: { ...lines, child }, ready };
}

async function stopServer() {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

/** `e4ts c2 <args> --url <server> --token <admin>`. */
const c2 = (args: string[], as: string = token) => cli(['c2', ...args, '--url', url, '--token', as]);

async function refused(args: string[], pattern: RegExp, exitCode = 1, as?: string) {
  const r = await c2(args, as);
  expect(r.code, args.join(' ') + ': ' + r.stderr).toBe(exitCode);
  expect(isOneCleanLine(r.stderr), r.stderr).toBe(true);
  expect(r.stderr).toMatch(pattern);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'e4ts-c2-cli-'));
  const started = await startServer();
  server = started.server;
  url = started.ready.url as string;
  token = started.ready.adminToken as string;
  secrets.push(token);
});

afterAll(async () => {
  if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('e4ts c2', () => {
  it('starts with its addresses and, the first time, an admin token', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^e4c2_/);
    const ready = server.lines.find((l) => l.event === 'ready')!;
    expect(ready).toMatchObject({ console: url + '/', openapi: url + '/openapi.json', broker: expect.stringMatching(/^mqtt:\/\//) });
    expect((await fetch(url + '/')).status).toBe(200);
  });

  it('prints help for each command', async () => {
    for (const args of [['c2'], ['c2', 'client'], ['c2', 'client', 'add'], ['c2', 'topic', 'rotate'], ['c2', 'token', 'create'], ['c2', 'serve']]) {
      const r = await cli([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.text).toContain('Usage: e4ts ' + args.join(' '));
    }
  });

  it('creates tokens, its secret printed once', async () => {
    const r = await c2(['token', 'create', 'dashboard', '--scope', 'read', '--ttl', '30d', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const created = JSON.parse(r.text);
    expect(created.token).toMatchObject({ name: 'dashboard', scope: 'read' });
    expect(created.token.expiresAt - created.token.createdAt).toBe(30 * 86_400_000);
    expect(created.secret).toMatch(/^e4c2_/);
    secrets.push(created.secret);
    const text = await c2(['token', 'create', 'ops', '--scope', 'admin']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.text).toMatch(/^secret\s+e4c2_\S+$/m);
    await refused(['client', 'add', 'nope'], /^e4ts: Forbidden: /, 1, created.secret);
  });

  it('adds and lists clients; a generated key is printed once', async () => {
    const added = await c2(['client', 'add', 'thermometer-1']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.text).toMatch(/^key\s+[0-9a-f]{64}$/m);
    expect(added.text).toMatch(/^control topic\s+e4\/[0-9a-f]{32}$/m);
    expect(added.stderr).toContain('shown this once');
    secrets.push(/^key\s+([0-9a-f]{64})$/m.exec(added.text)![1]);

    const publicKey = toHex(generateEd25519KeyPair().publicKey);
    const camera = await c2(['client', 'add', 'camera-7', '--mode', 'public-key', '--public-key', publicKey, '--json']);
    expect(camera.code, camera.stderr).toBe(0);
    const view = JSON.parse(camera.text);
    expect(view.client).toMatchObject({ name: 'camera-7', mode: 'publicKey', publicKey });
    expect(view.generatedKey).toBeUndefined();

    const list = await c2(['client', 'list', '--json']);
    expect(JSON.parse(list.text).map((c: { name: string }) => c.name).sort()).toEqual(['camera-7', 'thermometer-1']);
    const text = await c2(['client', 'list', '--status', 'active']);
    expect(text.text.trim().split('\n')).toHaveLength(2);
    expect(text.text).toContain('camera-7');
  });

  it('adds a topic and rotates its key, following the job to its end', async () => {
    const added = await c2(['topic', 'add', 'plant/1/temperature', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.text)).toMatchObject({ name: 'plant/1/temperature', keyVersion: 1 });

    const rotated = await c2(['topic', 'rotate', 'plant/1/temperature']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.text).toMatch(/^rotated plant\/1\/temperature to key version 2 \(job [0-9a-f]+, done\)$/m);
    expect(rotated.stderr).toMatch(/^job [0-9a-f]+ \(rotate\): done, 0\/0 confirmed$/m);

    const json = await c2(['topic', 'rotate', 'plant/1/temperature', '--json']);
    expect(JSON.parse(json.text)).toMatchObject({ kind: 'rotate', state: 'done', keyVersion: 3 });
    expect(json.stderr).toBe('');
  });

  it('revokes a client', async () => {
    const list = JSON.parse((await c2(['client', 'list', '--json'])).text) as { id: string; name: string }[];
    const id = list.find((c) => c.name === 'camera-7')!.id;
    const r = await c2(['client', 'revoke', id, '--no-wait', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.text)).toMatchObject({ kind: 'revoke', clientId: id });
  });

  it("prints the API's errors as one line with their code, exit 1", async () => {
    await refused(['client', 'add', 'thermometer-1'], /^e4ts: AlreadyExists: /);
    await refused(['topic', 'rotate', 'no/such/topic'], /^e4ts: NotFound: /);
    await refused(['client', 'revoke', 'f'.repeat(32)], /^e4ts: NotFound: /);
    await refused(['topic', 'add', 'plant/+/wildcard'], /^e4ts: InvalidTopic: /);
    await refused(['client', 'list'], /^e4ts: Unauthorized: /, 1, 'e4c2_wrong');
    const nowhere = 'http://127.0.0.1:' + (await freePort());
    const unreachable = await cli(['c2', 'client', 'list', '--url', nowhere, '--token', token]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe('e4ts: cannot reach the key server at ' + nowhere + ': ECONNREFUSED\n');
  });

  it('answers usage errors with exit 2', async () => {
    const saved = process.env.E4TS_C2_TOKEN;
    delete process.env.E4TS_C2_TOKEN;
    try {
      const noToken = await cli(['c2', 'client', 'list', '--url', url]);
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toBe('e4ts: no API token: give --token or set E4TS_C2_TOKEN\n');
    } finally {
      if (saved !== undefined) process.env.E4TS_C2_TOKEN = saved;
    }
    await refused(['client', 'add', 'x', '--key', 'abcd'], /32-byte key/, 2);
    await refused(['client', 'add', 'x', '--mode', 'public-key'], /needs --public-key/, 2);
    await refused(['client', 'add', 'x', '--mode', 'rsa'], /mode/, 2);
    await refused(['client', 'revoke', 'thermometer-1'], /client id/, 2);
    await refused(['token', 'create', 'x', '--ttl', 'forever'], /duration/, 2);
    const badUrl = await cli(['c2', 'client', 'list', '--url', 'ftp://host']);
    expect(badUrl.code).toBe(2);
    expect((await cli(['c2', '--port', '70000'])).code).toBe(2);
  });

  it('takes the token from E4TS_C2_TOKEN', async () => {
    process.env.E4TS_C2_TOKEN = token;
    try {
      const r = await cli(['c2', 'client', 'list', '--url', url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.text)).toHaveLength(2);
    } finally {
      delete process.env.E4TS_C2_TOKEN;
    }
  });

  it('logs each request it served by its path and status, never a query string, a token or a key', async () => {
    const answered = await fetch(url + '/api/topics?limit=5&secret=' + token, { headers: { authorization: 'Bearer ' + token } });
    expect(answered.status).toBe(400);
    // Refused (an unknown query parameter), and logged all the same.
    await server.waitFor((l) => l.event === 'log' && /^GET \/api\/topics 400 \d+ ms$/.test(String(l.message)), 'the request in the log');
    const messages = server.lines.filter((l) => l.event === 'log').map((l) => String(l.message));
    // `client list` asked for /api/clients?limit=1000.
    expect(messages).toContainEqual(expect.stringMatching(/^GET \/api\/clients 200 \d+ ms$/));
    expect(messages).toContainEqual(expect.stringMatching(/^POST \/api\/topics\/plant%2F1%2Ftemperature\/rotate 202 \d+ ms$/));
    expect(messages.filter((m) => m.includes('?'))).toEqual([]);
    for (const secret of secrets) expect(messages.filter((m) => m.includes(secret))).toEqual([]);
  });

  it('stops on SIGTERM and starts again on the same database without a new admin token', async () => {
    await stopServer();
    expect(server.lines.some((l) => l.event === 'log' && l.message === 'stopped')).toBe(true);
    const again = await startServer();
    server = again.server;
    url = again.ready.url as string;
    expect(again.ready.adminToken).toBeNull();
    const list = await c2(['client', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.text)).toHaveLength(2);
    await stopServer();
  });
});
