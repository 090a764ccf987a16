/**
 * Builds the embedded build, dist/e4ts-embedded.js: one ES5 file for microcontroller JavaScript
 * (Espruino), generated from the same TypeScript sources as the pure-JS backend.
 *
 * esbuild cannot lower `const`, `let` or classes to ES5, so TypeScript does the lowering: each
 * module esbuild loads goes through `ts.transpileModule` (target ES5, ES modules kept for esbuild,
 * no helper imports, no downlevelIteration: the sources must need none of TypeScript's helpers,
 * and a module that does fails the build). esbuild then bundles the ES5 modules in dependency
 * order, with no module wrapper and no helper of its own (CommonJS output, wrapped here in one
 * function), and minifies, shortening the library's internal property names too
 * (`INTERNAL_PROPERTIES`). Where the board needs less than a shared module offers, a smaller
 * module takes its place (`SUBSTITUTES`). The first line declares the global `E4` and
 * polyfills `Math.imul` where the engine lacks it (Espruino); the last assigns
 * `module.exports` where a loader declares `module`. The result must pass
 * build/espruino-check.ts, or nothing is written.
 *
 * Usage: node --import tsx build/embedded.ts [--sizes]   (--sizes: the bytes of each module)
 */
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import * as acorn from 'acorn';
import { bareReturns, checkEspruinoScript } from './espruino-check.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const EMBEDDED_ENTRY = join(ROOT, 'src', 'embedded', 'index.ts');
export const EMBEDDED_OUTPUT = join(ROOT, 'dist', 'e4ts-embedded.js');

/** Modules Espruino's `require` provides; the bundle calls them at run time. */
const BOARD_MODULES = ['crypto', 'Storage'];

/** What the embedded build must never contain: curves, Argon2, WebAssembly, backend selection. */
const FORBIDDEN_INPUTS = [
  /node_modules\/@noble\//,
  /^src\/backends\/js\/argon2\.ts$/,
  /^src\/backends\/select\.ts$/,
  /^src\/backends\/wasm\.ts$/,
  /^src\/backends\/wasm-bytes\.ts$/,
  /^src\/keys\/curves\.ts$/,
  /^src\/client\/publicKey\.ts$/,
  /^src\/c2\.ts$/,
  /^src\/keys\/e4goJson\.ts$/,
  /^src\/keys\/e4goJsonPublicKey\.ts$/,
];

/**
 * Modules the embedded build takes in the place of others, by repository path: the board's
 * client reads and writes symmetric-key states only, so it gets the state codec without the
 * public-key material.
 */
const SUBSTITUTES: Record<string, string> = {
  'src/keys/e4goJson.ts': 'src/keys/e4goJsonSymmetric.ts',
};

/**
 * Property names the bundle shortens, as its minifier shortens local names: names of the
 * library's own objects that no caller of the board build sees (the client's state and private
 * fields, the key mode and command table, the backend, the key caches). A name the caller or
 * the firmware reads (an option, a result, an E4 export, `Storage.read`, `AES.encrypt`'s
 * `mode`, an error's `code`) or a built-in one (`keys`, `name`, `get`) must not be here, and no
 * module may reach these by a computed name or a quoted key.
 */
export const INTERNAL_PROPERTIES = [
  // The client's state and private fields.
  'topicKeys',
  'receivingTopic',
  'keyType',
  'privateKey',
  'signerId',
  'c2PublicKey',
  'pubKeys',
  'state',
  'derived',
  'controlTopicBytes',
  'destroyed',
  'assertLive',
  'applyToCopy',
  'topicKey',
  'topicEntry',
  'topicNames',
  'topicCount',
  'hash',
  'batchParts',
  // The key mode, the command table, the state codec's key material.
  'derive',
  'wipeDerived',
  'supports',
  'applyCommand',
  'commandKey',
  'byte',
  'argLengths',
  'publicKeyOnly',
  'spec',
  'args',
  'check',
  'writeKeyData',
  // The backend, its AES-SIV halves and its key caches.
  'sivSeal',
  'sivOpen',
  'sha3_256',
  'argon2',
  'wipeKeyCache',
  'wipe',
  'cmac',
  'keyLen',
  'lastUse',
  'entry',
  'words',
  'mac',
  'ctr',
  'ctrRk',
  'ctrNr',
];

/**
 * Declares the global, and the classic `Math.imul` polyfill (the low 32 bits of the product,
 * from 16-bit halves so that every partial product is exact in a double).
 */
export const PRELUDE =
  'var E4;Math.imul||(Math.imul=function(a,b){var c=a&65535,d=b&65535;return c*d+((a>>>16)*d+c*(b>>>16)<<16)|0});';
const OPEN = '(function(){';
const CLOSE = '})();if(typeof module=="object"&&module)module.exports=E4;';

const LOWERING: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES5,
  module: ts.ModuleKind.ESNext,
  importHelpers: false,
  downlevelIteration: false,
  verbatimModuleSyntax: true,
  removeComments: true,
};

/** TypeScript's ES5 helpers, as its emitter declares them at the top of a module. */
const HELPER = /^var (__[A-Za-z]+) = \(this && this\.\1\)/m;

/** Resolves each import of a module in `SUBSTITUTES` to its substitute. */
const substitute: esbuild.Plugin = {
  name: 'substitute',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      const target = SUBSTITUTES[relative(ROOT, resolve(args.resolveDir, args.path))];
      return target === undefined ? undefined : { path: join(ROOT, target) };
    });
  },
};

/**
 * The error factories of the sources whose arguments, from the index given on, only format
 * their message: `e4Error(code, message)` and the state codec's `stateError(message)` and
 * `jsonSyntaxError(offset, what)`.
 */
const MESSAGE_ARGUMENTS = new Map([
  ['e4Error', 1],
  ['stateError', 0],
  ['jsonSyntaxError', 0],
]);

/**
 * Tables the board build empties: the key server's error codes (src/errors.ts), which no board
 * code raises.
 */
const BOARD_EMPTIES = ['SERVER_CODES'];

/**
 * On the board an error's message is its code (and the tables of BOARD_EMPTIES are empty): calls to the factories of MESSAGE_ARGUMENTS lose
 * their message arguments, and `e4Error` then uses the code (src/errors.ts). That leaves out the
 * message strings and their formatting, about 3 KB, while `code`, the stable part, stays. A
 * message argument only formats text; one that assigns anything fails the build rather than be
 * dropped.
 */
function codeOnlyErrors(context: ts.TransformationContext): (file: ts.SourceFile) => ts.SourceFile {
  const assigns = (node: ts.Node): boolean =>
    (ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) ||
    ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) ||
    ts.forEachChild(node, assigns) === true;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && BOARD_EMPTIES.includes(node.name.text)) {
      return context.factory.updateVariableDeclaration(node, node.name, undefined, undefined, context.factory.createObjectLiteralExpression());
    }
    const from = ts.isCallExpression(node) && ts.isIdentifier(node.expression) ? MESSAGE_ARGUMENTS.get(node.expression.text) : undefined;
    if (from !== undefined && ts.isCallExpression(node) && node.arguments.length > from) {
      for (const dropped of node.arguments.slice(from)) {
        if (assigns(dropped)) throw new Error('an error message argument assigns: ' + dropped.getText());
      }
      const kept = node.arguments.slice(0, from).map((a) => ts.visitNode(a, visit) as ts.Expression);
      return context.factory.updateCallExpression(node, node.expression, node.typeArguments, kept);
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (file) => ts.visitNode(file, visit) as ts.SourceFile;
}

/**
 * Replaces each top-level `const` whose value is arithmetic on numbers and on the module's own
 * such constants by the number it is. Lowered to ES5 the constants become `var`s, whose sums
 * esbuild cannot prove free of side effects, so an unused one (a public-key size on the board)
 * would stay in the bundle; a number literal it drops.
 */
function foldNumericConstants(context: ts.TransformationContext): (file: ts.SourceFile) => ts.SourceFile {
  return (file) => {
    const known = new Map<string, number>();
    const valueOf = (e: ts.Expression): number | undefined => {
      if (ts.isNumericLiteral(e)) return Number(e.text);
      if (ts.isIdentifier(e)) return known.get(e.text);
      if (ts.isParenthesizedExpression(e)) return valueOf(e.expression);
      if (!ts.isBinaryExpression(e)) return undefined;
      const a = valueOf(e.left);
      const b = valueOf(e.right);
      if (a === undefined || b === undefined) return undefined;
      switch (e.operatorToken.kind) {
        case ts.SyntaxKind.PlusToken: return a + b;
        case ts.SyntaxKind.MinusToken: return a - b;
        case ts.SyntaxKind.AsteriskToken: return a * b;
        default: return undefined;
      }
    };
    const statements = file.statements.map((statement) => {
      if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) return statement;
      const declarations = statement.declarationList.declarations.map((d) => {
        const value = d.initializer === undefined || !ts.isIdentifier(d.name) ? undefined : valueOf(d.initializer);
        if (value === undefined || !Number.isSafeInteger(value) || value < 0) return d;
        known.set((d.name as ts.Identifier).text, value);
        return context.factory.updateVariableDeclaration(d, d.name, d.exclamationToken, d.type, context.factory.createNumericLiteral(value));
      });
      return context.factory.updateVariableStatement(
        statement,
        statement.modifiers,
        context.factory.updateVariableDeclarationList(statement.declarationList, declarations),
      );
    });
    return context.factory.updateSourceFile(file, statements);
  };
}

/**
 * TypeScript lowers each .ts module to ES5 before esbuild sees it; for the board build
 * (`codeOnly`), with `codeOnlyErrors`.
 */
function lowerToEs5(codeOnly: boolean): esbuild.Plugin {
  return {
    name: 'typescript-es5',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const { outputText, diagnostics } = ts.transpileModule(source, {
          compilerOptions: LOWERING,
          fileName: args.path,
          reportDiagnostics: true,
          transformers: codeOnly ? { before: [foldNumericConstants, codeOnlyErrors] } : undefined,
        });
        const errors: esbuild.PartialMessage[] = (diagnostics ?? []).map((d) => ({
          text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        }));
        const helper = HELPER.exec(outputText);
        if (helper !== null) {
          errors.push({ text: 'lowering to ES5 needs TypeScript\'s helper ' + helper[1] + ': rewrite the construct that needs it' });
        }
        return errors.length > 0 ? { errors } : { contents: outputText, loader: 'js' };
      });
    },
  };
}

export interface Es5Bundle {
  /** The bundled, minified ES5 code, not yet wrapped. */
  code: string;
  /** The modules it holds, as paths from the repository root. */
  inputs: string[];
  /** The minified bytes each module contributes. */
  bytesByModule: Record<string, number>;
}

/**
 * Lowers `entry` and everything it imports to ES5 and bundles them, minified by default; with
 * `codeOnly`, errors carry their code as their message (`codeOnlyErrors`).
 */
export async function bundleEs5(entry: string, minify = true, codeOnly = false): Promise<Es5Bundle> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    // CommonJS output without exports is the bare modules in order: no wrapper, no helper, and
    // `require` of the board's modules left as written.
    format: 'cjs',
    platform: 'neutral',
    target: 'es5',
    external: BOARD_MODULES,
    minify: minify,
    legalComments: 'none',
    charset: 'ascii',
    mangleProps: new RegExp('^(' + INTERNAL_PROPERTIES.join('|') + ')$'),
    plugins: [substitute, lowerToEs5(codeOnly)],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const repoPath = (p: string): string => relative(ROOT, join(process.cwd(), p));
  const inputs = Object.keys(result.metafile.inputs).map(repoPath);
  const bytesByModule: Record<string, number> = {};
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [p, info] of Object.entries(output.inputs)) bytesByModule[repoPath(p)] = info.bytesInOutput;
  }
  return { code: result.outputFiles[0].text, inputs, bytesByModule };
}

/**
 * Ends with `;` each `return` Espruino cannot parse (`bareReturns`): the minifier writes
 * `if(x)return}` for an early return at the end of a function.
 */
function terminateBareReturns(code: string): string {
  const program = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' }) as acorn.Node & Record<string, any>;
  const ends = bareReturns(program, code);
  let out = '';
  let from = 0;
  for (const at of ends) {
    out += code.slice(from, at) + ';';
    from = at;
  }
  return out + code.slice(from);
}

/** The embedded build's text. Throws when a forbidden module is reached. */
export async function buildEmbedded(minify = true): Promise<Es5Bundle & { text: string }> {
  const bundle = await bundleEs5(EMBEDDED_ENTRY, minify, true);
  const reached = bundle.inputs.filter((p) => FORBIDDEN_INPUTS.some((re) => re.test(p)));
  if (reached.length > 0) throw new Error('the embedded build reaches ' + reached.join(', '));
  return { ...bundle, text: terminateBareReturns(PRELUDE + '\n' + OPEN + bundle.code + CLOSE + '\n') };
}

async function main(): Promise<void> {
  const { text, inputs, bytesByModule } = await buildEmbedded();
  const violations = checkEspruinoScript(text);
  if (violations.length > 0) {
    const lines = violations.map((v) => v.rule + ': ' + v.message + ' near ' + JSON.stringify(text.slice(Math.max(0, v.at - 40), v.at + 40)));
    throw new Error('the bundle is not fit for Espruino (build/espruino-check.ts):\n' + lines.join('\n'));
  }
  mkdirSync(dirname(EMBEDDED_OUTPUT), { recursive: true });
  writeFileSync(EMBEDDED_OUTPUT, text);
  const bytes = Buffer.byteLength(text);
  console.log(
    relative(ROOT, EMBEDDED_OUTPUT) + ': ' + bytes + ' bytes (' + (bytes / 1024).toFixed(1) + ' KiB), ' + inputs.length + ' modules',
  );
  if (process.argv.includes('--sizes')) {
    const rows = Object.entries(bytesByModule).sort((a, b) => b[1] - a[1]);
    for (const [path, n] of rows) console.log(String(n).padStart(7) + '  ' + path);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
