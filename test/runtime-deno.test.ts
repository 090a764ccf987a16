/**
 * Deno: the real `deno` binary (from the `deno` npm package, so never missing) imports e4ts
 * through its JSR entry point, src/index.ts. That is the file set Deno users get from JSR, which
 * publishes TypeScript sources that Deno runs as they are; the compiled dist/ is what Node and
 * bundlers get, and test/package.test.ts covers it (as would `npm:e4ts` in Deno). The run reads
 * the vectors with Deno's own file API, allowed that one file and nothing else.
 *
 * Also: `deno publish --dry-run` accepts the JSR configuration, with the generated WASM module.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectCompleteReport, summary } from './runtime/report.ts';
import type { RuntimeReport } from './runtime/vector-suite.ts';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
const VECTORS = fileURLToPath(new URL('../../shared/vectors/e4go-vectors.json', import.meta.url));
const ENV = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };

function deno(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(DENO, args, { cwd: ROOT, env: ENV, maxBuffer: 16 << 20 });
}

describe('Deno', () => {
  it('runs every vector of the primitives, messages and commands and both round trips, on both backends', async () => {
    const { stdout } = await deno(['run', '--no-lock', '--no-prompt', '--allow-read=' + VECTORS, 'test/runtime/deno-run.ts', VECTORS]);
    const report = JSON.parse(stdout) as RuntimeReport & { deno: string };
    console.log('deno ' + report.deno + ': ' + summary(report));
    expectCompleteReport(report, 'table');
  });

  it('is refused any other read', async () => {
    const other = join(ROOT, 'package.json');
    await expect(deno(['run', '--no-lock', '--no-prompt', '--allow-read=' + VECTORS, 'test/runtime/deno-run.ts', other])).rejects.toThrow(
      /NotCapable|PermissionDenied|Requires read access/,
    );
  });

  it('publishes to JSR: deno publish --dry-run passes and carries the WASM module, no tests', async () => {
    const jsr = JSON.parse(readFileSync(join(ROOT, 'jsr.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(jsr.version).toBe(pkg.version);
    const { stdout, stderr } = await deno(['publish', '--dry-run', '--allow-dirty']);
    const output = stdout + stderr;
    expect(output).toContain('Dry run complete');
    expect(output).not.toMatch(/warning/i);
    const files = [...output.matchAll(/file:\/\/\S+/g)].map((m) => m[0].slice(('file://' + ROOT + '/').length));
    expect(files).toContain('src/backends/wasm-bytes.ts');
    for (const entry of Object.values(jsr.exports as Record<string, string>)) expect(files).toContain(entry.slice(2));
    expect(files.filter((f) => !f.startsWith('src/') && f !== 'README.md' && f !== 'jsr.json')).toEqual([]);
  });
});
