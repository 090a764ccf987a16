/**
 * Every length and limit of E4, in one place (E4-PROTOCOL.md, "Sizes" and "Primitives").
 */

/** Client id: the Go client accepts any non-empty id in symmetric mode; e4ts requires 16. */
export const ID_LEN = 16;
/** Symmetric keys (client key, topic key). */
export const KEY_LEN = 32;
/** Topic hash and id from a name: the first 16 bytes of SHA3-256. */
export const HASH_LEN = 16;
/** The longest topic Go's (unused) validator accepts, in bytes. */
export const TOPIC_MAX_LEN = 512;
/** Client names (aliases): 1 to 255 bytes of UTF-8 in Go's (unused) validator. */
export const NAME_MIN_LEN = 1;
export const NAME_MAX_LEN = 255;
/** The shortest password E4 accepts, in bytes (not characters). */
export const PASSWORD_MIN_LEN = 16;

/**
 * E4's password-to-key derivation: Argon2i (the Go code calls argon2.Key; the published text's
 * "Argon2id" is not what runs), version 0x13, one pass, 64 MiB, 4 lanes, an empty salt, 32 bytes.
 */
export const E4_ARGON2 = { t: 1, m: 65536, p: 4, dkLen: KEY_LEN } as const;
