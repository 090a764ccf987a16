/** Every Miscreant vector (AES, CMAC, CTR, dbl, AES-SIV) on every backend. */
import { describe, expect, it } from 'vitest';
import { aesSivOpen, aesSivSeal } from '../src/primitives.ts';
import { BACKENDS, useBackend } from './backends.ts';
import { readMiscreant } from './vectors.ts';

const aes = readMiscreant('aes');
const cmac = readMiscreant('aes_cmac');
const ctr = readMiscreant('aes_ctr');
const dbl = readMiscreant('dbl');
const siv = readMiscreant('aes_siv');

describe.each(BACKENDS)('Miscreant vectors on %s', (name) => {
  const backend = useBackend(name);

  it.each(aes.map((v, i) => [i, v]))('aes.tjson #%i', (_i, v) => {
    expect(backend.current.parts.aesEncryptBlock(v.key, v.src)).toEqual(v.dst);
  });

  it.each(cmac.map((v, i) => [i, v]))('aes_cmac.tjson #%i', (_i, v) => {
    expect(backend.current.parts.cmac(v.key, v.message)).toEqual(v.tag);
  });

  it.each(ctr.map((v, i) => [i, v]))('aes_ctr.tjson #%i', (_i, v) => {
    expect(backend.current.parts.aesCtr(v.key, v.iv, v.plaintext)).toEqual(v.ciphertext);
    expect(backend.current.parts.aesCtr(v.key, v.iv, v.ciphertext)).toEqual(v.plaintext);
  });

  it.each(dbl.map((v, i) => [i, v]))('dbl.tjson #%i', (_i, v) => {
    expect(backend.current.parts.dbl(v.input)).toEqual(v.output);
  });

  it.each(siv.map((v, i) => [i + ' ' + v.name, v]))('aes_siv.tjson #%s', (_i, v) => {
    expect(aesSivSeal(v.key, v.ad, v.plaintext)).toEqual(v.ciphertext);
    expect(aesSivOpen(v.key, v.ad, v.ciphertext)).toEqual(v.plaintext);
  });
});
