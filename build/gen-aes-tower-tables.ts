/**
 * Writes assembly/aes-tower-tables.ts: the 16-entry tables of the one-block constant-time AES
 * rounds of assembly/aes-ct-block.ts, whose only lookup is `i8x16.swizzle` (a register
 * permutation, never a memory read).
 *
 * GF(16) = GF(2)[x]/(x^4 + x + 1); the tower is GF(16)[y]/(y^2 + a·y + a) for the first a that
 * makes it a field, an element i·y + k kept as the byte i << 4 | k. The one-block rounds keep
 * their state in the tower (M maps the AES basis in: a root β of x^8 + x^4 + x^3 + x + 1,
 * FIPS 197 §4.2), so a byte splits into i and k with a shift and a mask, and the inverse needs
 * only GF(16) inverses (the vector-permutation AES of M. Hamburg, CHES 2009). With j = i + k,
 * Δ = k² + a·ik + a·i² the norm, and 1/0 written ∞:
 *
 *   io = j + 1/(1/i + a/k) = Δ/(k + a·i),   jo = i + 1/(1/j + a/k) = Δ/(k + a·j),
 *   1/(i·y + k) = (k + a·i + i·y)/Δ = P + (P/a + (P + Q)/a²)·y   for P = 1/io, Q = 1/jo,
 *
 * so the inverse, and so the S-box's linear part, is a table of io plus a table of jo. ∞ is 0x80:
 * an XOR with a nibble keeps it at 16 or more, where a swizzle answers 0 (1/∞ = 0), and the
 * edge cases (i, k or j zero) come out right; every table is checked here, through a model of the
 * swizzles, against the S-box on all 256 inputs before the file is written. MixColumns needs
 * S(x) and 2·S(x) in the tower: two pairs of output tables. The S-box's constant 0x63 is in the
 * round keys (aes-ct.ts's header says why that holds).
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

const rotl8 = (v: number, n: number): number => ((v << n) | (v >> (8 - n))) & 0xff;
/** The linear part of the S-box's affine map (FIPS 197 §5.1.1). */
const linear = (v: number): number => v ^ rotl8(v, 1) ^ rotl8(v, 2) ^ rotl8(v, 3) ^ rotl8(v, 4);
/** Doubling in the AES field (FIPS 197 §4.2.1). */
const xtime = (v: number): number => ((v << 1) ^ (v & 0x80 ? 0x1b : 0)) & 0xff;

function aesSbox(): number[] {
  const sbox: number[] = [];
  for (let x = 0; x < 256; x++) {
    let inv = 0;
    for (let y = 1; y < 256 && x !== 0; y++) if (mul256(x, y) === 1) inv = y;
    sbox.push(linear(inv) ^ 0x63);
  }
  return sbox;
}

const NIBBLES = [...Array(16).keys()];
const inverse16 = (n: number): number => NIBBLES.find((m) => mul16(n, m) === 1)!;

/** The first a for which y^2 + a·y + a has no root in GF(16). */
const A = NIBBLES.find((a) => a > 0 && !NIBBLES.some((y) => (mul16(y, y) ^ mul16(a, y) ^ a) === 0))!;

function mulTower(p: number, q: number): number {
  const [i1, k1, i2, k2] = [p >> 4, p & 15, q >> 4, q & 15];
  const ii = mul16(mul16(i1, i2), A);
  return ((ii ^ mul16(i1, k2) ^ mul16(i2, k1)) << 4) | (ii ^ mul16(k1, k2));
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

const INFINITY = 0x80;
const inverseOrInfinity = (n: number): number => (n === 0 ? INFINITY : inverse16(n));
const A_INVERSE = inverse16(A);
const A_INVERSE_SQUARED = mul16(A_INVERSE, A_INVERSE);
/** The inverse of x as a tower byte: the part io contributes (P = 1/io). */
const inverseFromIo = (io: number): number => {
  const p = io === 0 ? 0 : inverse16(io);
  return (mul16(p, A_INVERSE ^ A_INVERSE_SQUARED) << 4) | p;
};
/** The part jo contributes (Q = 1/jo). */
const inverseFromJo = (jo: number): number => (jo === 0 ? 0 : mul16(inverse16(jo), A_INVERSE_SQUARED)) << 4;
/** f of the AES byte that tower byte t stands for, back in the tower. */
const inTower = (f: (v: number) => number) => (t: number): number => toTower(f(fromTower[t]));

const nibbles = (f: (n: number) => number): number[] => NIBBLES.map(f);
export const TABLES: Record<string, { doc: string; bytes: number[] }> = {
  TOWER_IN_LOW: { doc: 'M of the low nibble n', bytes: nibbles((n) => toTower(n)) },
  TOWER_IN_HIGH: { doc: 'M of the high nibble n (the byte n << 4)', bytes: nibbles((n) => toTower(n << 4)) },
  TOWER_OUT_LOW: { doc: 'M⁻¹ of the low nibble n', bytes: nibbles((n) => fromTower[n]) },
  TOWER_OUT_HIGH: { doc: 'M⁻¹ of the high nibble n', bytes: nibbles((n) => fromTower[n << 4]) },
  INVERSE: { doc: '1/n in GF(16); ∞ (0x80) for 0', bytes: nibbles(inverseOrInfinity) },
  A_OVER: { doc: `a/n in GF(16), a = ${A}; ∞ (0x80) for 0`, bytes: nibbles((n) => (n === 0 ? INFINITY : mul16(A, inverse16(n)))) },
  SBOX_IO: { doc: "the S-box's linear part of the inverse's io part, in the tower", bytes: nibbles((n) => inTower(linear)(inverseFromIo(n))) },
  SBOX_JO: { doc: "the S-box's linear part of the inverse's jo part, in the tower", bytes: nibbles((n) => inTower(linear)(inverseFromJo(n))) },
  SBOX2_IO: { doc: 'twice SBOX_IO, in the AES field', bytes: nibbles((n) => inTower((v) => xtime(linear(v)))(inverseFromIo(n))) },
  SBOX2_JO: { doc: 'twice SBOX_JO, in the AES field', bytes: nibbles((n) => inTower((v) => xtime(linear(v)))(inverseFromJo(n))) },
  SBOX3_IO: { doc: 'thrice SBOX_IO, in the AES field', bytes: nibbles((n) => inTower((v) => xtime(linear(v)) ^ linear(v))(inverseFromIo(n))) },
  SBOX3_JO: { doc: 'thrice SBOX_JO, in the AES field', bytes: nibbles((n) => inTower((v) => xtime(linear(v)) ^ linear(v))(inverseFromJo(n))) },
};

/** i8x16.swizzle of one byte: 0 for an index of 16 or more. */
const swizzle = (name: string, index: number): number => (index < 16 ? TABLES[name].bytes[index] : 0);

/** The S-box as aes-ct-block.ts computes it, on one tower byte: [S, 2·S, 3·S] without 0x63. */
export function towerSbox(t: number): [number, number, number] {
  const i = t >> 4;
  const k = t & 15;
  const j = i ^ k;
  const aOverK = swizzle('A_OVER', k);
  const io = swizzle('INVERSE', swizzle('INVERSE', i) ^ aOverK) ^ j;
  const jo = swizzle('INVERSE', swizzle('INVERSE', j) ^ aOverK) ^ i;
  return [
    swizzle('SBOX_IO', io) ^ swizzle('SBOX_JO', jo),
    swizzle('SBOX2_IO', io) ^ swizzle('SBOX2_JO', jo),
    swizzle('SBOX3_IO', io) ^ swizzle('SBOX3_JO', jo),
  ];
}

export function generate(): string {
  const sbox = aesSbox();
  for (let x = 0; x < 256; x++) {
    const t = swizzle('TOWER_IN_LOW', x & 15) ^ swizzle('TOWER_IN_HIGH', x >> 4);
    if (t !== toTower(x) || (swizzle('TOWER_OUT_LOW', t & 15) ^ swizzle('TOWER_OUT_HIGH', t >> 4)) !== x) {
      throw new Error('the tower basis does not map back at ' + x);
    }
    const [s, s2, s3] = towerSbox(t);
    const plain = sbox[x] ^ 0x63;
    if (fromTower[s] !== plain || fromTower[s2] !== xtime(plain) || fromTower[s3] !== (xtime(plain) ^ plain)) {
      throw new Error('tower S-box differs from the AES S-box at ' + x);
    }
  }
  const lines = [
    '// Generated by build/gen-aes-tower-tables.ts. Do not edit.',
    '// The 16-entry tables of the one-block rounds of aes-ct-block.ts (GF((2^4)^2); see the script).',
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
