/**
 * The native backend (src/backends/native.ts) through the vector suites of the other backends
 * (every Miscreant vector, all 442 Wycheproof AES-SIV-CMAC cases, the aesSiv and sha3_256 entries
 * of the Go vectors), agreement with the WebAssembly backend on random inputs, tampering, its key
 * cache, and clients with it active. The native curve provider runs the curve suites of
 * test/curves.test.ts (it is listed in test/curve-providers.ts); its fallbacks are checked here.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as c2 from '../src/c2.ts';
import { activeBackend, setActiveBackend } from '../src/backends/active.ts';
import { sivOpenEachPacked, type Backend } from '../src/backends/backend.ts';
import { createNativeBackend, KEY_CACHE_SLOTS, type NativeBackend } from '../src/backends/native.ts';
import { createNativeCurves, nativeCurves } from '../src/backends/native-curves.ts';
import { init } from '../src/backends/select.ts';
import { controlTopicOf, E4Client, type UnprotectResult } from '../src/client/client.ts';
import { createPublicKeyClient, publicKeyModeOn } from '../src/client/publicKey.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { nobleCurves } from '../src/keys/curves.ts';
import { checkNativeThresholds, initNative, readNativeThresholds } from '../src/node.ts';
import { aesSivOpen, aesSivOpenPacked, aesSivSeal, argon2id } from '../src/primitives.ts';
import { openedByValue, packSiv } from './packed.ts';
import { concatBytes, toHex } from '../src/utils.ts';
import { fixedClock } from './clients.ts';
import { hex, readMiscreant, readVectors, wycheproofSivCases } from './vectors.ts';

let native: NativeBackend;
let wasm: Backend;

beforeAll(async () => {
  wasm = await init({ backend: 'wasm', keepArgon2Memory: true });
  native = await initNative({ backend: 'wasm', keepArgon2Memory: true });
});

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isE4Error(e)) throw e;
    return e.code;
  }
}

describe('initNative', () => {
  it('makes the native backend active, the same one on each call', async () => {
    expect(native.name).toBe('native');
    expect(await initNative({ backend: 'wasm', keepArgon2Memory: true })).toBe(native);
    const key = new Uint8Array(64).fill(3);
    expect(aesSivSeal(key, [], new Uint8Array([1]))).toEqual(native.sivSeal(key, [], new Uint8Array([1])));
  });

  it('init() with the same options leaves it active; with other options, switches', async () => {
    expect(activeBackend()).toBe(native);
    expect(await init({ backend: 'wasm', keepArgon2Memory: true })).toBe(wasm);
    expect(activeBackend()).toBe(native);
    const js = await init({ backend: 'js' });
    expect(activeBackend()).toBe(js);
    // `init` builds a new WebAssembly backend after a switch, so a new native one wraps it.
    native = await initNative({ backend: 'wasm', keepArgon2Memory: true });
    wasm = await init({ backend: 'wasm', keepArgon2Memory: true });
    expect(activeBackend()).toBe(native);
    expect(await initNative({ backend: 'wasm', keepArgon2Memory: true })).toBe(native);
  });

  it('delegates Argon2 to the backend of init()', () => {
    const params = { t: 1, m: 64, p: 1, dkLen: 32 };
    const pwd = new Uint8Array(16).fill(1);
    const salt = new Uint8Array(8).fill(2);
    expect(argon2id(pwd, salt, params)).toEqual(wasm.argon2('argon2id', pwd, salt, params));
  });
});

describe('Miscreant vectors on native', () => {
  it.each(readMiscreant('aes').map((v, i) => [i, v]))('aes.tjson #%i', (_i, v) => {
    expect(native.parts.aesEncryptBlock(v.key, v.src)).toEqual(v.dst);
  });

  it.each(readMiscreant('aes_cmac').map((v, i) => [i, v]))('aes_cmac.tjson #%i', (_i, v) => {
    expect(native.parts.cmac(v.key, v.message)).toEqual(v.tag);
  });

  it.each(readMiscreant('aes_ctr').map((v, i) => [i, v]))('aes_ctr.tjson #%i', (_i, v) => {
    expect(native.parts.aesCtr(v.key, v.iv, v.plaintext)).toEqual(v.ciphertext);
    expect(native.parts.aesCtr(v.key, v.iv, v.ciphertext)).toEqual(v.plaintext);
  });

  it.each(readMiscreant('dbl').map((v, i) => [i, v]))('dbl.tjson #%i', (_i, v) => {
    expect(native.parts.dbl(v.input)).toEqual(v.output);
  });

  it.each(readMiscreant('aes_siv').map((v, i) => [i + ' ' + v.name, v]))('aes_siv.tjson #%s', (_i, v) => {
    setActiveBackend(native as unknown as Backend);
    expect(aesSivSeal(v.key, v.ad, v.plaintext)).toEqual(v.ciphertext);
    expect(aesSivOpen(v.key, v.ad, v.ciphertext)).toEqual(v.plaintext);
    expect(native.sivOpen(v.key, v.ad, v.ciphertext)).toEqual(v.plaintext);
  });
});

describe('Wycheproof AES-SIV-CMAC on native', () => {
  const cases = wycheproofSivCases();

  it('has all 442 cases', () => {
    expect(cases.length).toBe(442);
  });

  it.each(cases.map((c) => [c.keySize, c.tcId, c.comment, c]))('%i-bit key, tcId %i (%s)', (_k, _id, _c, c) => {
    const key = hex(c.key);
    const ads = [hex(c.aad)];
    const msg = hex(c.msg);
    const ct = hex(c.ct);
    if (c.result === 'valid') {
      expect(native.sivSeal(key, ads, msg)).toEqual(ct);
      expect(native.sivOpen(key, ads, ct)).toEqual(msg);
      return;
    }
    // Every invalid case of this file is a tampered tag; the caller's `out` stays untouched.
    const out = new Uint8Array(ct.length).fill(0xee);
    expect(codeOf(() => native.sivOpen(key, ads, ct, out))).toBe(E4ErrorCode.NotAuthentic);
    expect(out.every((b) => b === 0xee)).toBe(true);
  });
});

describe('e4go primitive vectors on native', () => {
  const go = readVectors<Record<string, any[]>>('e4go-vectors.json');

  it.each(go.sha3_256.map((v: any, i: number) => [i, v] as [number, any]))('sha3_256 #%i', (_i, v: any) => {
    expect(toHex(native.sha3_256(hex(v.input)))).toBe(v.digest);
  });

  it.each(go.aesSiv.map((v: any, i: number) => [i, v] as [number, any]))('aesSiv #%i (key ‖ key, one AD)', (_i, v: any) => {
    const key = hex(v.key);
    const sivKey = concatBytes([key, key]);
    const ads = [hex(v.ad)];
    expect(toHex(native.sivSeal(sivKey, ads, hex(v.plaintext)))).toBe(v.ciphertext);
    expect(toHex(native.sivOpen(sivKey, ads, hex(v.ciphertext)))).toBe(v.plaintext);
  });
});

describe('native agrees with the WebAssembly backend', () => {
  const sivKey = fc.constantFrom(32, 48, 64).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  const ads = fc.array(
    fc.oneof({ weight: 8, arbitrary: fc.uint8Array({ maxLength: 80 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6000 }) }),
    { maxLength: 4 },
  );
  /** Mostly short inputs around the block boundaries, some up to 70,000 bytes. */
  const length = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) });

  it('seals and opens byte for byte as the WebAssembly backend, into new arrays and into `out`', () => {
    fc.assert(
      fc.property(sivKey, ads, length, fc.integer(), (key, a, n, seed) => {
        const plaintext = new Uint8Array(n);
        for (let i = 0; i < n; i++) plaintext[i] = (seed + i * 131) & 0xff;
        const sealed = native.sivSeal(key, a, plaintext);
        expect(toHex(sealed)).toBe(toHex(wasm.sivSeal(key, a, plaintext)));
        expect(toHex(native.sivOpen(key, a, sealed))).toBe(toHex(plaintext));
        const out = new Uint8Array(n + 20);
        const view = native.sivOpen(key, a, sealed, out);
        expect(view.buffer).toBe(out.buffer);
        expect(toHex(view)).toBe(toHex(plaintext));
        const sealedOut = new Uint8Array(n + 16);
        expect(toHex(native.sivSeal(key, a, plaintext, sealedOut))).toBe(toHex(sealed));
      }),
      { numRuns: 300 },
    );
  });

  it('CMAC, CTR and SHA3-256 of random inputs as the WebAssembly backend', () => {
    const aesKey = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    fc.assert(
      fc.property(aesKey, fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (key, data, iv) => {
        expect(toHex(native.parts.cmac(key, data))).toBe(toHex(wasm.parts.cmac(key, data)));
        expect(toHex(native.parts.aesCtr(key, iv, data))).toBe(toHex(wasm.parts.aesCtr(key, iv, data)));
        expect(toHex(native.sha3_256(data))).toBe(toHex(wasm.sha3_256(data)));
      }),
      { numRuns: 200 },
    );
  });

  it('the CTR counter wraps over all 128 bits', () => {
    const key = new Uint8Array(16).fill(9);
    const iv = new Uint8Array(16).fill(0xff);
    const data = new Uint8Array(64).fill(1);
    expect(toHex(native.parts.aesCtr(key, iv, data))).toBe(toHex(wasm.parts.aesCtr(key, iv, data)));
  });

  it('takes 126 associated-data strings', () => {
    const key = new Uint8Array(64).fill(5);
    const many = Array.from({ length: 126 }, (_, i) => new Uint8Array(i % 40).fill(i));
    const plaintext = new Uint8Array(33).fill(7);
    const sealed = native.sivSeal(key, many, plaintext);
    expect(toHex(sealed)).toBe(toHex(wasm.sivSeal(key, many, plaintext)));
    expect(toHex(native.sivOpen(key, many, sealed))).toBe(toHex(plaintext));
  });

  it('refuses every single-bit change of the sealed bytes, the associated data or the key', () => {
    fc.assert(
      fc.property(sivKey, ads, fc.integer({ min: 0, max: 300 }), fc.nat(), (key, a, n, bit) => {
        const plaintext = new Uint8Array(n).fill(0x5a);
        const sealed = native.sivSeal(key, a, plaintext);
        const flip = (bytes: Uint8Array, length = bytes.length) => {
          const c = bytes.slice();
          c[(bit >> 3) % length] ^= 1 << (bit & 7);
          return c;
        };
        const out = new Uint8Array(n).fill(0xee);
        expect(codeOf(() => native.sivOpen(key, a, flip(sealed), out))).toBe(E4ErrorCode.NotAuthentic);
        expect(out.every((b) => b === 0xee)).toBe(true);
        // The CMAC half of the key: the CTR half alone cannot change an empty plaintext's tag.
        expect(codeOf(() => native.sivOpen(flip(key, key.length / 2), a, sealed))).toBe(E4ErrorCode.NotAuthentic);
        const i = a.findIndex((ad) => ad.length > 0);
        if (i >= 0) {
          const changed = a.slice();
          changed[i] = flip(a[i]);
          expect(codeOf(() => native.sivOpen(key, changed, sealed))).toBe(E4ErrorCode.NotAuthentic);
        }
        if (a.length > 0) expect(codeOf(() => native.sivOpen(key, a.slice(1), sealed))).toBe(E4ErrorCode.NotAuthentic);
      }),
      { numRuns: 300 },
    );
  });

  it('returns arrays of their own, never views of a shared buffer', () => {
    const key = new Uint8Array(32).fill(1);
    const sealed = native.sivSeal(key, [], new Uint8Array(5));
    const opened = native.sivOpen(key, [], sealed);
    for (const r of [sealed, opened, native.sha3_256(new Uint8Array(3)), native.parts.cmac(key.subarray(0, 16), new Uint8Array(3))]) {
      expect(r.constructor).toBe(Uint8Array);
      expect(r.byteOffset).toBe(0);
      expect(r.buffer.byteLength).toBe(r.length);
    }
  });
});

describe('the key cache', () => {
  it('stays correct past its size, and after wipeKeyCache', () => {
    const keys = Array.from({ length: KEY_CACHE_SLOTS * 3 }, (_, i) => new Uint8Array(32 + 16 * (i % 3)).fill(i + 1));
    const plaintext = new Uint8Array(40).fill(3);
    for (let round = 0; round < 2; round++) {
      for (const key of keys) {
        expect(toHex(native.sivSeal(key, [plaintext], plaintext))).toBe(toHex(wasm.sivSeal(key, [plaintext], plaintext)));
      }
      native.wipeKeyCache();
    }
  });

  it('copies the key: changing the caller\'s array afterwards changes nothing', () => {
    const key = new Uint8Array(32).fill(0x42);
    const expected = wasm.sivSeal(key, [], new Uint8Array(20));
    const caller = key.slice();
    native.sivSeal(caller, [], new Uint8Array(20));
    caller.fill(0);
    expect(toHex(native.sivSeal(key, [], new Uint8Array(20)))).toBe(toHex(expected));
  });

  it('a backend made apart has its own cache', () => {
    const other = createNativeBackend(wasm);
    const key = new Uint8Array(48).fill(8);
    expect(toHex(other.sivSeal(key, [], new Uint8Array(1)))).toBe(toHex(native.sivSeal(key, [], new Uint8Array(1))));
    other.wipeKeyCache();
    expect(toHex(native.sivOpen(key, [], other.sivSeal(key, [], new Uint8Array(1))))).toBe('00');
  });
});

describe('native curves: fallbacks to Go\'s semantics', () => {
  const seed = new Uint8Array(32).fill(11);
  const message = new Uint8Array([1, 2, 3]);

  it('signs with a mismatched private key as Go does (the stored public half)', () => {
    const a = nativeCurves.ed25519PrivateKeyFromSeed(seed);
    const b = nativeCurves.ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(12));
    const mismatched = concatBytes([a.subarray(0, 32), b.subarray(32)]);
    expect(toHex(nativeCurves.ed25519Sign(mismatched, message))).toBe(toHex(nobleCurves.ed25519Sign(mismatched, message)));
    expect(toHex(nativeCurves.ed25519Sign(a, message))).toBe(toHex(nobleCurves.ed25519Sign(a, message)));
  });

  it('judges public keys node:crypto refuses as Go does, and others as node:crypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (pub, sig) => {
        let imports = true;
        try {
          createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
        } catch {
          imports = false;
        }
        const verdict = nativeCurves.ed25519Verify(pub, message, sig);
        if (!imports) expect(verdict).toBe(nobleCurves.ed25519Verify(pub, message, sig));
        expect(typeof verdict).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });

  it('verdicts equal the Go-compatible provider\'s on keys of every kind and mutated signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(511), fc.boolean(), (s, bit, mutate) => {
        const privateKey = nativeCurves.ed25519PrivateKeyFromSeed(s);
        const signature = nativeCurves.ed25519Sign(privateKey, message);
        if (mutate) signature[bit >> 3] ^= 1 << (bit & 7);
        const pub = privateKey.subarray(32);
        expect(nativeCurves.ed25519Verify(pub, message, signature)).toBe(nobleCurves.ed25519Verify(pub, message, signature));
      }),
      { numRuns: 300 },
    );
  });

  it('verdicts equal the Go-compatible provider\'s on small-order and non-canonical keys and R', () => {
    // The eight points of order dividing 8 (each also with the sign bit flipped), and the
    // encodings of y = p to p + 18 (y ≥ p, which Go reduces), with and without the sign bit.
    const P = 2n ** 255n - 19n;
    const le = (v: bigint) => {
      const b = new Uint8Array(32);
      for (let i = 0; i < 32; i++, v >>= 8n) b[i] = Number(v & 0xffn);
      return b;
    };
    const withSign = (b: Uint8Array) => {
      const f = b.slice();
      f[31] ^= 0x80;
      return f;
    };
    const order8 = ed25519.Point.fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');
    const encodings: Uint8Array[] = [];
    let point = ed25519.Point.ZERO;
    for (let i = 0; i < 8; i++, point = point.add(order8)) encodings.push(point.toBytes(), withSign(point.toBytes()));
    for (let y = 0n; y < 19n; y++) encodings.push(le(P + y), withSign(le(P + y)));
    let accepted = 0;
    for (const A of encodings) {
      for (const R of encodings) {
        for (let m = 0; m < 2; m++) {
          const signature = new Uint8Array(64);
          signature.set(R);
          const msg = new Uint8Array([m]);
          const go = nobleCurves.ed25519Verify(A, msg, signature);
          expect(nativeCurves.ed25519Verify(A, msg, signature), toHex(A) + ' ' + toHex(R) + ' ' + m).toBe(go);
          if (go) accepted++;
        }
      }
    }
    // Go accepts some of these ([0]B − [k]A = R for a small-order A): the check is not vacuous.
    expect(accepted).toBeGreaterThan(0);
  });

  it('caches stay correct past their size and after wipeKeyCache', () => {
    const curves = createNativeCurves();
    const pairs = Array.from({ length: 40 }, (_, i) => nobleCurves.ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(i)));
    for (let round = 0; round < 2; round++) {
      for (const p of pairs) {
        const signature = curves.ed25519Sign(p, message);
        expect(toHex(signature)).toBe(toHex(nobleCurves.ed25519Sign(p, message)));
        expect(curves.ed25519Verify(p.subarray(32), message, signature)).toBe(true);
        const x = curves.edPrivateToCurve(p);
        expect(toHex(curves.x25519(x, curves.x25519PublicKey(seed)))).toBe(toHex(nobleCurves.x25519(x, nobleCurves.x25519PublicKey(seed))));
      }
      curves.wipeKeyCache();
    }
  });
});

function payloadOf(result: UnprotectResult): Uint8Array {
  if (result.kind !== 'message') throw new Error('expected a message, got ' + result.kind);
  return result.payload;
}

describe('clients with the native backend active', () => {
  const T0 = 1_700_000_000_000;
  beforeAll(async () => {
    await initNative({ backend: 'wasm', keepArgon2Memory: true });
  });

  it('symmetric: protect and unprotect round trip, tampering refused', () => {
    const clock = fixedClock(T0).read;
    const key = c2.generateSymmetricKey();
    const client = createSymmetricClient({ id: c2.generateId(), key, clock });
    const topicKey = c2.generateSymmetricKey();
    client.unprotect(c2.protectCommand(key, c2.cmdSetTopicKey(topicKey, 'sensors/t'), T0), client.controlTopic);
    for (const n of [1, 15, 16, 17, 1000, 20_000]) {
      const payload = new Uint8Array(n).fill(n & 0xff);
      const sealed = client.protect(payload, 'sensors/t');
      expect(toHex(payloadOf(client.unprotect(sealed, 'sensors/t')))).toBe(toHex(payload));
      sealed[sealed.length - 1] ^= 1;
      expect(codeOf(() => client.unprotect(sealed, 'sensors/t'))).toBe(E4ErrorCode.NotAuthentic);
    }
  });

  it('public key: a native-curves receiver reads a sender\'s messages, and the reverse', () => {
    const clock = fixedClock(T0).read;
    const c2Keys = c2.generateX25519KeyPair();
    const senderKeys = nativeCurves.generateEd25519KeyPair();
    const receiverKeys = nativeCurves.generateEd25519KeyPair();
    const senderId = c2.generateId();
    const receiverId = c2.generateId();
    const sender = createPublicKeyClient({ id: senderId, privateKey: senderKeys.privateKey, c2PublicKey: c2Keys.publicKey, clock });
    const receiver = new E4Client(
      publicKeyModeOn(nativeCurves),
      {
        id: receiverId,
        topicKeys: {},
        key: { keyType: 1, privateKey: receiverKeys.privateKey, signerId: receiverId, c2PublicKey: c2Keys.publicKey, pubKeys: {} },
        receivingTopic: controlTopicOf(receiverId),
      },
      { clock },
    );
    const command = (client: E4Client, edPublic: Uint8Array, cmd: Uint8Array) =>
      client.unprotect(c2.protectCommand(c2.sharedKeyForClient(c2Keys.privateKey, edPublic), cmd, T0), client.controlTopic);
    const topicKey = c2.generateSymmetricKey();
    command(receiver, receiverKeys.publicKey, c2.cmdSetPubKey(senderKeys.publicKey, { id: senderId }));
    command(sender, senderKeys.publicKey, c2.cmdSetPubKey(receiverKeys.publicKey, { id: receiverId }));
    command(receiver, receiverKeys.publicKey, c2.cmdSetTopicKey(topicKey, 'fleet/a'));
    command(sender, senderKeys.publicKey, c2.cmdSetTopicKey(topicKey, 'fleet/a'));

    const payload = new Uint8Array(256).fill(9);
    const fromSender = sender.protect(payload, 'fleet/a');
    expect(toHex(payloadOf(receiver.unprotect(fromSender, 'fleet/a')))).toBe(toHex(payload));
    const fromReceiver = receiver.protect(payload, 'fleet/a');
    expect(toHex(payloadOf(sender.unprotect(fromReceiver, 'fleet/a')))).toBe(toHex(payload));
    fromSender[fromSender.length - 1] ^= 1;
    expect(codeOf(() => receiver.unprotect(fromSender, 'fleet/a'))).toBe(E4ErrorCode.InvalidSignature);
  });
});

describe('initNative with thresholds', () => {
  it('opens below the threshold on the backend of init(), from it on node:crypto, with equal results', async () => {
    const auto = await initNative({ backend: 'wasm', keepArgon2Memory: true, thresholds: { sivOpenNativeFromBytes: 1024 } });
    try {
      expect(activeBackend()).toBe(auto);
      expect(auto.name).toBe('native');
      expect(await initNative({ backend: 'wasm', keepArgon2Memory: true, thresholds: { sivOpenNativeFromBytes: 1024 } })).toBe(auto);
      const used: string[] = [];
      const spyOn = (b: Backend, label: string) => {
        const open = b.sivOpen;
        b.sivOpen = (...args) => {
          used.push(label);
          return open(...args);
        };
        return () => {
          b.sivOpen = open;
        };
      };
      const restoreWasm = spyOn(wasm, 'wasm');
      const restoreNative = spyOn(native, 'native');
      try {
        const key = new Uint8Array(64).fill(7);
        const ad = [new Uint8Array(8).fill(1)];
        for (const size of [0, 1023, 1024, 5000]) {
          const plaintext = new Uint8Array(size).fill(size & 0xff);
          const sealed = wasm.sivSeal(key, ad, plaintext);
          expect(aesSivOpen(key, ad, sealed)).toEqual(plaintext);
          const bad = sealed.slice();
          bad[0] ^= 1;
          expect(codeOf(() => aesSivOpen(key, ad, bad))).toBe(E4ErrorCode.NotAuthentic);
        }
        expect(used).toEqual(['wasm', 'wasm', 'wasm', 'wasm', 'native', 'native', 'native', 'native']);
        // Batches: all small → the WebAssembly batch open; mixed → one open each, by size.
        const messageOf = (size: number, tamper = false) => {
          const ts = new Uint8Array(8).fill(size & 0xff);
          const sealed = wasm.sivSeal(key, [ts], new Uint8Array(size).fill(1));
          if (tamper) sealed[3] ^= 1;
          return concatBytes([ts, sealed]);
        };
        const small = [messageOf(10), messageOf(1000, true), messageOf(1023)];
        const mixed = [messageOf(10), messageOf(4000), messageOf(2000, true), messageOf(1024)];
        for (const messages of [small, mixed]) {
          const batch = packSiv([key], messages.map(() => 0), messages);
          const expected = openedByValue((b, out, status) => sivOpenEachPacked(wasm, b, out, status), batch);
          used.length = 0;
          expect(openedByValue(aesSivOpenPacked, batch)).toEqual(expected);
          expect(used).toEqual(messages === small ? [] : ['wasm', 'native', 'native', 'native']);
        }
      } finally {
        restoreWasm();
        restoreNative();
      }
    } finally {
      await initNative({ backend: 'wasm', keepArgon2Memory: true });
    }
    expect(activeBackend()).toBe(native);
  });

  it('seals and hashes below their thresholds on the backend of init(), from them on node:crypto', async () => {
    const thresholds = { sivOpenNativeFromBytes: null, sivSealNativeFromBytes: 1000, sha3NativeFromBytes: 200 };
    const auto = await initNative({ backend: 'wasm', keepArgon2Memory: true, thresholds });
    const used: string[] = [];
    const spy = <K extends 'sivSeal' | 'sha3_256'>(b: Backend, op: K, label: string) => {
      const original = b[op];
      b[op] = ((...args: unknown[]) => {
        used.push(label + ' ' + op);
        return (original as (...a: unknown[]) => unknown)(...args);
      }) as Backend[K];
      return () => {
        b[op] = original;
      };
    };
    const key = new Uint8Array(64).fill(4);
    const plaintexts = [999, 1000].map((size) => new Uint8Array(size).fill(size & 0xff));
    const sealed = plaintexts.map((p) => wasm.sivSeal(key, [], p));
    const inputs = [199, 200].map((size) => new Uint8Array(size).fill(1));
    const digests = inputs.map((d) => wasm.sha3_256(d));
    const restores = [spy(wasm, 'sivSeal', 'wasm'), spy(native, 'sivSeal', 'native'), spy(wasm, 'sha3_256', 'wasm'), spy(native, 'sha3_256', 'native')];
    try {
      plaintexts.forEach((p, i) => expect(auto.sivSeal(key, [], p)).toEqual(sealed[i]));
      inputs.forEach((d, i) => expect(auto.sha3_256(d)).toEqual(digests[i]));
      expect(used).toEqual(['wasm sivSeal', 'native sivSeal', 'wasm sha3_256', 'native sha3_256']);
    } finally {
      restores.forEach((restore) => restore());
      await initNative({ backend: 'wasm', keepArgon2Memory: true });
    }
  });

  it('null sends every open to the backend of init(); a symmetric client reads the same', async () => {
    const auto = await initNative({ backend: 'wasm', keepArgon2Memory: true, thresholds: { sivOpenNativeFromBytes: null } });
    try {
      const key = new Uint8Array(64).fill(9);
      const sealed = native.sivSeal(key, [], new Uint8Array(20000).fill(3));
      expect(auto.sivOpen(key, [], sealed)).toEqual(wasm.sivOpen(key, [], sealed));
      const clientKey = c2.generateSymmetricKey();
      const client = createSymmetricClient({ id: c2.generateId(), key: clientKey, clock: fixedClock(1_700_000_000_000).read });
      client.unprotect(c2.protectCommand(clientKey, c2.cmdSetTopicKey(c2.generateSymmetricKey(), 't'), 1_700_000_000_000), client.controlTopic);
      const payload = new Uint8Array(3000).fill(5);
      expect(client.unprotect(client.protect(payload, 't'), 't')).toEqual({ kind: 'message', payload });
    } finally {
      await initNative({ backend: 'wasm', keepArgon2Memory: true });
    }
  });

  it('reads and checks a thresholds file as the ingestion bench writes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'e4ts-thresholds-'));
    try {
      const path = join(dir, 'thresholds.json');
      writeFileSync(path, JSON.stringify({ machine: { cpu: 'x' }, date: '2026-11-25T00:00:00Z', sivOpenNativeFromBytes: 2048, sweep: [] }));
      expect(readNativeThresholds(path)).toEqual({ sivOpenNativeFromBytes: 2048, sivSealNativeFromBytes: null, sha3NativeFromBytes: null });
      writeFileSync(path, JSON.stringify({ sivOpenNativeFromBytes: null, sivSealNativeFromBytes: 512, sha3NativeFromBytes: 0 }));
      expect(readNativeThresholds(path)).toEqual({ sivOpenNativeFromBytes: null, sivSealNativeFromBytes: 512, sha3NativeFromBytes: 0 });
      for (const bad of [
        {},
        { sivOpenNativeFromBytes: -1 },
        { sivOpenNativeFromBytes: 1.5 },
        { sivOpenNativeFromBytes: '2048' },
        { sivOpenNativeFromBytes: 1, sivSealNativeFromBytes: -3 },
        { sivOpenNativeFromBytes: 1, sha3NativeFromBytes: 'x' },
      ]) {
        expect(codeOf(() => checkNativeThresholds(bad))).toBe(E4ErrorCode.InvalidArgument);
      }
      writeFileSync(path, '{ not json');
      expect(codeOf(() => readNativeThresholds(path))).toBe(E4ErrorCode.InvalidArgument);
      expect(codeOf(() => readNativeThresholds(join(dir, 'absent.json')))).toBe(E4ErrorCode.InvalidArgument);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
