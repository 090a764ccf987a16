/**
 * The run the runtime suites execute inside each runtime (Deno, Chromium): given e4ts as that
 * runtime imported it and the parsed e4go vectors, it runs on each backend every vector of the
 * primitives, messages and commands through the public API only, and a symmetric and a
 * public-key round trip, and reports how many passed and what failed. It imports nothing at run
 * time, so each runtime loads it beside its own copy of e4ts.
 */
import type * as E4 from '../../src/index.ts';

/** The sections of e4go-vectors.json this run covers, in the order it runs them. */
export const RUNTIME_SECTIONS = [
  'sha3_256',
  'topicHashes',
  'idAliases',
  'aesSiv',
  'symKeyFromPassword',
  'symMessages',
  'pkMessages',
  'commands',
  'protectedCommands',
] as const;
export type RuntimeSection = (typeof RUNTIME_SECTIONS)[number];

/** The backends each runtime runs the vectors on: WebAssembly with each AES core, pure JS. */
export const RUNTIME_BACKENDS = [
  { label: 'wasm-ct', options: { backend: 'wasm', aes: 'ct' } },
  { label: 'wasm-table', options: { backend: 'wasm', aes: 'table' } },
  { label: 'js', options: { backend: 'js' } },
] as const;
type RuntimeBackend = (typeof RUNTIME_BACKENDS)[number]['label'];

export interface BackendRun {
  /** The backend `init` was asked for, and the one it gave (`wasm-ct`, `wasm-table` or `js`). */
  asked: RuntimeBackend;
  backend: string;
  /** Vectors that passed, per section. */
  counts: Record<RuntimeSection, number>;
  /** Round trips that passed: 'symmetric', 'public-key'. */
  roundTrips: string[];
  /** One line per failed vector or round trip. */
  failures: string[];
}

export interface RuntimeReport {
  /** The backend a plain `init()` chose, with its AES core. */
  auto: string;
  runs: BackendRun[];
  asyncDerivation: AsyncDerivation;
}

/**
 * `deriveKeyFromPasswordAsync` of a vector's password after a plain `init()`: whether it gave the
 * vector's key, and how many timer callbacks this thread ran meanwhile (none if it had derived here).
 */
export interface AsyncDerivation {
  matches: boolean;
  ticks: number;
}

type Vector = Record<string, any>;
type Check = (v: Vector) => void;

/** `wasm-ct`, `wasm-table` or `js`: what a backend `init` gave is. */
function labelOf(backend: { name: string; aes?: string }): string {
  return backend.name === 'wasm' ? 'wasm-' + backend.aes : backend.name;
}

export async function runVectorSuite(e4: typeof E4, go: Record<string, Vector[]>): Promise<RuntimeReport> {
  const auto = labelOf(await e4.init());
  const runs: BackendRun[] = [];
  for (const { label, options } of RUNTIME_BACKENDS) {
    const backend = labelOf(await e4.init(options));
    runs.push(runOnBackend(e4, go, label, backend));
  }
  await e4.init();
  return { auto, runs, asyncDerivation: await deriveAsync(e4, go.symKeyFromPassword[0]) };
}

async function deriveAsync(e4: typeof E4, v: Vector): Promise<AsyncDerivation> {
  let ticks = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    ticks++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const key = await e4.deriveKeyFromPasswordAsync(v.password);
  done = true;
  return { matches: e4.toHex(key) === v.key, ticks };
}

function runOnBackend(e4: typeof E4, go: Record<string, Vector[]>, asked: RuntimeBackend, backend: string): BackendRun {
  const hex = (s: string): Uint8Array => e4.fromHex(s, 'vector');
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  const failures: string[] = [];

  function same(what: string, got: unknown, wanted: unknown): void {
    if (got !== wanted) throw new Error(what + ': got ' + JSON.stringify(got) + ', wanted ' + JSON.stringify(wanted));
  }
  /** The e4ts code of what `f` throws, 'ok' when it returns. */
  function outcome(f: () => unknown): string {
    try {
      f();
      return 'ok';
    } catch (e) {
      if (!e4.isE4Error(e)) throw e;
      return e.code;
    }
  }
  /** Go's result ("ok" or its error string) as the code e4ts must answer. */
  function expected(goResult: string): string {
    return goResult === 'ok' ? 'ok' : (e4.codeOfGoError(goResult) ?? 'no code for ' + goResult);
  }
  const verdict = (error: { message: string } | null): string => (error === null ? 'ok' : error.message);
  function payloadOf(result: E4.UnprotectResult): string {
    if (result.kind !== 'message') throw new Error('a message was answered with ' + result.kind);
    return e4.toHex(result.payload);
  }
  const at = (seconds: number) => () => seconds * 1000;

  /** Go's builder for a vector's command name and arguments. */
  function build(name: string, a: Vector): Uint8Array {
    switch (name) {
      case 'RemoveTopic':
        return e4.cmdRemoveTopic(a.topic);
      case 'ResetTopics':
        return e4.cmdResetTopics();
      case 'SetIDKey':
        return e4.cmdSetIdKey(hex(a.key));
      case 'SetTopicKey':
        return e4.cmdSetTopicKey(hex(a.key), a.topic);
      case 'RemovePubKey':
        return e4.cmdRemovePubKey(a.name);
      case 'ResetPubKeys':
        return e4.cmdResetPubKeys();
      case 'SetPubKey':
        return e4.cmdSetPubKey(hex(a.pubKey), a.name);
      case 'SetC2Key':
        return e4.cmdSetC2Key(hex(a.c2PubKey));
    }
    throw new Error('unknown command ' + name);
  }

  /** A public-key client that C2 (a fresh X25519 key pair) can send commands to. */
  function pkClientOf(id: Uint8Array, privateKey: Uint8Array, clock: () => number) {
    const c2 = e4.generateX25519KeyPair();
    const client = e4.createPublicKeyClient({ id, privateKey, c2PublicKey: c2.publicKey, clock });
    const sharedKey = e4.sharedKeyForClient(c2.privateKey, privateKey.subarray(32));
    const send = (command: Uint8Array) => client.unprotect(e4.protectCommand(sharedKey, command, clock()), client.controlTopic);
    return { client, send };
  }

  const checks: Record<RuntimeSection, Check> = {
    sha3_256: (v) => same('digest', e4.toHex(e4.sha3_256(hex(v.input))), v.digest),
    topicHashes: (v) => {
      same('hash', e4.toHex(e4.hashTopic(v.topic)), v.hash);
      same('hash of the bytes', e4.toHex(e4.hashTopic(utf8(v.topic))), v.hash);
      same('validateTopic', verdict(e4.validateTopic(v.topic)), v.validateTopic);
    },
    idAliases: (v) => {
      same('id', e4.toHex(e4.idFromName(v.alias)), v.id);
      same('validateName', verdict(e4.validateName(v.alias)), v.validateName);
    },
    aesSiv: (v) => {
      const key = hex(v.key);
      const sivKey = new Uint8Array(64);
      sivKey.set(key);
      sivKey.set(key, 32);
      same('sealed', e4.toHex(e4.aesSivSeal(sivKey, [hex(v.ad)], hex(v.plaintext))), v.ciphertext);
      same('opened', e4.toHex(e4.aesSivOpen(sivKey, [hex(v.ad)], hex(v.ciphertext))), v.plaintext);
    },
    symKeyFromPassword: (v) => same('key', e4.toHex(e4.deriveKeyFromPassword(v.password)), v.key),
    symMessages: (v) => {
      const clock = at(v.timestamp);
      const key = e4.generateSymmetricKey();
      const client = e4.createSymmetricClient({ id: e4.generateId(), key, clock });
      client.unprotect(e4.protectCommand(key, e4.cmdSetTopicKey(hex(v.topicKey), v.topic), clock()), client.controlTopic);
      same('payload', payloadOf(client.unprotect(hex(v.protected), v.topic)), v.plaintext);
      // Go protects an empty payload into a message no one can read; e4ts refuses to.
      if (v.plaintext.length > 0) same('protected', e4.toHex(client.protect(hex(v.plaintext), v.topic)), v.protected);
    },
    pkMessages: (v) => {
      const clock = at(v.timestamp);
      const receiverKeys = e4.generateEd25519KeyPair();
      const receiver = pkClientOf(e4.generateId(), receiverKeys.privateKey, clock);
      receiver.send(e4.cmdSetTopicKey(hex(v.topicKey), v.topic));
      receiver.send(e4.cmdSetPubKey(hex(v.signerPublicKey), { id: hex(v.signerId) }));
      same('payload', payloadOf(receiver.client.unprotect(hex(v.protected), v.topic)), v.plaintext);
      const sender = pkClientOf(hex(v.signerId), hex(v.signerPrivateKey), clock);
      sender.send(e4.cmdSetTopicKey(hex(v.topicKey), v.topic));
      same('protected', e4.toHex(sender.client.protect(hex(v.plaintext), v.topic)), v.protected);
    },
    commands: (v) => same('command', e4.toHex(build(v.name, v.args)), v.command),
    protectedCommands: (v) => {
      const clock = at(v.timestamp);
      const key = hex(v.key);
      same('protected', e4.toHex(e4.protectCommand(key, hex(v.command), clock())), v.protected);
      const id = e4.idFromName('runtime-device');
      let client: E4.E4Client;
      if (v.mode === 'sym') {
        client = e4.createSymmetricClient({ id, key, clock });
      } else {
        client = e4.createPublicKeyClient({ id, privateKey: hex(v.clientEdPrivateKey), c2PublicKey: hex(v.c2CurvePublicKey), clock });
        // Go's vectors run each command on a client that knows alice's key.
        const alice = e4.generateEd25519KeyPair().publicKey;
        client.unprotect(e4.protectCommand(key, e4.cmdSetPubKey(alice, 'alice'), clock()), client.controlTopic);
      }
      const before = client.exportState();
      const result = outcome(() => client.unprotect(hex(v.protected), client.controlTopic));
      same('result', result, expected(v.processResult));
      if (result !== 'ok') same('state after a refused command', client.exportState(), before);
    },
  };

  const counts = {} as Record<RuntimeSection, number>;
  for (const section of RUNTIME_SECTIONS) {
    counts[section] = 0;
    const vectors = go[section] ?? [];
    for (let i = 0; i < vectors.length; i++) {
      try {
        checks[section](vectors[i]);
        counts[section]++;
      } catch (e) {
        failures.push(section + ' #' + i + ': ' + (e instanceof Error ? e.message : String(e)));
      }
    }
  }

  const roundTrips: string[] = [];
  const trips: [string, () => void][] = [
    ['symmetric', () => symmetricRoundTrip(e4)],
    ['public-key', () => publicKeyRoundTrip(e4)],
  ];
  for (const [name, trip] of trips) {
    try {
      trip();
      roundTrips.push(name);
    } catch (e) {
      failures.push(name + ' round trip: ' + (e instanceof Error ? e.message : String(e)));
    }
  }
  return { asked, backend, counts, roundTrips, failures };
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** The README's symmetric example: C2 provisions a device, which protects; its state reloaded opens. */
function symmetricRoundTrip(e4: typeof E4): void {
  const key = e4.generateSymmetricKey();
  const store = e4.createMemoryStore();
  const device = e4.createSymmetricClient({ id: e4.generateId(), key, store });
  const topicKey = e4.generateSymmetricKey();
  const applied = device.unprotect(e4.protectCommand(key, e4.cmdSetTopicKey(topicKey, 'sensors/temp')), device.controlTopic);
  check(applied.kind === 'command' && applied.command === 'SetTopicKey', 'SetTopicKey applied');
  const payload = new TextEncoder().encode('21.5');
  const message = device.protect(payload, 'sensors/temp');
  const server = e4.loadClient({ store });
  const opened = server.unprotect(message, 'sensors/temp');
  check(opened.kind === 'message' && e4.toHex(opened.payload) === e4.toHex(payload), 'payload opened after a reload');
  message[message.length - 1] ^= 1;
  try {
    server.unprotect(message, 'sensors/temp');
    check(false, 'a tampered message was opened');
  } catch (e) {
    check(e4.isE4Error(e, e4.E4ErrorCode.NotAuthentic), 'a tampered message answers NotAuthentic');
  }
}

/** The README's public-key example: alice signs, bob checks her signature and opens. */
function publicKeyRoundTrip(e4: typeof E4): void {
  const c2 = e4.generateX25519KeyPair();
  const aliceKeys = e4.generateEd25519KeyPair();
  const bobKeys = e4.generateEd25519KeyPair();
  const aliceId = e4.generateId();
  const alice = e4.createPublicKeyClient({ id: aliceId, privateKey: aliceKeys.privateKey, c2PublicKey: c2.publicKey });
  const bob = e4.createPublicKeyClient({ id: e4.generateId(), privateKey: bobKeys.privateKey, c2PublicKey: c2.publicKey });
  const send = (client: E4.E4Client, edPublicKey: Uint8Array, command: Uint8Array) =>
    client.unprotect(e4.protectCommand(e4.sharedKeyForClient(c2.privateKey, edPublicKey), command), client.controlTopic);
  const topicKey = e4.generateSymmetricKey();
  send(alice, aliceKeys.publicKey, e4.cmdSetTopicKey(topicKey, 'chat'));
  send(bob, bobKeys.publicKey, e4.cmdSetTopicKey(topicKey, 'chat'));
  send(bob, bobKeys.publicKey, e4.cmdSetPubKey(aliceKeys.publicKey, { id: aliceId }));
  const opened = bob.unprotect(alice.protect(new TextEncoder().encode('hi'), 'chat'), 'chat');
  check(opened.kind === 'message' && new TextDecoder().decode(opened.payload) === 'hi', 'bob opened alice’s message');
  const forged = alice.protect(new TextEncoder().encode('hi'), 'chat');
  forged[forged.length - 1] ^= 1;
  try {
    bob.unprotect(forged, 'chat');
    check(false, 'a forged signature was accepted');
  } catch (e) {
    check(e4.isE4Error(e, e4.E4ErrorCode.InvalidSignature), 'a forged signature answers InvalidSignature');
  }
}
