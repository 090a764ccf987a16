/**
 * The browser bundles (build/bundle-browser.ts): single self-contained ES modules, the WASM
 * inside. The symmetric client's bundle keeps to its budget, which it meets by leaving out what a
 * symmetric client never runs: curve code, and both Argon2 implementations.
 */
import { describe, expect, it } from 'vitest';
import { bundleBrowser, type BrowserBundle } from '../build/bundle-browser.ts';
import { ARGON2_WASM, CORE_WASM } from '../src/backends/wasm-bytes.ts';

/** The symmetric client's bundle, minified, WASM included. */
const SYMMETRIC_BUDGET = 80_000;

const bundles = await bundleBrowser();
const byName = (name: string): BrowserBundle => bundles.find((b) => b.name === name)!;
const holds = (bundle: BrowserBundle, pattern: RegExp): string[] => Object.keys(bundle.inputs).filter((path) => pattern.test(path));

const CURVES = /@noble\/curves|src\/keys\/curves\.ts|src\/client\/publicKey\.ts/;
const ARGON2 = /src\/backends\/js\/argon2\.ts|@noble\/hashes\/blake2/;

describe('browser bundles', () => {
  it.each(bundles.map((b) => [b.name, b] as [string, BrowserBundle]))('%s imports nothing at run time', (_name, bundle) => {
    expect(bundle.code).not.toMatch(/\bimport\s*\(|\bfrom\s*["']|\brequire\s*\(/);
    expect(bundle.code).not.toMatch(/["']node:/);
    expect(bundle.code).toContain(CORE_WASM);
  });

  it('the symmetric client: within its budget, without curve code or Argon2', () => {
    const bundle = byName('e4ts.symmetric.browser.js');
    const bytes = Buffer.byteLength(bundle.code);
    console.log(bundle.name + ': ' + bytes + ' bytes minified, of which the core WASM module ' + CORE_WASM.length);
    expect(bytes).toBeLessThanOrEqual(SYMMETRIC_BUDGET);
    expect(holds(bundle, CURVES)).toEqual([]);
    expect(holds(bundle, ARGON2)).toEqual([]);
    expect(bundle.code).not.toContain(ARGON2_WASM);
  });

  it('the whole package: curve code and both Argon2 implementations', () => {
    const bundle = byName('e4ts.browser.js');
    console.log(bundle.name + ': ' + Buffer.byteLength(bundle.code) + ' bytes minified');
    expect(holds(bundle, CURVES).length).toBeGreaterThan(0);
    expect(holds(bundle, ARGON2).length).toBeGreaterThan(0);
    expect(bundle.code).toContain(ARGON2_WASM);
  });
});
