/**
 * Every section of the Go vectors (e4go-vectors.json) through the protocol: messages unprotect
 * and re-protect to the same bytes, commands encode and apply as Go's, negative cases give the
 * code of Go's error, client states are rebuilt byte for byte.
 */
import { describe, expect, it } from 'vitest';
import * as c2 from '../src/c2.ts';
import { loadClient } from '../src/client/load.ts';
import { createPublicKeyClient } from '../src/client/publicKey.ts';
import { createSymmetricClient } from '../src/client/symmetric.ts';
import { codeOfGoError, isE4Error } from '../src/errors.ts';
import { createMemoryStore } from '../src/stores/memory.ts';
import { toHex } from '../src/utils.ts';
import { nobleCurves } from '../src/keys/curves.ts';
import { idFromName } from '../src/primitives.ts';
import { BACKENDS, useBackend } from './backends.ts';
import { fixedClock, pkClient, symClient, topicTable } from './clients.ts';
import { hex, readVectors } from './vectors.ts';

const go = readVectors<Record<string, any[]>>('e4go-vectors.json');
const label = (v: any, i: number) => [i + (v.description ? ' ' + v.description : v.name ? ' ' + v.name : ''), v] as [string, any];

/** The e4ts code of what `f` throws, 'ok' when it returns. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isE4Error(e)) throw e;
    return e.code;
  }
}

/** Go's result ("ok" or its error string) as the e4ts outcome it must match. */
function expected(goResult: string): string {
  if (goResult === 'ok') return 'ok';
  const code = codeOfGoError(goResult);
  if (code === null) throw new Error('no e4ts code for Go error ' + JSON.stringify(goResult));
  return code;
}

describe.each(BACKENDS)('e4go protocol vectors on %s', (backend) => {
  useBackend(backend);

  describe('symMessages', () => {
    it.each(go.symMessages.map(label))('%s', (_l, v) => {
      const clock = fixedClock(v.timestamp * 1000);
      const client = symClient({ topicKeys: topicTable([[v.topic, v.topicKey]]), nowMs: clock.read });
      const result = client.unprotect(hex(v.protected), v.topic);
      expect(result).toEqual({ kind: 'message', payload: hex(v.plaintext) });
      if (v.plaintext.length > 0) expect(toHex(client.protect(hex(v.plaintext), v.topic))).toBe(v.protected);
    });
  });

  describe('pkMessages', () => {
    it.each(go.pkMessages.map(label))('%s', (_l, v) => {
      const clock = fixedClock(v.timestamp * 1000);
      const receiver = pkClient({
        topicKeys: topicTable([[v.topic, v.topicKey]]),
        pubKeys: { [v.signerId]: hex(v.signerPublicKey) },
        nowMs: clock.read,
      });
      expect(receiver.unprotect(hex(v.protected), v.topic)).toEqual({ kind: 'message', payload: hex(v.plaintext) });
      const sender = pkClient({
        id: hex(v.signerId),
        privateKey: hex(v.signerPrivateKey),
        topicKeys: topicTable([[v.topic, v.topicKey]]),
        nowMs: clock.read,
      });
      expect(toHex(sender.protect(hex(v.plaintext), v.topic))).toBe(v.protected);
    });
  });

  /** Go's builder for a vector's name and arguments. */
  function build(name: string, a: any): Uint8Array {
    switch (name) {
      case 'RemoveTopic':
        return c2.cmdRemoveTopic(a.topic);
      case 'ResetTopics':
        return c2.cmdResetTopics();
      case 'SetIDKey':
        return c2.cmdSetIdKey(hex(a.key));
      case 'SetTopicKey':
        return c2.cmdSetTopicKey(hex(a.key), a.topic);
      case 'RemovePubKey':
        return c2.cmdRemovePubKey(a.name);
      case 'ResetPubKeys':
        return c2.cmdResetPubKeys();
      case 'SetPubKey':
        return c2.cmdSetPubKey(hex(a.pubKey), a.name);
      case 'SetC2Key':
        return c2.cmdSetC2Key(hex(a.c2PubKey));
    }
    throw new Error('unknown command ' + name);
  }

  describe('commands', () => {
    it.each(go.commands.map(label))('%s encodes as Go does', (_l, v) => {
      expect(toHex(build(v.name, v.args))).toBe(v.command);
    });

    it.each(go.commandBuilderErrors.map(label))('%s is refused as Go refuses it', (_l, v) => {
      expect(outcome(() => build(v.name, v.args))).toBe(expected(v.expectedError));
      expect(() => build(v.name, v.args)).toThrow(v.expectedError);
    });
  });

  describe('protectedCommands', () => {
    it.each(go.protectedCommands.map(label))('%s', (_l, v) => {
      const clock = fixedClock(v.timestamp * 1000);
      expect(toHex(c2.protectCommand(hex(v.key), hex(v.command), v.timestamp * 1000))).toBe(v.protected);
      const client =
        v.mode === 'sym'
          ? symClient({ key: hex(v.key), nowMs: clock.read })
          : pkClient({
              privateKey: hex(v.clientEdPrivateKey),
              c2PublicKey: hex(v.c2CurvePublicKey),
              // Each case runs on a fresh client, and Go's answers RemovePubKey("alice") with ok:
              // that client knows alice's key.
              pubKeys: { [toHex(idFromName('alice'))]: nobleCurves.ed25519PublicKey(new Uint8Array(32).fill(1)) },
              nowMs: clock.read,
            });
      const before = client.exportState();
      const result = outcome(() => client.unprotect(hex(v.protected), client.controlTopic));
      expect(result).toBe(expected(v.processResult));
      if (result !== 'ok') expect(client.exportState()).toBe(before);
    });
  });

  describe('negative', () => {
    it.each(go.negative.map(label))('%s', (_l, v) => {
      const clock = fixedClock(v.timestamp_now * 1000);
      const topicKeys = topicTable([[v.topic, v.key]]);
      const client =
        v.mode === 'sym'
          ? symClient({ topicKeys, nowMs: clock.read })
          : pkClient({ topicKeys, pubKeys: { [v.signerId]: hex(v.signerPublicKey) }, nowMs: clock.read });
      const before = client.exportState();
      expect(outcome(() => client.unprotect(hex(v.protected), v.topic))).toBe(expected(v.expectedError));
      expect(client.exportState()).toBe(before);
    });
  });

  describe('clientStates', () => {
    it.each(go.clientStates.map(label))('%s', (_l, v) => {
      const inputs = v.inputs;
      const clock = fixedClock((inputs.transitionTimestamp ?? 1700000000) * 1000);
      const store = createMemoryStore();
      const client =
        inputs.mode === 'sym'
          ? createSymmetricClient({ id: hex(inputs.id), key: hex(inputs.key), store, clock: clock.read })
          : createPublicKeyClient({
              id: hex(inputs.id),
              privateKey: hex(inputs.edPrivateKey),
              c2PublicKey: hex(inputs.c2CurvePublicKey),
              store,
              clock: clock.read,
            });
      const commandKey = inputs.mode === 'sym' ? hex(inputs.key) : hex(inputs.sharedKey);
      for (const command of inputs.commands) {
        expect(toHex(build(command.name, command.args))).toBe(command.command);
        const protectedCommand = c2.protectCommand(commandKey, hex(command.command), clock.now);
        expect(client.unprotect(protectedCommand, client.controlTopic)).toEqual({ kind: 'command', command: command.name });
      }
      expect(client.exportState()).toBe(v.jsonText);
      expect(store.load()).toBe(v.jsonText);
      expect(loadClient({ text: v.jsonText }).exportState()).toBe(v.jsonText);
    });
  });
});
