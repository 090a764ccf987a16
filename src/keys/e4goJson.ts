/**
 * The Go client's persisted state, both key types: e4go's JSON text to and from a ClientState
 * (see e4goJsonState.ts for the format and e4go's reading rules).
 */
import { publicKeyCodec } from './e4goJsonPublicKey.ts';
import { readE4goState, symmetricKeyCodec, writeE4goState, type KeyMaterialCodecs } from './e4goJsonState.ts';
import { quote } from './e4goJsonSyntax.ts';
import type { ClientState } from './state.ts';

const BOTH_KEY_TYPES: KeyMaterialCodecs = { 0: symmetricKeyCodec, 1: publicKeyCodec };

/**
 * The text e4go's store holds for `state`: exactly what `json.NewEncoder(store).Encode(client)`
 * writes, newline included. A state that could not be read back is refused (`InvalidState`).
 */
export function exportE4goState(state: ClientState): string {
  return writeE4goState(state, BOTH_KEY_TYPES, quote);
}

/**
 * The state in a text of e4go's store: what `LoadClient` reads from it, checked as Go's
 * `FromRawJSON` checks it. Anything else is an `InvalidState` error.
 */
export function importE4goState(text: string): ClientState {
  return readE4goState(text, BOTH_KEY_TYPES);
}
