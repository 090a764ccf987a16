/**
 * The browser bundles: single ES modules, minified, with the WebAssembly modules inside them.
 *
 *  - dist/e4ts.browser.js            everything of the main entry (src/index.ts);
 *  - dist/e4ts.symmetric.browser.js  the symmetric client alone (src/symmetric.ts): no curve code,
 *                                    no Argon2 (test/bundle.test.ts holds it to its size budget).
 *
 * A page loads one with `<script type="module">` or `import … from './e4ts.browser.js'`; no other
 * file is fetched at run time. Bundlers should import the package itself (`e4ts`, `e4ts/symmetric`)
 * instead: its `sideEffects: false` lets them drop what a program does not use.
 *
 * Usage: node --import tsx build/bundle-browser.ts (after build/build-wasm.ts)
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface BrowserBundle {
  /** The file name under dist/. */
  name: string;
  entry: string;
  /** The minified module. */
  code: string;
  /** Repository paths of the modules (and packages) it holds, with their bytes in the output. */
  inputs: Record<string, number>;
}

/** Each bundle, its entry, and the compiled entry (from tsc) whose declarations type it. */
export const BROWSER_BUNDLES: readonly { name: string; entry: string; types: string }[] = [
  { name: 'e4ts.browser.js', entry: 'src/index.ts', types: './index.js' },
  { name: 'e4ts.symmetric.browser.js', entry: 'src/symmetric.ts', types: './symmetric.js' },
];

/** The options both bundles are built with; `entry` relative to the repository. */
export function browserBuildOptions(entry: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // The oldest syntax the sources and @noble/curves (BigInt) need.
    target: 'es2022',
    minify: true,
    metafile: true,
    write: false,
    outfile: 'out.js',
    logLevel: 'silent',
  };
}

/** Builds every browser bundle in memory. */
export async function bundleBrowser(): Promise<BrowserBundle[]> {
  const bundles: BrowserBundle[] = [];
  for (const spec of BROWSER_BUNDLES) {
    const result = await build(browserBuildOptions(spec.entry));
    const output = Object.values(result.metafile!.outputs)[0];
    const inputs: Record<string, number> = {};
    for (const [path, info] of Object.entries(output.inputs)) inputs[path] = info.bytesInOutput;
    bundles.push({ name: spec.name, entry: spec.entry, code: result.outputFiles![0].text, inputs });
  }
  return bundles;
}

async function main(): Promise<void> {
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const bundle of await bundleBrowser()) {
    writeFileSync(join(root, 'dist', bundle.name), bundle.code);
    // Types for pages written in TypeScript: the bundle exports what its entry exports.
    const types = BROWSER_BUNDLES.find((spec) => spec.name === bundle.name)!.types;
    writeFileSync(join(root, 'dist', bundle.name.replace(/\.js$/, '.d.ts')), "export * from '" + types + "';\n");
    console.log(('dist/' + bundle.name).padEnd(32) + String(Buffer.byteLength(bundle.code)).padStart(8) + ' bytes');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
