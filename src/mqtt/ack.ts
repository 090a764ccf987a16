/**
 * Acknowledgements of C2's commands. E4 itself has none: C2 publishes a command and cannot know
 * whether the client applied it (a completed QoS 2 publish only says the broker holds it). e4ts
 * adds one on top of E4, built from E4 itself:
 *
 * - C2 gives each client a topic key for `e4/<hex id>/ack` with an ordinary SetTopicKey (the
 *   client's first acknowledgement is of that very command, under that new key);
 * - after each command it reads on its control topic, the client publishes on that topic an E4
 *   message (symmetric, or signed in public-key mode) whose payload is this JSON:
 *   `{"c":"<hex of the first 16 bytes of SHA3-256(protected command)>","ok":true,"command":"SetTopicKey"}`
 *   or, when it refused the command, `{"c":"…","ok":false,"code":"TimestampTooOld"}`;
 * - C2 checks the message under that client's ack key (and its signature in public-key mode),
 *   then matches `c` with the command it published.
 *
 * Only a holder of the client's ack key can write an acknowledgement, and each one names exactly
 * one protected command (its timestamp and SIV tag make the digest unique), so neither the
 * broker nor another client can confirm a command that was not applied.
 */
import { sha3_256 } from '../primitives.ts';
import type { CommandName } from '../protocol/commands.ts';
import { COMMANDS } from '../protocol/commands.ts';
import { E4ErrorCode } from '../errors.ts';
import { toHex } from '../utils.ts';

export type CommandAck =
  | { digest: string; ok: true; command: CommandName }
  | { digest: string; ok: false; code: E4ErrorCode };

/** The name an acknowledgement gives a protected command: hex of SHA3-256(bytes)[0:16]. */
export function commandDigest(protectedCommand: Uint8Array): string {
  return toHex(sha3_256(protectedCommand).subarray(0, 16));
}

export function encodeAck(ack: CommandAck): Uint8Array {
  const body = ack.ok ? { c: ack.digest, ok: true, command: ack.command } : { c: ack.digest, ok: false, code: ack.code };
  return new TextEncoder().encode(JSON.stringify(body));
}

/** The acknowledgement in `payload`, or null when it is not one. */
export function decodeAck(payload: Uint8Array): CommandAck | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { c?: unknown; ok?: unknown; command?: unknown; code?: unknown };
  if (typeof v.c !== 'string' || !/^[0-9a-f]{32}$/.test(v.c)) return null;
  if (v.ok === true && COMMANDS.some((spec) => spec.name === v.command)) {
    return { digest: v.c, ok: true, command: v.command as CommandName };
  }
  if (v.ok === false && typeof v.code === 'string' && Object.prototype.hasOwnProperty.call(E4ErrorCode, v.code)) {
    return { digest: v.c, ok: false, code: v.code as E4ErrorCode };
  }
  return null;
}
