/**
 * The embedded build (dist/e4ts-embedded.js, built by build/embedded.ts) for Espruino-class
 * microcontrollers: it parses as ECMAScript 5 and passes the Espruino check of
 * build/espruino-check.ts (whose rules are shown to catch what they describe), fits its size
 * budget, reaches none of the modules it must leave out, and under duk, made to look like
 * Espruino, reproduces the e4go vectors (symmetric messages, AES-SIV, topic hashes, symmetric
 * commands, protected commands), a key transition and a state kept in Storage, once on the
 * pure-JS AES and once on a stand-in for the firmware AES. Its state codec, which reads only the
 * form e4go writes, reads every text it reads as the package's codec does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import * as acorn from 'acorn';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbedded, INTERNAL_PROPERTIES, PRELUDE } from '../build/embedded.ts';
import { checkEspruinoScript } from '../build/espruino-check.ts';
import { sivOpen, sivSeal } from '../src/backends/js/siv.ts';
import { createNativeSiv } from '../src/embedded/nativeAes.ts';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import * as packageCodec from '../src/keys/e4goJson.ts';
import * as boardCodec from '../src/keys/e4goJsonSymmetric.ts';
import type { ClientState } from '../src/keys/state.ts';
import { createEspruinoStore } from '../src/stores/espruinoStorage.ts';
import { createFakeStorage, fakeAes } from './embedded/espruino-fakes.ts';
import { DRIVER, driverScript, driverVectors, dukPrelude, runScript } from './embedded/scripts.ts';
import { duk } from './runtime/binaries.ts';
import { checkInstalled } from './runtime/check-installed.ts';
import { readVectors } from './vectors.ts';

/**
 * The budget of the build, minified: 24 KB (24,000 bytes) for the symmetric-key client. The
 * build is about 23.3 KiB: the client with its commands, key transition, timestamps and C2's
 * command builders, AES-SIV, SHA3-256 and the key cache in pure JS, the byte helpers (strict
 * UTF-8, hex, base64), the e4go state codec, the firmware-AES path, the Storage store and the
 * primitives' input checks; its errors carry their code as their message (build/embedded.ts,
 * `codeOnlyErrors`).
 */
const SIZE_BUDGET = 24_000;

let built: Awaited<ReturnType<typeof buildEmbedded>>;

beforeAll(async () => {
  built = await buildEmbedded();
});

describe('the bundle, statically', () => {
  it('parses as ECMAScript 5', () => {
    expect(() => acorn.parse(built.text, { ecmaVersion: 5, sourceType: 'script' })).not.toThrow();
  });

  it("passes the Espruino check: declaration order, labels, Math.imul, slice, prototypes, missing globals, regular expressions", () => {
    expect(checkEspruinoScript(built.text)).toEqual([]);
  });

  it('starts with the Math.imul polyfill, which computes what Math.imul does', () => {
    expect(built.text.startsWith(PRELUDE)).toBe(true);
    const imul = new Function('Math', PRELUDE.replace('var E4;', '') + 'return Math.imul;')({}) as (a: number, b: number) => number;
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), (a, b) => {
        expect(imul(a, b)).toBe(Math.imul(a, b));
      }),
    );
  });

  it('fits its size budget (' + SIZE_BUDGET + ' bytes minified)', () => {
    const bytes = Buffer.byteLength(built.text);
    console.log('embedded build: ' + bytes + ' bytes');
    expect(bytes).toBeLessThanOrEqual(SIZE_BUDGET);
  });

  it('gives its errors their code as their message, and keeps the codes', () => {
    const ctx = vm.createContext({});
    vm.runInContext(built.text, ctx);
    const caught = vm.runInContext(
      `var client = E4.createSymmetricClient({ id: new Uint8Array(16).fill(1), key: new Uint8Array(32).fill(2) });
       var caught = null;
       try { client.unprotect(new Uint8Array(40), 'no/key/for/this/topic'); } catch (e) { caught = { code: e.code, message: e.message }; }
       caught`,
      ctx,
    ) as { code: string; message: string };
    expect(caught.code).toBe('TopicKeyNotFound');
    expect(caught.message).toBe('TopicKeyNotFound');
    expect(built.text).not.toContain('topic key not found');
  });

  it("has the client's error codes, in the package's order, and none of the key server's", () => {
    const ctx = vm.createContext({});
    vm.runInContext(built.text, ctx);
    const codes = vm.runInContext('Object.keys(E4.E4ErrorCode)', ctx) as string[];
    const all = Object.keys(E4ErrorCode);
    expect(codes).toEqual(all.slice(0, all.indexOf('PoolClosed') + 1));
    expect(codes).not.toContain('NotFound');
  });

  it('holds none of curve code, Argon2, WebAssembly, backend selection or @noble', () => {
    const forbidden = /@noble|argon2|wasm|select\.ts|curves\.ts|publicKey\.ts|src\/c2\.ts/;
    expect(built.inputs.filter((p) => forbidden.test(p))).toEqual([]);
    expect(built.inputs).toContain('src/embedded/index.ts');
  });

  it('defines the global E4, and module.exports where the loader declares module', () => {
    const plain = vm.createContext({});
    vm.runInContext(built.text, plain);
    expect(typeof plain.E4.createSymmetricClient).toBe('function');
    expect(plain.E4.nativeAes).toBe(false);
    const module = { exports: {} as Record<string, unknown> };
    const loaded = vm.createContext({ module });
    vm.runInContext(built.text, loaded);
    expect(module.exports).toBe(loaded.E4);
    expect(Object.keys(module.exports).sort()).toEqual([
      'C_CLIENT_WINDOW',
      'E4ErrorCode',
      'GO_CLIENT_WINDOW',
      'aesSivOpen',
      'aesSivSeal',
      'cmdRemoveTopic',
      'cmdResetTopics',
      'cmdSetIdKey',
      'cmdSetTopicKey',
      'createEspruinoStore',
      'createSymmetricClient',
      'fromHex',
      'hashTopic',
      'idFromName',
      'isE4Error',
      'loadSymmetricClient',
      'nativeAes',
      'protectCommand',
      'toHex',
    ]);
  });

  it('shortens no property name a caller, the firmware or the engine reads', () => {
    const seen = [
      ...Object.keys(vm.runInContext(built.text + ';E4', vm.createContext({}))),
      // The client, its options and results, the window, the store, Storage, the firmware AES, errors.
      ...['id', 'controlTopic', 'modeName', 'protect', 'unprotect', 'exportState', 'destroy', 'isControlTopic'],
      ...['key', 'store', 'clock', 'window', 'text', 'kind', 'payload', 'command', 'maxAgeMs', 'futureSkewMs'],
      ...['load', 'save', 'read', 'write', 'AES', 'encrypt', 'mode', 'iv', 'name', 'code', 'message'],
      ...['keys', 'get', 'set', 'fill', 'length', 'subarray', 'buffer', 'prototype'],
    ];
    expect(INTERNAL_PROPERTIES.filter((name) => seen.includes(name))).toEqual([]);
  });

  it('the driver run on the boards passes the same check', () => {
    expect(checkEspruinoScript('var VECTORS, E4;\n' + DRIVER)).toEqual([]);
  });
});

describe('the Espruino check catches what it refuses', () => {
  const rules = (code: string) => checkEspruinoScript(code).map((v) => v.rule);
  it.each([
    ['a call before the function declaration runs', 'f(); function f() {}', 'declaration-order'],
    ['an inner function called before its declaration', 'function a() { b(); function b() {} } a();', 'declaration-order'],
    ['an inner function called early in a body never called at load', 'function a() { b(); function b() {} }', 'declaration-order'],
    ['a var read before its declaration', 'var x = y; var y = 1;', 'declaration-order'],
    ['a call whose body calls a later function', 'function g() { return h(); } g(); function h() {}', 'declaration-order'],
    ['a function passed to a call, calling a later one', 'function run(f) { f(); } function cb() { later(); } run(cb); function later() {}', 'declaration-order'],
    ['an immediately invoked function', '(function () { x(); })(); function x() {}', 'declaration-order'],
    ['new before the declaration', 'new C(); function C() {}', 'declaration-order'],
    ['a function in a var, called before a var it reads', 'var cb = function () { return w; }; cb(); var w = 1;', 'declaration-order'],
    ['a label', 'a: for (;;) { break a; }', 'label'],
    ['a bare return as an if body before "}"', 'function f(r) { if (r) return }', 'bare-return'],
    ['a bare return in an else before "}"', 'function f(r) { if (r) return; else return }', 'bare-return'],
    ['a bare return as a loop body before "}"', 'function f(r) { while (r) return }', 'bare-return'],
    ['Math.imul without the polyfill', 'var z = Math.imul(3, 5);', 'imul'],
    ['Math.imul before the polyfill', 'var z = Math.imul(3, 5); Math.imul || (Math.imul = function () { return 0; });', 'imul'],
    ['.slice( on a typed array', 'var a = new Uint8Array(3); a.slice(1);', 'slice'],
    ['.apply(', 'function f() {} f.apply(null, [1]);', 'apply'],
    ['Array.prototype', 'Array.prototype.slice.call([]);', 'prototype'],
    ['Uint8Array.prototype', 'Uint8Array.prototype.fill = null;', 'prototype'],
    ['Uint8Array.from', 'Uint8Array.from([1]);', 'array-from'],
    ['unescape', 'unescape("%41");', 'missing-global'],
    ['TextEncoder', 'new TextEncoder();', 'missing-global'],
    ['TextDecoder', 'new TextDecoder();', 'missing-global'],
    ['Symbol', 'var s = Symbol;', 'missing-global'],
    ['Map', 'new Map();', 'missing-global'],
    ['Set', 'new Set();', 'missing-global'],
    ['Promise', 'Promise.resolve(1);', 'missing-global'],
    ['a {n} quantifier', 'var r = /^[0-9a-f]{32}$/;', 'regex'],
    ['a ? quantifier', 'var r = /^-?1$/;', 'regex'],
    ['a \\u escape in a regular expression', 'var r = /\\u212a/g;', 'regex'],
    ['let (not ES5)', 'let x = 1;', 'es5'],
    ['async (not ES5)', 'async function f() {}', 'es5'],
  ])('%s', (_what, code, rule) => {
    expect(rules(code)).toContain(rule);
  });

  it.each([
    ['declarations before their use', 'function f() { return g(); } function g() {} f();'],
    ['a method called after load', 'var o = { m: function () { return q(); } }; function q() {} o.m();'],
    ['a closure run after the var it reads', 'var cb = function () { return w; }; var w = 1; cb();'],
    ['.slice( on strings', 'var s = "abc".slice(1) + ("0" + 5).slice(-2) + String(7).slice(0) + (9).toString(16).slice(0);'],
    ['Math.imul after the polyfill', 'Math.imul || (Math.imul = function (a, b) { return 0; }); var z = Math.imul(3, 5);'],
    ["Espruino's regular expressions", 'var r = /^invalid [A-Za-z0-9]+ length$/, s = /[^\\x20-\\x7e]/g, t = /[\\r\\n]/g;'],
    ['a property named like a missing global', 'var o = { Map: 1 }; o.Set = 2;'],
    ['returns Espruino parses', 'function f(r) { if (r) return; while (r) { return } return }'],
  ])('accepts %s', (_what, code) => {
    expect(checkEspruinoScript(code)).toEqual([]);
  });
});

describe('AES-SIV on the firmware AES (stand-in) agrees with the table AES', () => {
  const native = createNativeSiv(fakeAes);
  it('seals and opens every length of 0 to 80 bytes and every count of 0 to 3 strings as the table AES does', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
        fc.uint8Array({ maxLength: 80 }),
        (key, ads, plaintext) => {
          key[0] |= 1;
          const sealed = sivSeal(key, ads, plaintext);
          expect(native.sivSeal(key, ads, plaintext)).toEqual(sealed);
          expect(native.sivOpen(key, ads, sealed)).toEqual(plaintext);
          sealed[sealed.length - 1] ^= 0x80;
          expect(() => native.sivOpen(key, ads, sealed)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
          expect(() => sivOpen(key, ads, sealed)).toThrow(expect.objectContaining({ code: E4ErrorCode.NotAuthentic }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves keys other than 64 bytes to the table AES', () => {
    const key = new Uint8Array(32).fill(3);
    expect(native.sivSeal(key, [], new Uint8Array(5))).toEqual(sivSeal(key, [], new Uint8Array(5)));
  });
});

describe('the Espruino Storage store', () => {
  const STATE = '{"ID":"AAECAwQFBgcICQoLDA0ODw==","ReceivingTopic":"e4/capteurs/température/°C/€/😀"}\n';

  it('loads null when there is no file, then exactly what it saved, as UTF-8 bytes', () => {
    const storage = createFakeStorage();
    const store = createEspruinoStore('e4state', storage);
    expect(store.load()).toBeNull();
    store.save(STATE);
    expect(store.load()).toBe(STATE);
    expect(createEspruinoStore('e4state', storage).load()).toBe(STATE);
    expect(storage.read('e4state')).toBe(Buffer.from(STATE, 'utf8').toString('latin1'));
    store.save('{}');
    expect(store.load()).toBe('{}');
  });

  it('reports a failed write as StoreFailed', () => {
    const storage = createFakeStorage();
    const store = createEspruinoStore('e4state', {
      read: storage.read,
      write: () => false,
    });
    expect(() => store.save(STATE)).toThrow(expect.objectContaining({ code: E4ErrorCode.StoreFailed }));
    const throwing = createEspruinoStore('e4state', {
      read: () => {
        throw new Error('flash');
      },
      write: () => {
        throw new Error('Unable to find or create file');
      },
    });
    expect(() => throwing.save(STATE)).toThrow(expect.objectContaining({ code: E4ErrorCode.StoreFailed }));
    expect(() => throwing.load()).toThrow(expect.objectContaining({ code: E4ErrorCode.StoreFailed }));
  });

  it('reports a damaged file (not UTF-8, cut short, or not 8-bit) as StoreFailed', () => {
    for (const data of ['\xff\xff\xff', 'ok \xe2\x82', 'wide \u20ac']) {
      const store = createEspruinoStore('e4state', { read: () => data, write: () => true });
      const e = (() => {
        try {
          store.load();
        } catch (error) {
          return error;
        }
      })();
      expect(isE4Error(e, E4ErrorCode.StoreFailed)).toBe(true);
    }
  });

  it('refuses the empty text (Storage holds no empty file), a lone surrogate and bad names, keeping the stored text', () => {
    const storage = createFakeStorage();
    const store = createEspruinoStore('e4state', storage);
    store.save(STATE);
    expect(() => store.save('')).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidArgument }));
    expect(() => store.save('a\ud800b')).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidUtf8 }));
    expect(() => store.save(42 as unknown as string)).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidArgument }));
    expect(store.load()).toBe(STATE);
    for (const name of ['', 'x'.repeat(29), 7 as unknown as string]) {
      expect(() => createEspruinoStore(name, storage)).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidArgument }));
    }
  });

  it('without a storage and without Espruino, says require("Storage") is missing', () => {
    expect(() => createEspruinoStore('e4state')).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidArgument }));
  });
});

/** Every state text of the e4go vector files: each string field whose name contains "state". */
function stateTexts(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) stateTexts(item, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [name, value] of Object.entries(node)) {
      if (typeof value === 'string' && /state/i.test(name)) out.add(value);
      else stateTexts(value, out);
    }
  }
  return out;
}

/** What the board's codec reads from `text`: a state, or 'InvalidState'; any other throw fails the test. */
function boardRead(text: string): ClientState | 'InvalidState' {
  try {
    return boardCodec.importE4goState(text);
  } catch (e) {
    if (isE4Error(e, E4ErrorCode.InvalidState)) return 'InvalidState';
    throw e;
  }
}

const symmetricState = fc
  .record({
    id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    topicKeys: fc.dictionary(
      fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
      fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 40, maxLength: 40 })),
      { maxKeys: 3 },
    ),
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0)),
    otherTopic: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
  })
  .map(
    (r): ClientState => ({
      id: r.id,
      topicKeys: { ...r.topicKeys },
      key: { keyType: 0, key: r.key },
      receivingTopic: r.otherTopic ?? 'e4/' + Buffer.from(r.id).toString('hex'),
    }),
  );

/** One character inserted, removed or replaced, where JSON cares most. */
const edit = fc.record({
  at: fc.nat(),
  remove: fc.boolean(),
  insert: fc.constantFrom('', ' ', '\n', '"', '\\', ',', ':', '{', '}', '[', 'A', '=', '0', 'u', 'n'),
});

describe("the board's state codec: symmetric-key states, in the form e4go writes them", () => {
  const texts = [
    ...stateTexts(readVectors('e4go-vectors.json'), stateTexts(readVectors('e4go-edge-vectors.json'), new Set())),
  ];

  it('reads each vector text it reads as the package reads it, and refuses the others as InvalidState', () => {
    let read = 0;
    for (const text of texts) {
      const state = boardRead(text);
      if (state === 'InvalidState') continue;
      expect(state).toEqual(packageCodec.importE4goState(text));
      read++;
    }
    expect(texts.length).toBeGreaterThan(80);
    expect(read).toBeGreaterThanOrEqual(25);
  });

  it('writes and reads back every symmetric-key state as the package does, but one whose receiving topic Go escapes', () => {
    fc.assert(
      fc.property(symmetricState, (state) => {
        const text = packageCodec.exportE4goState(state);
        const escaped = !text.endsWith('"ReceivingTopic":"' + state.receivingTopic + '"}\n');
        if (escaped) {
          expect(() => boardCodec.exportE4goState(state)).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidState }));
          expect(boardRead(text)).toBe('InvalidState');
        } else {
          expect(boardCodec.exportE4goState(state)).toBe(text);
          expect(boardRead(text)).toEqual(packageCodec.importE4goState(text));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads a text one character away from what e4go writes as the package does, or refuses it', () => {
    fc.assert(
      fc.property(symmetricState, edit, (state, e) => {
        const written = packageCodec.exportE4goState(state);
        const at = e.at % (written.length + 1);
        const text = written.substring(0, at) + e.insert + written.substring(e.remove ? at + 1 : at);
        const back = boardRead(text);
        if (back !== 'InvalidState') expect(back).toEqual(packageCodec.importE4goState(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a public-key state, to read or to write', () => {
    const pk = texts.find((text) => {
      try {
        return packageCodec.importE4goState(text).key.keyType === 1;
      } catch {
        return false;
      }
    }) as string;
    expect(boardRead(pk)).toBe('InvalidState');
    expect(() => boardCodec.exportE4goState(packageCodec.importE4goState(pk))).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidState }));
  });
});

const DUK_BINARY = duk();
const DUK = DUK_BINARY.path;
checkInstalled(DUK_BINARY);

describe('under duk, made to look like Espruino', () => {
  let dir: string;
  let vectors: Record<string, any>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e4ts-embedded-'));
    vectors = await driverVectors();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(DUK !== null).each([
    ['on the pure-JS AES', false],
    ['on the firmware AES (stand-in on the table AES)', true],
  ])('reproduces the e4go vectors, a key transition and a state kept in Storage %s', async (_what, withAes) => {
    const script = await driverScript({ prelude: await dukPrelude(withAes), vectors, bundle: built.text });
    const path = join(dir, 'run-' + withAes + '.js');
    writeFileSync(path, script);
    const result = runScript(DUK as string, path);
    expect(result.failures).toEqual([]);
    expect(result.nativeAes).toBe(withAes);
    // Topics go in as strings and as UTF-8 bytes: two forms each under duk.
    expect(result.sections).toEqual({
      symMessages: { pass: 2 * vectors.symMessages.length, fail: 0 },
      aesSiv: { pass: vectors.aesSiv.length, fail: 0 },
      topicHashes: { pass: 2 * vectors.topicHashes.length, fail: 0 },
      commands: { pass: vectors.commands.length, fail: 0 },
      commandBuilderErrors: { pass: vectors.commandBuilderErrors.length, fail: 0 },
      protectedCommands: { pass: vectors.protectedCommands.length, fail: 0 },
      transition: { pass: 9, fail: 0 },
    });
    expect(vectors.symMessages.length).toBe(24);
    expect(vectors.aesSiv.length).toBe(36);
    expect(vectors.protectedCommands.length).toBe(11);
  });
});
