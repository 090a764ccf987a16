/**
 * The corners of the Go client (e4go-edge-vectors.json), every section through e4ts's client:
 * the same bytes where Go produces bytes, the e4ts code of Go's error where it fails, the same
 * store text after every command, and nothing changed (client or store) by anything that fails.
 *
 * Where Go panics, corrupts or bricks its own state, or accepts malformed input, e4ts answers
 * differently on purpose. Each such place is one row of DEVIATIONS below, and the case that
 * meets it asserts e4ts's answer, that Go's answer really differs, and that nothing changed.
 * Any other difference from Go fails its test.
 *
 * Not run: the `wallClock` entries of symTimestamps and keyTransition. They record Go's verdict
 * against the real clock at the moment the vectors were generated, whose sub-second fraction the
 * vectors do not give, so no injected clock can replay them; the whole-second and sub-second
 * entries cover the same window edges with the clock fixed.
 *
 * Not here: the load results of stateJsonQuirks (e4go-json.test.ts owns the JSON reader). This
 * file runs the probes that follow a successful load, and asserts the refusals of states Go
 * loads but e4ts does not (rows json-*), since those replace Go's probes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as c2 from '../src/c2.ts';
import type { E4Client } from '../src/client/client.ts';
import { loadClient } from '../src/client/load.ts';
import { createPublicKeyClient, createPublicKeyClientFromPassword } from '../src/client/publicKey.ts';
import { createSymmetricClient, createSymmetricClientFromPassword } from '../src/client/symmetric.ts';
import { init } from '../src/backends/select.ts';
import { codeOfGoError, E4ErrorCode, isE4Error } from '../src/errors.ts';
import { nobleCurves } from '../src/keys/curves.ts';
import { hashTopic, idFromName } from '../src/primitives.ts';
import { decodeCommand } from '../src/protocol/commands.ts';
import { createMemoryStore } from '../src/stores/memory.ts';
import type { KeyStore } from '../src/stores/store.ts';
import { toBase64, toHex } from '../src/utils.ts';
import { validatePassword, validateTopic } from '../src/validate.ts';
import { fixedClock, pkClient, symClient, topicTable } from './clients.ts';
import { hex, readVectors } from './vectors.ts';

const edge = readVectors<Record<string, any>>('e4go-edge-vectors.json');

// ---------------------------------------------------------------------------------------------
// Where e4ts answers differently from Go, on purpose.

interface Deviation {
  id: string;
  section: string;
  case: string;
  /** Go's result. */
  go: string;
  /** e4ts's result: an E4ErrorCode, 'ok', or (for state effects) what happens instead. */
  e4ts: string;
  why: string;
}

const DEVIATIONS: readonly Deviation[] = [
  {
    id: 'pk-73-87',
    section: 'pkMessageLengths',
    case: 'validly signed public-key messages of 73 to 87 bytes',
    go: 'panic: runtime error: slice bounds out of range [24:n]',
    e4ts: E4ErrorCode.MessageTooShort,
    why: 'a panic is no answer; a public-key message shorter than its 104-byte layout is a length error',
  },
  {
    id: 'pk-short-before-timestamp',
    section: 'pkMessageLengths',
    case: 'the 73- to 103-byte messages read 601 s after their timestamp',
    go: 'timestamp too old (Go checks only "more than 72 bytes" before the timestamp)',
    e4ts: E4ErrorCode.MessageTooShort,
    why: 'e4ts checks the whole layout at the length step, which comes before the timestamp',
  },
  {
    id: 'pk-short-before-signer',
    section: 'pkMessageLengths',
    case: 'the 73- to 103-byte messages on a receiver that does not know the signer',
    go: 'signer public key not found (Go looks the signer up before its second length check)',
    e4ts: E4ErrorCode.MessageTooShort,
    why: 'e4ts checks the whole layout at the length step, which comes before the signer',
  },
  {
    id: 'sym-empty-payload',
    section: 'symMessageLengths',
    case: 'protecting an empty payload (Go\'s 24-byte "genuine" message)',
    go: 'ok: writes 24 bytes that every E4 client refuses ("ciphertext too short")',
    e4ts: E4ErrorCode.EmptyPayload,
    why: 'a message no client can read is an error at the sender, not a silent loss',
  },
  {
    id: 'empty-command',
    section: 'commandMatrix',
    case: 'emptyCommand given to the command dispatcher (processCommandDirect)',
    go: 'panic: runtime error: slice bounds out of range [1:0]',
    e4ts: E4ErrorCode.InvalidCommand,
    why: 'a panic is no answer; an empty command names no command (through Unprotect both say MessageTooShort)',
  },
  {
    id: 'old-entry-expired',
    section: 'keyTransition',
    case: 'a fresh message that fails under the current key while the old entry is more than 60 minutes old',
    go: 'timestamp too old',
    e4ts: E4ErrorCode.NotAuthentic,
    why: 'the message is fresh and fails authentication; Go reports the age of its own stale entry, which it never deletes',
  },
  {
    id: 'old-entry-future',
    section: 'keyTransition',
    case: 'a fresh message that fails under the current key while the old entry is dated in the future',
    go: 'timestamp received is in the future',
    e4ts: E4ErrorCode.NotAuthentic,
    why: 'the message is fresh and fails authentication; an old entry from the future is unusable, not a message error',
  },
  {
    id: 'old-entry-malformed',
    section: 'keyTransition',
    case: 'a message that fails under the current key while the old entry is not 40 bytes (39, 41, 0)',
    go: 'invalid old topic key length',
    e4ts: E4ErrorCode.NotAuthentic,
    why: 'a malformed entry is unusable; the message failed authentication, and that is what is reported',
  },
  {
    id: 'setc2key-low-order',
    section: 'setC2KeyLowOrder',
    case: 'SetC2Key with a non-zero low-order point (u = 1, 2^255, order 8, p - 1, p), then a command under the unchanged shared key',
    go: 'the X25519 error, but the point is already its C2 key in memory: the next command saves it, and LoadClient of that text fails',
    e4ts: 'InvalidPublicKey and nothing changed: the next command saves the unchanged state, which loads',
    why: 'a failed command changes nothing; Go bricks its own saved state',
  },
  {
    id: 'setpubkey-zero',
    section: 'setPubKeyUnchecked',
    case: 'SetPubKey with an all-zero public key (for a new id, and for an id already held)',
    go: 'ok: AddPubKey refuses the key, setPubKey ignores that, stores nothing and saves',
    e4ts: E4ErrorCode.InvalidPublicKey,
    why: 'a success that stores nothing misleads C2; the key is malformed input',
  },
  {
    id: 'pubkeys-nil-setpubkey',
    section: 'stateJsonQuirks',
    case: 'SetPubKey on a state loaded without PubKeys, or with "PubKeys":null',
    go: 'panic: assignment to entry in nil map',
    e4ts: 'ok',
    why:
      'E4-PROTOCOL.md: "e4ts must not" panic there; the key goes into a new table. Refusing would brick the ' +
      'client as Go does: ResetPubKeys keeps the table null (as Go does), so no public key could ever be set',
  },
  {
    id: 'json-nonascii-fold',
    section: 'stateJsonQuirks',
    case: 'a keyData name matching Key or SignerID only through U+212A KELVIN SIGN or U+017F LONG S',
    go: 'loads (encoding/json folds them to k and s)',
    e4ts: E4ErrorCode.InvalidState,
    why: 'no encoder writes such names: malformed input',
  },
  {
    id: 'json-top-level-case',
    section: 'stateJsonQuirks',
    case: 'top-level names in another case ("id"/"topicKeys"/"key"/"receivingTopic", "KEY", "receivingTopic")',
    go: 'loads those fields empty, then panics or treats "" as the control topic',
    e4ts: E4ErrorCode.InvalidState,
    why: 'a state whose fields were silently dropped is malformed; loading it empty bricks the client',
  },
  {
    id: 'json-upper-hex',
    section: 'stateJsonQuirks',
    case: 'a PubKeys id or TopicKeys hash in upper-case hex',
    go: 'loads; lookups use lower case, so the entry never matches',
    e4ts: E4ErrorCode.InvalidState,
    why: 'an entry that can never be found is malformed input',
  },
];

/** Rows some case refers to; every row must be referred to by at least one. */
const referred: Record<string, true> = {};

/** The row `id`, noted as used (called while the test tables are built). */
function deviation(id: string): Deviation {
  for (const row of DEVIATIONS) {
    if (row.id === id) {
      referred[id] = true;
      return row;
    }
  }
  throw new Error('no DEVIATIONS row ' + id);
}

// ---------------------------------------------------------------------------------------------
// Outcomes.

/** A vector array, typed as one so that the test tables built from it are. */
const list = (v: unknown): any[] => v as any[];

/** A test-table row that keeps each element's type. */
const tuple = <T extends unknown[]>(...items: T): T => items;

const ms = (seconds: number, nanoseconds = 0): number => seconds * 1000 + Math.floor(nanoseconds / 1e6);

/** Go's result for an entry with result / expectedError fields. */
const goResultOf = (v: { result: string; expectedError?: string }): string => (v.result === 'ok' ? 'ok' : (v.expectedError as string));

/**
 * Go's result as an e4ts outcome: 'ok' or a code; null for a panic or an error with no code. Go
 * wraps causes as "context: cause" ("failed to derive key from password: invalid password: …"),
 * so the first suffix that has a code gives it.
 */
function goOutcome(go: string): string | null {
  if (go === 'ok') return 'ok';
  if (go.startsWith('panic')) return null;
  let rest = go;
  for (;;) {
    const code = codeOfGoError(rest);
    if (code !== null) return code;
    const at = rest.indexOf(': ');
    if (at < 0) return null;
    rest = rest.slice(at + 2);
  }
}

/** The outcome e4ts must give where it follows Go. */
function same(go: string): string {
  const code = goOutcome(go);
  if (code === null) throw new Error('Go answers ' + JSON.stringify(go) + ' here and DEVIATIONS has no row for it');
  return code;
}

/** e4ts's answer to a deviation: its own, and not Go's. */
function expectDeviation(row: Deviation, go: string, got: string): void {
  expect(got).toBe(row.e4ts);
  expect(goOutcome(go)).not.toBe(row.e4ts);
}

/** A client, its store (null for a client that has none) and its clock. */
interface Harness {
  client: E4Client;
  store: KeyStore | null;
  clock: { now: number; read: () => number };
}

/** A client loaded from Go's store text, as LoadClient does, with the clock at `nowMs`. */
function load(text: string, nowMs: number): Harness {
  const store = createMemoryStore(text);
  const clock = fixedClock(nowMs);
  return { client: loadClient({ store, clock: clock.read }), store, clock };
}

/**
 * Runs `f` on the harness's client: 'ok' and its value, or the code it throws. A failure must
 * leave the client and its store exactly as they were.
 */
function attempt<T>(h: Harness, f: () => T): { code: string; value?: T } {
  const state = h.client.exportState();
  const stored = h.store === null ? null : h.store.load();
  try {
    return { code: 'ok', value: f() };
  } catch (e) {
    if (!isE4Error(e)) throw e;
    expect(h.client.exportState()).toBe(state);
    if (h.store !== null) expect(h.store.load()).toBe(stored);
    return { code: e.code };
  }
}

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isE4Error(e)) throw e;
    return e.code;
  }
}

/**
 * A recorded command (command, key, timestamp or commandTimestamp, protected): checks that e4ts
 * protects it to Go's bytes, then hands Go's bytes to the client on `topic` (its control topic
 * by default). The clock is the caller's.
 */
function runCommand(h: Harness, step: any, keyHex: string, topic?: string): string {
  const commandTimestamp = step.commandTimestamp ?? step.timestamp;
  expect(toHex(c2.protectCommand(hex(keyHex), hex(step.command), ms(commandTimestamp)))).toBe(step.protected);
  return attempt(h, () => h.client.unprotect(hex(step.protected), topic ?? h.client.controlTopic)).code;
}

/** `text` with `Key.keyData.PubKeys` holding only `publicKey` under `idHex`. */
function withPubKey(text: string, idHex: string, publicKey: Uint8Array): string {
  const state = JSON.parse(text);
  state.Key.keyData.PubKeys = { [idHex]: toBase64(publicKey) };
  return JSON.stringify(state) + '\n';
}

beforeAll(async () => {
  await init();
});

// ---------------------------------------------------------------------------------------------

describe('pkMessageLengths', () => {
  const s = edge.pkMessageLengths;
  /** The receiver: receiverState, holding signerPublicKey under this case's registeredSignerId. */
  const receiver = (c: any, nowMs: number) => load(withPubKey(s.receiverState, c.registeredSignerId, hex(s.signerPublicKey)), nowMs);
  const cases = list(s.cases).map((c: any) => tuple(
    'length ' + c.length + ' (' + c.kind + ')',
    c,
    c.length >= 73 && c.length <= 87 ? deviation('pk-73-87') : null,
  ));

  it.each(cases)('%s', (_label, c: any, row: Deviation | null) => {
    const h = receiver(c, ms(s.timestamp_now));
    const got = attempt(h, () => h.client.unprotect(hex(c.protected), s.topic));
    if (row !== null) expectDeviation(row, goResultOf(c), got.code);
    else expect(got.code).toBe(same(goResultOf(c)));
    if (c.result === 'ok') expect(got.value).toEqual({ kind: 'message', payload: hex(c.plaintext) });
  });

  const genuine = list(s.cases).filter((c: any) => c.kind === 'genuine').map((c: any) => tuple('length ' + c.length, c));
  it.each(genuine)('%s: the sender writes Go\'s bytes', (_label, c: any) => {
    const sender = pkClient({
      id: hex(s.senderId),
      privateKey: hex(s.senderPrivateKey),
      topicKeys: topicTable([[s.topic, s.topicKey]]),
      nowMs: () => ms(s.timestamp),
    });
    expect(toHex(sender.protect(hex(c.plaintext), s.topic))).toBe(c.protected);
  });

  // Go's check order (E4-PROTOCOL.md): more than 72 bytes, timestamp, signer, signature, then the
  // ciphertext length. For 73-103 bytes Go therefore answers the timestamp or signer error first.
  const short = list(s.cases).filter((c: any) => c.length >= 73 && c.length < 104);
  const late = short.map((c: any) => tuple('length ' + c.length + ' read 601 s late', c, deviation('pk-short-before-timestamp')));
  it.each(late)('%s', (_label, c: any, row: Deviation) => {
    const h = receiver(c, ms(s.timestamp_now + 601));
    expectDeviation(row, 'timestamp too old', attempt(h, () => h.client.unprotect(hex(c.protected), s.topic)).code);
  });

  const unknown = short.map((c: any) => tuple('length ' + c.length + ' from an unknown signer', c, deviation('pk-short-before-signer')));
  it.each(unknown)('%s', (_label, c: any, row: Deviation) => {
    const h = load(s.receiverState, ms(s.timestamp_now));
    expectDeviation(row, 'signer public key not found', attempt(h, () => h.client.unprotect(hex(c.protected), s.topic)).code);
  });
});

describe('symMessageLengths', () => {
  const s = edge.symMessageLengths;
  const cases = list(s.cases).map((c: any) => tuple('length ' + c.length + ' (' + c.kind + ')', c));

  it.each(cases)('%s', (_label, c: any) => {
    const h = load(s.receiverState, ms(s.timestamp_now));
    const got = attempt(h, () => h.client.unprotect(hex(c.protected), s.topic));
    expect(got.code).toBe(same(goResultOf(c)));
    if (c.result === 'ok') expect(got.value).toEqual({ kind: 'message', payload: hex(c.plaintext) });
  });

  const genuine = list(s.cases)
    .filter((c: any) => c.kind === 'genuine')
    .map((c: any) => tuple('length ' + c.length, c, c.plaintextProtected === '' ? deviation('sym-empty-payload') : null));
  it.each(genuine)('%s: protecting the plaintext at its timestamp', (_label, c: any, row: Deviation | null) => {
    const h = load(s.receiverState, ms(s.timestamp));
    const got = attempt(h, () => h.client.protect(hex(c.plaintextProtected), s.topic));
    if (row !== null) expectDeviation(row, 'ok', got.code);
    else expect(toHex(got.value as Uint8Array)).toBe(c.protected);
  });
});

describe('symTimestamps', () => {
  const cases = list(edge.symTimestamps).map((v: any) => tuple(v.description, v));
  const receiver = (v: any, nowMs: number): Harness => ({
    client: symClient({ topicKeys: topicTable([[v.topic, v.topicKey]]), nowMs: () => nowMs }),
    store: null,
    clock: fixedClock(nowMs),
  });

  it.each(cases)('%s: whole-second clock', (_label, v: any) => {
    const h = receiver(v, ms(v.timestamp_now));
    const got = attempt(h, () => h.client.unprotect(hex(v.protected), v.topic));
    expect(got.code).toBe(same(goResultOf(v)));
    if (v.result === 'ok') expect(got.value).toEqual({ kind: 'message', payload: hex(v.plaintext) });
  });

  // Go's usual clock has nanoseconds; e4ts's has milliseconds. Flooring to the millisecond keeps
  // every verdict: what matters is whether now is past the whole second (here by 0.5 s).
  it.each(cases)('%s: sub-second clock', (_label, v: any) => {
    const sub = v.subsecondClock;
    const h = receiver(v, ms(sub.timestamp_now, sub.nanoseconds));
    const got = attempt(h, () => h.client.unprotect(hex(v.protected), v.topic));
    expect(got.code).toBe(same(goResultOf(sub)));
    if (sub.result === 'ok') expect(got.value).toEqual({ kind: 'message', payload: hex(sub.plaintext) });
  });

  // Timestamps past 2^53 ms cannot be a clock reading, so only the ordinary ones are re-protected.
  const writable = list(edge.symTimestamps).filter((v: any) => typeof v.timestamp === 'number').map((v: any) => tuple(v.description, v));
  it.each(writable)('%s: the sender writes Go\'s bytes', (_label, v: any) => {
    const sender = symClient({ topicKeys: topicTable([[v.topic, v.topicKey]]), nowMs: () => ms(v.timestamp) });
    expect(toHex(sender.protect(hex(v.plaintextProtected), v.topic))).toBe(v.protected);
    expect(toHex(c2.protectCommand(hex(v.asCommand.key), hex(v.asCommand.command), ms(v.timestamp)))).toBe(v.asCommand.protected);
  });

  it.each(cases)('%s: as a command', (_label, v: any) => {
    const cmd = v.asCommand;
    const h: Harness = {
      client: symClient({ key: hex(cmd.key), id: hex(cmd.receivingTopic.slice(3)), nowMs: () => ms(v.timestamp_now) }),
      store: null,
      clock: fixedClock(ms(v.timestamp_now)),
    };
    expect(h.client.controlTopic).toBe(cmd.receivingTopic);
    expect(attempt(h, () => h.client.unprotect(hex(cmd.protected), cmd.receivingTopic)).code).toBe(same(cmd.processResult));
  });

  it.each(cases)('%s: as a public-key message', (_label, v: any) => {
    const m = v.asPkMessage;
    const h: Harness = {
      client: pkClient({
        topicKeys: topicTable([[v.topic, v.topicKey]]),
        pubKeys: { [m.signerId]: hex(m.signerPublicKey) },
        nowMs: () => ms(v.timestamp_now),
      }),
      store: null,
      clock: fixedClock(ms(v.timestamp_now)),
    };
    const got = attempt(h, () => h.client.unprotect(hex(m.protected), v.topic));
    expect(got.code).toBe(same(goResultOf(m)));
    if (m.result === 'ok') expect(got.value).toEqual({ kind: 'message', payload: hex(m.plaintext) });
  });
});

describe('commandMatrix', () => {
  const s = edge.commandMatrix;
  const clientOf = (mode: string) => s.clients.find((c: any) => c.mode === mode);
  const label = (c: any, i: number) =>
    i + ' ' + c.name + ' (0x' + c.commandByte.toString(16).padStart(2, '0') + ') with ' + c.argLength + ' argument bytes' +
    (c.description ? ': ' + c.description : '');
  /** RemoveTopic of a topic no client holds: accepted and changes nothing. */
  const harmless = () => '00' + toHex(hashTopic('edge/no/such/topic'));

  for (const mode of ['sym', 'pk'] as const) {
    describe(mode + ' client', () => {
      const cases = list(s.cases).map((c: any, i: number) => tuple(label(c, i), c));
      it.each(cases)('%s', (_label, c: any) => {
        const client = clientOf(mode);
        const h = load(client.state, ms(s.timestamp_now));
        const key = mode === 'sym' ? client.key : client.sharedKey;
        const protectedCommand = c2.protectCommand(hex(key), hex(c.command), ms(s.timestamp));
        const got = attempt(h, () => h.client.unprotect(protectedCommand, client.receivingTopic));
        expect(got.code).toBe(same(c[mode]));
        if (got.code === 'ok') {
          expect(got.value).toEqual({ kind: 'command', command: c.name });
          expect(h.store?.load()).toBe(c[mode + 'StateAfter']);
          expect(h.client.exportState()).toBe(c[mode + 'StateAfter']);
        }
        if (mode === 'pk' && c.pkSharedKeyAfter !== undefined) {
          // The new shared key protects the next command; the old one no longer does.
          expect(c.pkSharedKeyAfter).not.toBe(key);
          const next = (k: string) => {
            const protectedNext = c2.protectCommand(hex(k), hex(harmless()), ms(s.timestamp));
            return attempt(h, () => h.client.unprotect(protectedNext, client.receivingTopic)).code;
          };
          expect(next(key)).toBe(E4ErrorCode.NotAuthentic);
          expect(next(c.pkSharedKeyAfter)).toBe('ok');
          expect(h.store?.load()).toBe(c.pkStateAfter);
        }
      });
    });
  }

  describe('emptyCommand', () => {
    const e = s.emptyCommand;
    it.each(['sym', 'pk'])('%s client: the 24-byte protected empty command', (mode) => {
      const client = clientOf(mode);
      const key = mode === 'sym' ? client.key : client.sharedKey;
      expect(toHex(c2.protectCommand(hex(key), new Uint8Array(0), ms(s.timestamp)))).toBe(e[mode].protected);
      const h = load(client.state, ms(s.timestamp_now));
      expect(attempt(h, () => h.client.unprotect(hex(e[mode].protected), client.receivingTopic)).code).toBe(same(e[mode].processResult));
    });

    const direct = ['sym', 'pk'].map((mode) => tuple(mode, deviation('empty-command')));
    it.each(direct)('%s: the dispatcher given an empty command', (mode, row: Deviation) => {
      expectDeviation(row, e[mode].processCommandDirect, codeOf(() => decodeCommand(hex(e.command))));
    });
  });
});

describe('keyTransition', () => {
  /** Go's timestamp errors are about the old entry when the message's own timestamp is in the window. */
  function oldEntryRow(go: string, messageSeconds: number, nowMs: number): Deviation | null {
    if (go === 'invalid old topic key length') return deviation('old-entry-malformed');
    const age = nowMs - messageSeconds * 1000;
    if (age < 0 || age > 600000) return null;
    if (go === 'timestamp too old') return deviation('old-entry-expired');
    if (go === 'timestamp received is in the future') return deviation('old-entry-future');
    return null;
  }

  interface Probe {
    label: string;
    nowMs: number;
    message: any;
    go: string;
    plaintext?: string;
    row: Deviation | null;
  }

  /** Every message of a case at each clock it was evaluated at, with its deviation if any. */
  function probesOf(v: any): Probe[] {
    const nowSeconds = v.checksAt ?? v.timestamp_now;
    const probes: Probe[] = [];
    const probe = (label: string, nowMs: number, message: any, verdict: any): Probe => {
      const go = goResultOf(verdict);
      return { label, nowMs, message, go, plaintext: verdict.plaintext, row: oldEntryRow(go, message.timestamp, nowMs) };
    };
    for (const m of v.messages ?? []) {
      const what = m.keyRole + (m.note ? ' (' + m.note + ')' : '');
      probes.push(probe(what, ms(nowSeconds), m, m));
      const sub = m.subsecondClock;
      if (sub !== undefined) probes.push(probe(what + ' at +' + sub.nanoseconds / 1e9 + ' s', ms(nowSeconds, sub.nanoseconds), m, sub));
    }
    return probes;
  }

  const cases = list(edge.keyTransition).map((v: any, i: number) => tuple(i + ' ' + v.description, v, probesOf(v)));

  it.each(cases)('%s', (_label, v: any, probes: Probe[]) => {
    const h = load(v.stateInitial ?? v.stateLoaded, ms(v.steps ? v.steps[0].timestamp_now : v.timestamp_now));
    for (const step of v.steps ?? []) {
      // The receiver's clock moves; the command may carry an earlier timestamp.
      h.clock.now = ms(step.timestamp_now);
      expect(runCommand(h, step, v.clientKey), step.name + ' at ' + step.timestamp_now).toBe(same(step.processResult));
      expect(h.store?.load()).toBe(step.stateAfter);
    }
    for (const p of probes) {
      h.clock.now = p.nowMs;
      const got = attempt(h, () => h.client.unprotect(hex(p.message.protected), v.topic));
      if (p.row !== null) expectDeviation(p.row, p.go, got.code);
      else expect(got.code, p.label).toBe(same(p.go));
      if (got.code === 'ok') expect(got.value, p.label).toEqual({ kind: 'message', payload: hex(p.plaintext as string) });
    }
  });

  // Messages that are what a sender holding messageKey writes (not truncated or altered ones).
  const genuine = list(edge.keyTransition).flatMap((v: any, i: number) =>
    (v.messages ?? [])
      .filter((m: any) => m.messageKey !== undefined && (m.note === undefined || m.note.startsWith('timestamp')))
      .map((m: any) => tuple(i + ' ' + m.keyRole + ' at ' + m.timestamp, v, m)),
  );
  it.each(genuine)('%s: the sender writes Go\'s bytes', (_label, v: any, m: any) => {
    const sender = symClient({ topicKeys: topicTable([[v.topic, m.messageKey]]), nowMs: () => ms(m.timestamp) });
    expect(toHex(sender.protect(hex(m.plaintextProtected), v.topic))).toBe(m.protected);
  });
});

describe('stateJsonQuirks', () => {
  const quirks = list(edge.stateJsonQuirks);
  const base = quirks[0];
  const nowMs = ms(base.timestamp_now);
  /** Go loads these; e4ts refuses them (the load results proper are e4go-json.test.ts's). */
  const refusedRow = (description: string): Deviation | null =>
    /KELVIN SIGN|LONG S/.test(description)
      ? deviation('json-nonascii-fold')
      : /^top-level/.test(description)
        ? deviation('json-top-level-case')
        : /upper-case hex/.test(description)
          ? deviation('json-upper-hex')
          : null;

  /** Go's answer to SetPubKey on a table loaded as null. */
  const NIL_MAP_PANIC = 'panic: assignment to entry in nil map';
  const nilMapRow = (v: any): Deviation | null =>
    (v.probes ?? []).some((p: any) => p.action === 'command' && p.processResult.startsWith(NIL_MAP_PANIC))
      ? deviation('pubkeys-nil-setpubkey')
      : null;

  /** The states Go loads, each with the row of its refusal by e4ts or of its SetPubKey panic. */
  const loaded = quirks
    .filter((v: any) => v.loadResult === 'ok')
    .map((v: any) => tuple(quirks.indexOf(v) + ' ' + v.description, v, refusedRow(v.description), nilMapRow(v)));

  /** The command bytes of a SetPubKey probe: the public key it adds and its id. */
  const pubKeyOf = (p: any) => ({ id: p.command.slice(66), key: hex(p.command.slice(2, 66)) });

  it.each(loaded)('%s', (_label, v: any, refused: Deviation | null, nilMap: Deviation | null) => {
    const store = createMemoryStore(v.stateText);
    if (refused !== null) {
      expectDeviation(refused, v.loadResult, codeOf(() => loadClient({ store, clock: () => nowMs })));
      expect(store.load()).toBe(v.stateText);
      return;
    }
    const clock = fixedClock(nowMs);
    const h: Harness = { client: loadClient({ store, clock: clock.read }), store, clock };
    for (const p of v.probes ?? []) {
      const what = p.action + (p.name ? ' ' + p.name : '') + (p.description ? ': ' + p.description : '');
      if (p.timestamp !== undefined) h.clock.now = ms(p.timestamp);
      if (p.action === 'command') {
        const got = runCommand(h, p, p.key, p.topic);
        if (nilMap !== null && p.processResult.startsWith(NIL_MAP_PANIC)) {
          // Row pubkeys-nil-setpubkey: the key goes into a new table; the rest is Go's text.
          expectDeviation(nilMap, p.processResult, got);
          const added = pubKeyOf(p);
          const table = '"PubKeys":{"' + added.id + '":"' + toBase64(added.key) + '"}';
          expect(p.stateAfter).toContain('"PubKeys":null');
          expect(store.load(), what).toBe(p.stateAfter.replace('"PubKeys":null', table));
        } else {
          expect(got, what).toBe(same(p.processResult));
          expect(store.load(), what).toBe(p.stateAfter);
        }
      } else if (p.action === 'unprotect') {
        const got = attempt(h, () => h.client.unprotect(hex(p.protected), p.topic));
        expect(got.code, what).toBe(same(goResultOf(p)));
        if (p.result === 'ok') expect(got.value, what).toEqual({ kind: 'message', payload: hex(p.plaintext) });
      } else if (p.action === 'protectMessage') {
        expect(attempt(h, () => h.client.protect(hex(p.payload), p.topic)).code, what).toBe(same(goResultOf(p)));
      } else if (p.action === 'getReceivingTopic') {
        expect(h.client.controlTopic, what).toBe(p.result);
      } else throw new Error('probe action ' + p.action + ' not handled');
    }
  });

  // e4ts has no WithReceivingTopic option: a client with another control topic is one whose
  // state names it, as Go's own state does once saved. The state here is Go's text after
  // NewClient with the custom topic put in (Go saves before applying the option, a Go quirk that
  // does not arise without the option); the probes then run as Go ran them.
  const custom = quirks.filter((v: any) => v.receivingTopicOption !== undefined).map((v: any) => tuple(v.description, v));
  it.each(custom)('%s', (_label, v: any) => {
    const escapedTopic = /"ReceivingTopic":"(?:[^"\\]|\\.)*"/;
    const withTopic = v.probes.find((p: any) => p.action === 'command' && p.processResult === 'ok').stateAfter.match(escapedTopic)[0];
    const h = load(v.stateAfterNewClient.replace(escapedTopic, withTopic), nowMs);
    for (const p of v.probes) {
      if (p.action === 'getReceivingTopic') expect(h.client.controlTopic).toBe(p.result);
      else if (p.action === 'command') {
        expect(runCommand(h, p, p.key, p.topic), p.description).toBe(same(p.processResult));
        expect(h.store?.load(), p.description).toBe(p.stateAfter);
      } else if (p.action === 'reload') {
        expect(p.loadResult).toBe('ok');
        const reloaded = loadClient({ text: p.stateText, clock: h.clock.read });
        expect(reloaded.controlTopic).toBe(p.receivingTopicAfterReload);
        expect(reloaded.exportState() === p.stateText).toBe(p.receivingTopicRoundTrips);
      } else throw new Error('probe action ' + p.action + ' not handled');
    }
  });
});

describe('setIdKeyMismatched', () => {
  it.each(list(edge.setIdKeyMismatched).map((v: any) => tuple(v.description, v)))('%s', (_label, v: any) => {
    const h = load(v.stateInitial, ms(v.timestamp_now));
    for (const step of v.steps) {
      expect(runCommand(h, step, step.key), step.name).toBe(same(step.processResult));
      expect(h.store?.load(), step.name).toBe(step.stateAfter);
    }
    // Go signs with the stored key as is: seedX's scalar, pubY hashed into the challenge.
    expect(toHex(h.client.protect(hex(v.plaintext), v.topic))).toBe(v.protectMessageOutput);
    const signature = v.protectMessageOutput.slice(v.signedBytes.length);
    expect(v.protectMessageOutput.slice(0, v.signedBytes.length)).toBe(v.signedBytes);
    expect(signature).toBe(v.signature);
    expect(toHex(nobleCurves.ed25519Sign(hex(v.newKey), hex(v.fixedMessage)))).toBe(v.ed25519SignOfFixedMessage);
    const verifies = (publicKey: string, message: string, sig: string) =>
      nobleCurves.ed25519Verify(hex(publicKey), hex(message), hex(sig));
    expect(verifies(v.publicKeyOfSeedX, v.signedBytes, v.signature)).toBe(v.signatureVerifiesUnderPubX);
    expect(verifies(v.secondHalfPubY, v.signedBytes, v.signature)).toBe(v.signatureVerifiesUnderPubY);
    expect(verifies(v.publicKeyOfSeedX, v.fixedMessage, v.ed25519SignOfFixedMessage)).toBe(v.fixedSignatureVerifiesUnderPubX);
    expect(verifies(v.secondHalfPubY, v.fixedMessage, v.ed25519SignOfFixedMessage)).toBe(v.fixedSignatureVerifiesUnderPubY);
    // A receiver holding either public key under the sender's id refuses the message, as Go's.
    for (const [publicKey, go] of [
      [v.publicKeyOfSeedX, v.receiverHoldingPubXResult],
      [v.secondHalfPubY, v.receiverHoldingPubYResult],
    ]) {
      const r: Harness = {
        client: pkClient({
          topicKeys: topicTable([[v.topic, v.topicKey]]),
          pubKeys: { [v.clientId]: hex(publicKey) },
          nowMs: () => ms(v.timestamp_now),
        }),
        store: null,
        clock: fixedClock(ms(v.timestamp_now)),
      };
      expect(attempt(r, () => r.client.unprotect(hex(v.protectMessageOutput), v.topic)).code).toBe(same(go));
    }
  });
});

describe('setC2KeyLowOrder', () => {
  const withSteps = list(edge.setC2KeyLowOrder)
    .filter((v: any) => v.steps !== undefined)
    .map((v: any) => tuple(v.description, v, v.reloadResult === 'ok' ? null : deviation('setc2key-low-order')));

  it.each(withSteps)('%s', (_label, v: any, row: Deviation | null) => {
    const h = load(v.stateInitial, ms(v.timestamp_now));
    const [setC2Key, next] = v.steps;
    // The SetC2Key answer is Go's in every case (InvalidPublicKey), and nothing changes.
    expect(runCommand(h, setC2Key, setC2Key.key)).toBe(same(setC2Key.processResult));
    expect(h.store?.load()).toBe(v.stateInitial);
    // The next command, under the shared key that did not change, is accepted.
    expect(runCommand(h, next, next.key)).toBe(same(next.processResult));
    if (row === null) {
      expect(h.store?.load()).toBe(next.stateAfter);
      expect(codeOf(() => loadClient({ text: next.stateAfter }))).toBe(same(v.reloadResult));
    } else {
      // Row setc2key-low-order: Go saved the low-order point and cannot load what it saved;
      // e4ts saved the unchanged state, which loads. Go's text, loaded by e4ts, is refused.
      expect(next.stateAfter).not.toBe(v.stateInitial);
      expect(h.store?.load()).toBe(v.stateInitial);
      expect(codeOf(() => loadClient({ text: h.store?.load() as string }))).toBe('ok');
      expect(goOutcome(v.reloadResult)).toBe(E4ErrorCode.InvalidPublicKey);
      expect(codeOf(() => loadClient({ text: next.stateAfter }))).toBe(E4ErrorCode.InvalidPublicKey);
    }
  });

  const creation = list(edge.setC2KeyLowOrder).filter((v: any) => v.steps === undefined).map((v: any) => tuple(v.description, v));
  it.each(creation)('%s', (_label, v: any) => {
    const store = createMemoryStore();
    const create = () =>
      createPublicKeyClient({ id: hex(v.clientId), privateKey: hex(v.edPrivateKey), c2PublicKey: hex(v.c2CurvePublicKey), store });
    expect(codeOf(create)).toBe(same(v.result));
    expect(store.load()).toBeNull();
  });
});

describe('setPubKeyUnchecked', () => {
  const cases = list(edge.setPubKeyUnchecked).map((v: any) => {
    const zeroKeyOnPk = v.stateInitial.includes('"keyType":1') && /^060{64}/.test(v.steps[0].command);
    return [v.description, v, zeroKeyOnPk ? deviation('setpubkey-zero') : null];
  });

  it.each(cases)('%s', (_label, v: any, row: Deviation | null) => {
    const h = load(v.stateInitial, ms(v.timestamp_now));
    for (const step of v.steps) {
      const got = runCommand(h, step, step.key);
      if (row !== null) {
        expectDeviation(row, step.processResult, got);
        expect(h.store?.load()).toBe(v.stateInitial);
      } else {
        expect(got).toBe(same(step.processResult));
        expect(h.store?.load()).toBe(step.stateAfter);
      }
    }
  });
});

describe('passwords', () => {
  const NAME = 'edge-vector-client';
  // A C2 key for the public-key clients: any valid X25519 public key does.
  const c2PublicKey = hex(edge.commandMatrix.clients.find((c: any) => c.mode === 'pk').c2CurvePublicKey);
  const cases = list(edge.passwords).map((v: any) => tuple(v.description, v));

  /** The password as given: its bytes, and its text too where the text has the same bytes. */
  const forms = (v: any): (string | Uint8Array)[] =>
    toHex(new TextEncoder().encode(v.password)) === v.passwordHex ? [hex(v.passwordHex), v.password] : [hex(v.passwordHex)];

  it.each(cases)('%s: symmetric client', (_label, v: any) => {
    expect(validatePassword(hex(v.passwordHex))?.message ?? 'ok').toBe(v.validatePassword);
    for (const password of forms(v)) {
      const store = createMemoryStore();
      let client: E4Client | undefined;
      const got = codeOf(() => (client = createSymmetricClientFromPassword({ name: NAME, password, store })));
      expect(got).toBe(same(goResultOf(v)));
      if (v.newClientSymNameAndPasswordError !== undefined) expect(got).toBe(same(v.newClientSymNameAndPasswordError));
      if (got !== 'ok') {
        expect(store.load()).toBeNull();
        continue;
      }
      const expected = createSymmetricClient({ id: idFromName(NAME), key: hex(v.key) }).exportState();
      expect(client?.exportState()).toBe(expected);
      expect(store.load()).toBe(expected);
    }
  });

  it.each(cases)('%s: public-key client', (_label, v: any) => {
    for (const password of forms(v)) {
      const store = createMemoryStore();
      let client: E4Client | undefined;
      const got = codeOf(() => (client = createPublicKeyClientFromPassword({ name: NAME, password, c2PublicKey, store })));
      expect(got).toBe(same(goResultOf(v)));
      if (got !== 'ok') {
        expect(store.load()).toBeNull();
        continue;
      }
      // The seed is the password's key; Go's whole private key is recorded for one password.
      const privateKey =
        v.ed25519PrivateKeyFromPassword !== undefined
          ? hex(v.ed25519PrivateKeyFromPassword)
          : nobleCurves.ed25519PrivateKeyFromSeed(hex(v.key));
      expect(toHex(privateKey.subarray(0, 32))).toBe(v.key);
      const expected = createPublicKeyClient({ id: idFromName(NAME), privateKey, c2PublicKey }).exportState();
      expect(client?.exportState()).toBe(expected);
      expect(store.load()).toBe(expected);
    }
  });
});

describe('topicEdgeCases', () => {
  const [clients, ...cases] = list(edge.topicEdgeCases);
  const table = cases.flatMap((v: any) => [
    tuple(v.description + ': symmetric client', v, 'sym' as const),
    tuple(v.description + ': public-key client', v, 'pk' as const),
  ]);

  it.each(table)('%s', (_label, v: any, mode: 'sym' | 'pk') => {
    // Topics that may not be UTF-8 travel as their bytes.
    const topic: string | Uint8Array = v.topicHex !== undefined ? hex(v.topicHex) : v.topic;
    expect(toHex(hashTopic(topic))).toBe(v.topicHash);
    expect(validateTopic(topic)?.message ?? 'ok').toBe(v.validateTopic);
    const m = v[mode];
    const built = codeOf(() => c2.cmdSetTopicKey(hex(v.topicKey), topic));
    expect(built).toBe(same(v.cmdSetTopicKeyBuilder));
    if (built === 'ok') expect(toHex(c2.cmdSetTopicKey(hex(v.topicKey), topic))).toBe(m.setTopicKey.command);
    // The client takes any topic, as Go's does: validation is the application's choice.
    const h = load(clients[mode].state, ms(v.timestamp_now));
    expect(runCommand(h, m.setTopicKey, m.setTopicKey.key)).toBe(same(m.setTopicKey.processResult));
    const sealed = attempt(h, () => h.client.protect(hex(v.plaintext), topic));
    expect(sealed.code).toBe(same(m.protectResult));
    if (sealed.code === 'ok') expect(toHex(sealed.value as Uint8Array)).toBe(m.protected);
    const opened = attempt(h, () => h.client.unprotect(hex(m.protected), topic));
    expect(opened.code).toBe(same(m.result));
    if (opened.code === 'ok') expect(opened.value).toEqual({ kind: 'message', payload: hex(m.plaintext) });
  });
});

describe('DEVIATIONS', () => {
  it.each(DEVIATIONS.map((row) => tuple(row.section + ': ' + row.case, row)))('%s applies to a vector case', (_label, row: any) => {
    expect(referred[row.id]).toBe(true);
  });
});
