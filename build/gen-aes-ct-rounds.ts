/**
 * Writes assembly/aes-ct-rounds.ts: the rounds of the bitsliced AES of aes-ct.ts, for one set of
 * eight lanes and for two sets side by side. The circuit is written once, below, as statements
 * on planes; the generator gives each set its own locals and interleaves the sets' statements.
 *
 * Why two sets in one function: on cores where every vector operation has two cycles of latency
 * (Zen 5), one set's round is bound by its longest dependency chain and leaves most of the
 * machine idle; a second, independent set fills it (16 blocks for 0.8 of the time of 2 × 8,
 * measured). That takes a second copy of every statement in the same function body, which only
 * generated code gives without a copy to keep in step by hand.
 *
 * Usage: node --import tsx build/gen-aes-ct-rounds.ts
 */

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * SubBytes: the Boyar–Peralta circuit (J. Boyar, R. Peralta, A depth-16 circuit for the AES
 * S-box, 2011; the 113-gate listing of the Yale Circuit Minimization Team). Inputs U0..U7 are
 * x0..x7 (bits 7..0), outputs S0..S7 are p7..p0 (bits 7..0): top linear layer, the shared
 * GF(2^4) inversion (32 ANDs), bottom linear layer. `^` is XOR and `&` AND of whole planes.
 */
const SUB_BYTES = `
y14 = x3 ^ x5
y13 = x0 ^ x6
y9 = x0 ^ x3
y8 = x0 ^ x5
t0 = x1 ^ x2
y1 = t0 ^ x7
y4 = y1 ^ x3
y12 = y13 ^ y14
y2 = y1 ^ x0
y5 = y1 ^ x6
y3 = y5 ^ y8
t1 = x4 ^ y12
y15 = t1 ^ x5
y20 = t1 ^ x1
y6 = y15 ^ x7
y10 = y15 ^ t0
y11 = y20 ^ y9
y7 = x7 ^ y11
y17 = y10 ^ y11
y19 = y10 ^ y8
y16 = t0 ^ y11
y21 = y13 ^ y16
y18 = x0 ^ y16

t2 = y12 & y15
t3 = y3 & y6
t4 = t3 ^ t2
t5 = y4 & x7
t6 = t5 ^ t2
t7 = y13 & y16
t8 = y5 & y1
t9 = t8 ^ t7
t10 = y2 & y7
t11 = t10 ^ t7
t12 = y9 & y11
t13 = y14 & y17
t14 = t13 ^ t12
t15 = y8 & y10
t16 = t15 ^ t12
t17 = t4 ^ t14
t18 = t6 ^ t16
t19 = t9 ^ t14
t20 = t11 ^ t16
t21 = t17 ^ y20
t22 = t18 ^ y19
t23 = t19 ^ y21
t24 = t20 ^ y18

t25 = t21 ^ t22
t26 = t21 & t23
t27 = t24 ^ t26
t28 = t25 & t27
t29 = t28 ^ t22
t30 = t23 ^ t24
t31 = t22 ^ t26
t32 = t31 & t30
t33 = t32 ^ t24
t34 = t23 ^ t33
t35 = t27 ^ t33
t36 = t24 & t35
t37 = t36 ^ t34
t38 = t27 ^ t36
t39 = t29 & t38
t40 = t25 ^ t39

t41 = t40 ^ t37
t42 = t29 ^ t33
t43 = t29 ^ t40
t44 = t33 ^ t37
t45 = t42 ^ t41
z0 = t44 & y15
z1 = t37 & y6
z2 = t33 & x7
z3 = t43 & y16
z4 = t40 & y1
z5 = t29 & y7
z6 = t42 & y11
z7 = t45 & y17
z8 = t41 & y10
z9 = t44 & y12
z10 = t37 & y3
z11 = t33 & y4
z12 = t43 & y13
z13 = t40 & y5
z14 = t29 & y2
z15 = t42 & y9
z16 = t45 & y14
z17 = t41 & y8

t46 = z15 ^ z16
t47 = z10 ^ z11
t48 = z5 ^ z13
t49 = z9 ^ z10
t50 = z2 ^ z12
t51 = z2 ^ z5
t52 = z7 ^ z8
t53 = z0 ^ z3
t54 = z6 ^ z7
t55 = z16 ^ z17
t56 = z12 ^ t48
t57 = t50 ^ t53
t58 = z4 ^ t46
t59 = z3 ^ t54
t60 = t46 ^ t57
t61 = z14 ^ t57
t62 = t52 ^ t58
t63 = t49 ^ t58
t64 = z4 ^ t59
t65 = t61 ^ t62
t66 = z1 ^ t63
t67 = t64 ^ t65
s3 = t53 ^ t66
// S1, S2, S6 and S7 are XNORs in the circuit: their NOT is the 0x63 the round keys carry.
p7 = t59 ^ t63
p6 = t64 ^ s3
p5 = t55 ^ t67
p4 = s3
p3 = t51 ^ t66
p2 = t47 ^ t65
p1 = t56 ^ t62
p0 = t48 ^ t60
`;

const PLANES = [0, 1, 2, 3, 4, 5, 6, 7];

/** A set of eight lanes: its locals' suffix, and where its planes and round keys are. */
interface LaneSet {
  suffix: string;
  stateOffset: number;
  key: string;
}

/** One circuit line as AssemblyScript on the set's locals. */
function subBytesLine(line: string, set: LaneSet): string {
  const local = (name: string): string => name + set.suffix;
  if (line.startsWith('//')) return line;
  const gate = /^(\w+) = (\w+) ([&^]) (\w+)$/.exec(line);
  if (gate !== null) {
    const [, out, a, op, b] = gate;
    return `const ${local(out)} = v128.${op === '^' ? 'xor' : 'and'}(${local(a)}, ${local(b)});`;
  }
  const alias = /^(\w+) = (\w+)$/.exec(line);
  if (alias !== null) return `const ${local(alias[1])} = ${local(alias[2])};`;
  throw new Error('not a circuit line: ' + line);
}

/** The offset argument of a `load` or `store` of plane j of the set at `statePtr` (none for 0). */
const planeOffset = (set: LaneSet, j: number): string => (set.stateOffset + 16 * j === 0 ? '' : `, ${set.stateOffset + 16 * j}`);
const keyOffset = (j: number): string => (j === 0 ? '' : `, ${16 * j}`);

/** Plane j of 2·t in GF(2^8): t's plane j − 1, and plane 7 fed back into planes 0, 1, 3 and 4 (0x1b). */
function doubled(j: number, m: (j: number) => string): string {
  const terms = [...(j > 0 ? [m(j - 1)] : []), ...([0, 1, 3, 4].includes(j) ? [m(7)] : [])];
  return terms.length === 1 ? terms[0] : `v128.xor(${terms[0]}, ${terms[1]})`;
}

/** Statements of each set, interleaved line by line, at `indent`. */
function interleave(sets: LaneSet[], indent: string, lines: (set: LaneSet) => string[]): string[] {
  const perSet = sets.map(lines);
  const out: string[] = [];
  for (let i = 0; i < perSet[0].length; i++) {
    const first = perSet[0][i];
    if (first === '') out.push('');
    else if (first.startsWith('//')) out.push(indent + first);
    else for (const set of perSet) out.push(indent + set[i]);
  }
  return out;
}

function roundsFunction(name: string, doc: string, params: string, sets: LaneSet[]): string {
  const v = (set: LaneSet) => (n: string): string => n + set.suffix;
  const body: string[] = [];
  body.push(...interleave(sets, '  ', (set) => PLANES.map((j) => `let ${v(set)('b' + j)} = v128.load(statePtr${planeOffset(set, j)});`)));
  body.push('  for (let round: u32 = 1; ; round++) {');
  body.push(...interleave(sets, '    ', (set) => PLANES.map((j) => `const ${v(set)('x' + j)} = ${v(set)('b' + (7 - j))};`)));
  body.push('');
  body.push(...interleave(sets, '    ', (set) => SUB_BYTES.trim().split('\n').map((line) => (line === '' ? '' : subBytesLine(line, set)))));
  body.push('    if (round == rounds) {');
  body.push('      const back = shiftRowsPower(round);');
  body.push(
    ...interleave(sets, '      ', (set) =>
      PLANES.map((j) => `v128.store(statePtr, v128.xor(i8x16.swizzle(${v(set)('p' + j)}, back), v128.load(${set.key}${keyOffset(j)}))${planeOffset(set, j)});`),
    ),
  );
  body.push('      return;');
  body.push('    }');
  body.push('    const rotate1 = rotate1InRound(round);');
  body.push('    const rotate2 = rotate2InRound(round);');
  body.push(...interleave(sets, '    ', (set) => PLANES.map((j) => `const ${v(set)('r' + j)} = i8x16.swizzle(${v(set)('p' + j)}, rotate1);`)));
  body.push(...interleave(sets, '    ', (set) => PLANES.map((j) => `const ${v(set)('m' + j)} = v128.xor(${v(set)('p' + j)}, ${v(set)('r' + j)});`)));
  body.push(
    ...interleave(sets, '    ', (set) =>
      PLANES.map((j) => {
        const m = (i: number): string => v(set)('m' + i);
        return `${v(set)('b' + j)} = v128.xor(v128.xor(${doubled(j, m)}, ${v(set)('r' + j)}), v128.xor(i8x16.swizzle(${m(j)}, rotate2), v128.load(${set.key}${keyOffset(j)})));`;
      }),
    ),
  );
  body.push(...sets.map((set) => `    ${set.key} += CT_ROUND_KEY_BYTES;`));
  body.push('  }');
  return [doc, `export function ${name}(${params}): void {`, ...body, '}', ''].join('\n');
}

const ROUNDS_DOC = `
 * round key 0 already added, round key k (1..rounds) at \`keyPtr\` + CT_ROUND_KEY_BYTES · (k − 1):
 * SubBytes without its constant 0x63 (the circuit of build/gen-aes-ct-rounds.ts), MixColumns
 * (not in the last round) and AddRoundKey, ShiftRows left out (aes-shuffles.ts: the planes after
 * round k hold the state with its bytes moved by ShiftRows⁻ᵏ, which the last round puts back).
 * The planes stay in locals from the first round to the last: stored and reloaded between
 * SubBytes and MixColumns or between rounds, they put store-to-load forwarding on the cipher's
 * one serial path, which cost a packed batch 8% per such round trip. With rot the column
 * rotation (conjugated for round k), MixColumns (FIPS 197 §5.1.3) is 2·t ⊕ rot(a) ⊕ rot²(t) for
 * t = a ⊕ rot(a).`;

export function generate(): string {
  const one = roundsFunction(
    'cipherRounds',
    `/**\n * The \`rounds\` rounds of the cipher on the eight planes at \`statePtr\` (plane j at 16j),${ROUNDS_DOC}\n */`,
    'statePtr: usize, keyPtr: usize, rounds: u32',
    [{ suffix: '', stateOffset: 0, key: 'keyPtr' }],
  );
  const two = roundsFunction(
    'cipherRoundsTwice',
    '/**\n * `cipherRounds` on two sets of eight lanes side by side: the planes at `statePtr` under the\n' +
      ' * round keys at `keyPtr`, and the planes at `statePtr` + 128 under those at `secondKeyPtr`.\n */',
    'statePtr: usize, keyPtr: usize, secondKeyPtr: usize, rounds: u32',
    [
      { suffix: 'A', stateOffset: 0, key: 'keyPtr' },
      { suffix: 'B', stateOffset: 128, key: 'secondKeyPtr' },
    ],
  );
  return [
    '// Generated by build/gen-aes-ct-rounds.ts. Do not edit.',
    '// The rounds of the bitsliced AES of aes-ct.ts, on one or two sets of eight lanes (see the script).',
    '',
    'import { CT_ROUND_KEY_BYTES } from "./aes-ct";',
    'import { rotate1InRound, rotate2InRound, shiftRowsPower } from "./aes-shuffles";',
    '',
    one,
    two,
  ].join('\n');
}

const output = join(dirname(fileURLToPath(import.meta.url)), '..', 'assembly', 'aes-ct-rounds.ts');
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(output, generate());
  console.log('wrote ' + output);
}
