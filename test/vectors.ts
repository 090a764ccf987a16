/** Loaders for the shared vector files (../shared/vectors beside the repository). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../src/utils.ts';

const VECTORS_DIR = fileURLToPath(new URL('../../shared/vectors/', import.meta.url));

export function readVectors<T = any>(relativePath: string): T {
  return JSON.parse(readFileSync(VECTORS_DIR + relativePath, 'utf8')) as T;
}

export const hex = (s: string): Uint8Array => fromHex(s, 'vector');

/**
 * Miscreant's "tjson" tags each field with its type (`key:d16` is hex, `ad:A<d16>` a list of
 * hex strings); this strips the tags and decodes the values.
 */
export function readMiscreant(name: string): Record<string, any>[] {
  const raw = readVectors<{ 'examples:A<O>': Record<string, unknown>[] }>('miscreant/' + name + '.tjson');
  return raw['examples:A<O>'].map((example) => {
    const out: Record<string, any> = {};
    for (const [tagged, value] of Object.entries(example)) {
      const [field, type] = tagged.split(':');
      if (type === 'd16') out[field] = hex(value as string);
      else if (type === 'A<d16>') out[field] = (value as string[]).map(hex);
      else out[field] = value;
    }
    return out;
  });
}

/** One Wycheproof AES-SIV-CMAC case, with the key size of its group. */
export interface WycheproofSivCase {
  keySize: number;
  tcId: number;
  comment: string;
  key: string;
  aad: string;
  msg: string;
  ct: string;
  result: 'valid' | 'invalid';
}

/** Every case of wycheproof/aes_siv_cmac_test.json (442), flattened across its groups. */
export function wycheproofSivCases(): WycheproofSivCase[] {
  const file = readVectors<{ testGroups: { keySize: number; tests: Omit<WycheproofSivCase, 'keySize'>[] }[] }>(
    'wycheproof/aes_siv_cmac_test.json',
  );
  return file.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, keySize: g.keySize })));
}
