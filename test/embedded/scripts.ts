/**
 * The scripts that run the embedded build outside Node: a prelude that makes duk look like
 * Espruino (it deletes what Espruino lacks, adds typed-array `fill`, which Espruino has and duk
 * lacks, and installs the stand-ins for `require("Storage")` and, optionally, the firmware AES),
 * the bundle, the vectors as a JSON literal, and driver.js. Shared by test/embedded.test.ts and
 * bench/embedded.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleEs5, buildEmbedded, ROOT } from '../../build/embedded.ts';
import { init } from '../../src/backends/select.ts';
import { cmdSetTopicKey, protectCommand } from '../../src/c2Commands.ts';
import { createSymmetricClient } from '../../src/client/symmetric.ts';
import { codeOfGoError } from '../../src/errors.ts';
import { createMemoryStore } from '../../src/stores/memory.ts';
import { fromHex, toHex, utf8Encode } from '../../src/utils.ts';
import { readVectors } from '../vectors.ts';

/** What Espruino lacks and duk has, removed; what Espruino has and duk lacks, added. */
const DUK_AS_ESPRUINO = [
  'delete Math.imul;',
  'TextEncoder = undefined; TextDecoder = undefined; Symbol = undefined;',
  'var require, module, exports;',
  '(function () {',
  '  var views = [Uint8Array, Int32Array, Uint32Array];',
  '  for (var i = 0; i < views.length; i++) views[i].prototype.fill = function (v) {',
  '    for (var j = 0; j < this.length; j++) this[j] = v;',
  '    return this;',
  '  };',
  '})();',
].join('\n');

const SYMMETRIC_BUILDERS = ['RemoveTopic', 'ResetTopics', 'SetIDKey', 'SetTopicKey'];

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function argsAreLatin1(args: Record<string, unknown>): boolean {
  return Object.values(args).every((v) => typeof v !== 'string' || isLatin1(v));
}

/** Go's answer as the e4ts code the driver must see ('ok' stays 'ok'). */
function expectedCode(goResult: string): string {
  if (goResult === 'ok') return 'ok';
  const code = codeOfGoError(goResult);
  if (code === null) throw new Error('no e4ts code for Go error ' + JSON.stringify(goResult));
  return code;
}

export const TRANSITION = {
  topic: 'sensors/temperature',
  key1: '4f41d58e7ea62ff161c0a7e0b4ee2a12069449cd0463aa3215d0684eee416b49',
  key2: 'ed7a2527caaa17b3806ed5c2f21acaf6f710e9c0daba8ce1c1c112bdc217d7bf',
  startMs: 1700000000000,
  fileName: 'e4state',
};

const DRIVER_ID = '00112233445566778899aabbccddeeff';
const DRIVER_KEY = '09'.repeat(32);

/**
 * The text the driver's key-transition scenario leaves in Storage, computed here with the
 * package's own client: the e4go JSON, one 8-bit character per UTF-8 byte.
 */
async function expectedTransitionStorage(): Promise<string> {
  await init({ backend: 'js' });
  const store = createMemoryStore();
  const now = TRANSITION.startMs;
  const key = fromHex(DRIVER_KEY, 'key');
  const client = createSymmetricClient({ id: fromHex(DRIVER_ID, 'id'), key, store, clock: () => now });
  for (const k of [TRANSITION.key1, TRANSITION.key2]) {
    client.unprotect(protectCommand(key, cmdSetTopicKey(fromHex(k, 'key'), TRANSITION.topic), now), client.controlTopic);
  }
  return String.fromCharCode(...utf8Encode(store.load() as string, 'state'));
}

/** The vectors the driver reads, with what it cannot compute itself (UTF-8 forms, Go's answers as codes). */
export async function driverVectors(): Promise<Record<string, unknown>> {
  const go = readVectors<Record<string, any[]>>('e4go-vectors.json');
  const withTopicForms = (v: any) => ({ ...v, topicUtf8: toHex(utf8Encode(v.topic, 'topic')), topicIsLatin1: isLatin1(v.topic) });
  return {
    symMessages: go.symMessages.map(withTopicForms),
    aesSiv: go.aesSiv,
    topicHashes: go.topicHashes.map(withTopicForms),
    commands: go.commands
      .filter((v) => SYMMETRIC_BUILDERS.includes(v.name))
      .map((v) => ({ ...v, argsAreLatin1: argsAreLatin1(v.args) })),
    commandBuilderErrors: go.commandBuilderErrors
      .filter((v) => SYMMETRIC_BUILDERS.includes(v.name))
      .map((v) => ({ ...v, expectedCode: expectedCode(v.expectedError) })),
    protectedCommands: go.protectedCommands
      .filter((v) => v.mode === 'sym')
      .map((v) => ({ ...v, expectedCode: expectedCode(v.processResult) })),
    transition: { ...TRANSITION, expectedStorage: await expectedTransitionStorage() },
  };
}

export const DRIVER = readFileSync(join(ROOT, 'test', 'embedded', 'driver.js'), 'utf8');

/** The duk prelude: Espruino's gaps, then the stand-ins, installed with or without the AES. */
export async function dukPrelude(withAes: boolean): Promise<string> {
  const fakes = await bundleEs5(join(ROOT, 'test', 'embedded', 'espruino-install.ts'));
  return DUK_AS_ESPRUINO + '\nvar installEspruinoFakes;(function(){' + fakes.code + '})();\ninstallEspruinoFakes(' + withAes + ');\n';
}

export interface RunOptions {
  /** Prepended to the bundle (duk's prelude; none for Espruino). */
  prelude: string;
  /** The vectors, or none when benchmarking. */
  vectors?: Record<string, unknown>;
  /** Benchmark unprotect at `size` bytes for about `ms` milliseconds instead of the vectors. */
  bench?: { size: number; ms: number };
  bundle?: string;
}

/** The whole script: prelude, bundle, data, driver. */
export async function driverScript(options: RunOptions): Promise<string> {
  const bundle = options.bundle ?? (await buildEmbedded()).text;
  const data =
    'var VECTORS = ' + JSON.stringify(options.vectors ?? null) + ';\n' +
    (options.bench ? 'var BENCH = ' + JSON.stringify(options.bench) + ';\n' : '');
  return options.prelude + bundle + data + DRIVER;
}

/** Runs `script` with `binary` (duk, or Espruino's Linux build) and returns the driver's JSON. */
export function runScript(binary: string, scriptPath: string, args: string[] = []): any {
  const run = spawnSync(binary, [...args, scriptPath], { encoding: 'utf8', timeout: 600_000 });
  const line = (run.stdout ?? '').split('\n').find((l) => l.startsWith('{"nativeAes"'));
  if (line === undefined) {
    throw new Error(binary + ' printed no result (status ' + run.status + '):\n' + run.stdout + '\n' + run.stderr);
  }
  return JSON.parse(line);
}
