/**
 * The AES core `init` chooses, and its fallback where a runtime cannot validate the core module
 * (a runtime without WebAssembly SIMD, which the constant-time core needs). Its own file: the
 * module's bytes are validated once per process, here with a validator that refuses them.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { defaultAesCore, init } from '../src/backends/select.ts';
import { E4ErrorCode } from '../src/errors.ts';

describe('init on a runtime that cannot validate the core module', () => {
  const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
  afterAll(() => validate.mockRestore());

  it('takes the pure-JS backend by default', async () => {
    expect((await init()).name).toBe('js');
    expect(validate).toHaveBeenCalled();
  });

  it("refuses aes: 'ct' and backend: 'wasm' rather than run tables in their place", async () => {
    await expect(init({ aes: 'ct' })).rejects.toMatchObject({ code: E4ErrorCode.BackendUnavailable });
    await expect(init({ backend: 'wasm' })).rejects.toMatchObject({ code: E4ErrorCode.BackendUnavailable });
    await expect(init({ backend: 'js', aes: 'ct' })).rejects.toMatchObject({ code: E4ErrorCode.BackendUnavailable });
    expect((await init({ aes: 'table' })).name).toBe('js');
  });
});

describe('the default AES core', () => {
  it('is the table core on Node.js, the constant-time one in browsers (the runtime suites check Deno and Chromium)', () => {
    expect(defaultAesCore()).toBe('table');
    const versions = process.versions;
    vi.stubGlobal('process', { ...process, versions: { ...versions, node: undefined } });
    try {
      expect(defaultAesCore()).toBe('ct');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
