/**
 * A curve provider (src/keys/curves.ts) on node:crypto's KeyObjects (Node only), with Go's
 * semantics as `CurveProvider` documents them:
 *
 * - Ed25519 keys are imported from raw bytes behind fixed DER prefixes (PKCS #8 for a seed, SPKI
 *   for a public key) and cached: public keys by value (at most `PUBLIC_KEY_CACHE_SLOTS`),
 *   private keys in a short list compared with `timingSafeEqual` and wiped when evicted.
 * - Signing: node:crypto recomputes the public key from the seed, Go's `ed25519.Sign` hashes
 *   bytes 32–63 of the private key as it finds them. A private key whose second half is not the
 *   public key of its first is signed by the @noble/curves provider, which follows Go.
 * - Verifying: OpenSSL's verdicts equal Go's on Go's verdict file and Wycheproof's Ed25519 file
 *   (test/native.test.ts checks both); a public key node:crypto refuses to import is judged by
 *   the @noble/curves provider, whose decoding is Go's.
 * - X25519: `diffieHellman`; where OpenSSL refuses (it does on an all-zero result), the
 *   @noble/curves provider answers, so the failure is Go's, with Go's message.
 * - `edPublicToCurve` has no node:crypto counterpart and is the @noble/curves provider's.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { X25519_LOW_ORDER_MESSAGE, keyPairGenerators, nobleCurves, sized, type CurveProvider } from '../keys/curves.ts';
import {
  ED25519_PRIVATE_KEY_LEN,
  ED25519_PUBLIC_KEY_LEN,
  ED25519_SEED_LEN,
  SIGNATURE_LEN,
  X25519_KEY_LEN,
} from '../protocol/sizes.ts';
import { assertBytes } from '../utils.ts';

/** How many public keys (Ed25519 and X25519 each) stay imported. */
export const PUBLIC_KEY_CACHE_SLOTS = 1024;
/** How many private keys (Ed25519 and X25519 each) stay imported; evicted copies are wiped. */
export const PRIVATE_KEY_CACHE_SLOTS = 16;

const ED25519_PKCS8 = '302e020100300506032b657004220420';
const ED25519_SPKI = '302a300506032b6570032100';
const X25519_PKCS8 = '302e020100300506032b656e04220420';
const X25519_SPKI = '302a300506032b656e032100';
const SPKI_PREFIX_LEN = 12;

/** DER of a raw key behind `prefix`, in a buffer of its own (never Node's shared pool), wiped by the caller. */
function der(prefix: string, key: Uint8Array): Buffer {
  const p = Buffer.from(prefix, 'hex');
  const out = Buffer.alloc(p.length + key.length);
  out.set(p, 0);
  out.set(key, p.length);
  return out;
}

function importPrivate(prefix: string, key: Uint8Array): KeyObject {
  const bytes = der(prefix, key);
  try {
    return createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } finally {
    bytes.fill(0);
  }
}

function importPublic(prefix: string, key: Uint8Array): KeyObject | null {
  try {
    return createPublicKey({ key: der(prefix, key), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** The raw 32 bytes of a public KeyObject. */
function rawPublic(key: KeyObject): Uint8Array {
  const spki = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX_LEN));
}

/** Public keys by value, the oldest dropped first; `null` marks a key node:crypto refuses. */
class PublicKeys {
  private readonly map = new Map<string, KeyObject | null>();

  constructor(private readonly prefix: string) {}

  get(key: Uint8Array): KeyObject | null {
    const id = Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
    let k = this.map.get(id);
    if (k === undefined) {
      k = importPublic(this.prefix, key);
      if (this.map.size >= PUBLIC_KEY_CACHE_SLOTS) this.map.delete(this.map.keys().next().value!);
      this.map.set(id, k);
    }
    return k;
  }

  clear(): void {
    this.map.clear();
  }
}

interface PrivateEntry {
  key: Uint8Array;
  /** The imported key, or `null` for an Ed25519 key whose halves do not match (signed as Go does). */
  object: KeyObject | null;
}

/** Private keys, most recent first, compared in constant time, wiped when evicted. */
class PrivateKeys {
  private entries: PrivateEntry[] = [];

  constructor(private readonly prepare: (key: Uint8Array) => KeyObject | null) {}

  get(key: Uint8Array): KeyObject | null {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (timingSafeEqual(e.key, key)) {
        if (i > 0) {
          entries.splice(i, 1);
          entries.unshift(e);
        }
        return e.object;
      }
    }
    const entry = { key: new Uint8Array(key), object: this.prepare(key) };
    entries.unshift(entry);
    if (entries.length > PRIVATE_KEY_CACHE_SLOTS) entries.pop()!.key.fill(0);
    return entry.object;
  }

  clear(): void {
    for (const e of this.entries) e.key.fill(0);
    this.entries = [];
  }
}

/** A new array with the bytes of a Buffer node:crypto returned, which is then wiped. */
function copyOut(buf: Uint8Array): Uint8Array {
  const out = new Uint8Array(buf);
  buf.fill(0);
  return out;
}

/** The curve provider on node:crypto, with `wipeKeyCache` for its imported keys. */
export interface NativeCurves extends CurveProvider {
  /** Drops every imported key and wipes the cached private key bytes. */
  wipeKeyCache(): void;
}

export function createNativeCurves(): NativeCurves {
  const edPublic = new PublicKeys(ED25519_SPKI);
  const xPublic = new PublicKeys(X25519_SPKI);
  const edPrivate = new PrivateKeys((key) => {
    const object = importPrivate(ED25519_PKCS8, key.subarray(0, ED25519_SEED_LEN));
    const matches = timingSafeEqual(rawPublic(createPublicKey(object)), key.subarray(ED25519_SEED_LEN));
    return matches ? object : null;
  });
  const xPrivate = new PrivateKeys((key) => importPrivate(X25519_PKCS8, key));

  function publicKeyOfSeed(seed: Uint8Array): Uint8Array {
    const s = sized(seed, 'seed', ED25519_SEED_LEN, E4ErrorCode.InvalidKeyLength);
    return rawPublic(createPublicKey(importPrivate(ED25519_PKCS8, s)));
  }

  function privateKeyFromSeed(seed: Uint8Array): Uint8Array {
    const publicKey = publicKeyOfSeed(seed);
    const out = new Uint8Array(ED25519_PRIVATE_KEY_LEN);
    out.set(seed, 0);
    out.set(publicKey, ED25519_SEED_LEN);
    return out;
  }

  function sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    const key = sized(privateKey, 'privateKey', ED25519_PRIVATE_KEY_LEN, E4ErrorCode.InvalidKeyLength);
    const msg = assertBytes(message, 'message');
    const object = edPrivate.get(key);
    if (object === null) return nobleCurves.ed25519Sign(key, msg);
    return new Uint8Array(nodeSign(null, msg, object));
  }

  function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const pub = assertBytes(publicKey, 'publicKey');
    const msg = assertBytes(message, 'message');
    const sig = assertBytes(signature, 'signature');
    if (pub.length !== ED25519_PUBLIC_KEY_LEN || sig.length !== SIGNATURE_LEN) return false;
    const object = edPublic.get(pub);
    if (object === null) return nobleCurves.ed25519Verify(pub, msg, sig);
    try {
      return nodeVerify(null, msg, object, sig);
    } catch {
      return nobleCurves.ed25519Verify(pub, msg, sig);
    }
  }

  function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    const scalar = sized(privateKey, 'privateKey', X25519_KEY_LEN, E4ErrorCode.InvalidKeyLength);
    const u = sized(publicKey, 'publicKey', X25519_KEY_LEN, E4ErrorCode.InvalidPublicKey);
    const pub = xPublic.get(u);
    let secret: Uint8Array | null = null;
    if (pub !== null) {
      try {
        secret = copyOut(diffieHellman({ privateKey: xPrivate.get(scalar)!, publicKey: pub }));
      } catch {
        secret = null;
      }
    }
    if (secret === null) return nobleCurves.x25519(scalar, u);
    let acc = 0;
    for (let i = 0; i < secret.length; i++) acc |= secret[i];
    if (acc === 0) throw e4Error(E4ErrorCode.InvalidPublicKey, X25519_LOW_ORDER_MESSAGE);
    return secret;
  }

  function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
    const key = sized(privateKey, 'privateKey', X25519_KEY_LEN, E4ErrorCode.InvalidKeyLength);
    return rawPublic(createPublicKey(importPrivate(X25519_PKCS8, key)));
  }

  /** Clamped SHA-512(seed)[0:32] (RFC 8032 §5.1.5), as e4go's extra25519.PrivateKeyToCurve25519. */
  function edPrivateToCurve(privateKey: Uint8Array): Uint8Array {
    const key = sized(privateKey, 'privateKey', ED25519_PRIVATE_KEY_LEN, E4ErrorCode.InvalidKeyLength);
    const h = createHash('sha512').update(key.subarray(0, ED25519_SEED_LEN)).digest();
    const out = new Uint8Array(h.subarray(0, 32));
    h.fill(0);
    out[0] &= 248;
    out[31] &= 127;
    out[31] |= 64;
    return out;
  }

  return {
    ed25519PrivateKeyFromSeed: privateKeyFromSeed,
    ed25519PublicKey: publicKeyOfSeed,
    ed25519Sign: sign,
    ed25519Verify: verify,
    x25519,
    x25519PublicKey,
    edPrivateToCurve,
    edPublicToCurve: (publicKey) => nobleCurves.edPublicToCurve(publicKey),
    ...keyPairGenerators(privateKeyFromSeed, x25519PublicKey),
    wipeKeyCache() {
      edPublic.clear();
      xPublic.clear();
      edPrivate.clear();
      xPrivate.clear();
    },
  };
}

/** The native curve provider of the Node entry. */
export const nativeCurves: NativeCurves = createNativeCurves();
