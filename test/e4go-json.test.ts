/**
 * The Go client's store format (E4-PROTOCOL.md, "Client state"): e4go's own texts round-trip
 * byte for byte, Go's load verdicts on every state text of the edge vectors hold (apart from
 * e4ts's deliberate refusals, all listed in `REFUSALS`), random states round-trip, and no input
 * makes the reader throw anything but an InvalidState error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E4ErrorCode, isE4Error } from '../src/errors.ts';
import { exportE4goState, importE4goState } from '../src/keys/e4goJson.ts';
import type { ByteTable, ClientState, KeyMaterial } from '../src/keys/state.ts';
import { toHex } from '../src/utils.ts';
import { readVectors } from './vectors.ts';

const invalidState = expect.objectContaining({ code: E4ErrorCode.InvalidState });

const b64hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

function tableHex(table: ByteTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(table)) out[name] = toHex(table[name]);
  return out;
}

function jsonTableHex(table: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(table)) out[name] = b64hex(table[name]);
  return out;
}

/** 'ok' when the text loads, 'InvalidState' when it is refused; any other throw fails the test. */
function verdict(text: string): 'ok' | 'InvalidState' {
  try {
    importE4goState(text);
    return 'ok';
  } catch (e) {
    if (isE4Error(e, E4ErrorCode.InvalidState)) return 'InvalidState';
    throw e;
  }
}

/** A JSON edit of a state text (JSON.stringify writes no HTML escapes; the reader takes both). */
function edit(text: string, change: (state: any) => void): string {
  const state = JSON.parse(text);
  change(state);
  return JSON.stringify(state) + '\n';
}

function replaced(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

// ---------------------------------------------------------------------------------------------

interface ClientStateVector {
  description: string;
  json: any;
  jsonText: string;
}

describe('e4go clientStates', () => {
  const vectors = readVectors<{ clientStates: ClientStateVector[] }>('e4go-vectors.json').clientStates;

  it('has the four states', () => {
    expect(vectors.length).toBe(4);
  });

  it.each(vectors.map((v) => [v.description, v] as const))('%s: loads and saves back byte for byte', (_, v) => {
    const state = importE4goState(v.jsonText);
    expect(exportE4goState(state)).toBe(v.jsonText);

    expect(toHex(state.id)).toBe(b64hex(v.json.ID));
    expect(tableHex(state.topicKeys)).toEqual(jsonTableHex(v.json.TopicKeys));
    expect(state.receivingTopic).toBe(v.json.ReceivingTopic);
    const data = v.json.Key.keyData;
    expect(state.key.keyType).toBe(v.json.Key.keyType);
    if (state.key.keyType === 0) {
      expect(toHex(state.key.key)).toBe(b64hex(data.Key));
    } else {
      expect(toHex(state.key.privateKey)).toBe(b64hex(data.PrivateKey));
      expect(toHex(state.key.signerId)).toBe(b64hex(data.SignerID));
      expect(toHex(state.key.c2PublicKey)).toBe(b64hex(data.C2PubKey));
      expect(state.key.pubKeys).not.toBeNull();
      expect(tableHex(state.key.pubKeys as ByteTable)).toEqual(jsonTableHex(data.PubKeys));
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface Probe {
  action: string;
  name?: string;
  command?: string;
  processResult?: string;
  stateAfter?: string;
}

interface Quirk {
  description: string;
  stateText?: string;
  loadResult?: string;
  probes?: Probe[];
  symState?: string;
  pkState?: string;
  pkFreshState?: string;
}

const edge = readVectors<{ stateJsonQuirks: Quirk[]; setC2KeyLowOrder: any[] }>('e4go-edge-vectors.json');
const quirks = edge.stateJsonQuirks;
const SYM = quirks[0].symState as string;
const PK = quirks[0].pkState as string;

function quirk(description: string): Quirk {
  const found = quirks.filter((q) => q.description === description);
  expect(found.length).toBe(1);
  return found[0];
}

/** Every state text in the file: each string field whose name contains "state". */
function collectStateTexts(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) collectStateTexts(item, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [name, value] of Object.entries(node)) {
      if (typeof value === 'string' && /state/i.test(name)) out.add(value);
      else collectStateTexts(value, out);
    }
  }
  return out;
}

/** Go's LoadClient verdict for each text an entry loads: every object with stateText and loadResult. */
function collectGoVerdicts(node: unknown, out: Map<string, string>): Map<string, string> {
  if (Array.isArray(node)) for (const item of node) collectGoVerdicts(item, out);
  else if (typeof node === 'object' && node !== null) {
    const { stateText, loadResult } = node as { stateText?: unknown; loadResult?: unknown };
    if (typeof stateText === 'string' && typeof loadResult === 'string') {
      expect(out.get(stateText) ?? loadResult).toBe(loadResult);
      out.set(stateText, loadResult);
    }
    for (const value of Object.values(node)) collectGoVerdicts(value, out);
  }
  return out;
}

const STATE_TEXTS = [...collectStateTexts(edge, new Set())];
const GO_VERDICTS = collectGoVerdicts(edge, new Map());

function parsedOrNull(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const TOP_LEVEL = ['ID', 'TopicKeys', 'Key', 'ReceivingTopic'];

function hasUpperHexName(table: unknown): boolean {
  return typeof table === 'object' && table !== null && Object.keys(table).some((name) => /[A-F]/.test(name));
}

interface Refusal {
  name: string;
  reason: string;
  /** The stateJsonQuirks cases where Go loads such a text (by description). */
  goCases: string[];
  /** Further texts showing it, made from the base states. */
  examples: string[];
  /** Whether a vector text carries it (for refusals the vectors show). */
  appliesTo?: (text: string) => boolean;
}

/** Every state Go loads and e4ts refuses on purpose, with the reason. */
const REFUSALS: Refusal[] = [
  {
    name: 'keyData name matched through U+212A KELVIN SIGN',
    reason: 'Go folds U+212A to K; no encoder writes it, so it is malformed input, not a key',
    goCases: ['sym: keyData field written with U+212A KELVIN SIGN for the K: Go\'s case folding matches it to Key'],
    examples: [replaced(PK, '"PubKeys"', '"Pub\\u212aeys"')],
    appliesTo: (text) => /\u212a|\\u212a/i.test(text),
  },
  {
    name: 'keyData name matched through U+017F LATIN SMALL LETTER LONG S',
    reason: 'Go folds U+017F to s; no encoder writes it, so it is malformed input, not a key',
    goCases: ['pk: SignerID written with U+017F LATIN SMALL LETTER LONG S (ſignerID): Go\'s folding matches it'],
    examples: [replaced(PK, '"PubKeys"', '"PubKey\u017f"')],
    appliesTo: (text) => /\u017f|\\u017f/i.test(text),
  },
  {
    name: 'top-level name in another case',
    reason: 'Go reads top-level names exactly and loads the field empty: no key (a panic on use), no control topic',
    goCases: [
      'top-level names id, topicKeys, key, receivingTopic (lower-case initial): matched exactly, so nothing is read and LoadClient still succeeds',
      'top-level "KEY" instead of "Key" (others exact)',
      'top-level "receivingTopic" instead of "ReceivingTopic" (others exact)',
    ],
    examples: [replaced(SYM, '"ID"', '"ID":"AAAAAAAAAAAAAAAAAAAAAA==","Id"'), replaced(SYM, '"TopicKeys"', '"Topic\u212aeys":{},"TopicKeys"')],
    appliesTo: (text) => {
      const state = parsedOrNull(text);
      if (state === null || typeof state !== 'object') return false;
      return Object.keys(state).some(
        (name) => !TOP_LEVEL.includes(name) && TOP_LEVEL.some((exact) => exact.toLowerCase() === name.toLowerCase()),
      );
    },
  },
  {
    name: '"keyType" or "keyData" in another case beside the exact name',
    reason: 'Go reads these names exactly and skips the variant; a state holding both is malformed',
    goCases: [],
    examples: [replaced(SYM, '"keyType":0', '"keyType":0,"keytype":1'), replaced(SYM, '"keyData"', '"KeyData":null,"keyData"')],
  },
  {
    name: 'PubKeys id in upper-case hex',
    reason: 'Go reads it, but looks ids up in lower case: the key is never found',
    goCases: ['pk: PubKeys id in upper-case hex: accepted on load, but lookups use lower case'],
    examples: [],
    appliesTo: (text) => hasUpperHexName(parsedOrNull(text)?.Key?.keyData?.PubKeys),
  },
  {
    name: 'TopicKeys name in upper-case hex',
    reason: 'Go reads it, but looks topic hashes up in lower case: the key is never found',
    goCases: ['sym: TopicKeys hash in upper-case hex: accepted on load (topic keys are not validated), lookups use lower case'],
    examples: [],
    appliesTo: (text) => hasUpperHexName(parsedOrNull(text)?.TopicKeys),
  },
  {
    name: 'TopicKeys name that is not hex of 16 bytes',
    reason: 'Go reads any name, but only looks up hex of 16-byte hashes: the key is never found',
    goCases: [],
    examples: [
      replaced(SYM, '"3d2a1a22f34db2050d851e4380b51fde"', '"zz2a1a22f34db2050d851e4380b51fde"'),
      replaced(SYM, '"3d2a1a22f34db2050d851e4380b51fde"', '"3d2a1a22f34db2050d851e4380b51f"'),
      replaced(SYM, '"3d2a1a22f34db2050d851e4380b51fde"', '"3d2a1a22f34db2050d851e4380b51fde0"'),
      replaced(SYM, '"3d2a1a22f34db2050d851e4380b51fde"', '"__proto__"'),
    ],
  },
  {
    name: 'a missing top-level field',
    reason: 'Go loads the client with the field empty: no key (a panic on use), no id, no control topic, a nil table',
    goCases: [],
    examples: TOP_LEVEL.map((name) => edit(SYM, (s) => delete s[name])),
  },
  {
    name: 'null where Go leaves a field empty',
    reason: 'Go decodes null as a no-op: an empty control topic, a nil TopicKeys map (panics on SetTopicKey), keyType 0',
    goCases: [],
    examples: [
      edit(SYM, (s) => (s.ReceivingTopic = null)),
      edit(SYM, (s) => (s.TopicKeys = null)),
      edit(SYM, (s) => (s.Key.keyType = null)),
      edit(SYM, (s) => (s.ID = null)),
    ],
  },
  {
    name: 'keyType -0',
    reason: 'Go reads -0 as 0; no encoder writes it',
    goCases: [],
    examples: [replaced(SYM, '"keyType":0', '"keyType":-0')],
  },
  {
    name: 'a null TopicKeys value',
    reason: 'Go stores a nil key that fails on every use (and writes it back as null)',
    goCases: [],
    examples: [edit(SYM, (s) => (s.TopicKeys['3d2a1a22f34db2050d851e4380b51fde'] = null))],
  },
  {
    name: 'an ID other than 16 bytes',
    reason: 'Go accepts an id of any length; E4 ids are 16 bytes (E4-PROTOCOL.md, "Sizes")',
    goCases: [],
    examples: [edit(SYM, (s) => (s.ID = 'AAAAAAAAAAAAAAAAAAAA')), edit(SYM, (s) => (s.ID = ''))],
  },
];

function refusalOf(text: string): Refusal | undefined {
  return REFUSALS.find((r) => r.appliesTo !== undefined && r.appliesTo(text));
}

/**
 * The text Go saved right after loading `state` when it could: the first command that succeeds
 * is a RemoveTopic of a topic the state does not hold, which changes nothing and saves.
 */
function goResaved(q: Quirk, state: ClientState): string | undefined {
  for (const probe of q.probes ?? []) {
    if (probe.action !== 'command' || probe.processResult !== 'ok') continue;
    const noOp = probe.name === 'RemoveTopic' && !Object.prototype.hasOwnProperty.call(state.topicKeys, probe.command!.slice(2));
    return noOp ? probe.stateAfter : undefined;
  }
  return undefined;
}

describe('e4go edge vectors: stateJsonQuirks and every other state text', () => {
  it('finds the state texts of the file and Go\'s verdicts on the ones it loads', () => {
    expect(STATE_TEXTS.length).toBeGreaterThan(80);
    expect(GO_VERDICTS.size).toBe(quirks.filter((q) => q.stateText !== undefined).length + 1);
    for (const text of GO_VERDICTS.keys()) expect(STATE_TEXTS).toContain(text);
  });

  it.each(REFUSALS.map((r) => [r.name, r] as const))('deliberate refusal: %s', (_, r) => {
    expect(r.goCases.length + r.examples.length).toBeGreaterThan(0);
    for (const description of r.goCases) {
      const q = quirk(description);
      expect(q.loadResult).toBe('ok');
      expect(r.appliesTo!(q.stateText!)).toBe(true);
      expect(() => importE4goState(q.stateText!)).toThrow(invalidState);
    }
    for (const text of r.examples) expect(() => importE4goState(text)).toThrow(invalidState);
  });

  it.each(quirks.filter((q) => q.stateText !== undefined).map((q) => [q.description, q] as const))(
    'quirk: %s',
    (_, q) => {
      const text = q.stateText!;
      if (q.loadResult !== 'ok' || refusalOf(text) !== undefined) {
        expect(() => importE4goState(text)).toThrow(invalidState);
        return;
      }
      const state = importE4goState(text);
      const saved = exportE4goState(state);
      expect(exportE4goState(importE4goState(saved))).toBe(saved);
      const resaved = goResaved(q, state);
      if (resaved !== undefined) expect(saved).toBe(resaved);
    },
  );

  it('re-saves as Go did wherever a quirk shows Go\'s save right after the load', () => {
    const compared = quirks.filter((q) => {
      if (q.loadResult !== 'ok' || refusalOf(q.stateText!) !== undefined) return false;
      return goResaved(q, importE4goState(q.stateText!)) !== undefined;
    });
    // Missing PubKeys (saved as null), the keyData case variants, base64 with \r\n, trailing
    // bytes, a second object, no newline, leading whitespace, the mismatched private key.
    expect(compared.length).toBeGreaterThanOrEqual(13);
  });

  it('loads every text Go wrote and saves it back unchanged, and refuses what Go or e4ts refuses', () => {
    const counts = { resaved: 0, goRefused: 0, deliberate: 0 };
    for (const text of STATE_TEXTS) {
      const go = GO_VERDICTS.get(text);
      if (go !== undefined && go !== 'ok') {
        expect(verdict(text)).toBe('InvalidState');
        counts.goRefused++;
      } else if (refusalOf(text) !== undefined) {
        expect(verdict(text)).toBe('InvalidState');
        counts.deliberate++;
      } else if (go === undefined) {
        // Not an input a case was built around: a text Go's encoder wrote.
        expect(exportE4goState(importE4goState(text))).toBe(text);
        counts.resaved++;
      }
    }
    expect(counts.resaved).toBeGreaterThanOrEqual(45);
    expect(counts.goRefused).toBe([...GO_VERDICTS.values()].filter((v) => v !== 'ok').length);
    expect(counts.deliberate).toBeGreaterThanOrEqual(7);
  });

  it('reads the custom control topic that Go wrote with \\u003c, \\u003e, \\u0026, \\u2028, \\u2029', () => {
    const q = quirks.find((x) => (x as any).receivingTopicOption !== undefined) as any;
    const reload = q.probes.find((p: any) => p.action === 'reload');
    const state = importE4goState(reload.stateText);
    expect(state.receivingTopic).toBe(q.receivingTopicOption);
    expect(state.receivingTopic).toBe(reload.receivingTopicAfterReload);
    expect(exportE4goState(state)).toBe(reload.stateText);
  });

  it('reads the saved states with a low-order C2 key, which the public-key client refuses', () => {
    // Go's reload fails in FromRawJSON's shared-key derivation (X25519 of a low-order point), not
    // in its JSON or validate(); in e4ts the public-key client derives that key when it loads.
    const cases = edge.setC2KeyLowOrder.filter((c) => c.reloadResult !== undefined && c.reloadResult !== 'ok');
    expect(cases.length).toBe(5);
    for (const c of cases) {
      expect(c.reloadResult).toContain('low order point');
      const saved = c.steps[c.steps.length - 1].stateAfter as string;
      expect(exportE4goState(importE4goState(saved))).toBe(saved);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('Go reading corners', () => {
  const symKey = b64hex(JSON.parse(SYM).Key.keyData.Key);
  const symKeyOf = (text: string): string => {
    const key = importE4goState(text).key;
    expect(key.keyType).toBe(0);
    return toHex((key as Extract<KeyMaterial, { keyType: 0 }>).key);
  };
  const OTHER_KEY = 'HnBE35DdFCPpc0AcQjuSSlHjtgu68FJuUOHILWGgGKE=';
  const PEER = '4426693959f38210e46b2065b2e2878a';
  const PEER_KEY = JSON.parse(PK).Key.keyData.PubKeys[PEER] as string;
  const OTHER_PEER = '0123456789abcdef0123456789abcdef';

  it('takes the last of duplicate top-level names, whatever the earlier ones hold', () => {
    const text = replaced(SYM, '{"ID"', '{"ID":5,"ReceivingTopic":"first","ID"');
    const state = importE4goState(text);
    expect(state.receivingTopic).toBe('e4/12bc06a531f839d5cd061a2cc9f03530');
    expect(state.id.length).toBe(16);
  });

  it('decodes every keyData duplicate, the later one winning (a bad earlier one fails, as in Go)', () => {
    expect(symKeyOf(replaced(SYM, '{"Key":', '{"KEY":"' + OTHER_KEY + '","Key":'))).toBe(symKey);
    expect(symKeyOf(replaced(SYM, '{"Key":', '{"Key":"' + OTHER_KEY + '","key":'))).toBe(symKey);
    expect(() => importE4goState(replaced(SYM, '{"Key":', '{"KEY":5,"Key":'))).toThrow(invalidState);
    expect(() => importE4goState(replaced(SYM, '{"Key":', '{"KEY":"***","Key":'))).toThrow(invalidState);
    expect(() => importE4goState(replaced(SYM, '="}}', '=","key":null}}'))).toThrow(invalidState);
  });

  it('merges repeated PubKeys objects, as encoding/json decodes into the map it holds', () => {
    const text = replaced(PK, '"PubKeys":', '"pubKeys":{"' + OTHER_PEER + '":"' + OTHER_KEY + '"},"PubKeys":');
    const pk = importE4goState(text).key as Extract<KeyMaterial, { keyType: 1 }>;
    expect(Object.keys(pk.pubKeys as ByteTable).sort()).toEqual([OTHER_PEER, PEER]);
    const nulled = importE4goState(replaced(PK, '"PubKeys":', '"pubKeys":{"' + OTHER_PEER + '":"' + OTHER_KEY + '"},"PubKeys":null,"x":'));
    expect((nulled.key as Extract<KeyMaterial, { keyType: 1 }>).pubKeys).toBeNull();
  });

  it('writes a PubKeys null back as null and an empty table as {}', () => {
    const nulled = edit(PK, (s) => (s.Key.keyData.PubKeys = null));
    expect(exportE4goState(importE4goState(nulled))).toContain('"PubKeys":null}}');
    const emptied = edit(PK, (s) => (s.Key.keyData.PubKeys = {}));
    expect(exportE4goState(importE4goState(emptied))).toContain('"PubKeys":{}}}');
  });

  it('ignores unknown names at every level and reads escaped names', () => {
    const text = edit(PK, (s) => {
      s.Extra = [1, { a: null }, 'x'];
      s.Key.other = true;
      s.Key.keyData.Key = '!!not base64!!';
      s.Key.keyData.priv = 3;
    });
    expect(exportE4goState(importE4goState(text))).toBe(PK);
    expect(exportE4goState(importE4goState(replaced(SYM, '"ID"', '"\\u0049D"')))).toBe(SYM);
  });

  it('decodes strings as Go unquotes them', () => {
    const topic = (literal: string): string => importE4goState(replaced(SYM, '"e4/12bc06a531f839d5cd061a2cc9f03530"', literal)).receivingTopic;
    expect(topic('"a\\/b\\b\\f\\n\\r\\t\\"\\\\"')).toBe('a/b\b\f\n\r\t"\\');
    expect(topic('"\\u00e9\\uD83D\\uDD11<>&\u2028"')).toBe('é🔑<>&\u2028');
    expect(topic('"\\ud800"')).toBe('\ufffd');
    expect(topic('"\\ud800\\u0041"')).toBe('\ufffdA');
    expect(topic('"\\udc00\\ud800"')).toBe('\ufffd\ufffd');
    expect(topic('"\\ud83d\\ud83d\\udd11"')).toBe('\ufffd🔑');
    expect(topic('"x\ud800y\udc00"')).toBe('x\ufffdy\ufffd');
    expect(topic('"\u007f\ufffd"')).toBe('\u007f\ufffd');
  });

  it('reads base64 as base64.StdEncoding: \\r and \\n skipped anywhere, nothing else', () => {
    const keyWith = (literal: string) => replaced(SYM, '"l09+0NKOUJs1a7MoSyeJAzHd52kotvdTU8vJWwm6XTM="', literal);
    expect(symKeyOf(keyWith('"\\nl09+0NKOUJs1a7MoSyeJAzHd52kotvdTU8vJWwm6XTM\\r=\\n"'))).toBe(symKey);
    expect(symKeyOf(keyWith('"l09+0NKOUJs1a7MoSyeJAzHd52kotvdTU8vJWwm6XTM=\\r\\n"'))).toBe(symKey);
    for (const bad of ['"l09+0NKOUJs1a7MoSyeJAzHd52kotvdTU8vJWwm6XTM=\\t"', '"l09+0NKOUJs1a7MoSyeJAzHd52kotvdTU8vJWwm6XTM= "', '"l09+0NKOUJs1a7MoSyeJAzHd52kotvdTU8vJWwm6XT=M"', '"l09+0NKOUJs1a7MoSyeJAzHd52kotvdTU8vJWwm6XTM=="']) {
      expect(() => importE4goState(keyWith(bad))).toThrow(invalidState);
    }
  });

  it.each([
    ['trailing comma', (t: string) => replaced(t, '="}}', '=",}}')],
    ['single quotes', (t: string) => replaced(t, '"ID"', "'ID'")],
    ['a leading zero in an ignored number', (t: string) => replaced(t, '{"ID"', '{"x":01,"ID"')],
    ['a number without digits after the point', (t: string) => replaced(t, '{"ID"', '{"x":1.,"ID"')],
    ['a raw control character in a string', (t: string) => replaced(t, 'e4/', 'e4/\u0001')],
    ['an unknown escape', (t: string) => replaced(t, 'e4/', 'e4\\x/')],
    ['a short \\u escape', (t: string) => replaced(t, 'e4/', 'e4\\u12/')],
    ['a missing colon', (t: string) => replaced(t, '"ID":', '"ID" ')],
    ['an unquoted name', (t: string) => replaced(t, '"ID":', 'ID:')],
    ['a misspelled literal', (t: string) => replaced(t, '{"ID"', '{"x":nul,"ID"')],
    ['an array at the top', (t: string) => '[' + t + ']'],
    ['a string at the top', () => '"state"'],
    ['null at the top', () => 'null'],
    ['only whitespace', () => ' \n\t\r'],
    ['a byte order mark', (t: string) => '\ufeff' + t],
  ])('refuses malformed JSON: %s', (_, make) => {
    expect(() => importE4goState(make(SYM))).toThrow(invalidState);
  });

  it('allows nesting to 10000 levels and refuses deeper, as encoding/json does', () => {
    // The state object itself is level 1.
    const nested = (levels: number) => replaced(SYM, '{"ID"', '{"x":' + '['.repeat(levels) + ']'.repeat(levels) + ',"ID"');
    expect(verdict(nested(9999))).toBe('ok');
    expect(verdict(nested(10000))).toBe('InvalidState');
    expect(verdict('['.repeat(200000))).toBe('InvalidState');
    expect(verdict('{"a":'.repeat(200000))).toBe('InvalidState');
  });

  it.each([
    ['sym key all zeros', edit(SYM, (s) => (s.Key.keyData.Key = Buffer.alloc(32).toString('base64')))],
    ['sym key of 33 bytes', edit(SYM, (s) => (s.Key.keyData.Key = Buffer.alloc(33, 1).toString('base64')))],
    ['sym keyData null', edit(SYM, (s) => (s.Key.keyData = null))],
    ['sym keyData a string', edit(SYM, (s) => (s.Key.keyData = 'x'))],
    ['Key null', edit(SYM, (s) => (s.Key = null))],
    ['keyType 1.0', replaced(SYM, '"keyType":0', '"keyType":1.0')],
    ['keyType 1e0', replaced(SYM, '"keyType":0', '"keyType":1e0')],
    ['keyType true', replaced(SYM, '"keyType":0', '"keyType":true')],
    ['pk keyData of a sym key', replaced(SYM, '"keyType":0', '"keyType":1')],
    ['pk private key all zeros', edit(PK, (s) => (s.Key.keyData.PrivateKey = Buffer.alloc(64).toString('base64')))],
    ['pk private key of 32 bytes', edit(PK, (s) => (s.Key.keyData.PrivateKey = Buffer.alloc(32, 1).toString('base64')))],
    ['pk SignerID of 15 bytes', edit(PK, (s) => (s.Key.keyData.SignerID = Buffer.alloc(15, 1).toString('base64')))],
    ['pk SignerID missing', edit(PK, (s) => delete s.Key.keyData.SignerID)],
    ['pk C2PubKey all zeros', edit(PK, (s) => (s.Key.keyData.C2PubKey = Buffer.alloc(32).toString('base64')))],
    ['pk C2PubKey of 31 bytes', edit(PK, (s) => (s.Key.keyData.C2PubKey = Buffer.alloc(31, 1).toString('base64')))],
    ['pk PubKeys value all zeros', edit(PK, (s) => (s.Key.keyData.PubKeys[PEER] = Buffer.alloc(32).toString('base64')))],
    ['pk PubKeys value of 33 bytes', edit(PK, (s) => (s.Key.keyData.PubKeys[PEER] = Buffer.alloc(33, 1).toString('base64')))],
    ['pk PubKeys value null', edit(PK, (s) => (s.Key.keyData.PubKeys[PEER] = null))],
    ['pk PubKeys an array', edit(PK, (s) => (s.Key.keyData.PubKeys = [PEER_KEY]))],
    ['TopicKeys an array', edit(SYM, (s) => (s.TopicKeys = []))],
    ['TopicKeys value a number', edit(SYM, (s) => (s.TopicKeys['3d2a1a22f34db2050d851e4380b51fde'] = 7))],
    ['ReceivingTopic a number', edit(SYM, (s) => (s.ReceivingTopic = 7))],
  ])('refuses key material Go refuses: %s', (_, text) => {
    expect(() => importE4goState(text)).toThrow(invalidState);
  });

  it('loads topic keys of any length, as Go does not validate them', () => {
    for (const length of [0, 1, 31, 33, 40, 64]) {
      const text = edit(SYM, (s) => (s.TopicKeys['3d2a1a22f34db2050d851e4380b51fde'] = Buffer.alloc(length, 7).toString('base64')));
      const state = importE4goState(text);
      expect(state.topicKeys['3d2a1a22f34db2050d851e4380b51fde'].length).toBe(length);
      expect(exportE4goState(state)).toBe(text);
    }
  });

  it('refuses a text that is not a string with InvalidArgument', () => {
    expect(() => importE4goState(42 as unknown as string)).toThrow(expect.objectContaining({ code: E4ErrorCode.InvalidArgument }));
  });
});

// ---------------------------------------------------------------------------------------------

/** Go 1.19's HTML-safe encoding of a string, from JSON.stringify's: an independent oracle. */
function goQuote(text: string): string {
  return JSON.stringify(text).replace(/\\(?:u[0-9a-f]{4}|["\\/bfnrt])|[<>&\u2028\u2029]/g, (token) => {
    if (token === '\\b') return '\\u0008';
    if (token === '\\f') return '\\u000c';
    if (/^\\ud[89a-f]/.test(token)) return '\\ufffd';
    if (token.length === 1) return '\\u' + token.charCodeAt(0).toString(16).padStart(4, '0');
    return token;
  });
}

function withoutLoneSurrogates(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const nonZero = (n: number) => bytes(n).filter((b) => b.some((x) => x !== 0));
const hexName = bytes(16).map(toHex);

function table(value: fc.Arbitrary<Uint8Array>): fc.Arbitrary<ByteTable> {
  return fc.array(fc.tuple(hexName, value), { maxLength: 6 }).map((entries) => {
    const out: ByteTable = {};
    for (const [name, v] of entries) out[name] = v;
    return out;
  });
}

const SPECIAL = ['<', '>', '&', '\u2028', '\u2029', '\u0000', '\b', '\f', '\n', '\r', '\t', '\u001f', '\u007f', '"', '\\', '/', 'é', '🔑', '\ufffd', 'e4/', 'a'];

const topicKeyValue = fc.oneof(bytes(32), bytes(40), fc.uint8Array({ maxLength: 50 }));
const keyMaterial: fc.Arbitrary<KeyMaterial> = fc.oneof(
  nonZero(32).map((key) => ({ keyType: 0 as const, key })),
  fc
    .record({
      privateKey: nonZero(64),
      signerId: bytes(16),
      c2PublicKey: nonZero(32),
      pubKeys: fc.oneof(fc.constant(null), fc.constant({}), table(nonZero(32))),
    })
    .map((m) => ({ keyType: 1 as const, ...m })),
);

function stateOf(topic: fc.Arbitrary<string>): fc.Arbitrary<ClientState> {
  return fc
    .record({ id: bytes(16), topicKeys: table(topicKeyValue), key: keyMaterial, topic: fc.option(topic, { nil: undefined }) })
    .map(({ id, topicKeys, key, topic }) => ({ id, topicKeys, key, receivingTopic: topic ?? 'e4/' + toHex(id) }));
}

const wellFormedTopic = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength: 24 }),
);
const anyTopic = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...SPECIAL, '\ud800', '\udc00', '\ud83d', '\udd11'), maxLength: 24 }),
);

describe('random states', () => {
  it('round-trip export → import → export identically, as one line ending in a newline', () => {
    fc.assert(
      fc.property(stateOf(wellFormedTopic), (state) => {
        const text = exportE4goState(state);
        expect(text.indexOf('\n')).toBe(text.length - 1);
        expect(/[\r\u2028\u2029]/.test(text)).toBe(false);
        const back = importE4goState(text);
        expect(back).toEqual(state);
        expect(exportE4goState(back)).toBe(text);

        const json = JSON.parse(text);
        expect(Object.keys(json)).toEqual(TOP_LEVEL);
        expect(Object.keys(json.Key)).toEqual(['keyType', 'keyData']);
        expect(Object.keys(json.Key.keyData)).toEqual(state.key.keyType === 0 ? ['Key'] : ['PrivateKey', 'SignerID', 'C2PubKey', 'PubKeys']);
        expect(Object.keys(json.TopicKeys)).toEqual(Object.keys(state.topicKeys).sort());
        expect(b64hex(json.ID)).toBe(toHex(state.id));
        expect(text.endsWith(',"ReceivingTopic":' + goQuote(state.receivingTopic) + '}\n')).toBe(true);
      }),
    );
  });

  it('write lone surrogates as \\ufffd, as Go writes invalid UTF-8, and read them back as U+FFFD', () => {
    fc.assert(
      fc.property(stateOf(anyTopic), (state) => {
        const text = exportE4goState(state);
        expect(text.endsWith(',"ReceivingTopic":' + goQuote(state.receivingTopic) + '}\n')).toBe(true);
        const back = importE4goState(text);
        expect(back.receivingTopic).toBe(withoutLoneSurrogates(state.receivingTopic));
        const again = exportE4goState(back);
        expect(exportE4goState(importE4goState(again))).toBe(again);
      }),
    );
  });

  it.each([
    ['<a>&b', '"\\u003ca\\u003e\\u0026b"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['\u0000\u0001\b\f\u001f', '"\\u0000\\u0001\\u0008\\u000c\\u001f"'],
    ['\n\r\t', '"\\n\\r\\t"'],
    ['"\\/', '"\\"\\\\/"'],
    ['\u007fé🔑\ufffd', '"\u007fé🔑\ufffd"'],
    ['\ud800x\udc00', '"\\ufffdx\\ufffd"'],
  ])('writes the control topic %j as %s', (topic, written) => {
    const state = importE4goState(SYM);
    state.receivingTopic = topic;
    expect(exportE4goState(state)).toBe(replaced(SYM, '"e4/12bc06a531f839d5cd061a2cc9f03530"', written));
  });

  it.each([
    ['an id of 15 bytes', (s: any) => (s.id = new Uint8Array(15))],
    ['an id that is not bytes', (s: any) => (s.id = 'id')],
    ['keyType 2', (s: any) => (s.key = { keyType: 2, key: s.key.key })],
    ['an all-zero key', (s: any) => (s.key = { keyType: 0, key: new Uint8Array(32) })],
    ['an upper-case topic name', (s: any) => (s.topicKeys = { '3D2A1A22F34DB2050D851E4380B51FDE': new Uint8Array(32) })],
    ['a topic value that is not bytes', (s: any) => (s.topicKeys = { '3d2a1a22f34db2050d851e4380b51fde': [1, 2] })],
    ['a control topic that is not a string', (s: any) => (s.receivingTopic = null)],
    ['no key', (s: any) => (s.key = null)],
  ])('refuses to write a state it could not read back: %s', (_, spoil) => {
    const state = importE4goState(SYM);
    spoil(state);
    expect(() => exportE4goState(state)).toThrow(invalidState);
  });
});

// ---------------------------------------------------------------------------------------------

describe('garbage and truncations', () => {
  const JSONISH = ['{', '}', '[', ']', ':', ',', '"', '\\', 'u', 'd8', '0', '1', '-', 'e', '.', ' ', '\n', 'null', 'true', '"ID"', '"Key"', '"keyType"', '"keyData"', '"TopicKeys"', '"ReceivingTopic"', '"AAAA"', 'é', '\ud800', '\ufeff'];
  const BASES = [SYM, PK, quirks[0].pkFreshState as string];

  function onlyInvalidState(text: string): void {
    if (verdict(text) === 'ok') {
      const saved = exportE4goState(importE4goState(text));
      expect(exportE4goState(importE4goState(saved))).toBe(saved);
    }
  }

  it('random text is read or refused with InvalidState, nothing else', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlyInvalidState), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...JSONISH), maxLength: 80 }), onlyInvalidState), { numRuns: 1000 });
  });

  it('every prefix of a state loads exactly when it holds the whole object', () => {
    for (const text of BASES) {
      const end = text.lastIndexOf('}') + 1;
      for (let n = 0; n <= text.length; n++) {
        expect([n, verdict(text.slice(0, n))]).toEqual([n, n >= end ? 'ok' : 'InvalidState']);
      }
    }
  });

  it('random edits of a state are read or refused with InvalidState, nothing else', () => {
    const editArb = fc.record({
      base: fc.constantFrom(...BASES),
      edits: fc.array(
        fc.record({ at: fc.nat(), remove: fc.nat(3), insert: fc.string({ unit: fc.constantFrom(...JSONISH), maxLength: 3 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(editArb, ({ base, edits }) => {
        let text = base;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        onlyInvalidState(text);
      }),
      { numRuns: 2000 },
    );
  });
});
