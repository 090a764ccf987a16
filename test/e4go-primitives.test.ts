/**
 * The primitive entries of the Go vectors (sha3_256, topicHashes, idAliases, aesSiv,
 * symKeyFromPassword, and the password corners of the edge vectors) on every backend.
 */
import { describe, expect, it } from 'vitest';
import {
  aesSivOpen,
  aesSivSeal,
  deriveKeyFromPassword,
  hashTopic,
  idFromName,
  sha3_256,
} from '../src/primitives.ts';
import { concatBytes, toHex, utf8Encode } from '../src/utils.ts';
import { validateName, validatePassword, validateTopic } from '../src/validate.ts';
import { BACKENDS, useBackend } from './backends.ts';
import { hex, readVectors } from './vectors.ts';

const go = readVectors<Record<string, any[]>>('e4go-vectors.json');
const edge = readVectors<Record<string, any[]>>('e4go-edge-vectors.json');

/** Go's verdict strings: "ok", or the error's message. */
function verdict(error: { message: string } | null): string {
  return error === null ? 'ok' : error.message;
}

describe.each(BACKENDS)('e4go primitive vectors on %s', (name) => {
  useBackend(name);

  it.each(go.sha3_256.map((v: any, i: number) => [i, v] as [number, any]))('sha3_256 #%i', (_i, v: any) => {
    expect(toHex(sha3_256(hex(v.input)))).toBe(v.digest);
  });

  it.each(go.topicHashes.map((v: any, i: number) => [i, v] as [number, any]))('topicHashes #%i', (_i, v: any) => {
    expect(toHex(hashTopic(v.topic))).toBe(v.hash);
    expect(toHex(hashTopic(utf8Encode(v.topic, 'topic')))).toBe(v.hash);
    expect(verdict(validateTopic(v.topic))).toBe(v.validateTopic);
  });

  it.each(go.idAliases.map((v: any, i: number) => [i, v] as [number, any]))('idAliases #%i', (_i, v: any) => {
    expect(toHex(idFromName(v.alias))).toBe(v.id);
    expect(verdict(validateName(v.alias))).toBe(v.validateName);
  });

  it.each(edge.topicEdgeCases.slice(1).map((v: any, i: number) => [i, v] as [number, any]))('edge topic #%i', (_i, v: any) => {
    const bytes = v.topicHex !== undefined ? hex(v.topicHex) : utf8Encode(v.topic, 'topic');
    expect(toHex(hashTopic(bytes))).toBe(v.topicHash);
    expect(verdict(validateTopic(bytes))).toBe(v.validateTopic);
  });

  it.each(go.aesSiv.map((v: any, i: number) => [i, v] as [number, any]))('aesSiv #%i (key ‖ key, one AD)', (_i, v: any) => {
    const key = hex(v.key);
    const sivKey = concatBytes([key, key]);
    const ads = [hex(v.ad)];
    expect(toHex(aesSivSeal(sivKey, ads, hex(v.plaintext)))).toBe(v.ciphertext);
    expect(toHex(aesSivOpen(sivKey, ads, hex(v.ciphertext)))).toBe(v.plaintext);
  });

  it.each(go.symKeyFromPassword.map((v: any, i: number) => [i, v] as [number, any]))('symKeyFromPassword #%i', (_i, v: any) => {
    expect(toHex(deriveKeyFromPassword(v.password))).toBe(v.key);
  });

  it.each(edge.passwords.map((v: any) => [v.description, v] as [string, any]))('edge password: %s', (_d, v: any) => {
    const bytes = hex(v.passwordHex);
    expect(verdict(validatePassword(bytes))).toBe(v.validatePassword);
    if (v.result === 'ok') {
      expect(toHex(deriveKeyFromPassword(bytes))).toBe(v.key);
    } else {
      expect(() => deriveKeyFromPassword(bytes)).toThrow(v.validatePassword);
    }
  });
});
