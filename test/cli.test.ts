/**
 * The `e4ts` command line: every command, its help, its output against the vectors, and bad
 * input (wrong key length, corrupt files, tampered messages) answered by one line and exit 1,
 * usage errors by exit 2. Most run in process; a few run the real executable.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { cmdSetPubKey, cmdSetTopicKey, generateEd25519KeyPair, generateSymmetricKey, generateX25519KeyPair, protectCommand, sharedKeyForClient } from '../src/c2.ts';
import { withSpinner } from '../src/cli/derive.ts';
import { loadClient } from '../src/client/load.ts';
import { deriveKeyFromPasswordAsync, hashTopic, idFromName } from '../src/primitives.ts';
import { protectSymmetric } from '../src/protocol/messages.ts';
import { createFileStore } from '../src/stores/file.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../src/utils.ts';
import { cli, isOneCleanLine, runProcess } from './cli-helpers.ts';
import { readVectors } from './vectors.ts';

let dir: string;
const vectors = readVectors('e4go-vectors.json');
const KEY = 'ab'.repeat(32);

beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), 'e4ts-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const path = (name: string) => join(dir, name);

/** A refused input: exit 1 and one clean line naming `code` (or matching `pattern`). */
async function refused(args: string[], stdin: Uint8Array | string, pattern: RegExp) {
  const r = await cli(args, stdin);
  expect(r.code, r.stderr).toBe(1);
  expect(isOneCleanLine(r.stderr), r.stderr).toBe(true);
  expect(r.stderr).toMatch(pattern);
  return r;
}

describe('help and usage', () => {
  it('prints help for the program and every command, exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.text).toContain('Exit codes:');
    for (const command of ['keygen', 'topic-hash', 'id', 'protect', 'unprotect', 'inspect', 'demo', 'gateway', 'ingest']) {
      const r = await cli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.text).toContain('Usage: e4ts ' + command);
    }
    expect((await cli(['--version'])).text).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers usage errors with exit 2 and one line', async () => {
    for (const args of [
      ['nope'],
      ['keygen'],
      ['keygen', 'rsa'],
      ['protect', '--key', KEY],
      ['protect', '--topic', 't', '--format', 'octal', '--key', KEY],
      ['protect', '--topic', 't'],
      ['protect', '--topic', 't', '--key', KEY, '--state', 'x.json'],
      ['demo', '--devices', '0'],
      ['demo', '--broker', 'localhost:1883'],
      ['keygen', 'x25519', '--state', 'c2.json'],
      ['inspect', '--command', '--mode', 'public-key'],
      ['gateway', '--state', 'gw.json', '--local', 'mqtt://127.0.0.1:1', '--upstream', 'mqtt://127.0.0.1:1'],
      ['gateway', '--state', 'gw.json', '--local', 'mqtt://127.0.0.1:1', '--upstream', 'mqtt://127.0.0.1:1', '--uplink', 'a/#', '--downlink', 'a/b'],
      ['ingest', '--broker', 'mqtt://127.0.0.1:1', '--state', 'w.json', '--topic', 't', '--share', 'a/b'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(isOneCleanLine(r.stderr), args.join(' ') + ': ' + r.stderr).toBe(true);
    }
  });
});

describe('keygen', () => {
  it('derives from a password exactly as E4 does, both modes', async () => {
    for (const v of vectors.symKeyFromPassword.slice(0, 2)) {
      const r = await cli(['keygen', 'symmetric', '--password', v.password, '--name', 'dev-1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.text)).toMatchObject({ type: 'symmetric', key: v.key, id: toHex(idFromName('dev-1')), controlTopic: 'e4/' + toHex(idFromName('dev-1')) });
    }
    const ed = vectors.ed25519FromPassword[0];
    writeFileSync(path('pw.txt'), ed.password + '\n');
    const r = await cli(['keygen', 'ed25519', '--password-file', path('pw.txt'), '--json']);
    expect(JSON.parse(r.text)).toMatchObject({ privateKey: ed.privateKey, publicKey: ed.publicKey });
    const fromStdin = await cli(['keygen', 'ed25519', '--password-file', '-', '--json'], ed.password);
    expect(JSON.parse(fromStdin.text).publicKey).toBe(ed.publicKey);
  });

  it('shows a spinner that turns while Argon2 runs in a worker', async () => {
    const written: string[] = [];
    const key = await withSpinner(deriveKeyFromPasswordAsync('correct horse battery staple'), 'deriving', { write: (s) => written.push(s), isTTY: true }, { delayMs: 0, intervalMs: 5 });
    expect(toHex(key)).toBe(vectors.symKeyFromPassword[0].key);
    const frames = new Set(written.filter((s) => s.startsWith('\r') && !s.includes('✓')));
    expect(written.length).toBeGreaterThan(5);
    expect(frames.size).toBeGreaterThan(2);
    expect(written[written.length - 1]).toMatch(/✓ deriving \(\d+\.\d s\)\n$/);
    // Not on a terminal: nothing at all.
    const quiet: string[] = [];
    await withSpinner(Promise.resolve(1), 'x', { write: (s) => quiet.push(s), isTTY: false }, { delayMs: 0 });
    expect(quiet).toEqual([]);
    // Through the command, on a terminal: nothing if it took under 150 ms, else the final line.
    const r = await cli(['keygen', 'symmetric', '--password', 'correct horse battery staple'], '', { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^(|[^]*\r\x1b\[K✓ deriving the key from the password \(Argon2i, 64 MiB\) \(\d+\.\d s\)\n)$/);
  });

  it('writes raw key files as e4keygen does, and client state files', async () => {
    const r = await cli(['keygen', 'x25519', '--out', path('c2'), '--json']);
    expect(r.code).toBe(0);
    const c2 = JSON.parse(r.text);
    expect(toHex(readFileSync(path('c2')))).toBe(c2.privateKey);
    expect(toHex(readFileSync(path('c2.pub')))).toBe(c2.publicKey);
    expect(statSync(path('c2')).mode & 0o777).toBe(0o600);
    await refused(['keygen', 'x25519', '--out', path('c2')], '', /exists; --force/);
    expect((await cli(['keygen', 'x25519', '--out', path('c2'), '--force'])).code).toBe(0);

    const sym = JSON.parse((await cli(['keygen', 'symmetric', '--name', 'gw', '--state', path('gw.json'), '--json'])).text);
    const loaded = loadClient({ store: createFileStore(path('gw.json')) });
    expect(toHex(loaded.id)).toBe(sym.id);
    expect(loaded.modeName).toBe('symmetric');

    const ed = await cli(['keygen', 'ed25519', '--name', 'cam', '--state', path('cam.json'), '--c2-public-key', c2.publicKey]);
    expect(ed.code, ed.stderr).toBe(0);
    expect(loadClient({ store: createFileStore(path('cam.json')) }).modeName).toBe('publicKey');
    expect((await cli(['keygen', 'ed25519', '--state', path('x.json')])).code).toBe(2);
    await refused(['keygen', 'ed25519', '--state', path('y.json'), '--c2-public-key', 'abcd'], '', /InvalidKeyLength: the C2 public key must be 32 bytes/);
    await refused(['keygen', 'symmetric', '--password', 'short'], '', /InvalidPassword/);
    await refused(['keygen', 'symmetric', '--name', 'x'.repeat(256)], '', /InvalidName/);
  });
});

describe('topic-hash and id', () => {
  it('match the vectors', async () => {
    for (const v of vectors.topicHashes.filter((t: { topic: string; validateTopic?: string }) => !t.validateTopic).slice(0, 3)) {
      expect((await cli(['topic-hash', v.topic])).text).toBe(v.hash + '\n');
    }
    for (const v of vectors.idAliases.filter((a: { validateName?: string }) => !a.validateName).slice(0, 3)) {
      expect((await cli(['id', v.alias])).text).toBe(v.id + '\n');
      expect((await cli(['id', v.alias, '--control-topic'])).text).toBe('e4/' + v.id + '\n');
    }
    await refused(['topic-hash', ''], '', /InvalidTopic/);
    await refused(['id', ''], '', /InvalidName/);
  });
});

describe('protect and unprotect', () => {
  it('round-trips with a key in every format', async () => {
    for (const format of ['raw', 'hex', 'base64']) {
      const p = await cli(['protect', '--topic', 'a/b', '--key', KEY, '--format', format], '21.5');
      expect(p.code, p.stderr).toBe(0);
      if (format === 'hex') expect(p.text).toMatch(/^[0-9a-f]+\n$/);
      if (format === 'base64') expect(fromBase64(p.text.trim(), 'x').length).toBe(28);
      const u = await cli(['unprotect', '--topic', 'a/b', '--key', KEY, '--format', format], p.stdout);
      expect(u.code, u.stderr).toBe(0);
      expect(u.text).toBe('21.5');
    }
    writeFileSync(path('topic.key'), fromHex(KEY, 'k'));
    writeFileSync(path('topic.hex'), KEY + '\n');
    const p = await cli(['protect', '--topic', 'a/b', '--key-file', path('topic.key')], 'x');
    expect((await cli(['unprotect', '--topic', 'a/b', '--key-file', path('topic.hex')], p.stdout)).text).toBe('x');
  });

  it('applies C2 commands to a state file, then protects with it', async () => {
    const clientKey = generateSymmetricKey();
    const sym = JSON.parse((await cli(['keygen', 'symmetric', '--name', 'dev', '--state', path('dev.json'), '--json'])).text);
    const topicKey = generateSymmetricKey();
    const command = protectCommand(fromHex(sym.key, 'k'), cmdSetTopicKey(topicKey, 'plant/temp'));
    const applied = await cli(['unprotect', '--topic', sym.controlTopic, '--state', path('dev.json')], command);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toBe('applied SetTopicKey; state saved to ' + path('dev.json') + '\n');
    expect(applied.stdout.length).toBe(0);
    const p = await cli(['protect', '--topic', 'plant/temp', '--state', path('dev.json'), '--format', 'base64'], 'hello');
    const u = await cli(['unprotect', '--topic', 'plant/temp', '--key', toHex(topicKey), '--format', 'base64'], p.stdout);
    expect(u.text).toBe('hello');
    // A command under another key changes nothing.
    const before = readFileSync(path('dev.json'), 'utf8');
    await refused(['unprotect', '--topic', sym.controlTopic, '--state', path('dev.json')], protectCommand(clientKey, cmdSetTopicKey(topicKey, 'x')), /NotAuthentic/);
    expect(readFileSync(path('dev.json'), 'utf8')).toBe(before);
  });

  it('signs in public-key mode; inspect checks the signature', async () => {
    const c2 = generateX25519KeyPair();
    const cam = JSON.parse(
      (await cli(['keygen', 'ed25519', '--name', 'cam2', '--state', path('cam2.json'), '--c2-public-key', toHex(c2.publicKey), '--json'])).text,
    );
    const topicKey = generateSymmetricKey();
    const shared = sharedKeyForClient(c2.privateKey, fromHex(cam.publicKey, 'k'));
    expect((await cli(['unprotect', '--topic', cam.controlTopic, '--state', path('cam2.json')], protectCommand(shared, cmdSetTopicKey(topicKey, 'door')))).code).toBe(0);
    const other = generateEd25519KeyPair();
    expect((await cli(['unprotect', '--topic', cam.controlTopic, '--state', path('cam2.json')], protectCommand(shared, cmdSetPubKey(other.publicKey, 'other')))).code).toBe(0);
    const p = await cli(['protect', '--topic', 'door', '--state', path('cam2.json'), '--format', 'hex'], 'open');
    const i = await cli(['inspect', '--mode', 'public-key', '--format', 'hex', '--signer-key', cam.publicKey, '--key', toHex(topicKey), '--json'], p.stdout);
    expect(i.code, i.stderr).toBe(0);
    expect(JSON.parse(i.text)).toMatchObject({ layout: 'publicKey', signerId: cam.id, signatureValid: true, plaintext: 'open' });
    const tampered = Buffer.from(p.text.trim(), 'hex');
    tampered[40] ^= 1;
    const bad = await refused(['inspect', '--mode', 'public-key', '--signer-key', cam.publicKey], tampered, /InvalidSignature/);
    expect(bad.text).toMatch(/signature check\s+INVALID/);
  });

  it('refuses bad input with exit 1 and one line', async () => {
    const message = (await cli(['protect', '--topic', 't', '--key', KEY], 'payload')).stdout;
    const tampered = Buffer.from(message);
    tampered[tampered.length - 1] ^= 1;
    await refused(['unprotect', '--topic', 't', '--key', KEY], tampered, /^e4ts: NotAuthentic: /);
    await refused(['unprotect', '--topic', 't', '--key', 'ab'.repeat(31)], message, /InvalidKeyLength: the topic key must be 32 bytes \(64 hex digits\), got 31 bytes/);
    await refused(['protect', '--topic', 't', '--key', 'zz'.repeat(32)], 'x', /the topic key is not hex/);
    await refused(['unprotect', '--topic', 't', '--key', KEY], message.subarray(0, 20), /MessageTooShort/);
    const old = protectSymmetric(fromHex(KEY, 'k'), new Uint8Array([1]), Date.now() - 20 * 60_000);
    await refused(['unprotect', '--topic', 't', '--key', KEY], old, /TimestampTooOld/);
    await refused(['protect', '--topic', 't', '--key', KEY], '', /EmptyPayload/);
    await refused(['unprotect', '--topic', 't', '--key', KEY, '--format', 'hex'], 'not hex!', /the input is not hex/);
    await refused(['unprotect', '--topic', 't', '--key', KEY, '--format', 'base64'], 'abc', /not padded standard base64/);
    writeFileSync(path('corrupt.json'), '{"ID":"not base64!!"');
    await refused(['protect', '--topic', 't', '--state', path('corrupt.json')], 'x', /^e4ts: InvalidState: /);
    writeFileSync(path('short.key'), 'abcd');
    await refused(['protect', '--topic', 't', '--key-file', path('short.key')], 'x', /InvalidKeyLength/);
    await refused(['protect', '--topic', 't', '--state', path('missing.json')], 'x', /cannot read state file .*no such file/);
    await refused(['protect', '--topic', 'unknown', '--state', path('dev.json')], 'x', /TopicKeyNotFound/);
    await refused(['gateway', '--state', path('missing.json'), '--local', 'mqtt://127.0.0.1:1', '--upstream', 'mqtt://127.0.0.1:1', '--uplink', 'a/#'], '', /cannot read state file/);
    await refused(['ingest', '--broker', 'mqtt://127.0.0.1:1', '--state', path('corrupt.json'), '--topic', 't'], '', /InvalidState/);
    await refused(['gateway', '--state', path('dev.json'), '--local', 'mqtt://127.0.0.1:1', '--upstream', 'mqtt://127.0.0.1:1', '--uplink', 'a/#'], '', /cannot connect to mqtt:\/\/127\.0\.0\.1:1/);
  });
});

describe('inspect', () => {
  it('prints the fields of a message, its timestamp as a date', async () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const message = protectSymmetric(fromHex(KEY, 'k'), new TextEncoder().encode('21.5'), at);
    const r = await cli(['inspect', '--format', 'base64'], toBase64(message));
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^layout\s+symmetric: timestamp \(8\) ‖ tag \(16\) ‖ ciphertext \(4\)$/m);
    expect(r.text).toMatch(/^timestamp\s+2026-01-02T03:04:05Z \(unix 1767323045, /m);
    expect(r.text).toMatch(new RegExp('^tag\\s+' + toHex(message.subarray(8, 24)) + '$', 'm'));
    expect(r.text).not.toContain('plaintext');
    const opened = JSON.parse((await cli(['inspect', '--key', KEY, '--json'], message)).text);
    expect(opened).toMatchObject({ layout: 'symmetric', length: 28, timestamp: '2026-01-02T03:04:05Z', plaintext: '21.5' });
  });

  it('decodes a command, its keys hidden unless asked', async () => {
    const clientKey = generateSymmetricKey();
    const topicKey = generateSymmetricKey();
    const command = protectCommand(clientKey, cmdSetTopicKey(topicKey, 'plant/temp'));
    const r = await cli(['inspect', '--command', '--key', toHex(clientKey)], command);
    expect(r.text).toMatch(/^command\s+SetTopicKey \(0x03\)$/m);
    expect(r.text).toMatch(new RegExp('^topic hash\\s+' + toHex(hashTopic('plant/temp')) + '$', 'm'));
    expect(r.text).toMatch(/^topic key\s+32 bytes \(hidden; --show-keys prints it\)$/m);
    expect(r.text).not.toContain(toHex(topicKey));
    const shown = JSON.parse((await cli(['inspect', '--command', '--key', toHex(clientKey), '--show-keys', '--json'], command)).text);
    expect(shown).toMatchObject({ command: 'SetTopicKey', topicHash: toHex(hashTopic('plant/temp')), topicKey: toHex(topicKey) });
    await refused(['inspect', '--command', '--key', KEY], command, /NotAuthentic/);
    await refused(['inspect'], new Uint8Array(10), /MessageTooShort/);
    await refused(['inspect', '--mode', 'public-key'], new Uint8Array(50), /MessageTooShort/);
  });
});

describe('the executable', () => {
  it('runs as a process: help, a refused message, a usage error — one line, no stack trace', async () => {
    const [help, bad, usage] = await Promise.all([
      runProcess(['--help']),
      runProcess(['unprotect', '--topic', 't', '--key', KEY], 'not a message at all, but long enough'),
      runProcess(['protect']),
    ]);
    expect(help.code).toBe(0);
    expect(help.text).toContain('Usage: e4ts');
    expect(bad.code).toBe(1);
    expect(isOneCleanLine(bad.stderr), bad.stderr).toBe(true);
    expect(usage.code).toBe(2);
    expect(isOneCleanLine(usage.stderr), usage.stderr).toBe(true);
  });
});
