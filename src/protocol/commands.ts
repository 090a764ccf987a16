/**
 * THE command table (E4-PROTOCOL.md, "Commands"): each command's byte, name, the argument
 * lengths it accepts and whether only public-key clients take it. Both the client (decode) and
 * the C2 side (encode) read it; nothing else knows a command byte.
 *
 * A command is 1 command byte ‖ arguments. Decoding checks, in Go's order: a known byte, the
 * argument length ("invalid <Name> length", before the mode), then the mode.
 */
import { E4ErrorCode, e4Error } from '../errors.ts';
import { ED25519_PRIVATE_KEY_LEN, ED25519_PUBLIC_KEY_LEN, HASH_LEN, ID_LEN, KEY_LEN, X25519_KEY_LEN } from './sizes.ts';

export type CommandName =
  | 'RemoveTopic'
  | 'ResetTopics'
  | 'SetIDKey'
  | 'SetTopicKey'
  | 'RemovePubKey'
  | 'ResetPubKeys'
  | 'SetPubKey'
  | 'SetC2Key';

export interface CommandSpec {
  readonly byte: number;
  readonly name: CommandName;
  /** The argument lengths the command accepts (SetIDKey: a symmetric or an Ed25519 key). */
  readonly argLengths: readonly number[];
  /** Public-key clients only; a symmetric client answers "this operation is not supported". */
  readonly publicKeyOnly: boolean;
}

export const COMMANDS: readonly CommandSpec[] = [
  { byte: 0x00, name: 'RemoveTopic', argLengths: [HASH_LEN], publicKeyOnly: false },
  { byte: 0x01, name: 'ResetTopics', argLengths: [0], publicKeyOnly: false },
  { byte: 0x02, name: 'SetIDKey', argLengths: [KEY_LEN, ED25519_PRIVATE_KEY_LEN], publicKeyOnly: false },
  { byte: 0x03, name: 'SetTopicKey', argLengths: [KEY_LEN + HASH_LEN], publicKeyOnly: false },
  { byte: 0x04, name: 'RemovePubKey', argLengths: [ID_LEN], publicKeyOnly: true },
  { byte: 0x05, name: 'ResetPubKeys', argLengths: [0], publicKeyOnly: true },
  { byte: 0x06, name: 'SetPubKey', argLengths: [ED25519_PUBLIC_KEY_LEN + ID_LEN], publicKeyOnly: true },
  { byte: 0x07, name: 'SetC2Key', argLengths: [X25519_KEY_LEN], publicKeyOnly: true },
];

/** Where each argument lies in a SetTopicKey and a SetPubKey: key first, then the hash or id. */
export const SET_TOPIC_KEY_HASH_OFFSET = KEY_LEN;
export const SET_PUB_KEY_ID_OFFSET = ED25519_PUBLIC_KEY_LEN;

export interface DecodedCommand {
  spec: CommandSpec;
  /** A view of the plaintext after the command byte. */
  args: Uint8Array;
}

/** Go's check of a command's argument length: "invalid <Name> length". */
function checkArgLength(spec: CommandSpec, length: number): void {
  if (spec.argLengths.indexOf(length) < 0) {
    throw e4Error(E4ErrorCode.InvalidCommandLength, 'invalid ' + spec.name + ' length');
  }
}

export function commandByName(name: CommandName): CommandSpec {
  for (let i = 0; i < COMMANDS.length; i++) if (COMMANDS[i].name === name) return COMMANDS[i];
  throw e4Error(E4ErrorCode.InvalidArgument, 'unknown command name ' + String(name));
}

/**
 * Reads a decrypted command. An empty command is refused like an unknown byte (Go indexes the
 * first byte unchecked and panics). The mode is checked by the client, after this.
 */
export function decodeCommand(plaintext: Uint8Array): DecodedCommand {
  // An empty command's first byte is undefined, which fails the test as well.
  const byte = plaintext[0];
  if (!(byte < COMMANDS.length)) throw e4Error(E4ErrorCode.InvalidCommand, 'invalid command');
  const spec = COMMANDS[byte];
  const args = plaintext.subarray(1);
  checkArgLength(spec, args.length);
  return { spec: spec, args: args };
}

/** command byte ‖ arguments, the arguments' length checked against the table. */
export function encodeCommand(name: CommandName, args: Uint8Array): Uint8Array {
  const spec = commandByName(name);
  checkArgLength(spec, args.length);
  const out = new Uint8Array(1 + args.length);
  out[0] = spec.byte;
  out.set(args, 1);
  return out;
}
