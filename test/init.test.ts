/** Initialisation: before `init` every operation is a typed error; after it, all are synchronous. */
import { describe, expect, it } from 'vitest';
import { init } from '../src/backends/select.ts';
import { E4ErrorCode } from '../src/errors.ts';
import { aesSivSeal, sha3_256 } from '../src/primitives.ts';

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
});
