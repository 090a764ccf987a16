/**
 * Where a client keeps its state between runs.
 *
 * The state is the Go client's JSON text (one line and a newline). A client applies a command
 * to a copy of its state, calls `save` with the new text, and swaps the copy in only when `save`
 * returns; that is why both methods are synchronous and why `save` must be all or nothing: a
 * store that could be left holding half a state, or report failure after replacing it, would
 * let the stored state and the client's state drift apart.
 */
export interface KeyStore {
  /**
   * The text last saved, exactly as given to `save`, or `null` when nothing has been stored yet.
   * Throws `StoreFailed` when the backing storage cannot be read.
   */
  load(): string | null;
  /**
   * Replaces the stored text with `text`, entirely. On any failure it throws `StoreFailed` and
   * the previously stored text (or its absence) is left as it was. Error messages never contain
   * the text: it holds keys.
   */
  save(text: string): void;
}
