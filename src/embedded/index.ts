/**
 * The embedded build's entry: the symmetric-key E4 client for microcontroller JavaScript
 * (Espruino), bundled by build/embedded.ts into one ES5 file, dist/e4ts-embedded.js, that
 * defines the global `E4` (and `module.exports` where the loader declares `module`).
 *
 * Its backend is the pure-JS one without Argon2 (password-derived keys need 64 MiB: derive them
 * elsewhere and provision the key). Where the firmware has an AES (`require("crypto").AES`) that
 * passes a known-answer test, AES-SIV runs on it; everything else stays on the pure-JS code.
 * Nothing here or in what it imports reaches curve code, WebAssembly, BigInt or Map/Set.
 */
import { setActiveBackend, type ActiveBackend } from '../backends/active.ts';
import { sha3_256 } from '../backends/js/keccak.ts';
import { sivOpen, sivSeal, wipeSivKeys } from '../backends/js/siv.ts';
import { cmdRemoveTopic, cmdResetTopics, cmdSetIdKey, cmdSetTopicKey, protectCommand } from '../c2Commands.ts';
import { createSymmetricClient, loadSymmetricClient } from '../client/symmetric.ts';
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { aesSivOpen, aesSivSeal, hashTopic, idFromName } from '../primitives.ts';
import { C_CLIENT_WINDOW, GO_CLIENT_WINDOW } from '../protocol/clock.ts';
import { createEspruinoStore } from '../stores/espruinoStorage.ts';
import { fromHex, toHex } from '../utils.ts';
import { createNativeSiv, findNativeAes } from './nativeAes.ts';

const nativeAes = findNativeAes();
const siv = nativeAes === null ? { sivSeal: sivSeal, sivOpen: sivOpen, wipe: wipeSivKeys } : createNativeSiv(nativeAes);

const embeddedBackend: ActiveBackend = {
  name: 'js',
  sivSeal: siv.sivSeal,
  sivOpen: siv.sivOpen,
  sha3_256: sha3_256,
  argon2: function () {
    throw e4Error(E4ErrorCode.BackendUnavailable, 'argon2: not in the embedded build');
  },
  wipeKeyCache: siv.wipe,
};

setActiveBackend(embeddedBackend);

/** The global the bundle's first line declares. */
declare let E4: unknown;

E4 = {
  /** True when AES-SIV runs on the firmware's AES. */
  nativeAes: nativeAes !== null,
  createSymmetricClient: createSymmetricClient,
  loadSymmetricClient: loadSymmetricClient,
  cmdRemoveTopic: cmdRemoveTopic,
  cmdResetTopics: cmdResetTopics,
  cmdSetIdKey: cmdSetIdKey,
  cmdSetTopicKey: cmdSetTopicKey,
  protectCommand: protectCommand,
  hashTopic: hashTopic,
  idFromName: idFromName,
  aesSivSeal: aesSivSeal,
  aesSivOpen: aesSivOpen,
  E4ErrorCode: E4ErrorCode,
  isE4Error: isE4Error,
  toHex: toHex,
  fromHex: fromHex,
  GO_CLIENT_WINDOW: GO_CLIENT_WINDOW,
  C_CLIENT_WINDOW: C_CLIENT_WINDOW,
  createEspruinoStore: createEspruinoStore,
};
