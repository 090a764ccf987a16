/**
 * The CLI's one-shot commands: keygen, topic-hash, id, protect, unprotect, inspect. Each takes
 * its parsed options and the I/O object, and throws (an E4Error or a CliError) on failure.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { generateEd25519KeyPair, generateId, generateSymmetricKey, generateX25519KeyPair } from '../c2.ts';
import type { E4Client } from '../client/client.ts';
import { loadClient } from '../client/load.ts';
import { createPublicKeyClient } from '../client/publicKey.ts';
import { createSymmetricClient } from '../client/symmetric.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { nobleCurves } from '../keys/curves.ts';
import { deriveKeyFromPasswordAsync, hashTopic, idFromName } from '../primitives.ts';
import { GO_CLIENT_WINDOW, readTimestamp } from '../protocol/clock.ts';
import { COMMANDS, SET_PUB_KEY_ID_OFFSET, SET_TOPIC_KEY_HASH_OFFSET } from '../protocol/commands.ts';
import {
  checkPublicKeyLength,
  checkSymmetricMessage,
  openPublicKeyBody,
  openSymmetric,
  PK_SIV_OFFSET,
  protectSymmetric,
  signatureOf,
  signedPart,
  signerIdOf,
} from '../protocol/messages.ts';
import {
  CONTROL_TOPIC_PREFIX,
  ED25519_PUBLIC_KEY_LEN,
  ED25519_SEED_LEN,
  KEY_LEN,
  SIGNATURE_LEN,
  SYM_OVERHEAD,
  TAG_LEN,
  TIMESTAMP_LEN,
  X25519_KEY_LEN,
} from '../protocol/sizes.ts';
import { createFileStore } from '../stores/file.ts';
import { isValidUtf8, toHex } from '../utils.ts';
import { validateName, validateTopic } from '../validate.ts';
import { withSpinner } from './derive.ts';
import {
  CliError,
  decodeFormat,
  encodeFormat,
  EXIT_USAGE,
  keyFromFile,
  keyFromHex,
  readInputFile,
  table,
  type ByteFormat,
  type CliIo,
} from './io.ts';

export type KeyType = 'symmetric' | 'ed25519' | 'x25519';

export interface KeygenOptions {
  name?: string;
  password?: string;
  passwordFile?: string;
  out?: string;
  state?: string;
  c2PublicKey?: string;
  force?: boolean;
  json?: boolean;
}

function refuseOverwrite(path: string, force: boolean | undefined): void {
  if (force !== true && existsSync(path)) throw new CliError('"' + path + '" exists; --force replaces it');
}

async function passwordOf(options: KeygenOptions, io: CliIo): Promise<string | null> {
  if (options.password !== undefined && options.passwordFile !== undefined) {
    throw new CliError('give --password or --password-file, not both', EXIT_USAGE);
  }
  if (options.passwordFile === undefined) return options.password ?? null;
  const bytes = options.passwordFile === '-' ? await io.readStdin() : readInputFile(options.passwordFile, 'password file');
  // One trailing newline is the file's, not the password's.
  return new TextDecoder().decode(bytes).replace(/\r?\n$/, '');
}

/** `keygen <type>`: a key (pair), random or derived from a password as E4 derives it. */
export async function keygen(type: KeyType, options: KeygenOptions, io: CliIo): Promise<void> {
  if (options.state !== undefined && type === 'x25519') {
    throw new CliError('--state makes a client: an x25519 key pair is C2\'s, give symmetric or ed25519', EXIT_USAGE);
  }
  if (options.c2PublicKey !== undefined && type !== 'ed25519') {
    throw new CliError('--c2-public-key goes with an ed25519 client', EXIT_USAGE);
  }
  if (options.name !== undefined) {
    const invalid = validateName(options.name);
    if (invalid !== null) throw invalid;
  }
  const c2PublicKey = options.c2PublicKey === undefined ? null : keyFromHex(options.c2PublicKey, 'the C2 public key', X25519_KEY_LEN);
  if (options.state !== undefined && type === 'ed25519' && c2PublicKey === null) {
    throw new CliError('an ed25519 client state needs --c2-public-key (C2\'s X25519 public key, hex)', EXIT_USAGE);
  }
  for (const path of [options.out, options.out === undefined || type === 'symmetric' ? undefined : options.out + '.pub', options.state]) {
    if (path !== undefined) refuseOverwrite(path, options.force);
  }

  const password = await passwordOf(options, io);
  let secret: Uint8Array | null = null;
  if (password !== null) {
    secret = await withSpinner(deriveKeyFromPasswordAsync(password), 'deriving the key from the password (Argon2i, 64 MiB)', io.stderr);
  }

  const rows: [string, string][] = [['type', type]];
  const json: Record<string, string> = { type };
  const id = type === 'x25519' ? null : options.name !== undefined ? idFromName(options.name) : generateId();
  if (id !== null) {
    rows.push(['id', toHex(id)], ['control topic', CONTROL_TOPIC_PREFIX + toHex(id)]);
    json.id = toHex(id);
    json.controlTopic = CONTROL_TOPIC_PREFIX + toHex(id);
  }
  let privateKey: Uint8Array;
  let publicKey: Uint8Array | null = null;
  if (type === 'symmetric') {
    privateKey = secret ?? generateSymmetricKey();
    if (secret !== null && privateKey.every((b) => b === 0)) throw e4Error(E4ErrorCode.ZeroKey, 'the derived key is all zeros');
    rows.push(['key', toHex(privateKey)]);
    json.key = toHex(privateKey);
  } else if (type === 'ed25519') {
    if (secret !== null) {
      privateKey = nobleCurves.ed25519PrivateKeyFromSeed(secret);
      publicKey = privateKey.slice(ED25519_SEED_LEN);
    } else ({ privateKey, publicKey } = generateEd25519KeyPair());
    rows.push(['private key', toHex(privateKey)], ['public key', toHex(publicKey)]);
    json.privateKey = toHex(privateKey);
    json.publicKey = toHex(publicKey);
  } else {
    if (secret !== null) {
      privateKey = secret;
      publicKey = nobleCurves.x25519PublicKey(privateKey);
    } else ({ privateKey, publicKey } = generateX25519KeyPair());
    rows.push(['private key', toHex(privateKey)], ['public key', toHex(publicKey)]);
    json.privateKey = toHex(privateKey);
    json.publicKey = toHex(publicKey);
  }

  if (options.out !== undefined) {
    writeFileSync(options.out, privateKey, { mode: 0o600 });
    if (publicKey !== null) writeFileSync(options.out + '.pub', publicKey, { mode: 0o644 });
    rows.push(['written', options.out + (publicKey !== null ? ', ' + options.out + '.pub' : '')]);
  }
  if (options.state !== undefined && id !== null) {
    const store = createFileStore(options.state);
    let client: E4Client;
    if (type === 'symmetric') client = createSymmetricClient({ id, key: privateKey, store });
    else client = createPublicKeyClient({ id, privateKey, c2PublicKey: c2PublicKey as Uint8Array, store });
    client.destroy();
    rows.push(['state', options.state]);
    json.state = options.state;
  }
  io.stdout.write(options.json === true ? JSON.stringify(json) + '\n' : table(rows));
}

/** `topic-hash <topic>`: E4's 16-byte name of a topic. */
export function topicHash(topic: string, io: CliIo): void {
  const invalid = validateTopic(topic);
  if (invalid !== null) throw invalid;
  io.stdout.write(toHex(hashTopic(topic)) + '\n');
}

/** `id <name>`: a client's id from its name (or its control topic). */
export function idCommand(name: string, options: { controlTopic?: boolean }, io: CliIo): void {
  const invalid = validateName(name);
  if (invalid !== null) throw invalid;
  const id = toHex(idFromName(name));
  io.stdout.write((options.controlTopic === true ? CONTROL_TOPIC_PREFIX + id : id) + '\n');
}

export interface KeySource {
  key?: string;
  keyFile?: string;
  state?: string;
}

export interface ProtectOptions extends KeySource {
  topic: string;
  format: ByteFormat;
}

/** Exactly one of --key, --key-file, --state. */
function keySource(options: KeySource): { key: Uint8Array } | { client: E4Client; path: string } {
  const given = [options.key, options.keyFile, options.state].filter((v) => v !== undefined).length;
  if (given !== 1) throw new CliError('give exactly one of --key, --key-file, --state', EXIT_USAGE);
  if (options.key !== undefined) return { key: keyFromHex(options.key, 'the topic key', KEY_LEN) };
  if (options.keyFile !== undefined) return { key: keyFromFile(options.keyFile, 'the topic key', KEY_LEN) };
  const path = options.state as string;
  return { client: openState(path), path };
}

/** A client from its state file, which receives every command it applies. */
export function openState(path: string): E4Client {
  if (!existsSync(path)) throw new CliError('cannot read state file "' + path + '": no such file');
  return loadClient({ store: createFileStore(path) });
}

/** `protect`: stdin (the payload) to stdout (the protected message in --format). */
export async function protect(options: ProtectOptions, io: CliIo): Promise<void> {
  const source = keySource(options);
  const payload = await io.readStdin();
  let message: Uint8Array;
  if ('key' in source) {
    // As the symmetric client: an empty payload would make a message no E4 client reads.
    if (payload.length === 0) {
      throw e4Error(E4ErrorCode.EmptyPayload, 'an empty payload cannot be protected: no E4 client could read it');
    }
    message = protectSymmetric(source.key, payload, Date.now());
  } else {
    message = source.client.protect(payload, options.topic);
  }
  io.stdout.write(encodeFormat(message, options.format));
}

/** `unprotect`: stdin (a protected message in --format) to stdout (the payload); commands are applied. */
export async function unprotect(options: ProtectOptions, io: CliIo): Promise<void> {
  const source = keySource(options);
  const message = decodeFormat(await io.readStdin(), options.format, 'the input');
  if ('key' in source) {
    checkSymmetricMessage(message, Date.now(), GO_CLIENT_WINDOW);
    io.stdout.write(openSymmetric(source.key, message));
    return;
  }
  const result = source.client.unprotect(message, options.topic);
  if (result.kind === 'message') io.stdout.write(result.payload);
  else io.stderr.write('applied ' + result.command + '; state saved to ' + source.path + '\n');
}

export interface InspectOptions {
  format: ByteFormat;
  mode: 'symmetric' | 'public-key';
  key?: string;
  keyFile?: string;
  command?: boolean;
  signerKey?: string;
  showKeys?: boolean;
  json?: boolean;
}

function timestampField(message: Uint8Array): { iso: string; unix: number | null } {
  const seconds = readTimestamp(message, 0);
  const ms = seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return { iso: 'beyond any date (' + toHex(message.subarray(0, 8)) + ')', unix: null };
  return { iso: new Date(ms).toISOString().replace('.000Z', 'Z'), unix: seconds };
}

/** The text of a payload when it is printable UTF-8, else null. */
function printableText(bytes: Uint8Array): string | null {
  if (!isValidUtf8(bytes)) return null;
  const text = new TextDecoder().decode(bytes);
  return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text) ? null : text;
}

/** What `inspect` prints: a label and text for people, a key and value for --json. */
class Fields {
  readonly rows: [string, string][] = [];
  readonly json: Record<string, string | number | boolean> = {};
  add(label: string, text: string, key: string, value: string | number | boolean = text): void {
    this.rows.push([label, text]);
    this.json[key] = value;
  }
}

/** The fields of a decoded command; keys only with --show-keys. */
function commandFields(plaintext: Uint8Array, showKeys: boolean, fields: Fields): void {
  if (plaintext.length === 0 || plaintext[0] >= COMMANDS.length) {
    throw e4Error(E4ErrorCode.InvalidCommand, 'not an E4 command (byte ' + (plaintext.length === 0 ? 'none' : plaintext[0]) + ')');
  }
  const spec = COMMANDS[plaintext[0]];
  const args = plaintext.subarray(1);
  fields.add('command', spec.name + ' (0x0' + spec.byte.toString(16) + ')', 'command', spec.name);
  if (spec.argLengths.indexOf(args.length) < 0) {
    throw e4Error(E4ErrorCode.InvalidCommandLength, 'invalid ' + spec.name + ' length: ' + args.length + ' bytes of arguments');
  }
  const secret = (label: string, key: string, bytes: Uint8Array) => {
    if (showKeys) fields.add(label, toHex(bytes), key);
    else fields.add(label, bytes.length + ' bytes (hidden; --show-keys prints it)', key, 'hidden');
  };
  if (spec.name === 'SetTopicKey') {
    fields.add('topic hash', toHex(args.subarray(SET_TOPIC_KEY_HASH_OFFSET)), 'topicHash');
    secret('topic key', 'topicKey', args.subarray(0, KEY_LEN));
  } else if (spec.name === 'RemoveTopic') fields.add('topic hash', toHex(args), 'topicHash');
  else if (spec.name === 'SetIDKey') secret('client key', 'clientKey', args);
  else if (spec.name === 'RemovePubKey') fields.add('client id', toHex(args), 'clientId');
  else if (spec.name === 'SetPubKey') {
    fields.add('public key', toHex(args.subarray(0, ED25519_PUBLIC_KEY_LEN)), 'publicKey');
    fields.add('client id', toHex(args.subarray(SET_PUB_KEY_ID_OFFSET)), 'clientId');
  } else if (spec.name === 'SetC2Key') fields.add('c2 public key', toHex(args), 'c2PublicKey');
}

/** `inspect`: the fields of a protected message or command, decrypted when a key is given. */
export async function inspect(options: InspectOptions, io: CliIo): Promise<void> {
  if (options.command === true && options.mode !== 'symmetric') {
    throw new CliError('commands use the symmetric layout: --command goes without --mode public-key', EXIT_USAGE);
  }
  const message = decodeFormat(await io.readStdin(), options.format, 'the input');
  const key =
    options.key !== undefined
      ? keyFromHex(options.key, 'the key', KEY_LEN)
      : options.keyFile !== undefined
        ? keyFromFile(options.keyFile, 'the key', KEY_LEN)
        : null;
  const fields = new Fields();
  const print = () => io.stdout.write(options.json === true ? JSON.stringify(fields.json) + '\n' : table(fields.rows));
  if (options.mode === 'symmetric') {
    if (message.length <= SYM_OVERHEAD) {
      throw e4Error(E4ErrorCode.MessageTooShort, 'a protected message has more than ' + SYM_OVERHEAD + ' bytes, got ' + message.length);
    }
    const n = message.length - SYM_OVERHEAD;
    fields.add('layout', 'symmetric: timestamp (8) ‖ tag (16) ‖ ciphertext (' + n + ')', 'layout', 'symmetric');
  } else {
    checkPublicKeyLength(message);
    const n = message.length - PK_SIV_OFFSET - TAG_LEN - SIGNATURE_LEN;
    fields.add('layout', 'public key: timestamp (8) ‖ signer id (16) ‖ tag (16) ‖ ciphertext (' + n + ') ‖ signature (64)', 'layout', 'publicKey');
  }
  fields.add('length', message.length + ' bytes', 'length', message.length);
  const ts = timestampField(message);
  const age = ts.unix === null ? '' : ' (unix ' + ts.unix + ', ' + describeAge(Date.now() / 1000 - ts.unix) + ')';
  fields.add('timestamp', ts.iso + age, 'timestamp', ts.iso);
  if (options.mode === 'public-key') {
    fields.add('signer id', toHex(signerIdOf(message)), 'signerId');
    fields.add('tag', toHex(message.subarray(PK_SIV_OFFSET, PK_SIV_OFFSET + TAG_LEN)), 'tag');
    fields.add('signature', toHex(signatureOf(message)), 'signature');
    if (options.signerKey !== undefined) {
      const signer = keyFromHex(options.signerKey, 'the signer key', ED25519_PUBLIC_KEY_LEN);
      const valid = nobleCurves.ed25519Verify(signer, signedPart(message), signatureOf(message));
      fields.add('signature check', valid ? 'valid' : 'INVALID', 'signatureValid', valid);
      if (!valid) {
        print();
        throw e4Error(E4ErrorCode.InvalidSignature, 'invalid signature');
      }
    }
  } else {
    fields.add('tag', toHex(message.subarray(TIMESTAMP_LEN, TIMESTAMP_LEN + TAG_LEN)), 'tag');
  }
  if (key !== null) {
    let plaintext: Uint8Array;
    try {
      plaintext = options.mode === 'symmetric' ? openSymmetric(key, message) : openPublicKeyBody(key, message);
    } catch (e) {
      print();
      throw e;
    }
    if (options.command === true) commandFields(plaintext, options.showKeys === true, fields);
    else {
      const text = printableText(plaintext);
      if (text !== null) fields.add('plaintext', JSON.stringify(text), 'plaintext', text);
      else fields.add('plaintext', 'hex ' + toHex(plaintext), 'plaintextHex', toHex(plaintext));
    }
  }
  print();
}

function describeAge(seconds: number): string {
  if (seconds < 0) return Math.round(-seconds) + ' s in the future';
  if (seconds < 120) return Math.round(seconds) + ' s ago';
  if (seconds < 7200) return Math.round(seconds / 60) + ' min ago';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h ago';
  return Math.round(seconds / 86400) + ' days ago';
}
