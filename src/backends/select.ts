/**
 * Chooses the backend: WebAssembly where the runtime validates the core module, the pure-JS one
 * otherwise, or whichever the caller forces; and the WebAssembly backend's AES core. The only
 * module that knows every backend.
 */
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { setActiveBackend } from './active.ts';
import { activateCurvesFor } from './curves-select.ts';
import { noArgon2, type Backend } from './backend.ts';
import { createJsBackend, jsBackend } from './js/index.ts';
import {
  compileArgon2Module,
  compileCoreModule,
  createWasmBackend,
  wasmSupported,
  type AesCore,
  type WasmBackendOptions,
} from './wasm.ts';

export type BackendChoice = 'auto' | 'wasm' | 'js';

export interface InitOptions extends WasmBackendOptions {
  /** `auto` (default): WebAssembly when available, else pure JS. */
  backend?: BackendChoice;
  /**
   * The AES core of the WebAssembly backend (`defaultAesCore()` when left out). `ct` is
   * constant-time; the pure-JS backend has only tables, so `ct` with `backend: 'js'`, or where
   * WebAssembly is missing, answers `BackendUnavailable`.
   */
  aes?: AesCore;
}

/**
 * `table` where the runtime is or mimics Node.js (`process.versions.node`: Node, Bun, Deno 2),
 * where the bench measures it faster and a server runs its own code (README, Security notes);
 * `ct` everywhere else: browsers and their workers, where other scripts may share the CPU.
 */
export function defaultAesCore(): AesCore {
  const host = globalThis as { process?: { versions?: { node?: string } } };
  return typeof host.process?.versions?.node === 'string' ? 'table' : 'ct';
}

/**
 * What one entry point's `init` chooses from. The main entry has Argon2 in both backends; the
 * symmetric client's entry has it in neither, so a bundle of that entry carries neither the Argon2
 * module nor the pure-JS Argon2 and its BLAKE2b.
 */
interface BackendSet {
  js: Backend;
  compileArgon2: (() => Promise<WebAssembly.Module>) | null;
  /** Makes the public-key clients' curves those of the chosen backend; null: no curve code. */
  activateCurves: ((backend: Backend) => Promise<void>) | null;
}

const WITH_ARGON2: BackendSet = { js: jsBackend, compileArgon2: compileArgon2Module, activateCurves: activateCurvesFor };
let withoutArgon2: BackendSet | null = null;

let pending: Promise<Backend> | null = null;
let pendingKey = '';
let pendingSet: BackendSet | null = null;

function optionsKey(options: InitOptions): string {
  return (options.backend ?? 'auto') + '/' + (options.keepArgon2Memory === true) + '/' + (options.aes ?? '');
}

async function build(set: BackendSet, options: InitOptions): Promise<Backend> {
  const choice = options.backend ?? 'auto';
  const explicitCt = options.aes === 'ct';
  if (choice === 'js') {
    if (explicitCt) throw e4Error(E4ErrorCode.BackendUnavailable, "aes: 'ct' needs the WebAssembly backend");
    return set.js;
  }
  if (!(await wasmSupported())) {
    if (choice === 'wasm' || explicitCt) {
      throw e4Error(E4ErrorCode.BackendUnavailable, 'this runtime cannot run the WebAssembly backend (it needs WebAssembly SIMD)');
    }
    return set.js;
  }
  try {
    const [core, argon2] = await Promise.all([compileCoreModule(), set.compileArgon2 === null ? null : set.compileArgon2()]);
    return createWasmBackend({ core, argon2 }, { ...options, aes: options.aes ?? defaultAesCore() });
  } catch (e) {
    // A runtime that validates the module may still refuse to compile it (a page's CSP).
    if (choice === 'auto' && !explicitCt && isE4Error(e, E4ErrorCode.BackendUnavailable)) return set.js;
    throw e;
  }
}

/** A backend made from `have` serves a caller of `want`: the same set, or one with Argon2 for one without. */
function serves(have: BackendSet | null, want: BackendSet): boolean {
  return have === want || (have !== null && have.compileArgon2 !== null && want.compileArgon2 === null);
}

function initFrom(set: BackendSet, options: InitOptions): Promise<Backend> {
  const key = optionsKey(options);
  if (pending === null || key !== pendingKey || !serves(pendingSet, set)) {
    pendingKey = key;
    pendingSet = set;
    const attempt = build(set, options).then(async (backend) => {
      if (set.activateCurves !== null) await set.activateCurves(backend);
      if (pendingKey === key && pendingSet === set) setActiveBackend(backend);
      return backend;
    });
    pending = attempt;
    // A failed initialisation is not memoised: the next call tries again.
    attempt.catch(() => {
      if (pending === attempt) pending = null;
    });
  }
  return pending;
}

/**
 * Prepares e4ts; the one `await` it needs. Concurrent and repeated calls with the same options
 * share one initialisation; a call with other options switches the active backend.
 */
export function init(options: InitOptions = {}): Promise<Backend> {
  return initFrom(WITH_ARGON2, options);
}

/**
 * `init` of the symmetric client's entry point: the same choice of backend, without Argon2
 * (`deriveKeyFromPassword` and `argon2i`/`argon2id` then answer `BackendUnavailable`). Where the
 * main entry's `init` has already run with the same options, its backend, which has everything,
 * stays active.
 */
export function initWithoutArgon2(options: InitOptions = {}): Promise<Backend> {
  withoutArgon2 ??= { js: createJsBackend(noArgon2), compileArgon2: null, activateCurves: null };
  return initFrom(withoutArgon2, options);
}
