/**
 * `npm start`: E4's primitives at work, step by step, on the backend this runtime selects.
 * A device derives its key from a password, protects a reading on a topic exactly as E4 lays a
 * symmetric message out (timestamp ‖ SIV tag ‖ ciphertext), and a server opens it; a tampered
 * copy is refused with its error code.
 */
import {
  aesSivOpen,
  aesSivSeal,
  deriveKeyFromPassword,
  hashTopic,
  idFromName,
  init,
  isE4Error,
  toHex,
} from '../src/index.ts';

const backend = await init();
console.log(`e4ts primitives, backend: ${backend.name}\n`);

const name = 'greenhouse-sensor-7';
const topic = 'greenhouse/7/temperature';
console.log(`client id of "${name}":      ${toHex(idFromName(name))}`);
console.log(`topic hash of "${topic}": ${toHex(hashTopic(topic))}`);

const started = performance.now();
const key = deriveKeyFromPassword('correct horse battery staple');
console.log(`key from password (Argon2i, 64 MiB, empty salt, ${(performance.now() - started).toFixed(0)} ms): ${toHex(key).slice(0, 16)}…`);

// E4's AES-SIV: the 32-byte key used twice, the 8-byte little-endian timestamp as the only AD.
const sivKey = new Uint8Array(64);
sivKey.set(key);
sivKey.set(key, 32);
const timestamp = new Uint8Array(8);
new DataView(timestamp.buffer).setBigUint64(0, BigInt(Math.floor(Date.now() / 1000)), true);
const reading = new TextEncoder().encode(JSON.stringify({ celsius: 21.5 }));
const sealed = aesSivSeal(sivKey, [timestamp], reading);
const message = new Uint8Array(8 + sealed.length);
message.set(timestamp);
message.set(sealed, 8);
console.log(`\nprotected message (${message.length} bytes = 8 + 16 + ${reading.length}): ${toHex(message)}`);

const opened = aesSivOpen(sivKey, [message.subarray(0, 8)], message.subarray(8));
console.log(`opened by the server: ${new TextDecoder().decode(opened)}`);

const tampered = message.slice();
tampered[tampered.length - 1] ^= 1;
try {
  aesSivOpen(sivKey, [tampered.subarray(0, 8)], tampered.subarray(8));
  console.log('tampered copy accepted: this must not happen');
  process.exitCode = 1;
} catch (e) {
  console.log(`tampered copy refused: ${isE4Error(e) ? e.code : String(e)}`);
}
