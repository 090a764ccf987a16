/**
 * Browsers: Debian's headless Chromium, driven by playwright-core, loads a page served from
 * 127.0.0.1 that imports the ESM bundle (dist/e4ts.browser.js, built in memory here by
 * build/bundle-browser.ts exactly as `npm run build:browser` writes it). In the page: every e4go
 * vector of the primitives, messages and commands and both round trips, on both backends; a
 * client kept in localStorage through a Web Storage store, reloaded with the page; the symmetric
 * client's bundle (dist/e4ts.symmetric.browser.js) on its own; and a page whose CSP forbids
 * compiling WebAssembly, where `init()` falls back to pure JS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleBrowser } from '../build/bundle-browser.ts';
import { chromium as findChromium } from './runtime/binaries.ts';
import { checkInstalled } from './runtime/check-installed.ts';
import { expectCompleteReport, summary } from './runtime/report.ts';
import type { RuntimeReport } from './runtime/vector-suite.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VECTORS = fileURLToPath(new URL('../../shared/vectors/e4go-vectors.json', import.meta.url));
const browserBinary = findChromium();

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>e4ts in a browser</title>
<script type="module">
  import * as e4 from '/e4ts.browser.js';
  import { runVectorSuite } from '/vector-suite.js';

  window.e4tsVectors = async () => runVectorSuite(e4, await (await fetch('/e4go-vectors.json')).json());

  // A device provisioned by C2 keeps its state in localStorage; the page is then reloaded.
  window.e4tsStoreSave = async () => {
    await e4.init();
    localStorage.clear();
    const key = e4.generateSymmetricKey();
    const device = e4.createSymmetricClient({ id: e4.generateId(), key, store: e4.createWebStorageStore(localStorage, 'e4') });
    device.unprotect(e4.protectCommand(key, e4.cmdSetTopicKey(e4.generateSymmetricKey(), 'sensors/temp')), device.controlTopic);
    const message = device.protect(new TextEncoder().encode('21.5'), 'sensors/temp');
    return { message: e4.toHex(message), state: device.exportState(), stored: localStorage.getItem('e4') };
  };
  window.e4tsStoreLoad = async (messageHex) => {
    await e4.init();
    const client = e4.loadClient({ store: e4.createWebStorageStore(localStorage, 'e4') });
    const result = client.unprotect(e4.fromHex(messageHex, 'message'), 'sensors/temp');
    return { payload: new TextDecoder().decode(result.payload), state: client.exportState() };
  };

  // The symmetric client's bundle, alone in its own module graph.
  window.e4tsSymmetric = async () => {
    const s = await import('/e4ts.symmetric.browser.js');
    const backend = (await s.init()).name;
    const key = s.generateSymmetricKey();
    const store = s.createMemoryStore();
    const device = s.createSymmetricClient({ id: s.generateId(), key, store });
    device.unprotect(s.protectCommand(key, s.cmdSetTopicKey(s.generateSymmetricKey(), 'a/b')), device.controlTopic);
    const opened = s.loadSymmetricClient({ store }).unprotect(device.protect(new Uint8Array([1, 2, 3]), 'a/b'), 'a/b');
    return { backend, payload: Array.from(opened.payload), exports: Object.keys(s).sort() };
  };
  window.e4tsReady = true;
</script>
`;

/** A page whose Content Security Policy forbids compiling WebAssembly. */
const CSP_SCRIPT = `
  import * as e4 from '/e4ts.browser.js';
  window.e4tsCsp = async () => {
    const auto = (await e4.init()).name;
    let forced = 'ok';
    try {
      await e4.init({ backend: 'wasm' });
    } catch (e) {
      forced = e4.isE4Error(e) ? e.code : String(e);
    }
    const backend = (await e4.init()).name;
    return { auto, forced, backend, digest: e4.toHex(e4.sha3_256('')) };
  };
  window.e4tsReady = true;
`;

checkInstalled(browserBinary);

describe.skipIf(browserBinary.skip)('Chromium', () => {
  let server: Server;
  let origin = '';
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let sizes: Record<string, number> = {};

  beforeAll(async () => {
    expect(browserBinary.path, browserBinary.hint).not.toBeNull();
    const routes: Record<string, { type: string; body: string | Buffer; csp?: string }> = {
      '/': { type: 'text/html', body: PAGE },
      '/csp': { type: 'text/html', body: '<!doctype html><script type="module" src="/csp.js"></script>', csp: "script-src 'self'" },
      '/csp.js': { type: 'text/javascript', body: CSP_SCRIPT },
      '/e4go-vectors.json': { type: 'application/json', body: readFileSync(VECTORS) },
      '/vector-suite.js': {
        type: 'text/javascript',
        body: (await transform(readFileSync(join(ROOT, 'test/runtime/vector-suite.ts'), 'utf8'), { loader: 'ts', format: 'esm' })).code,
      },
    };
    for (const bundle of await bundleBrowser()) {
      routes['/' + bundle.name] = { type: 'text/javascript', body: bundle.code };
      sizes[bundle.name] = Buffer.byteLength(bundle.code);
    }
    server = createServer((request, response) => {
      const route = routes[new URL(request.url ?? '/', 'http://localhost').pathname];
      if (route === undefined) {
        response.writeHead(404).end();
        return;
      }
      const headers: Record<string, string> = { 'content-type': route.type + '; charset=utf-8', 'cache-control': 'no-store' };
      if (route.csp !== undefined) headers['content-security-policy'] = route.csp;
      response.writeHead(200, headers).end(route.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = 'http://127.0.0.1:' + (server.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: browserBinary.path!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(origin + '/');
    await page.waitForFunction(() => (window as unknown as { e4tsReady?: boolean }).e4tsReady === true);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('runs every vector of the primitives, messages and commands and both round trips, on both backends', async () => {
    const report = (await page.evaluate('window.e4tsVectors()')) as RuntimeReport;
    console.log(browser.version() + ': ' + summary(report) + ' (' + JSON.stringify(sizes) + ' bytes)');
    expectCompleteReport(report, 'ct');
    expect(errors).toEqual([]);
  });

  it('keeps a client in localStorage across a page reload (Web Storage store)', async () => {
    const saved = (await page.evaluate('window.e4tsStoreSave()')) as { message: string; state: string; stored: string };
    expect(saved.stored).toBe(saved.state);
    expect(JSON.parse(saved.stored).TopicKeys).not.toEqual({});
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { e4tsReady?: boolean }).e4tsReady === true);
    const loaded = (await page.evaluate(`window.e4tsStoreLoad(${JSON.stringify(saved.message)})`)) as { payload: string; state: string };
    expect(loaded).toEqual({ payload: '21.5', state: saved.state });
    expect(errors).toEqual([]);
  });

  it('runs the symmetric client from its own bundle, on WebAssembly, with no public-key or password API', async () => {
    const result = (await page.evaluate('window.e4tsSymmetric()')) as { backend: string; payload: number[]; exports: string[] };
    expect(result.backend).toBe('wasm');
    expect(result.payload).toEqual([1, 2, 3]);
    expect(result.exports).toContain('createWebStorageStore');
    for (const absent of ['createPublicKeyClient', 'deriveKeyFromPassword', 'generateEd25519KeyPair', 'argon2i']) {
      expect(result.exports).not.toContain(absent);
    }
    expect(errors).toEqual([]);
  });

  it("falls back to pure JS where the page's CSP forbids compiling WebAssembly", async () => {
    const strict = await browser.newPage();
    await strict.goto(origin + '/csp');
    await strict.waitForFunction(() => (window as unknown as { e4tsReady?: boolean }).e4tsReady === true);
    expect(await strict.evaluate('window.e4tsCsp()')).toEqual({
      auto: 'js',
      forced: 'BackendUnavailable',
      backend: 'js',
      digest: 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a',
    });
    await strict.close();
  });
});
