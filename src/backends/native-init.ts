/**
 * `initNative` of the Node entry: makes the native backend (src/backends/native.ts) the one the
 * primitives use, with Argon2 from the backend `init()` chooses (WebAssembly, or pure JS).
 */
import { readFileSync } from 'node:fs';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { setActiveBackend } from './active.ts';
import type { Backend } from './backend.ts';
import { BATCH_HEADER_LEN, SIV_TAG_LEN, sivOpenEachPacked } from './backend.ts';
import { createNativeBackend, type NativeBackend } from './native.ts';
import { init, type InitOptions } from './select.ts';

/**
 * Where the native backend beats the one `init()` chose, per operation and input size, as
 * `npm run bench:ingest` measures it and writes it to bench/results/thresholds.json (with the
 * machine and date it was measured on). Each is the smallest input, in bytes, that the operation
 * gives to node:crypto; smaller ones go to the backend of `init()`. `null` (or an absent
 * optional field): native never won the measurement, so none go to it.
 */
export interface NativeThresholds {
  /** AES-SIV open, by plaintext size. */
  sivOpenNativeFromBytes: number | null;
  /** AES-SIV seal, by plaintext size. */
  sivSealNativeFromBytes?: number | null;
  /** SHA3-256, by input size. */
  sha3NativeFromBytes?: number | null;
}

const THRESHOLD_FIELDS = ['sivOpenNativeFromBytes', 'sivSealNativeFromBytes', 'sha3NativeFromBytes'] as const;

/** The options of `init()`, which choose the backend that computes Argon2 for the native one. */
export interface InitNativeOptions extends InitOptions {
  /**
   * Chooses node:crypto or the backend of `init()` per operation and input size (see
   * `NativeThresholds`, `readNativeThresholds`). Without it, every operation is node:crypto's.
   */
  thresholds?: NativeThresholds;
}

const nativeOf = new WeakMap<Backend, NativeBackend>();
const autoOf = new WeakMap<Backend, Map<string, NativeBackend>>();

/**
 * Checks a thresholds object (parsed JSON): `sivOpenNativeFromBytes` is required, the other
 * fields default to null; extra fields (machine, date, sweep) are ignored.
 */
export function checkNativeThresholds(value: unknown): NativeThresholds {
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const checked: Record<string, number | null> = {};
  for (const name of THRESHOLD_FIELDS) {
    const from = name !== 'sivOpenNativeFromBytes' && fields[name] === undefined ? null : fields[name];
    if (from !== null && !(typeof from === 'number' && Number.isSafeInteger(from) && from >= 0)) {
      throw e4Error(E4ErrorCode.InvalidArgument, '"' + name + '" expected a non-negative integer or null, got ' + String(from));
    }
    checked[name] = from;
  }
  return checked as unknown as NativeThresholds;
}

/** Reads a thresholds file as the ingestion bench writes it (bench/results/thresholds.json). */
export function readNativeThresholds(path: string): NativeThresholds {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw e4Error(E4ErrorCode.InvalidArgument, 'cannot read thresholds file ' + path + ': ' + (e as Error).message);
  }
  return checkNativeThresholds(json);
}

/**
 * The native backend with each operation chosen by size (`NativeThresholds`). A batch whose
 * plaintexts are all below the open threshold goes to `base`'s batch open when it has one; any
 * other batch is opened one message at a time, each by its size.
 */
function withThresholds(native: NativeBackend, base: Backend, thresholds: NativeThresholds): NativeBackend {
  const by = (from: number | null | undefined) => (bytes: number): Backend => (from != null && bytes >= from ? native : base);
  const opener = by(thresholds.sivOpenNativeFromBytes);
  const sealer = by(thresholds.sivSealNativeFromBytes);
  const hasher = by(thresholds.sha3NativeFromBytes);
  const from = thresholds.sivOpenNativeFromBytes;
  const auto: NativeBackend = {
    ...native,
    sivSeal(sivKey, ads, plaintext, out) {
      return sealer(plaintext.length).sivSeal(sivKey, ads, plaintext, out);
    },
    sivOpen(sivKey, ads, sealed, out) {
      return opener(sealed.length - SIV_TAG_LEN).sivOpen(sivKey, ads, sealed, out);
    },
    sha3_256(data) {
      return hasher(data.length).sha3_256(data);
    },
    sivOpenPacked(batch, out, status) {
      if (base.sivOpenPacked !== undefined) {
        let allBase = true;
        if (from !== null) {
          const offsets = batch.offsets;
          for (let i = 0; i < batch.count && allBase; i++) allBase = offsets[i + 1] - offsets[i] - BATCH_HEADER_LEN < from;
        }
        if (allBase) return base.sivOpenPacked(batch, out, status);
      }
      sivOpenEachPacked(auto, batch, out, status);
    },
    wipeKeyCache() {
      native.wipeKeyCache();
      base.wipeKeyCache();
    },
  };
  return auto;
}

/**
 * Prepares e4ts with the native backend: AES-SIV and SHA3-256 on node:crypto (Node only).
 * Awaits `init(options)` for the backend that computes Argon2, then makes the native backend
 * active. One native backend is made per backend `init` returns (and per thresholds), so calls
 * that get the same one from `init` share it.
 *
 * With `options.thresholds` (from `readNativeThresholds`), AES-SIV opens and seals and SHA3-256
 * of inputs smaller than their thresholds run on the backend of `init()` instead, where it was
 * measured faster; every result and error is the same either way.
 *
 * `init()` shares one settled initialisation per set of options, and makes its backend active
 * only when that initialisation settles: after `initNative(options)`, `init(options)` returns
 * the WebAssembly or pure-JS backend without making it active again, while `init()` with other
 * options does switch.
 */
export async function initNative(options: InitNativeOptions = {}): Promise<NativeBackend> {
  const base = await init(options);
  let native = nativeOf.get(base);
  if (native === undefined) {
    native = createNativeBackend(base);
    nativeOf.set(base, native);
  }
  if (options.thresholds !== undefined) {
    const thresholds = checkNativeThresholds(options.thresholds);
    let byKey = autoOf.get(base);
    if (byKey === undefined) {
      byKey = new Map();
      autoOf.set(base, byKey);
    }
    const key = THRESHOLD_FIELDS.map((name) => String(thresholds[name])).join();
    let auto = byKey.get(key);
    if (auto === undefined) {
      auto = withThresholds(native, base, thresholds);
      byKey.set(key, auto);
    }
    native = auto;
  }
  // The primitives call only the operations; `Backend['name']` lists the portable backends.
  setActiveBackend(native);
  return native;
}
