/**
 * Writes assembly/aes-tower-tables.ts: the 16-entry tables of the one-block constant-time AES
 * S-box of assembly/aes-ct.ts, which inverts in GF(2^8) through the tower field GF((2^4)^2) with
 * `i8x16.swizzle` as its only lookup (a register permutation, never a memory read).
 *
 * GF(16) = GF(2)[x]/(x^4 + x + 1); the tower is GF(16)[y]/(y^2 + y + λ), an element a·y + b kept
 * as the byte a << 4 | b. The inverse of a·y + b is (a·Δ⁻¹)·y + (a + b)·Δ⁻¹ with
 * Δ = λa² + ab + b² in GF(16) (its norm). A GF(16) product is exp(log p + log q mod 15); log 0 is
 * 0x40, which keeps every sum with it at 16 or more, where a swizzle answers 0. The AES basis maps
 * into the tower by M (a root β of the AES polynomial x^8 + x^4 + x^3 + x + 1, FIPS 197 §4.2),
 * and back by M⁻¹ merged with the S-box's affine map (§5.1.1). Every table is checked here against
 * the S-box on all 256 inputs before the file is written.
 *
 * Usage: node --import tsx build/gen-aes-tower-tables.ts
 * test/ct-wasm.test.ts checks that the file in the tree is what this script writes.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function mul16(p: number, q: number): number {
  let r = 0;
  for (let i = 0; i < 4; i++) if ((q >> i) & 1) r ^= p << i;
  for (let i = 7; i >= 4; i--) if ((r >> i) & 1) r ^= 0x13 << (i - 4);
  return r;
}

function mul256(p: number, q: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if ((q >> i) & 1) r ^= p << i;
  for (let i = 15; i >= 8; i--) if ((r >> i) & 1) r ^= 0x11b << (i - 8);
  return r;
}

function aesSbox(): number[] {
  const sbox: number[] = [];
  for (let x = 0; x < 256; x++) {
    let inv = 0;
    for (let y = 1; y < 256 && x !== 0; y++) if (mul256(x, y) === 1) inv = y;
    sbox.push(affine(inv));
  }
  return sbox;
}

const rotl8 = (v: number, n: number): number => ((v << n) | (v >> (8 - n))) & 0xff;
/** The linear part of the S-box's affine map (FIPS 197 §5.1.1). */
const linear = (v: number): number => v ^ rotl8(v, 1) ^ rotl8(v, 2) ^ rotl8(v, 3) ^ rotl8(v, 4);
const affine = (v: number): number => linear(v) ^ 0x63;

/** The first λ for which y^2 + y + λ has no root in GF(16). */
const LAMBDA = [...Array(16).keys()].find((l) => l > 0 && ![...Array(16).keys()].some((y) => (mul16(y, y) ^ y) === l))!;

function mulTower(p: number, q: number): number {
  const [a1, b1, a2, b2] = [p >> 4, p & 15, q >> 4, q & 15];
  const a1a2 = mul16(a1, a2);
  return ((a1a2 ^ mul16(a1, b2) ^ mul16(a2, b1)) << 4) | (mul16(a1a2, LAMBDA) ^ mul16(b1, b2));
}

function powTower(p: number, n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = mulTower(r, p);
  return r;
}

/** A root of the AES polynomial in the tower. */
const BETA = [...Array(256).keys()].find((b) => (powTower(b, 8) ^ powTower(b, 4) ^ powTower(b, 3) ^ b ^ 1) === 0)!;
/** M: the AES byte Σ v_k x^k to the tower element Σ v_k β^k. */
const toTower = (v: number): number => {
  let r = 0;
  for (let k = 0; k < 8; k++) if ((v >> k) & 1) r ^= powTower(BETA, k);
  return r;
};
const fromTower = new Array<number>(256);
for (let v = 0; v < 256; v++) fromTower[toTower(v)] = v;

const GENERATOR = 2;
const exp16 = [...Array(15).keys()].map((i) => {
  let r = 1;
  for (let k = 0; k < i; k++) r = mul16(r, GENERATOR);
  return r;
});
const log16 = (v: number): number => exp16.indexOf(v);
const LOG_OF_ZERO = 0x40;

const nibbles = (f: (n: number) => number): number[] => [...Array(16).keys()].map(f);
export const TABLES: Record<string, { doc: string; bytes: number[] }> = {
  TOWER_IN_LOW: { doc: 'M of the low nibble n', bytes: nibbles((n) => toTower(n)) },
  TOWER_IN_HIGH: { doc: 'M of the high nibble n (the byte n << 4)', bytes: nibbles((n) => toTower(n << 4)) },
  LOG16: { doc: 'log of n in GF(16) (generator x); 0x40 for 0', bytes: nibbles((n) => (n === 0 ? LOG_OF_ZERO : log16(n))) },
  EXP16: { doc: 'x^n in GF(16), n < 15', bytes: nibbles((n) => (n < 15 ? exp16[n] : 0)) },
  LAMBDA_SQUARE: { doc: 'λ·n² in GF(16), λ = ' + LAMBDA, bytes: nibbles((n) => mul16(LAMBDA, mul16(n, n))) },
  SQUARE: { doc: 'n² in GF(16)', bytes: nibbles((n) => mul16(n, n)) },
  LOG_INVERSE: { doc: 'log of 1/n in GF(16); 0x40 for 0', bytes: nibbles((n) => (n === 0 ? LOG_OF_ZERO : (15 - log16(n)) % 15)) },
  TOWER_OUT_HIGH: { doc: "the S-box's affine map of M⁻¹(n << 4), its constant 0x63 included", bytes: nibbles((n) => affine(fromTower[n << 4])) },
  TOWER_OUT_LOW: { doc: "the linear part of the S-box's affine map of M⁻¹(n)", bytes: nibbles((n) => linear(fromTower[n])) },
};

/** The S-box as aes-ct.ts computes it from the tables, on one byte. */
function towerSbox(x: number): number {
  const T = (name: string, i: number): number => (i < 16 ? TABLES[name].bytes[i] : 0);
  const addLogs = (p: number, q: number): number => {
    const s = (p + q) & 0xff;
    return Math.min(s, (s - 15) & 0xff);
  };
  const t = T('TOWER_IN_LOW', x & 15) ^ T('TOWER_IN_HIGH', x >> 4);
  const a = t >> 4;
  const b = t & 15;
  const logA = T('LOG16', a);
  const delta = T('LAMBDA_SQUARE', a) ^ T('EXP16', addLogs(logA, T('LOG16', b))) ^ T('SQUARE', b);
  const logInverse = T('LOG_INVERSE', delta);
  const high = T('EXP16', addLogs(logA, logInverse));
  const low = T('EXP16', addLogs(T('LOG16', a ^ b), logInverse));
  return T('TOWER_OUT_HIGH', high) ^ T('TOWER_OUT_LOW', low);
}

export function generate(): string {
  const sbox = aesSbox();
  for (let x = 0; x < 256; x++) {
    if (towerSbox(x) !== sbox[x]) throw new Error('tower S-box differs from the AES S-box at ' + x);
  }
  const lines = [
    '// Generated by build/gen-aes-tower-tables.ts. Do not edit.',
    '// The 16-entry tables of the one-block S-box of aes-ct.ts (GF((2^4)^2) inversion; see the script).',
    '',
  ];
  for (const [name, { doc, bytes }] of Object.entries(TABLES)) {
    lines.push('/** ' + doc + '. */', `export const ${name}: v128 = i8x16(${bytes.map((b) => (b >= 128 ? b - 256 : b)).join(', ')});`, '');
  }
  return lines.join('\n');
}

const output = join(dirname(fileURLToPath(import.meta.url)), '..', 'assembly', 'aes-tower-tables.ts');
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(output, generate());
  console.log('wrote ' + output);
}
