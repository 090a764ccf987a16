/** All 442 Wycheproof AES-SIV-CMAC cases on every backend, labelled by group and tcId. */
import { describe, expect, it } from 'vitest';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { aesSivOpen, aesSivSeal } from '../src/primitives.ts';
import { BACKENDS, useBackend } from './backends.ts';
import { hex, wycheproofSivCases } from './vectors.ts';

const cases = wycheproofSivCases();

describe.each(BACKENDS)('Wycheproof AES-SIV-CMAC on %s', (name) => {
  useBackend(name);

  it('has all 442 cases', () => {
    expect(cases.length).toBe(442);
  });

  it.each(cases.map((c) => [c.keySize, c.tcId, c.comment, c]))('%i-bit key, tcId %i (%s)', (_k, _id, _c, c) => {
    const key = hex(c.key);
    const ads = [hex(c.aad)];
    const msg = hex(c.msg);
    const ct = hex(c.ct);
    if (c.result === 'valid') {
      expect(aesSivSeal(key, ads, msg)).toEqual(ct);
      expect(aesSivOpen(key, ads, ct)).toEqual(msg);
      return;
    }
    // Every invalid case of this file is a tampered tag.
    let error: unknown = null;
    try {
      error = { released: aesSivOpen(key, ads, ct) };
    } catch (e) {
      error = e;
    }
    expect(isE4Error(error, E4ErrorCode.NotAuthentic)).toBe(true);
  });
});
