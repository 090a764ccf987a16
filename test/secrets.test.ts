/**
 * Secrets leave memory: after a key is wiped or evicted from the WASM key cache, none of its
 * bytes (raw key, either AES schedule, CMAC subkeys, S2V constants) is anywhere in the module's
 * memory; a failed open leaves no plaintext behind; tag comparisons have no early exit.
 */
import asc from 'assemblyscript/asc';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandKey, MAX_ROUND_KEY_WORDS } from '../src/backends/js/aes.ts';
import { ctEqual } from '../src/backends/js/ct.ts';
import { jsBackend } from '../src/backends/js/index.ts';
import { compileWasmModules, createWasmBackend, type WasmBackend } from '../src/backends/wasm.ts';
import { E4ErrorCode } from '../src/errors.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));

/** Every 16-byte secret the core derives from one AES key, as the JS backend computes them. */
function derivedSecrets(aesKey: Uint8Array): Uint8Array[] {
  const rk = new Int32Array(MAX_ROUND_KEY_WORDS);
  const nr = expandKey(aesKey, 0, aesKey.length, rk);
  const out: Uint8Array[] = [];
  for (let r = 0; r <= nr; r++) {
    const block = new Uint8Array(16);
    const view = new DataView(block.buffer);
    for (let w = 0; w < 4; w++) view.setInt32(4 * w, rk[4 * r + w]);
    out.push(block);
  }
  const zero = new Uint8Array(16);
  const k1 = jsBackend.parts.dbl(jsBackend.parts.aesEncryptBlock(aesKey, zero));
  const d0 = jsBackend.parts.cmac(aesKey, zero);
  out.push(k1, jsBackend.parts.dbl(k1), d0, jsBackend.parts.dbl(d0));
  return out;
}

/** A needle in each byte order a schedule might be stored in: as is, per 32-bit and 64-bit word swapped. */
function byteOrders(block: Uint8Array): Buffer[] {
  const swap = (width: number) => {
    const out = Buffer.alloc(block.length);
    for (let i = 0; i < block.length; i += width) for (let k = 0; k < width; k++) out[i + k] = block[i + width - 1 - k];
    return out;
  };
  return [Buffer.from(block), swap(4), swap(8), swap(16)];
}

function secretsOf(sivKey: Uint8Array): Buffer[] {
  const half = sivKey.length / 2;
  const blocks = [
    sivKey.subarray(0, 16),
    sivKey.subarray(half, half + 16),
    ...derivedSecrets(sivKey.subarray(0, half)),
    ...derivedSecrets(sivKey.subarray(half)),
  ];
  return blocks.flatMap(byteOrders);
}

function found(memory: Uint8Array, needles: Buffer[]): number {
  const haystack = Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
  return needles.filter((n) => haystack.includes(n)).length;
}

describe('WASM memory after wipe and eviction', () => {
  let wasm: WasmBackend;
  beforeAll(async () => {
    wasm = createWasmBackend(await compileWasmModules());
  });

  it('holds the key material while cached, and none of it after wipeKeyCache', () => {
    const key = random(64);
    wasm.sivSeal(key, [random(8)], random(100));
    // The control: the cache does hold the key's material, so the search can see it.
    expect(found(wasm.coreMemory(), secretsOf(key))).toBeGreaterThan(10);
    wasm.wipeKeyCache();
    expect(found(wasm.coreMemory(), secretsOf(key))).toBe(0);
  });

  it('leaves none of an evicted key once every slot has been taken by others', () => {
    const key = random(32);
    wasm.sivSeal(key, [], random(33));
    expect(found(wasm.coreMemory(), secretsOf(key))).toBeGreaterThan(5);
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
    const needle = [Buffer.from(plaintext.subarray(0, 32))];
    expect(found(wasm.coreMemory(), needle)).toBe(1); // control: a good open leaves it in the window
    sealed[20] ^= 1;
    expect(() => wasm.sivOpen(key, ad, sealed)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
    // Only the first block changes under a flipped ciphertext bit; the rest would decrypt intact.
    expect(found(wasm.coreMemory(), [Buffer.from(plaintext.subarray(16, 48))])).toBe(0);
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
      expect(ctEqual(counting(tag, reads), counting(other, reads))).toBe(position < 0);
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
