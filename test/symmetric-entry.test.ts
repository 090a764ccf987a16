/**
 * The symmetric client's entry point (src/symmetric.ts): its `init` gives either backend without
 * Argon2, the client works through it alone, and it keeps a backend the main entry made.
 */
import { describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { E4ErrorCode } from '../src/errors.ts';
import { deriveKeyFromPassword } from '../src/primitives.ts';
import * as symmetric from '../src/symmetric.ts';
import { BACKEND_OPTIONS, BACKENDS } from './backends.ts';

const argon2Code = (): string => {
  try {
    deriveKeyFromPassword('correct horse battery staple');
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe.each(BACKENDS)('the symmetric entry on %s', (name) => {
  it('protects, reloads and opens, and has no Argon2', async () => {
    const options = BACKEND_OPTIONS[name];
    expect((await symmetric.init(options)).name).toBe(options.backend);
    const key = symmetric.generateSymmetricKey();
    const store = symmetric.createMemoryStore();
    const device = symmetric.createSymmetricClient({ id: symmetric.generateId(), key, store });
    device.unprotect(symmetric.protectCommand(key, symmetric.cmdSetTopicKey(symmetric.generateSymmetricKey(), 't')), device.controlTopic);
    const message = device.protect(new Uint8Array([7]), 't');
    expect(symmetric.loadSymmetricClient({ store }).unprotect(message, 't')).toEqual({ kind: 'message', payload: new Uint8Array([7]) });
    expect(argon2Code()).toBe(E4ErrorCode.BackendUnavailable);
    expect('deriveKeyFromPassword' in symmetric).toBe(false);
  });
});

describe('the symmetric entry beside the main one', () => {
  it("keeps the main entry's backend, which has Argon2, and gives way to it", async () => {
    const full = await init();
    expect(await symmetric.init()).toBe(full);
    expect(argon2Code()).toBe('ok');
    const reduced = await symmetric.init({ backend: 'js' });
    expect(reduced).not.toBe(full);
    expect(argon2Code()).toBe(E4ErrorCode.BackendUnavailable);
    await init({ backend: 'js' });
    expect(argon2Code()).toBe('ok');
  });
});
