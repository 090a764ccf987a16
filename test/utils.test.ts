/** UTF-8 (Go's verdicts), hex and base64 (Go's padded standard encoding). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E4ErrorCode } from '../src/errors.ts';
import { fromBase64, fromHex, isValidUtf8, toBase64, toHex, utf8Decode, utf8Encode } from '../src/utils.ts';

const code = (code: string) => expect.objectContaining({ code });

describe('UTF-8', () => {
  it('encodes as TextEncoder does for well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(utf8Encode(s, 's')).toEqual(new TextEncoder().encode(s));
        expect(utf8Decode(utf8Encode(s, 's'), 's')).toBe(s);
      }),
    );
  });

  it('refuses lone surrogates instead of writing U+FFFD', () => {
    expect(() => utf8Encode('\ud800', 's')).toThrow(code(E4ErrorCode.InvalidUtf8));
    expect(() => utf8Encode('a\udfff', 's')).toThrow(code(E4ErrorCode.InvalidUtf8));
    expect(() => utf8Encode('\ud800a', 's')).toThrow(code(E4ErrorCode.InvalidUtf8));
  });

  it.each([
    ['ff', false],
    ['c080', false], // overlong NUL
    ['c1bf', false], // overlong
    ['e08080', false], // overlong
    ['eda080', false], // UTF-16 surrogate
    ['f4908080', false], // above U+10FFFF
    ['c3', false], // truncated
    ['e282', false], // truncated
    ['80', false], // lone continuation
    ['', true],
    ['00', true],
    ['c3a9', true],
    ['ed9fbf', true], // U+D7FF
    ['ee8080', true], // U+E000
    ['f48fbfbf', true], // U+10FFFF
    ['f09f9880', true],
  ])('judges %s as Go does (valid: %s)', (hexBytes, valid) => {
    const bytes = fromHex(hexBytes, 'b');
    expect(isValidUtf8(bytes)).toBe(valid);
    expect(new TextDecoder('utf-8', { fatal: false }).decode(bytes).includes('\ufffd')).toBe(!valid);
    if (valid) expect(utf8Decode(bytes, 'b')).toBe(new TextDecoder().decode(bytes));
    else expect(() => utf8Decode(bytes, 'b')).toThrow(code(E4ErrorCode.InvalidUtf8));
  });

  it('agrees with a fatal TextDecoder on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          valid = false;
        }
        expect(isValidUtf8(bytes)).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hex and base64', () => {
  it('round-trip and match Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(toHex(bytes).toUpperCase(), 'h')).toEqual(bytes);
        expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(fromBase64(toBase64(bytes), 'b')).toEqual(bytes);
      }),
    );
  });

  it.each(['abc', 'zz', 'a '])('refuses hex %j', (text) => {
    expect(() => fromHex(text, 'h')).toThrow(code(E4ErrorCode.InvalidArgument));
  });

  it.each(['YQ', 'YWI', 'Y===', 'YW=j', 'YWJj\n', '****', 'YQ=='.slice(1)])('refuses base64 %j, as Go does', (text) => {
    expect(() => fromBase64(text, 'b')).toThrow(code(E4ErrorCode.InvalidArgument));
  });
});
