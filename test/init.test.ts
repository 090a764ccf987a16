/** Initialisation: before `init` every operation is a typed error; after it, all are synchronous. */
import { describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { E4ErrorCode } from '../src/errors.ts';
import { aesSivSeal, sha3_256 } from '../src/primitives.ts';
import * as c2 from '../src/c2.ts';
import { createPublicKeyClient } from '../src/client/publicKey.ts';
import { activeCurves } from '../src/keys/activeCurves.ts';
import { nobleCurves } from '../src/keys/curves.ts';
import { signatureOf, signedPart } from '../src/protocol/messages.ts';

describe('init', () => {
  it('answers NotInitialized before init', () => {
    expect(() => sha3_256('x')).toThrow(expect.objectContaining({ code: E4ErrorCode.NotInitialized }));
    expect(() => aesSivSeal(new Uint8Array(32).fill(1), [], new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: E4ErrorCode.NotInitialized }),
    );
  });

  it('shares one initialisation between concurrent callers', async () => {
    const [a, b] = await Promise.all([init(), init()]);
    expect(a).toBe(b);
    expect(a.name).toBe('wasm');
    expect(sha3_256('').length).toBe(32);
  });

  it('switches backend when forced, and back', async () => {
    expect((await init({ backend: 'js' })).name).toBe('js');
    expect((await init({ backend: 'wasm' })).name).toBe('wasm');
  });

  it('gives public-key clients the curves of the chosen backend', async () => {
    await init({ backend: 'js' });
    expect(activeCurves()).toBe(nobleCurves);
    await init({ backend: 'wasm' });
    expect(activeCurves()).not.toBe(nobleCurves);
    expect(typeof (activeCurves() as { verifyKeySlots?: unknown }).verifyKeySlots).toBe('number');
    // A client made now signs and verifies on them, with the same signatures @noble/curves makes.
    const c2Keys = c2.generateX25519KeyPair();
    const keys = c2.generateEd25519KeyPair();
    const id = c2.generateId();
    const client = createPublicKeyClient({ id, privateKey: keys.privateKey, c2PublicKey: c2Keys.publicKey });
    const shared = c2.sharedKeyForClient(c2Keys.privateKey, keys.publicKey);
    client.unprotect(c2.protectCommand(shared, c2.cmdSetPubKey(keys.publicKey, { id }), Date.now()), client.controlTopic);
    client.unprotect(c2.protectCommand(shared, c2.cmdSetTopicKey(c2.generateSymmetricKey(), 't/x'), Date.now()), client.controlTopic);
    const message = client.protect(new Uint8Array([1, 2]), 't/x');
    expect(signatureOf(message)).toEqual(nobleCurves.ed25519Sign(keys.privateKey, signedPart(message)));
    expect(client.unprotect(message, 't/x')).toEqual({ kind: 'message', payload: new Uint8Array([1, 2]) });
  });
});
