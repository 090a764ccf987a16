/**
 * The npm package as users get it: the working tree is copied as a clean clone would have it
 * (tracked and new files, nothing git ignores: no dist/, no generated WASM), `npm run prepack`
 * builds it there, `npm pack` packs it, and the tarball is installed in a new project where
 *  - its file list holds dist/ with the declarations of every entry point, and no tests,
 *    vectors, TypeScript sources, AssemblyScript or .wasm files;
 *  - Node imports each entry point (`e4ts`, `e4ts/node`, `e4ts/symmetric`), runs a round trip
 *    through it and the embedded WebAssembly;
 *  - `tsc` type-checks a file importing every entry point against the shipped declarations;
 *  - nothing reachable from dist/index.js (or dist/symmetric.js) imports a Node built-in, reads a
 *    file or fetches: the browser path holds only what a browser has.
 */
import { execFile, execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'acorn';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVectors } from './vectors.ts';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** The entries a browser (or Deno, or a bundler for either) loads. */
const BROWSER_ENTRIES = ['dist/index.js', 'dist/symmetric.js'];

let work = '';
let consumer = '';
let packed: { filename: string; files: { path: string }[] };

/** Runs a command; a failure carries the end of what it printed. */
async function sh(command: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } });
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error([command, ...args].join(' ') + ' failed:\n' + (stdout + '\n' + stderr).trim().slice(-4000));
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'e4ts-package-'));
  const source = join(work, 'source');
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  for (const file of listed.split('\0')) {
    if (file === '' || !existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(source, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(source, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  await sh('npm', ['run', 'prepack'], source);
  // prepack has built everything; packing again through the lifecycle would only rebuild it.
  const { stdout } = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], source);
  packed = JSON.parse(stdout)[0];

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await sh('npm', ['install', join(work, packed.filename), '--no-audit', '--no-fund', '--prefer-offline'], consumer);
}, 300_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('holds dist/, the declarations of every entry point and the README, and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const target of Object.values(pkg.exports as Record<string, string | Record<string, string>>)) {
      const paths = typeof target === 'string' ? [target] : Object.values(target);
      for (const path of paths) expect(files).toContain(path.replace(/^\.\//, ''));
    }
    for (const file of ['dist/backends/wasm-bytes.js', 'dist/e4ts.browser.js', 'dist/e4ts.symmetric.browser.js', 'README.md']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'README.md' && f !== 'package.json' && f !== 'LICENSE')).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|tests|assembly|src|bench|build)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(wasm|tjson|tgz)$|vectors|\.test\.|\.json$/.test(f) && f !== 'package.json')).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });
});

describe('installed in a new project', () => {
  const symKey = readVectors<{ symKeyFromPassword: { password: string; key: string }[] }>('e4go-vectors.json').symKeyFromPassword[0];

  /** Runs an ES module in the consumer project with node and returns what it printed, parsed. */
  async function node(name: string, code: string): Promise<any> {
    writeFileSync(join(consumer, name), code);
    const { stdout } = await sh(process.execPath, [name], consumer);
    return JSON.parse(stdout);
  }

  const roundTrip = `
    const key = e4.generateSymmetricKey();
    const device = e4.createSymmetricClient({ id: e4.generateId(), key, store });
    device.unprotect(e4.protectCommand(key, e4.cmdSetTopicKey(e4.generateSymmetricKey(), 'sensors/temp')), device.controlTopic);
    const message = device.protect(new TextEncoder().encode('21.5'), 'sensors/temp');
    const opened = new TextDecoder().decode(reload().unprotect(message, 'sensors/temp').payload);`;

  it("e4ts: the embedded WASM and the pure-JS backend, a symmetric and a public-key round trip, E4's Argon2", async () => {
    const result = await node(
      'main.mjs',
      `import * as e4 from 'e4ts';
      const out = {};
      for (const backend of ['auto', 'wasm', 'js']) {
        const name = (await e4.init({ backend })).name;
        const store = e4.createMemoryStore();
        const reload = () => e4.loadClient({ store });
        ${roundTrip}
        const c2 = e4.generateX25519KeyPair();
        const a = e4.generateEd25519KeyPair(), b = e4.generateEd25519KeyPair(), aId = e4.generateId();
        const alice = e4.createPublicKeyClient({ id: aId, privateKey: a.privateKey, c2PublicKey: c2.publicKey });
        const bob = e4.createPublicKeyClient({ id: e4.generateId(), privateKey: b.privateKey, c2PublicKey: c2.publicKey });
        const send = (client, pub, cmd) => client.unprotect(e4.protectCommand(e4.sharedKeyForClient(c2.privateKey, pub), cmd), client.controlTopic);
        const topicKey = e4.generateSymmetricKey();
        send(alice, a.publicKey, e4.cmdSetTopicKey(topicKey, 'chat'));
        send(bob, b.publicKey, e4.cmdSetTopicKey(topicKey, 'chat'));
        send(bob, b.publicKey, e4.cmdSetPubKey(a.publicKey, { id: aId }));
        const signed = new TextDecoder().decode(bob.unprotect(alice.protect(new TextEncoder().encode('hi'), 'chat'), 'chat').payload);
        const derived = e4.toHex(e4.deriveKeyFromPassword(${JSON.stringify(symKey.password)}));
        out[backend] = { name, opened, signed, derived };
      }
      console.log(JSON.stringify(out));`,
    );
    const expected = (name: string) => ({ name, opened: '21.5', signed: 'hi', derived: symKey.key });
    expect(result).toEqual({ auto: expected('wasm'), wasm: expected('wasm'), js: expected('js') });
  });

  it('e4ts/node: everything of e4ts, and a file store that survives a reload', async () => {
    const result = await node(
      'node.mjs',
      `import * as e4 from 'e4ts/node';
      import { readFileSync } from 'node:fs';
      import { join } from 'node:path';
      await e4.init();
      const path = join(process.cwd(), 'client.json');
      const store = e4.createFileStore(path);
      const reload = () => e4.loadClient({ store: e4.createFileStore(path) });
      ${roundTrip}
      console.log(JSON.stringify({ opened, saved: readFileSync(path, 'utf8') === device.exportState(), pk: typeof e4.createPublicKeyClient }));`,
    );
    expect(result).toEqual({ opened: '21.5', saved: true, pk: 'function' });
  });

  it('e4ts/symmetric: the symmetric client on the embedded WASM, without the public-key or password API', async () => {
    const result = await node(
      'symmetric.mjs',
      `import * as e4 from 'e4ts/symmetric';
      const name = (await e4.init()).name;
      const store = e4.createMemoryStore();
      const reload = () => e4.loadSymmetricClient({ store });
      ${roundTrip}
      console.log(JSON.stringify({ name, opened, absent: ['createPublicKeyClient', 'deriveKeyFromPassword'].filter((n) => n in e4) }));`,
    );
    expect(result).toEqual({ name: 'wasm', opened: '21.5', absent: [] });
  });

  it('tsc type-checks a file importing every entry point against the shipped declarations', async () => {
    for (const entry of ['index', 'node', 'symmetric', 'e4ts.browser', 'e4ts.symmetric.browser']) {
      expect(existsSync(join(consumer, 'node_modules', 'e4ts', 'dist', entry + '.d.ts')), entry).toBe(true);
    }
    writeFileSync(
      join(consumer, 'check.ts'),
      `import { init, createSymmetricClient, deriveKeyFromPassword, type E4Client, type KeyStore } from 'e4ts';
      import { createFileStore, createPublicKeyClient } from 'e4ts/node';
      import { init as initSymmetric, createSymmetricClient as createSym, type UnprotectResult } from 'e4ts/symmetric';
      await init({ backend: 'auto' });
      await initSymmetric({ backend: 'js' });
      const store: KeyStore = createFileStore('client.json');
      const key: Uint8Array = deriveKeyFromPassword('correct horse battery staple');
      const a: E4Client = createSymmetricClient({ id: new Uint8Array(16), key, store });
      const b: E4Client = createSym({ id: new Uint8Array(16), key });
      const r: UnprotectResult = b.unprotect(a.protect(new Uint8Array(1), 't'), 't');
      export const kinds: string[] = [r.kind, typeof createPublicKeyClient];
      `,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['check.ts'],
      }),
    );
    const { stdout } = await sh(process.execPath, [TSC, '-p', consumer], consumer);
    expect(stdout).toBe('');
  });
});

describe('the browser path of dist/', () => {
  /** Every module reachable from `entry` in the installed package, with what each imports. */
  async function importGraph(entry: string): Promise<Record<string, { imports: { path: string; external?: boolean }[] }>> {
    const result = await build({
      entryPoints: [join(consumer, 'node_modules', 'e4ts', entry)],
      absWorkingDir: consumer,
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      // Node's resolution, which marks its built-ins (node:fs and fs alike) external: they show up
      // as imports of the module that asks for them.
      platform: 'node',
      logLevel: 'silent',
    });
    return result.metafile!.inputs;
  }

  const isBuiltin = (path: string): boolean => path.startsWith('node:') || builtinModules.includes(path.split('/')[0]);

  function builtinImports(graph: Awaited<ReturnType<typeof importGraph>>): string[] {
    const found: string[] = [];
    for (const [file, info] of Object.entries(graph)) {
      for (const imported of info.imports) if (isBuiltin(imported.path)) found.push(file + ' → ' + imported.path);
    }
    return found;
  }

  /** Calls to fetch or require and uses of import.meta, found in the syntax tree (not in comments or strings). */
  function fileAccess(source: string): string[] {
    const found: string[] = [];
    const visit = (node: any): void => {
      if (node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        node.forEach(visit);
        return;
      }
      if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && /^(fetch|require|importScripts)$/.test(node.callee.name)) {
        found.push(node.callee.name + '()');
      }
      if (node.type === 'MetaProperty') found.push('import.meta');
      if (node.type === 'ImportExpression') found.push('import()');
      for (const key of Object.keys(node)) if (key !== 'type') visit(node[key]);
    };
    visit(parse(source, { ecmaVersion: 'latest', sourceType: 'module' }));
    return found;
  }

  it.each(BROWSER_ENTRIES)('nothing reachable from %s imports a Node built-in, fetches or reads a file', async (entry) => {
    const graph = await importGraph(entry);
    expect(Object.keys(graph).some((f) => f.endsWith('dist/backends/wasm-bytes.js'))).toBe(true);
    expect(builtinImports(graph)).toEqual([]);
    for (const file of Object.keys(graph)) expect(fileAccess(readFileSync(join(consumer, file), 'utf8')), file).toEqual([]);
  });

  it('finds the Node built-ins of dist/node.js, which the file store needs', async () => {
    expect(builtinImports(await importGraph('dist/node.js'))).toContain('node_modules/e4ts/dist/stores/file.js → node:fs');
  });
});
