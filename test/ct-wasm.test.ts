/**
 * The constant-time AES core, checked on what ships: test/wasm/aes-probe.ts exports the block
 * ciphers, key schedules and CTR of both cores, compiled as the core module is (release target,
 * SIMD), and a taint analysis of the binary (test/wasm-taint.ts) lists every branch, address,
 * length or division that depends on bytes read from memory. The constant-time functions have
 * none; the table core, the control, has its table lookups found.
 */
import asc from 'assemblyscript/asc';
import { createCipheriv } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generate as generateCtRounds } from '../build/gen-aes-ct-rounds.ts';
import { generate as generateTowerTables } from '../build/gen-aes-tower-tables.ts';
import { secretDependentInstructions } from './wasm-taint.ts';

let probe: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  const files: Record<string, Uint8Array> = {};
  const stderr: string[] = [];
  const { error } = await asc.main(
    ['test/wasm/aes-probe.ts', '--config', 'asconfig.json', '--target', 'release', '--enable', 'simd', '--outFile', 'probe.wasm'],
    {
      writeFile: (name: string, contents: string | Uint8Array) => void (files[name] = contents as Uint8Array),
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => void stderr.push(String(chunk)) },
    } as never,
  );
  if (error) throw new Error(stderr.join('') + String(error));
  probe = new Uint8Array(Object.entries(files).find(([name]) => name.endsWith('.wasm'))![1]);
}, 120_000);

describe('the compiled constant-time AES core', () => {
  it('computes AES: the functions analysed are the cipher (control)', () => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(probe), { env: { abort: () => {} } });
    const ex = instance.exports as unknown as {
      memory: WebAssembly.Memory;
      ctExpand(k: number, n: number, s: number): number;
      ctEncrypt(s: number, r: number, b: number): void;
      ctEncryptSets(a: number, b: number, r: number, blocks: number): void;
      ctOneBlock(s: number, r: number, b: number): void;
    };
    ex.memory.grow(1);
    const base = ex.memory.buffer.byteLength - 65536;
    const mem = new Uint8Array(ex.memory.buffer);
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const blocks = Uint8Array.from({ length: 128 }, (_, i) => i * 13);
    mem.set(key, base);
    mem.set(blocks, base + 4096);
    const rounds = ex.ctExpand(base, 32, base + 64);
    ex.ctEncrypt(base + 64, rounds, base + 4096);
    const ecb = (k: Uint8Array, data: Uint8Array) => new Uint8Array(createCipheriv('aes-256-ecb', k, null).setAutoPadding(false).update(data));
    const want = ecb(key, blocks);
    expect(mem.slice(base + 4096, base + 4096 + 128)).toEqual(want);
    mem.set(blocks.subarray(0, 16), base + 8192);
    ex.ctOneBlock(base + 64, rounds, base + 8192);
    expect(mem.slice(base + 8192, base + 8192 + 16)).toEqual(want.subarray(0, 16));
    // Two sets of lanes under two keys: blocks 0..7 under the first, 8..15 under the second.
    const second = key.map((b) => b ^ 0x5a);
    mem.set(second, base + 12288);
    expect(ex.ctExpand(base + 12288, 32, base + 12352)).toBe(rounds);
    const sixteen = Uint8Array.from({ length: 256 }, (_, i) => i * 29 + 3);
    mem.set(sixteen, base + 16384);
    ex.ctEncryptSets(base + 64, base + 12352, rounds, base + 16384);
    expect(mem.slice(base + 16384, base + 16384 + 128)).toEqual(ecb(key, sixteen.subarray(0, 128)));
    expect(mem.slice(base + 16384 + 128, base + 16384 + 256)).toEqual(ecb(second, sixteen.subarray(128)));
  });

  it('has no branch, address, length or division that depends on key or data', () => {
    const roots = ['ctExpand', 'ctEncrypt', 'ctEncryptSets', 'ctOneBlock', 'ctTwoBlocks', 'ctChain', 'ctSelectLane', 'ctCounterMode'];
    expect(secretDependentInstructions(probe, roots)).toEqual([]);
  });

  it('finds the table lookups of the T-table core (the check can fail)', () => {
    const block = secretDependentInstructions(probe, ['tableEncrypt']);
    expect(block.filter((f) => f.what === 'load at a secret address').length).toBeGreaterThanOrEqual(16);
    expect(secretDependentInstructions(probe, ['tableCounterMode']).length).toBeGreaterThan(0);
  });

  it("one-block S-box tables: the file in the tree is the generator's, checked on all 256 inputs", () => {
    expect(readFileSync('assembly/aes-tower-tables.ts', 'utf8')).toBe(generateTowerTables());
  });

  it("bitsliced rounds: the file in the tree is the generator's", () => {
    expect(readFileSync('assembly/aes-ct-rounds.ts', 'utf8')).toBe(generateCtRounds());
  });

  it('finds a branch on a secret and a secret index in a small module (the analysis reads them)', () => {
    // (func (export "leaky") (param i32) (result i32)
    //   (if (i32.load (local.get 0)) (then (return (i32.load8_u (i32.load offset=4 (local.get 0))))))
    //   (i32.const 0))
    const section = (id: number, content: number[]): number[] => [id, content.length, ...content];
    const body = [0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x04, 0x40, 0x20, 0x00, 0x28, 0x02, 0x04, 0x2d, 0x00, 0x00, 0x0f, 0x0b, 0x41, 0x00, 0x0b];
    const leaky = new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f]),
      ...section(3, [0x01, 0x00]),
      ...section(5, [0x01, 0x00, 0x01]),
      ...section(7, [0x01, 0x05, ...new TextEncoder().encode('leaky'), 0x00, 0x00]),
      ...section(10, [0x01, body.length, ...body]),
    ]);
    expect(WebAssembly.validate(leaky)).toBe(true);
    expect(secretDependentInstructions(leaky, ['leaky']).map((f) => f.what)).toEqual(['if on a secret', 'load at a secret address']);
  });
});
