/**
 * Secrets leave memory: after a key is wiped or evicted from the WASM key cache, none of its
 * bytes (raw key, either AES schedule, CMAC subkeys, S2V constants) is anywhere in the module's
 * memory; a failed open leaves no plaintext behind; tag comparisons have no early exit.
 */
import asc from 'assemblyscript/asc';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandKey, MAX_ROUND_KEY_WORDS } from '../src/backends/js/aes.ts';
import { jsBackend } from '../src/backends/js/index.ts';
import { compileWasmModules, createWasmBackend, type WasmBackend } from '../src/backends/wasm.ts';
import { E4ErrorCode } from '../src/errors.ts';
import { equalBytes } from '../src/utils.ts';
import { packSiv } from './packed.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));

/**
 * The round keys of one AES key, as the JS backend computes them, each as the list of forms it
 * may be stored in: packed (as is, or per word byte-swapped) or "spread" (the form the WASM core
 * keeps its middle round keys in: each column a u64 of four 16-bit lanes holding byte × 8).
 */
function roundKeys(aesKey: Uint8Array): Buffer[][] {
  const rk = new Int32Array(MAX_ROUND_KEY_WORDS);
  const nr = expandKey(aesKey, 0, aesKey.length, rk);
  const out: Buffer[][] = [];
  for (let r = 0; r <= nr; r++) {
    const packed = Buffer.alloc(16);
    const spread = Buffer.alloc(32);
    for (let w = 0; w < 4; w++) packed.writeInt32BE(rk[4 * r + w], 4 * w);
    for (let i = 0; i < 16; i++) spread.writeUInt16LE(packed[i] << 3, 2 * i);
    out.push([...byteOrders(packed), spread]);
  }
  return out;
}

/** CMAC's subkeys K1, K2 (RFC 4493 §2.3) and S2V's CMAC of the zero block, and its double. */
function macConstants(macKey: Uint8Array): Buffer[][] {
  const zero = new Uint8Array(16);
  const k1 = jsBackend.parts.dbl(jsBackend.parts.aesEncryptBlock(macKey, zero));
  const d0 = jsBackend.parts.cmac(macKey, zero);
  return [k1, jsBackend.parts.dbl(k1), d0, jsBackend.parts.dbl(d0)].map(byteOrders);
}

/** A block as is, and with each 32-bit and each 64-bit word byte-swapped. */
function byteOrders(block: Uint8Array): Buffer[] {
  const swap = (width: number) => {
    const out = Buffer.alloc(block.length);
    for (let i = 0; i < block.length; i += width) for (let k = 0; k < width; k++) out[i + k] = block[i + width - 1 - k];
    return out;
  };
  return [Buffer.from(block), swap(4), swap(8)];
}

/** Every secret of one SIV key: the raw halves, both schedules, the CMAC half's constants. */
function secretsOf(sivKey: Uint8Array): Buffer[][] {
  const half = sivKey.length / 2;
  return [
    byteOrders(sivKey.subarray(0, 16)),
    byteOrders(sivKey.subarray(half, half + 16)),
    ...roundKeys(sivKey.subarray(0, half)),
    ...roundKeys(sivKey.subarray(half)),
    ...macConstants(sivKey.subarray(0, half)),
  ];
}

/** How many of the secrets are in memory, in any of their forms. */
function found(memory: Uint8Array, secrets: Buffer[][]): number {
  const haystack = Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
  return secrets.filter((forms) => forms.some((form) => haystack.includes(form))).length;
}

describe('WASM memory after wipe and eviction', () => {
  let wasm: WasmBackend;
  beforeAll(async () => {
    wasm = createWasmBackend(await compileWasmModules());
  });

  it('holds the key material while cached, and none of it after wipeKeyCache', () => {
    const key = random(64);
    wasm.sivSeal(key, [random(8)], random(100));
    // The control: while cached, every secret is there to be seen in one of its forms.
    expect(found(wasm.coreMemory(), secretsOf(key))).toBe(secretsOf(key).length);
    wasm.wipeKeyCache();
    expect(found(wasm.coreMemory(), secretsOf(key))).toBe(0);
  });

  it('leaves none of an evicted key once every slot has been taken by others', () => {
    const key = random(32);
    wasm.sivSeal(key, [], random(33));
    expect(found(wasm.coreMemory(), secretsOf(key))).toBe(secretsOf(key).length);
    for (let i = 0; i < wasm.keyCacheSlots; i++) wasm.sivSeal(random(64), [], random(17));
    expect(found(wasm.coreMemory(), secretsOf(key))).toBe(0);
  });

  it('clears the key slot and scratch after the single-block parts', () => {
    const key = random(32);
    wasm.parts.aesEncryptBlock(key, random(16));
    wasm.parts.cmac(key, random(50));
    wasm.parts.aesCtr(key, random(16), random(50));
    expect(found(wasm.coreMemory(), secretsOf(new Uint8Array([...key, ...key])))).toBe(0);
  });

  it('releases no plaintext when the tag does not match', () => {
    const key = random(64);
    const ad = [random(8)];
    const plaintext = random(200);
    const sealed = wasm.sivSeal(key, ad, plaintext);
    wasm.sivOpen(key, ad, sealed);
    const needle = [[Buffer.from(plaintext.subarray(0, 32))]];
    expect(found(wasm.coreMemory(), needle)).toBe(1); // control: a good open leaves it in the window
    sealed[20] ^= 1;
    expect(() => wasm.sivOpen(key, ad, sealed)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
    // Only the first block changes under a flipped ciphertext bit; the rest would decrypt intact.
    expect(found(wasm.coreMemory(), [[Buffer.from(plaintext.subarray(16, 48))]])).toBe(0);
  });
});

describe('WASM memory after the constant-time core', () => {
  let wasm: WasmBackend;
  beforeAll(async () => {
    wasm = createWasmBackend(await compileWasmModules(), { aes: 'ct' });
  });

  /** The 16-byte keystream blocks of a CTR pass: ciphertext ⊕ plaintext, whole blocks. */
  const keystreamBlocks = (ciphertext: Uint8Array, plaintext: Uint8Array): Buffer[][] =>
    Array.from({ length: Math.floor(plaintext.length / 16) }, (_, i) => [
      Buffer.from(plaintext.subarray(16 * i, 16 * i + 16).map((b, j) => b ^ ciphertext[16 * i + j])),
    ]);

  it('leaves no keystream block of a seal or an open behind', () => {
    // 19 counter blocks: one call of the core with both sets of lanes, then one with one set.
    const key = random(64);
    const plaintext = random(300);
    const sealed = wasm.sivSeal(key, [random(8)], plaintext);
    const keystream = keystreamBlocks(sealed.subarray(16), plaintext);
    expect(found(wasm.coreMemory(), keystream)).toBe(0);
    const sealedAgain = wasm.sivSeal(key, [], plaintext);
    const keystreamAgain = keystreamBlocks(sealedAgain.subarray(16), plaintext);
    wasm.sivOpen(key, [], sealedAgain);
    expect(found(wasm.coreMemory(), keystreamAgain)).toBe(0);
  });

  it("leaves none of the lanes' key material after a batch, once the key cache is wiped", () => {
    // 20 messages under two keys fill all sixteen lanes; each lane holds its key's CMAC subkeys.
    const keys = [random(32), random(32)].map((k) => new Uint8Array([...k, ...k]));
    const keyIndexes = Array.from({ length: 20 }, (_, i) => i % 2);
    const messages = keyIndexes.map((k) => {
      const timestamp = random(8);
      return new Uint8Array([...timestamp, ...wasm.sivSeal(keys[k], [timestamp], random(40))]);
    });
    const batch = packSiv(keys, keyIndexes, messages);
    const status = new Uint8Array(batch.count).fill(255);
    wasm.sivOpenPacked!(batch, new Uint8Array(batch.data.length), status);
    expect(Array.from(status)).toEqual(keyIndexes.map(() => 0));
    wasm.wipeKeyCache();
    for (const key of keys) expect(found(wasm.coreMemory(), macConstants(key.subarray(0, 32)))).toBe(0);
  });
});

describe('JS backend releases no plaintext on a bad tag', () => {
  it('throws NotAuthentic and returns nothing', () => {
    const key = random(64);
    const sealed = jsBackend.sivSeal(key, [], random(64));
    sealed[0] ^= 0x80;
    expect(() => jsBackend.sivOpen(key, [], sealed)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
  });
});

describe('tag comparison has no early exit', () => {
  it('JS: reads every byte of both tags wherever they differ', () => {
    const counting = (bytes: Uint8Array, reads: { n: number }) =>
      new Proxy(bytes, {
        get(target, prop) {
          if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.n++;
          return Reflect.get(target, prop);
        },
      });
    const tag = random(16);
    for (let position = -1; position < 16; position++) {
      const other = tag.slice();
      if (position >= 0) other[position] ^= 1;
      const reads = { n: 0 };
      expect(equalBytes(counting(tag, reads), counting(other, reads))).toBe(position < 0);
      expect(reads.n).toBe(32);
    }
  });

  it('WASM: the compiled comparison has no branch at all', async () => {
    const files: Record<string, string> = {};
    const { error } = await asc.main(
      ['test/wasm/equal16-probe.ts', '--config', 'asconfig.json', '--target', 'release', '--textFile', 'probe.wat', '--outFile', 'probe.wasm'],
      { writeFile: (name: string, contents: string | Uint8Array) => void (files[name] = String(contents)), stdout: { write: () => true }, stderr: { write: () => true } } as never,
    );
    expect(error).toBeFalsy();
    const wat = Object.entries(files).find(([name]) => name.endsWith('.wat'))![1];
    const body = wat.slice(wat.indexOf('(func $test/wasm/equal16-probe/probeEqual16'));
    const fn = body.slice(0, body.indexOf('\n )') + 3);
    expect(fn).toContain('i64.xor'); // the control: this is the comparison's body
    expect(fn).not.toMatch(/\b(br_if|br_table|br|if|return|select)\b/);
  });
});

describe('client.destroy()', () => {
  it('leaves none of its topic keys in the WASM key cache', async () => {
    const { init } = await import('../src/backends/select.ts');
    const { createSymmetricClient } = await import('../src/client/symmetric.ts');
    const { cmdSetTopicKey, protectCommand } = await import('../src/c2.ts');
    const wasm = (await init({ backend: 'wasm' })) as WasmBackend;
    const clientKey = random(32);
    const topicKey = random(32);
    const client = createSymmetricClient({ id: random(16), key: clientKey });
    client.unprotect(protectCommand(clientKey, cmdSetTopicKey(topicKey, 't')), client.controlTopic);
    client.protect(random(40), 't');
    const sivKey = new Uint8Array([...topicKey, ...topicKey]);
    expect(found(wasm.coreMemory(), secretsOf(sivKey))).toBe(secretsOf(sivKey).length); // the control
    client.destroy();
    expect(found(wasm.coreMemory(), secretsOf(sivKey))).toBe(0);
    expect(found(wasm.coreMemory(), secretsOf(new Uint8Array([...clientKey, ...clientKey])))).toBe(0);
  });
});
