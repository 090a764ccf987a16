/**
 * Loading a client of either mode from the Go client's persisted state. Imports both modes, so
 * the symmetric-only build uses `loadSymmetricClient` instead.
 */
import { E4Client, readState, type LoadSource } from './client.ts';
import { publicKeyMode } from './publicKey.ts';
import { symmetricMode } from './symmetric.ts';

/**
 * A client from its persisted state, in the mode the state says. The shared key with C2 of a
 * public-key client is recomputed, never read.
 */
export function loadClient(source: LoadSource): E4Client {
  const state = readState(source);
  return new E4Client(state.key.keyType === 1 ? publicKeyMode : symmetricMode, state, source);
}
