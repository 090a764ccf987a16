/**
 * The symmetric client, the command table, key transition and the state's text format must
 * stay lowerable to ES5 for microcontroller runtimes: lowered by TypeScript to ES5 they need
 * none of its runtime helpers for spread, iteration or generators, they use no Map, Set,
 * TextEncoder or TextDecoder, and nothing they import, near or far, reaches curve code.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const ES5_MODULES = [
  'src/client/client.ts',
  'src/client/mode.ts',
  'src/client/symmetric.ts',
  'src/protocol/clock.ts',
  'src/protocol/commands.ts',
  'src/protocol/messages.ts',
  'src/protocol/sizes.ts',
  'src/protocol/transition.ts',
  'src/keys/state.ts',
  'src/keys/e4goJson.ts',
  'src/stores/store.ts',
  'src/stores/memory.ts',
  'src/stores/webStorage.ts',
  'src/utils.ts',
  'src/errors.ts',
  'src/primitives.ts',
  'src/backends/active.ts',
  'src/validate.ts',
  'src/c2Commands.ts',
  'src/stores/espruinoStorage.ts',
  'src/embedded/index.ts',
  'src/embedded/nativeAes.ts',
];

/** TypeScript's ES5 helpers for spread, for-of, destructuring of iterables and generators. */
const FORBIDDEN_HELPERS = ['__spreadArray', '__spread', '__read', '__values', '__generator', '__await', '__asyncValues'];
const FORBIDDEN_GLOBALS = /\bnew (Map|Set|WeakMap|WeakSet)\b|\b(TextEncoder|TextDecoder|Symbol)\b/;

function relativeImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const match of source.matchAll(/^(?:import|export)[^'"]*from '([^']+)';/gm)) out.push(match[1]);
  return out;
}

/** Every module `file` imports, transitively, as repository paths (packages as their names). */
function importClosure(file: string): Set<string> {
  const seen = new Set<string>();
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.pop()!;
    for (const spec of relativeImports(current)) {
      const target = spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(current), spec)) : spec;
      if (seen.has(target)) continue;
      seen.add(target);
      if (target.endsWith('.ts')) queue.push(target);
    }
  }
  return seen;
}

describe.each(ES5_MODULES)('%s', (file) => {
  it('lowers to ES5 without spread, iteration or generator helpers', () => {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const { outputText, diagnostics } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS, importHelpers: false, removeComments: true },
      reportDiagnostics: true,
      fileName: file,
    });
    expect(diagnostics ?? []).toEqual([]);
    for (const helper of FORBIDDEN_HELPERS) expect(outputText, helper).not.toContain(helper);
    expect(outputText).not.toMatch(FORBIDDEN_GLOBALS);
  });

  it('reaches no curve code through its imports', () => {
    const closure = [...importClosure(file)];
    expect(closure.filter((m) => m.startsWith('@noble/curves') || m === 'src/keys/curves.ts' || m === 'src/client/publicKey.ts')).toEqual([]);
  });
});
