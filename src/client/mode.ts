/**
 * What differs between E4's two key modes, as one interface the client drives. The symmetric
 * mode (client/symmetric.ts) and the public-key mode (client/publicKey.ts) implement it; the
 * client core never knows which it holds, so the symmetric build carries no curve code.
 */
import type { ClientState } from '../keys/state.ts';
import type { TimestampWindow } from '../protocol/clock.ts';
import type { CommandSpec } from '../protocol/commands.ts';

/** Secrets a mode derives from the state and never stores (public-key: the shared key with C2). */
export interface Derived {
  /** The key commands from C2 are protected with. */
  commandKey: Uint8Array;
}

export interface KeyMode {
  readonly name: 'symmetric' | 'publicKey';
  readonly keyType: 0 | 1;
  /** Recomputes what the state implies; throws an E4Error when it cannot (a low-order C2 key). */
  derive(state: ClientState): Derived;
  /** Wipes what `derive` returned, once it is no longer in use. */
  wipeDerived(derived: Derived): void;
  /** A protected message for a topic whose key is `topicKey`, at `nowMs`. */
  protect(state: ClientState, topicKey: Uint8Array, payload: Uint8Array, nowMs: number): Uint8Array;
  /**
   * The payload of a message on a topic whose key is `topicKey`, checks in Go's order;
   * `previousKey` gives the topic's old key while the key transition allows it.
   */
  unprotect(
    state: ClientState,
    topicKey: Uint8Array,
    previousKey: () => Uint8Array | null,
    message: Uint8Array,
    nowMs: number,
    window: TimestampWindow,
  ): Uint8Array;
  /** Whether the mode takes this command; a symmetric client refuses the public-key ones. */
  supports(spec: CommandSpec): boolean;
  /**
   * Applies SetIDKey and the mode's own commands to `state`, a copy the client persists and
   * swaps in only if this returns. Topic commands are the client's.
   */
  applyCommand(state: ClientState, spec: CommandSpec, args: Uint8Array): void;
}
