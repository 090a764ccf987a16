/**
 * `npm start`: a small E4 fleet in one process, no broker. C2 provisions a symmetric device and
 * two public-key devices over their control topics, the devices exchange protected telemetry,
 * C2 rotates the topic key mid-stream (the key transition keeps every message readable), and
 * forged, tampered and stale messages are refused with their error codes.
 */
import {
  cmdSetPubKey,
  cmdSetTopicKey,
  createPublicKeyClient,
  createSymmetricClient,
  generateEd25519KeyPair,
  generateId,
  generateSymmetricKey,
  generateX25519KeyPair,
  init,
  isE4Error,
  protectCommand,
  sharedKeyForClient,
  toHex,
  type E4Client,
} from '../src/index.ts';

const backend = await init();
const decoder = new TextDecoder();
const encode = (text: string) => new TextEncoder().encode(text);
let now = Date.now();
const clock = () => now;

function refused(what: string, f: () => unknown): void {
  try {
    f();
    console.log(`  ${what}: ACCEPTED (this must not happen)`);
    process.exitCode = 1;
  } catch (e) {
    console.log(`  ${what}: refused, ${isE4Error(e) ? e.code : String(e)}`);
  }
}

console.log(`e4ts fleet demo (crypto backend: ${backend.name})\n`);

// C2's own key pair, and a symmetric device provisioned with an id and a client key.
const c2 = generateX25519KeyPair();
const thermometerKey = generateSymmetricKey();
const thermometer = createSymmetricClient({ id: generateId(), key: thermometerKey, clock });
const ingestionKey = generateSymmetricKey();
const ingestion = createSymmetricClient({ id: generateId(), key: ingestionKey, clock });

// Two public-key devices: each signs what it sends; C2 tells each the other's public key.
const cameraKeys = generateEd25519KeyPair();
const doorKeys = generateEd25519KeyPair();
const camera = createPublicKeyClient({ id: generateId(), privateKey: cameraKeys.privateKey, c2PublicKey: c2.publicKey, clock });
const door = createPublicKeyClient({ id: generateId(), privateKey: doorKeys.privateKey, c2PublicKey: c2.publicKey, clock });

function command(client: E4Client, key: Uint8Array, cmd: Uint8Array): void {
  const result = client.unprotect(protectCommand(key, cmd, now), client.controlTopic);
  if (result.kind === 'command') console.log(`  ${client.controlTopic}: ${result.command}`);
}
/** The key C2 protects a client's commands with: its client key, or the key they share. */
const symKeys = new Map<E4Client, Uint8Array>([
  [thermometer, thermometerKey],
  [ingestion, ingestionKey],
]);
const keyFor = (client: E4Client) =>
  symKeys.get(client) ?? sharedKeyForClient(c2.privateKey, client === camera ? cameraKeys.publicKey : doorKeys.publicKey);

console.log('C2 provisions topic keys and public keys:');
const telemetry = 'greenhouse/7/temperature';
const doorTopic = 'building/door/events';
const k1 = generateSymmetricKey();
for (const client of [thermometer, ingestion]) command(client, keyFor(client), cmdSetTopicKey(k1, telemetry));
const doorTopicKey = generateSymmetricKey();
for (const client of [camera, door]) command(client, keyFor(client), cmdSetTopicKey(doorTopicKey, doorTopic));
command(door, keyFor(door), cmdSetPubKey(cameraKeys.publicKey, { id: camera.id }));

console.log('\nTelemetry:');
const reading = thermometer.protect(encode('{"celsius":21.5}'), telemetry);
console.log(`  the broker sees ${reading.length} bytes: ${toHex(reading).slice(0, 48)}…`);
const opened = ingestion.unprotect(reading, telemetry);
if (opened.kind === 'message') console.log(`  ingestion reads: ${decoder.decode(opened.payload)}`);

console.log('\nRotation: C2 gives the ingestion service a new key before the thermometer:');
const k2 = generateSymmetricKey();
command(ingestion, keyFor(ingestion), cmdSetTopicKey(k2, telemetry));
now += 5 * 60_000;
const late = thermometer.protect(encode('{"celsius":21.7}'), telemetry);
const lateOpened = ingestion.unprotect(late, telemetry);
if (lateOpened.kind === 'message') console.log(`  still under the old key, 5 min later: ${decoder.decode(lateOpened.payload)}`);
command(thermometer, keyFor(thermometer), cmdSetTopicKey(k2, telemetry));
const fresh = ingestion.unprotect(thermometer.protect(encode('{"celsius":21.9}'), telemetry), telemetry);
if (fresh.kind === 'message') console.log(`  under the new key: ${decoder.decode(fresh.payload)}`);

console.log('\nSigned events between public-key devices:');
const event = camera.protect(encode('motion at the door'), doorTopic);
const seen = door.unprotect(event, doorTopic);
if (seen.kind === 'message') console.log(`  the door reads the camera's signed event: ${decoder.decode(seen.payload)}`);

console.log('\nWhat E4 refuses:');
const tampered = reading.slice();
tampered[tampered.length - 1] ^= 1;
refused('a tampered reading', () => ingestion.unprotect(tampered, telemetry));
const forged = event.slice();
forged[30] ^= 1;
refused('a forged camera event', () => door.unprotect(forged, doorTopic));
now += 61 * 60_000;
refused('a message replayed an hour later', () => ingestion.unprotect(late, telemetry));
refused('a command under the wrong key', () =>
  thermometer.unprotect(protectCommand(generateSymmetricKey(), cmdSetTopicKey(k1, telemetry), now), thermometer.controlTopic),
);
