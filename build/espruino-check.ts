/**
 * A static check of a script against what Espruino's interpreter runs, which is stricter than
 * ES5 (see the embedded build's notes in build/embedded.ts). The script must parse as
 * ECMAScript 5 (acorn), and an AST pass refuses:
 *  - a function called, or a `var` (or parameterless name) read or written, before the statement
 *    that declares it has run in its scope: Espruino hoists neither. The pass runs the program
 *    top to bottom, following the calls it makes while loading (direct calls, immediately
 *    invoked functions, `new`, and functions passed as arguments to such calls, which are
 *    assumed to be called then), and then checks every function body on its own, top to bottom;
 *  - labels (Espruino has no labelled break or continue);
 *  - a `return` without a value, without a semicolon, as the whole body of an `if`, `else` or
 *    loop and just before a `}` (`if(x)return}`): Espruino reports "Unexpected end of Input"
 *    when it runs the function (`bareReturns` finds them, build/embedded.ts ends them with `;`);
 *  - `Math.imul` anywhere but after the polyfill, which must come first when it is used;
 *  - `.slice(` except on an expression that is plainly a string (a string literal, a `+` with
 *    one, `String(…)` or `….toString(…)`): a typed array's `.slice` returns a plain Array there;
 *  - `.apply(` (Espruino passes at most 256 arguments);
 *  - `Array.prototype`, a typed array's or `Function.prototype`, which Espruino does not expose;
 *  - `Array.from`, a typed array's `.from` or `.of`;
 *  - the names Espruino lacks: unescape, escape, TextEncoder, TextDecoder, Symbol, Map, Set,
 *    WeakMap, WeakSet, Promise, Proxy, Reflect, globalThis, and `async`/`await`;
 *  - regular expressions outside Espruino's subset: no `{n}` quantifier, no `?` (neither
 *    quantifier nor group modifier), no `\u`, `\p`, `\k`, `\b`, `\B` or back-reference escape,
 *    no flag but `g` and `i`.
 */
import * as acorn from 'acorn';

export interface Violation {
  rule: string;
  message: string;
  /** Character offset in the script. */
  at: number;
}

type Node = acorn.Node & Record<string, any>;

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'ArrayBuffer',
  'DataView',
];
const HIDDEN_PROTOTYPES = ['Array', 'Function'].concat(TYPED_ARRAYS);
const MISSING_NAMES = [
  'unescape',
  'escape',
  'TextEncoder',
  'TextDecoder',
  'Symbol',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Promise',
  'Proxy',
  'Reflect',
  'globalThis',
  'async',
  'await',
];

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

/** The child nodes of `node`, in source order. */
function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item);
    } else if (isNode(value)) out.push(value);
  }
  return out.sort((a, b) => a.start - b.start);
}

function isFunction(node: Node): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression';
}

function memberName(node: Node): string | null {
  return node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier' ? node.property.name : null;
}

function isName(node: Node, name: string): boolean {
  return node.type === 'Identifier' && node.name === name;
}

// ---------------------------------------------------------------------------------------------
// Scopes: the names each function (or the program) declares, as JavaScript binds them.

interface Scope {
  node: Node;
  parent: Scope | null;
  /** Names bound in this scope: params, `var`s, function declarations, a catch parameter. */
  names: Map<string, 'param' | 'var' | 'function' | 'catch' | 'self'>;
  /** Function declarations, and `var`s initialised with a function expression, by name. */
  functions: Map<string, Node>;
}

/** Every scope, keyed by its function, program or catch clause node. */
function buildScopes(program: Node): Map<Node, Scope> {
  const scopes = new Map<Node, Scope>();
  function declareIn(scope: Scope, node: Node): void {
    // `var`s and function declarations of `scope`'s own body, not of nested functions.
    if (node.type === 'VariableDeclaration') {
      for (const d of node.declarations) {
        if (!scope.names.has(d.id.name)) scope.names.set(d.id.name, 'var');
        // `var f = function () {…}`: a call of f runs that body.
        if (d.init && d.init.type === 'FunctionExpression') scope.functions.set(d.id.name, d.init);
      }
    }
    if (node.type === 'FunctionDeclaration') {
      scope.names.set(node.id.name, 'function');
      scope.functions.set(node.id.name, node);
      return;
    }
    if (node.type === 'FunctionExpression' || node.type === 'CatchClause') return;
    for (const child of children(node)) declareIn(scope, child);
  }
  function visit(node: Node, parent: Scope | null): void {
    let scope = parent;
    if (node.type === 'Program' || isFunction(node) || node.type === 'CatchClause') {
      scope = { node, parent, names: new Map(), functions: new Map() };
      scopes.set(node, scope);
      if (node.type === 'CatchClause') scope.names.set(node.param.name, 'catch');
      else {
        if (node.type === 'FunctionExpression' && node.id) scope.names.set(node.id.name, 'self');
        if (isFunction(node)) for (const p of node.params) scope.names.set(p.name, 'param');
        const body = node.type === 'Program' ? node.body : node.body.body;
        for (const statement of body) declareIn(scope, statement);
      }
    }
    for (const child of children(node)) visit(child, scope);
  }
  visit(program, null);
  return scopes;
}

function resolve(scope: Scope | null, name: string): Scope | null {
  for (let s = scope; s !== null; s = s.parent) if (s.names.has(name)) return s;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Declaration order: the program run top to bottom, then each function body on its own.

function checkDeclarationOrder(program: Node, report: (rule: string, message: string, at: number) => void): void {
  const scopes = buildScopes(program);
  const scopeOf = new Map<Node, Scope>();
  (function mark(node: Node, scope: Scope): void {
    const own = scopes.get(node) ?? scope;
    scopeOf.set(node, own);
    for (const child of children(node)) mark(child, own);
  })(program, scopes.get(program) as Scope);

  /** Scopes whose declarations are being run now, each with the names declared so far. */
  const active = new Map<Scope, Set<string>>();
  const simulated = new Set<Node>();
  const reported = new Set<string>();

  function use(name: string, node: Node, what: string): void {
    const scope = resolve(scopeOf.get(node) ?? null, name);
    if (scope === null) return;
    const declared = active.get(scope);
    const kind = scope.names.get(name);
    if (declared === undefined || kind === 'param' || kind === 'self' || kind === 'catch') return;
    if (declared.has(name)) return;
    const key = name + '@' + node.start;
    if (reported.has(key)) return;
    reported.add(key);
    report('declaration-order', what + ' "' + name + '" before its declaration has run', node.start);
  }

  /** The function a callee names, when it is one this script declares (or a function expression). */
  function calledFunction(callee: Node): Node | null {
    if (callee.type === 'FunctionExpression') return callee;
    if (callee.type === 'Identifier') {
      const scope = resolve(scopeOf.get(callee) ?? null, callee.name);
      const fn = scope?.functions.get(callee.name);
      if (fn) return fn;
    }
    // f.call(…) and f.apply(…) call f.
    const method = memberName(callee);
    if ((method === 'call' || method === 'apply') && callee.object.type === 'FunctionExpression') return callee.object;
    return null;
  }

  function runFunction(fn: Node): void {
    if (simulated.has(fn)) return;
    simulated.add(fn);
    const scope = scopes.get(fn) as Scope;
    active.set(scope, new Set());
    for (const statement of fn.body.body) run(statement);
    active.delete(scope);
  }

  /** Runs `node`: expressions are evaluated, declarations take effect in order. */
  function run(node: Node): void {
    switch (node.type) {
      case 'FunctionDeclaration': {
        const scope = scopeOf.get(node)?.parent ?? null;
        // The function's own scope is keyed by its node; its name lives in the enclosing one.
        const owner = resolve(scope, node.id.name);
        if (owner !== null) active.get(owner)?.add(node.id.name);
        return;
      }
      case 'FunctionExpression':
        return;
      case 'VariableDeclarator': {
        if (node.init) run(node.init);
        const owner = resolve(scopeOf.get(node) ?? null, node.id.name);
        if (owner !== null) active.get(owner)?.add(node.id.name);
        return;
      }
      case 'Identifier':
        use(node.name, node, 'use of');
        return;
      case 'MemberExpression':
        run(node.object);
        if (node.computed) run(node.property);
        return;
      case 'Property':
        if (node.computed) run(node.key);
        run(node.value);
        return;
      case 'LabeledStatement':
        run(node.body);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'CatchClause': {
        const scope = scopes.get(node) as Scope;
        active.set(scope, new Set());
        run(node.body);
        active.delete(scope);
        return;
      }
      case 'CallExpression':
      case 'NewExpression': {
        for (const child of children(node)) run(child);
        const fn = calledFunction(node.callee);
        if (fn !== null) runFunction(fn);
        // A function handed to a call made now may be called now.
        for (const arg of node.arguments) {
          const passed = arg.type === 'FunctionExpression' ? arg : calledFunction(arg);
          if (passed !== null && arg.type !== 'FunctionExpression') runFunction(passed);
        }
        return;
      }
      default:
        for (const child of children(node)) run(child);
    }
  }

  const programScope = scopes.get(program) as Scope;
  active.set(programScope, new Set());
  for (const statement of program.body) run(statement);
  // Every other body on its own, with what encloses it complete.
  for (const [node, scope] of scopes) {
    if (!isFunction(node) || simulated.has(node)) continue;
    const complete = new Map(active);
    active.clear();
    for (let s = scope.parent; s !== null; s = s.parent) active.set(s, new Set(s.names.keys()));
    runFunction(node);
    active.clear();
    for (const [k, v] of complete) active.set(k, v);
  }
}

// ---------------------------------------------------------------------------------------------
// Regular expressions.

function regexProblems(pattern: string, flags: string): string[] {
  const out: string[] = [];
  for (const f of flags) if (f !== 'g' && f !== 'i') out.push('flag ' + f);
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      if ('upkPK'.includes(next)) out.push('the escape \\' + next);
      if (!inClass && (next === 'b' || next === 'B')) out.push('the assertion \\' + next);
      if (/[1-9]/.test(next)) out.push('a back-reference');
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') inClass = true;
    else if (ch === '?') out.push('"?"');
    else if (ch === '{' && /[0-9]/.test(pattern[i + 1] ?? '')) out.push('a {n} quantifier');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** A string for sure: a string literal, a concatenation with one, String(…) or ….toString(…). */
function isPlainString(node: Node): boolean {
  if (node.type === 'Literal') return typeof node.value === 'string';
  if (node.type === 'BinaryExpression' && node.operator === '+') return isPlainString(node.left) || isPlainString(node.right);
  if (node.type === 'CallExpression') return isName(node.callee, 'String') || memberName(node.callee) === 'toString';
  return false;
}

/** True when `statement` is the Math.imul polyfill: `Math.imul || (Math.imul = …)` or `if (!Math.imul) …`. */
function isImulPolyfill(statement: Node): boolean {
  const isImul = (n: Node | undefined): boolean =>
    n !== undefined && n.type === 'MemberExpression' && isName(n.object, 'Math') && memberName(n) === 'imul';
  if (statement.type === 'ExpressionStatement') {
    const e = statement.expression;
    return (
      e.type === 'LogicalExpression' &&
      e.operator === '||' &&
      isImul(e.left) &&
      e.right.type === 'AssignmentExpression' &&
      isImul(e.right.left)
    );
  }
  if (statement.type === 'IfStatement') {
    const t = statement.test;
    return t.type === 'UnaryExpression' && t.operator === '!' && isImul(t.argument);
  }
  return false;
}

/**
 * Where `program` has a `return` Espruino cannot parse: no value, no semicolon, not in a block,
 * right before a `}`. The offsets are those just after each such `return`.
 */
export function bareReturns(program: Node, code: string): number[] {
  const ends: number[] = [];
  (function walk(node: Node, parent: Node | null): void {
    if (
      node.type === 'ReturnStatement' &&
      node.argument === null &&
      parent !== null &&
      parent.type !== 'BlockStatement' &&
      code.slice(node.start, node.end) === 'return' &&
      /^\s*\}/.test(code.slice(node.end))
    ) {
      ends.push(node.end);
    }
    for (const child of children(node)) walk(child, node);
  })(program, null);
  return ends;
}

/** Every way `code` departs from what Espruino runs; none when it is fit. */
export function checkEspruinoScript(code: string): Violation[] {
  const violations: Violation[] = [];
  const report = (rule: string, message: string, at: number): void => {
    violations.push({ rule, message, at });
  };
  let program: Node;
  try {
    program = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' }) as Node;
  } catch (e) {
    return [{ rule: 'es5', message: 'does not parse as ECMAScript 5: ' + (e as Error).message, at: (e as { pos?: number }).pos ?? 0 }];
  }

  for (const at of bareReturns(program, code)) report('bare-return', '"return" right before "}" outside a block', at);
  const polyfillIndex = program.body.findIndex(isImulPolyfill);
  const polyfill = polyfillIndex >= 0 ? (program.body[polyfillIndex] as Node) : null;

  (function walk(node: Node, parent: Node | null): void {
    switch (node.type) {
      case 'LabeledStatement':
        report('label', 'label "' + node.label.name + '"', node.start);
        break;
      case 'BreakStatement':
      case 'ContinueStatement':
        if (node.label) report('label', node.type + ' to label "' + node.label.name + '"', node.start);
        break;
      case 'Identifier': {
        const isProperty =
          parent !== null &&
          ((parent.type === 'MemberExpression' && parent.property === node && !parent.computed) ||
            (parent.type === 'Property' && parent.key === node && !parent.computed));
        if (!isProperty && MISSING_NAMES.includes(node.name)) report('missing-global', '"' + node.name + '"', node.start);
        break;
      }
      case 'MemberExpression': {
        const name = memberName(node);
        const object = node.object.type === 'Identifier' ? node.object.name : null;
        if (name === 'prototype' && object !== null && HIDDEN_PROTOTYPES.includes(object)) {
          report('prototype', object + '.prototype', node.start);
        }
        if ((name === 'from' || name === 'of') && object !== null && (object === 'Array' || TYPED_ARRAYS.includes(object))) {
          report('array-from', object + '.' + name, node.start);
        }
        break;
      }
      case 'CallExpression': {
        const name = memberName(node.callee);
        if (name === 'slice' && !isPlainString(node.callee.object)) report('slice', '.slice( on a value not plainly a string', node.start);
        if (name === 'apply') report('apply', '.apply( (at most 256 arguments on Espruino)', node.start);
        break;
      }
      case 'Literal':
        if (node.regex) {
          for (const problem of regexProblems(node.regex.pattern, node.regex.flags)) {
            report('regex', '/' + node.regex.pattern + '/' + node.regex.flags + ' uses ' + problem, node.start);
          }
        }
        break;
    }
    for (const child of children(node)) walk(child, node);
  })(program, null);

  // Math.imul: in the polyfill itself, or in a statement after it.
  program.body.forEach((statement: Node, index: number) => {
    (function walk(node: Node): void {
      if (node.type === 'MemberExpression' && isName(node.object, 'Math') && memberName(node) === 'imul') {
        const ok = polyfill !== null && (index > polyfillIndex || (index === polyfillIndex && node.start >= polyfill.start));
        if (!ok) report('imul', 'Math.imul without the polyfill before it', node.start);
      }
      for (const child of children(node)) walk(child);
    })(statement);
  });

  checkDeclarationOrder(program, report);
  return violations.sort((a, b) => a.at - b.at);
}
