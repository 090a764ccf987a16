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

/** Message timestamp: unix seconds, 8 bytes little-endian. */
export const TIMESTAMP_LEN = 8;
/** AES-SIV's synthetic IV, the authentication tag. */
export const TAG_LEN = 16;
/** Ed25519 private key in Go's layout: seed (32) ‖ public key (32). */
export const ED25519_PRIVATE_KEY_LEN = 64;
export const ED25519_PUBLIC_KEY_LEN = 32;
export const ED25519_SEED_LEN = 32;
export const SIGNATURE_LEN = 64;
export const X25519_KEY_LEN = 32;

/** Symmetric message: timestamp ‖ tag ‖ ciphertext. */
export const SYM_OVERHEAD = TIMESTAMP_LEN + TAG_LEN;
/** Public-key message: timestamp ‖ signer id ‖ tag ‖ ciphertext ‖ signature. */
export const PK_OVERHEAD = TIMESTAMP_LEN + ID_LEN + TAG_LEN + SIGNATURE_LEN;
/** The Go client's first length check on public-key messages: more than this many bytes. */
export const PK_GO_MIN_EXCLUSIVE = TIMESTAMP_LEN + SIGNATURE_LEN;

/** Go's maximum message age (10 minutes) and future skew (none), in milliseconds. */
export const GO_MAX_AGE_MS = 600000;
export const GO_FUTURE_SKEW_MS = 0;
/** The C client (libe4) accepts 10 minutes either way. */
export const C_FUTURE_SKEW_MS = 600000;
/** How long after a topic key changes the previous key still opens messages (60 minutes). */
export const KEY_TRANSITION_MS = 3600000;
/** Key-transition entry: old key (32) ‖ little-endian time of the change (8). */
export const TRANSITION_ENTRY_LEN = KEY_LEN + TIMESTAMP_LEN;

/** The control topic of a client is this prefix followed by the lower-case hex of its id. */
export const CONTROL_TOPIC_PREFIX = 'e4/';
