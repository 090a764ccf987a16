/**
 * The curve primitives beside their peers, in one process: Ed25519 verify (under one key again and
 * again, and under a new key each time, more keys than the WebAssembly module keeps tables for)
 * and sign of a 256-byte message and X25519, on the WebAssembly curve module (src/backends/wasm-curves.ts), the
 * @noble/curves provider of e4ts (src/keys/curves.ts), @noble/curves called directly, and
 * node:crypto with KeyObjects made once (OpenSSL). Writes bench/results/curves.{json,md,svg}.
 *
 * Usage: node --import tsx bench/curves.ts [--quick]   (--quick: shorter runs, no files written)
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { Bench } from 'tinybench';
import { compileCurveModule, createWasmCurves } from '../src/backends/wasm-curves.ts';
import { nobleCurves, type CurveProvider } from '../src/keys/curves.ts';
import { opsOf, writeReport, type Row, type Target } from './report.ts';
import { callsPerSecond, sampled } from './sampling.ts';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 200 : 1500;
const MESSAGE_LEN = 256;
/** Keys taken in turn by "a new key each time": far more than the curve module's cache holds. */
const KEY_COUNT = 1024;
const VERIFY_SAME_KEY = `Ed25519 verify ${MESSAGE_LEN} B, same key`;
const VERIFY_NEW_KEY = `Ed25519 verify ${MESSAGE_LEN} B, new key each time`;

const rows: Row[] = [];

async function measure(group: string, tasks: { impl: string; fn: () => unknown }[]): Promise<void> {
  for (const task of tasks) {
    const { run, calls } = await sampled(task.fn);
    const bench = new Bench({ time: TIME_MS, warmup: true, warmupIterations: 50, throws: true });
    bench.add(task.impl, run);
    await bench.run();
    const result = bench.tasks[0].result;
    if (result.state !== 'completed') throw new Error(group + ' / ' + task.impl + ': ' + result.state);
    const opsPerSec = callsPerSecond(bench.tasks[0], calls);
    rows.push({
      group,
      impl: task.impl,
      opsPerSec,
      bytes: 0,
      rme: result.latency.rme,
      samples: (result.latency.samples?.length ?? result.latency.df + 1) * calls,
    });
    console.log(`${group.padEnd(26)} ${task.impl.padEnd(26)} ${Math.round(opsPerSec).toLocaleString('en').padStart(10)} ops/s`);
  }
}

function der(prefix: string, key: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(prefix, 'hex'), key]);
}

function edPublicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: der('302a300506032b6570032100', publicKey), format: 'der', type: 'spki' });
}

function edPrivateKeyObject(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: der('302e020100300506032b657004220420', seed), format: 'der', type: 'pkcs8' });
}

function xPrivateKeyObject(privateKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: der('302e020100300506032b656e04220420', privateKey), format: 'der', type: 'pkcs8' });
}

function xPublicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: der('302a300506032b656e032100', publicKey), format: 'der', type: 'spki' });
}

const WASM = 'e4ts (wasm)';
const NOBLE_PROVIDER = 'e4ts (@noble/curves provider)';
const NOBLE = '@noble/curves';
const NODE = 'node:crypto (KeyObject)';

const wasm = createWasmCurves(await compileCurveModule());
const providers: [string, CurveProvider][] = [
  [WASM, wasm],
  [NOBLE_PROVIDER, nobleCurves],
];

const seed = new Uint8Array(randomBytes(32));
const privateKey = nobleCurves.ed25519PrivateKeyFromSeed(seed);
const publicKey = privateKey.slice(32);
const message = new Uint8Array(randomBytes(MESSAGE_LEN));
const signature = nobleCurves.ed25519Sign(privateKey, message);
const edPublic = edPublicKeyObject(publicKey);
const edPrivate = edPrivateKeyObject(seed);
// Every implementation must give the same answers before it is timed.
for (const [name, curves] of providers) {
  if (!curves.ed25519Verify(publicKey, message, signature)) throw new Error(name + ' refuses the signature');
  if (Buffer.compare(curves.ed25519Sign(privateKey, message), signature) !== 0) throw new Error(name + ' signs otherwise');
}
if (!ed25519.verify(signature, message, publicKey, { zip215: false })) throw new Error('@noble/curves refuses the signature');
if (!verify(null, message, edPublic, signature)) throw new Error('node:crypto refuses the signature');
if (Buffer.compare(sign(null, message, edPrivate), signature) !== 0) throw new Error('node:crypto signs otherwise');

await measure(VERIFY_SAME_KEY, [
  ...providers.map(([impl, curves]) => ({ impl, fn: () => curves.ed25519Verify(publicKey, message, signature) })),
  { impl: NOBLE, fn: () => ed25519.verify(signature, message, publicKey, { zip215: false }) },
  { impl: NODE, fn: () => verify(null, message, edPublic, signature) },
]);

const signers = Array.from({ length: KEY_COUNT }, () => {
  const keyPair = wasm.generateEd25519KeyPair();
  return { publicKey: keyPair.publicKey, signature: wasm.ed25519Sign(keyPair.privateKey, message), keyObject: edPublicKeyObject(keyPair.publicKey) };
});
if (!signers.every((s) => nobleCurves.ed25519Verify(s.publicKey, message, s.signature))) throw new Error('a signer signs otherwise');
let turn = 0;
/** The next signer in turn, for one verification. */
const nextSigner = () => signers[turn++ % KEY_COUNT];

await measure(VERIFY_NEW_KEY, [
  ...providers.map(([impl, curves]) => ({
    impl,
    fn: () => {
      const s = nextSigner();
      return curves.ed25519Verify(s.publicKey, message, s.signature);
    },
  })),
  {
    impl: NOBLE,
    fn: () => {
      const s = nextSigner();
      return ed25519.verify(s.signature, message, s.publicKey, { zip215: false });
    },
  },
  {
    impl: NODE,
    fn: () => {
      const s = nextSigner();
      return verify(null, message, s.keyObject, s.signature);
    },
  },
]);

await measure(`Ed25519 sign ${MESSAGE_LEN} B`, [
  ...providers.map(([impl, curves]) => ({ impl, fn: () => curves.ed25519Sign(privateKey, message) })),
  { impl: NOBLE, fn: () => ed25519.sign(message, seed) },
  { impl: NODE, fn: () => sign(null, message, edPrivate) },
]);

const scalar = new Uint8Array(randomBytes(32));
const peer = nobleCurves.generateX25519KeyPair();
const shared = nobleCurves.x25519(scalar, peer.publicKey);
const xPrivate = xPrivateKeyObject(scalar);
const xPublic = xPublicKeyObject(peer.publicKey);
if (Buffer.compare(wasm.x25519(scalar, peer.publicKey), shared) !== 0) throw new Error('wasm X25519 differs');
if (Buffer.compare(diffieHellman({ privateKey: xPrivate, publicKey: xPublic }), shared) !== 0) throw new Error('node:crypto X25519 differs');

await measure('X25519 shared secret', [
  ...providers.map(([impl, curves]) => ({ impl, fn: () => curves.x25519(scalar, peer.publicKey) })),
  { impl: NOBLE, fn: () => x25519.getSharedSecret(scalar, peer.publicKey) },
  { impl: NODE, fn: () => diffieHellman({ privateKey: xPrivate, publicKey: xPublic }) },
]);

await measure('X25519 public key', [
  ...providers.map(([impl, curves]) => ({ impl, fn: () => curves.x25519PublicKey(scalar) })),
  { impl: NOBLE, fn: () => x25519.getPublicKey(scalar) },
]);

function targets(): Target[] {
  return [VERIFY_SAME_KEY, VERIFY_NEW_KEY].map((group) => ({
    what: `${group}: e4ts (wasm) ÷ @noble/curves`,
    ratio: opsOf(rows, group, WASM) / opsOf(rows, group, NOBLE),
    bound: 5,
    kind: 'atLeast' as const,
  }));
}

if (quick) {
  console.log('\n--quick run: bench/results/ left as it was');
} else {
  writeReport('curves', 'e4ts curve primitives beside their peers', rows, WASM, targets());
  console.log('\nwrote bench/results/curves.{json,md,svg}');
}
