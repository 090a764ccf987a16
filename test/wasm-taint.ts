/**
 * A taint analysis over compiled WebAssembly, for the constant-time check of the AES cores
 * (test/ct-wasm.test.ts): which branches and memory addresses depend on secret data.
 *
 * Secret is whatever the code reads from memory (keys, schedules, data: every load is tainted,
 * since a pointer argument says nothing of the bytes it points at); arguments themselves
 * (pointers, lengths, round counts) are public. Taint flows through every operator, through
 * locals and globals, into callees' parameters and out of their results, to a fixpoint. A
 * finding is an instruction whose timing can depend on a tainted value: a branch or `select` on
 * one, a load or store at an address computed from one, a bulk memory operation sized by one, an
 * indirect call through one, or a division (variable latency on most CPUs) of one. An opcode the
 * analysis does not know fails it, rather than passing unread.
 */

export interface Finding {
  /** The exported function whose analysis reached it. */
  root: string;
  func: number;
  offset: number;
  what: string;
}

interface FuncType {
  params: number;
  results: number;
}

interface Func {
  type: FuncType;
  body: Uint8Array;
  /** Offset in the module of the body's instructions (after its locals), for findings. */
  start: number;
  localCount: number;
}

interface Module {
  types: FuncType[];
  importedFuncs: FuncType[];
  funcs: Func[];
  globalCount: number;
  exports: Map<string, number>;
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('wasm: read past the end at ' + this.pos);
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  }
  /** A signed LEB128 of any width, skipped. */
  skipSigned(): void {
    while (this.byte() & 0x80);
  }
  name(): string {
    const len = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return text;
  }
}

function skipInitExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42) r.skipSigned();
    else if (op === 0x43) r.pos += 4;
    else if (op === 0x44) r.pos += 8;
    else if (op === 0x23 || op === 0xd2) r.u32();
    else if (op === 0xfd && r.u32() === 0x0c) r.pos += 16;
    else throw new Error('wasm: unknown init expression opcode 0x' + op.toString(16));
  }
}

export function parseModule(bytes: Uint8Array): Module {
  const r = new Reader(bytes);
  r.pos = 8;
  const types: FuncType[] = [];
  const importedFuncs: FuncType[] = [];
  const funcTypes: number[] = [];
  const funcs: Func[] = [];
  const exports = new Map<string, number>();
  let globalCount = 0;
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error('wasm: unknown type form');
        const params = r.u32();
        r.pos += params;
        const results = r.u32();
        r.pos += results;
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) importedFuncs.push(types[r.u32()]);
        else if (kind === 1) {
          r.byte();
          const flags = r.u32();
          r.u32();
          if (flags & 1) r.u32();
        } else if (kind === 2) {
          const flags = r.u32();
          r.u32();
          if (flags & 1) r.u32();
        } else {
          r.byte();
          r.byte();
          globalCount++;
        }
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) funcTypes.push(r.u32());
    } else if (id === 6) {
      for (let n = r.u32(); n > 0; n--) {
        r.byte();
        r.byte();
        skipInitExpr(r);
        globalCount++;
      }
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        if (kind === 0) exports.set(name, index);
      }
    } else if (id === 10) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const bodySize = r.u32();
        const bodyEnd = r.pos + bodySize;
        let localCount = 0;
        for (let groups = r.u32(); groups > 0; groups--) {
          localCount += r.u32();
          r.byte();
        }
        const type = types[funcTypes[i]];
        funcs.push({ type, body: bytes.subarray(r.pos, bodyEnd), start: r.pos, localCount: type.params + localCount });
        r.pos = bodyEnd;
      }
    }
    r.pos = end;
  }
  return { types, importedFuncs, funcs, globalCount, exports };
}

// ---- stack effects ----

const DIVISIONS = new Set([0x6d, 0x6e, 0x6f, 0x70, 0x7f, 0x80, 0x81, 0x82]);
/** MVP numeric opcodes taking one operand; the others from 0x45 to 0xc4 take two. */
function numericArity(op: number): number {
  if (op === 0x45 || op === 0x50) return 1;
  if ((op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b)) return 1;
  if ((op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f)) return 1;
  if (op >= 0xa7 && op <= 0xc4) return 1;
  return 2;
}

const SIMD_UNARY = new Set([
  0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x18, 0x19, 0x1b, 0x1d, 0x1f, 0x21, 0x4d, 0x53, 0x5e, 0x5f,
  0x60, 0x61, 0x62, 0x63, 0x64, 0x67, 0x68, 0x69, 0x6a, 0x74, 0x75, 0x7a, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81,
  0x83, 0x84, 0x87, 0x88, 0x89, 0x8a, 0x94, 0xa0, 0xa1, 0xa3, 0xa4, 0xa7, 0xa8, 0xa9, 0xaa, 0xc0, 0xc1, 0xc3,
  0xc4, 0xc7, 0xc8, 0xc9, 0xca, 0xe0, 0xe1, 0xe3, 0xec, 0xed, 0xef, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
]);
const SIMD_REPLACE_LANE = new Set([0x17, 0x1a, 0x1c, 0x1e, 0x20, 0x22]);
const SIMD_EXTRACT_LANE = new Set([0x15, 0x16, 0x18, 0x19, 0x1b, 0x1d, 0x1f, 0x21]);

/** Taint of every local at one point of a function; null where the code is unreachable. */
type Locals = boolean[] | null;

function join(a: Locals, b: Locals): Locals {
  if (a === null) return b === null ? null : b.slice();
  if (b === null) return a.slice();
  return a.map((t, i) => t || b[i]);
}

/** True when `a` holds no taint that `b` lacks. */
function within(a: Locals, b: Locals): boolean {
  if (a === null) return true;
  if (b === null) return false;
  return a.every((t, i) => !t || b[i]);
}

interface Frame {
  height: number;
  results: number;
  resultTaint: boolean;
  kind: 'function' | 'block' | 'loop' | 'if';
  /** Joined states of the branches out of a block or if; of those back to a loop's start. */
  branched: Locals;
  /** A loop: the state its body starts from, and where the body starts. An if: its entry state. */
  entry: Locals;
  bodyPos: number;
  hasElse: boolean;
}

/** Taint state of the whole analysis: per function, its parameters' and result's taint. */
class Analysis {
  readonly paramTaint: boolean[][];
  readonly resultTaint: boolean[];
  readonly globalTaint: boolean[];
  readonly findings = new Map<string, Finding>();
  changed = false;

  constructor(readonly mod: Module) {
    const all = [...mod.importedFuncs, ...mod.funcs.map((f) => f.type)];
    this.paramTaint = all.map((t) => new Array<boolean>(t.params).fill(false));
    this.resultTaint = all.map(() => false);
    this.globalTaint = new Array<boolean>(mod.globalCount).fill(false);
  }

  typeOf(index: number): FuncType {
    const imported = this.mod.importedFuncs.length;
    return index < imported ? this.mod.importedFuncs[index] : this.mod.funcs[index - imported].type;
  }

  /** One pass over function `index`, from `root`; returns the callees it reached. */
  run(root: string, index: number): number[] {
    const imported = this.mod.importedFuncs.length;
    if (index < imported) {
      // An import (the runtime's abort): its result is as secret as its arguments.
      const tainted = this.paramTaint[index].some(Boolean);
      if (tainted && !this.resultTaint[index]) {
        this.resultTaint[index] = true;
        this.changed = true;
      }
      return [];
    }
    const func = this.mod.funcs[index - imported];
    const locals = new Array<boolean>(func.localCount).fill(false);
    for (let p = 0; p < func.type.params; p++) locals[p] = this.paramTaint[index][p];
    const callees: number[] = [];
    this.pass(root, index, func, locals, callees);
    return callees;
  }

  private flag(root: string, func: number, offset: number, what: string): void {
    const key = func + ':' + offset;
    if (!this.findings.has(key)) this.findings.set(key, { root, func, offset, what });
  }

  /**
   * One walk over the function, flow-sensitive on locals: `local.set` replaces a local's taint
   * (the optimiser reuses locals for unrelated values), states join where control flow meets,
   * and a loop's body is walked again until the state at its start holds every back edge's.
   */
  private pass(root: string, index: number, func: Func, entryLocals: boolean[], callees: number[]): void {
    const r = new Reader(func.body);
    const stack: boolean[] = [];
    let locals: Locals = entryLocals;
    const frames: Frame[] = [
      { height: 0, results: func.type.results, resultTaint: false, kind: 'function', branched: null, entry: null, bodyPos: 0, hasElse: false },
    ];
    const pop = (): boolean => {
      const frame = frames[frames.length - 1];
      if (stack.length <= frame.height) {
        if (locals === null) return false;
        throw new Error('wasm: stack underflow in function ' + index + ' at ' + r.pos);
      }
      return stack.pop()!;
    };
    const popN = (n: number): boolean => {
      let t = false;
      for (let i = 0; i < n; i++) t = pop() || t;
      return t;
    };
    const flag = (offset: number, what: string): void => {
      if (locals !== null) this.flag(root, index, offset, what);
    };
    const setResult = (taint: boolean): void => {
      if (taint && !this.resultTaint[index]) {
        this.resultTaint[index] = true;
        this.changed = true;
      }
    };
    const branchTo = (depth: number): void => {
      if (locals === null) return;
      const frame = frames[frames.length - 1 - depth];
      frame.branched = join(frame.branched, locals);
      if (frame.kind === 'loop') return;
      for (let i = 0; i < frame.results && i < stack.length; i++) if (stack[stack.length - 1 - i]) frame.resultTaint = true;
      if (frame.kind === 'function' && frame.resultTaint) setResult(true);
    };
    const leave = (): void => {
      locals = null;
      stack.length = frames[frames.length - 1].height;
    };
    const blockType = (): { params: number; results: number } => {
      const b = func.body[r.pos];
      if (b === 0x40) {
        r.pos++;
        return { params: 0, results: 0 };
      }
      if (b >= 0x6f && b <= 0x7f) {
        r.pos++;
        return { params: 0, results: 1 };
      }
      const t = this.mod.types[r.u32()];
      return { params: t.params, results: t.results };
    };
    const at = (): number => func.start + r.pos;
    while (r.pos < func.body.length) {
      const offset = at();
      const op = r.byte();
      if (op === 0x00) {
        leave();
      } else if (op === 0x01) {
        // nop
      } else if (op === 0x02 || op === 0x03 || op === 0x04) {
        if (op === 0x04 && pop()) flag(offset, 'if on a secret');
        const t = blockType();
        const kind = op === 0x02 ? 'block' : op === 0x03 ? 'loop' : 'if';
        frames.push({ height: stack.length - t.params, results: t.results, resultTaint: false, kind, branched: null, entry: join(locals, null), bodyPos: r.pos, hasElse: false });
      } else if (op === 0x05) {
        const frame = frames[frames.length - 1];
        for (let i = 0; i < frame.results; i++) if (stack[frame.height + i]) frame.resultTaint = true;
        frame.branched = join(frame.branched, locals);
        frame.hasElse = true;
        stack.length = frame.height;
        locals = join(frame.entry, null);
      } else if (op === 0x0b) {
        const frame = frames[frames.length - 1];
        if (frame.kind === 'loop' && !within(frame.branched, frame.entry)) {
          // A back edge brought taint the body did not start with: walk the body again.
          frame.entry = join(frame.entry, frame.branched);
          frame.branched = null;
          locals = join(frame.entry, null);
          stack.length = frame.height;
          r.pos = frame.bodyPos;
          continue;
        }
        frames.pop();
        for (let i = 0; i < frame.results && frame.height + i < stack.length; i++) if (stack[frame.height + i]) frame.resultTaint = true;
        stack.length = frame.height;
        for (let i = 0; i < frame.results; i++) stack.push(frame.resultTaint);
        if (frame.kind === 'block') locals = join(locals, frame.branched);
        else if (frame.kind === 'if') locals = join(join(locals, frame.branched), frame.hasElse ? null : frame.entry);
        if (frame.kind === 'function') {
          setResult(frame.resultTaint);
          return;
        }
      } else if (op === 0x0c) {
        branchTo(r.u32());
        leave();
      } else if (op === 0x0d) {
        const depth = r.u32();
        if (pop()) flag(offset, 'br_if on a secret');
        branchTo(depth);
      } else if (op === 0x0e) {
        const n = r.u32();
        const depths: number[] = [];
        for (let i = 0; i <= n; i++) depths.push(r.u32());
        if (pop()) flag(offset, 'br_table on a secret');
        for (const d of depths) branchTo(d);
        leave();
      } else if (op === 0x0f) {
        branchTo(frames.length - 1);
        leave();
      } else if (op === 0x10 || op === 0x11) {
        const callee = op === 0x10 ? r.u32() : -1;
        let type: FuncType;
        if (op === 0x11) {
          type = this.mod.types[r.u32()];
          r.u32();
          if (pop()) flag(offset, 'call_indirect through a secret');
        } else {
          type = this.typeOf(callee);
        }
        const args: boolean[] = [];
        for (let i = 0; i < type.params; i++) args.unshift(pop());
        let result = op === 0x11 && args.some(Boolean);
        if (callee >= 0) {
          callees.push(callee);
          args.forEach((t, i) => {
            if (t && !this.paramTaint[callee][i]) {
              this.paramTaint[callee][i] = true;
              this.changed = true;
            }
          });
          result = this.resultTaint[callee];
        }
        for (let i = 0; i < type.results; i++) stack.push(result);
      } else if (op === 0x1a) {
        pop();
      } else if (op === 0x1b || op === 0x1c) {
        if (op === 0x1c) r.pos += r.u32();
        const cond = pop();
        if (cond) flag(offset, 'select on a secret');
        stack.push(popN(2) || cond);
      } else if (op === 0x20) {
        const i = r.u32();
        stack.push(locals !== null && locals[i]);
      } else if (op === 0x21 || op === 0x22) {
        const i = r.u32();
        const t = op === 0x21 ? pop() : stack[stack.length - 1];
        if (locals !== null) locals[i] = t;
      } else if (op === 0x23) {
        stack.push(this.globalTaint[r.u32()]);
      } else if (op === 0x24) {
        const i = r.u32();
        if (pop() && !this.globalTaint[i]) {
          this.globalTaint[i] = true;
          this.changed = true;
        }
      } else if (op >= 0x28 && op <= 0x35) {
        r.u32();
        r.u32();
        if (pop()) flag(offset, 'load at a secret address');
        stack.push(true);
      } else if (op >= 0x36 && op <= 0x3e) {
        r.u32();
        r.u32();
        pop();
        if (pop()) flag(offset, 'store at a secret address');
      } else if (op === 0x3f) {
        r.byte();
        stack.push(false);
      } else if (op === 0x40) {
        r.byte();
        stack.push(pop());
      } else if (op >= 0x41 && op <= 0x44) {
        if (op === 0x43) r.pos += 4;
        else if (op === 0x44) r.pos += 8;
        else r.skipSigned();
        stack.push(false);
      } else if (op >= 0x45 && op <= 0xc4) {
        const t = popN(numericArity(op));
        if (t && DIVISIONS.has(op)) flag(offset, 'division of a secret');
        stack.push(t);
      } else if (op === 0xfc) {
        const sub = r.u32();
        if (sub <= 7) stack.push(pop());
        else if (sub === 10 || sub === 11) {
          r.byte();
          if (sub === 10) r.byte();
          if (popN(3)) flag(offset, 'bulk memory operation on a secret address or length');
        } else throw new Error('wasm: unknown 0xfc opcode ' + sub);
      } else if (op === 0xfd) {
        this.simd(r, pop, popN, stack, (what) => flag(offset, what));
      } else {
        throw new Error('wasm: unknown opcode 0x' + op.toString(16) + ' in function ' + index);
      }
    }
  }

  private simd(
    r: Reader,
    pop: () => boolean,
    popN: (n: number) => boolean,
    stack: boolean[],
    flag: (what: string) => void,
  ): void {
    const sub = r.u32();
    if (sub <= 0x0a || sub === 0x5c || sub === 0x5d) {
      r.u32();
      r.u32();
      if (pop()) flag('v128 load at a secret address');
      stack.push(true);
    } else if (sub === 0x0b) {
      r.u32();
      r.u32();
      pop();
      if (pop()) flag('v128 store at a secret address');
    } else if (sub >= 0x54 && sub <= 0x5b) {
      r.u32();
      r.u32();
      r.byte();
      pop();
      if (pop()) flag('v128 lane access at a secret address');
      if (sub <= 0x57) stack.push(true);
    } else if (sub === 0x0c) {
      r.pos += 16;
      stack.push(false);
    } else if (sub === 0x0d) {
      r.pos += 16;
      stack.push(popN(2));
    } else if (SIMD_EXTRACT_LANE.has(sub)) {
      r.byte();
      stack.push(pop());
    } else if (SIMD_REPLACE_LANE.has(sub)) {
      r.byte();
      stack.push(popN(2));
    } else if (SIMD_UNARY.has(sub)) {
      stack.push(pop());
    } else if (sub === 0x52) {
      stack.push(popN(3));
    } else if (sub <= 0xff) {
      stack.push(popN(2));
    } else {
      throw new Error('wasm: unknown SIMD opcode 0x' + sub.toString(16));
    }
  }
}

/**
 * The findings of the exported functions `roots` and everything they call, their arguments
 * public and all memory secret.
 */
export function secretDependentInstructions(bytes: Uint8Array, roots: readonly string[]): Finding[] {
  const mod = parseModule(bytes);
  const analysis = new Analysis(mod);
  const reachedFrom = new Map<number, string>();
  for (const root of roots) {
    const index = mod.exports.get(root);
    if (index === undefined) throw new Error('wasm: no exported function ' + root);
    if (!reachedFrom.has(index)) reachedFrom.set(index, root);
  }
  for (let round = 0; round < 100; round++) {
    analysis.changed = false;
    for (const [index, root] of [...reachedFrom]) {
      for (const callee of analysis.run(root, index)) {
        if (!reachedFrom.has(callee)) {
          reachedFrom.set(callee, root);
          analysis.changed = true;
        }
      }
    }
    if (!analysis.changed) return [...analysis.findings.values()];
  }
  throw new Error('wasm: the analysis found no fixpoint');
}
