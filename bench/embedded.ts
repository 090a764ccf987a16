/**
 * The embedded build's speed: messages per second of `unprotect` at 64 bytes of payload (one
 * SHA3-256 of the topic, one AES-SIV open), under duk made to look like Espruino, on the pure-JS
 * AES and on the firmware-AES path (there a stand-in built on the same pure-JS AES, so the figure
 * shows the path's own cost, not a gain). With ESPRUINO=<path of Espruino's Linux build>, also
 * under Espruino, whose firmware AES is real; its run without it uses the bundle with the
 * firmware-AES lookup taken out. Prints the figures; writes no results file.
 *
 * Usage: node --import tsx bench/embedded.ts [--ms <milliseconds per run, default 5000>]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEmbedded } from '../build/embedded.ts';
import { driverScript, dukPrelude, runScript } from '../test/embedded/scripts.ts';
import { duk as dukBinary } from '../test/runtime/binaries.ts';

const msIndex = process.argv.indexOf('--ms');
const ms = msIndex > 0 ? Number(process.argv[msIndex + 1]) : 5000;
const SIZE = 64;

async function main(): Promise<void> {
  const { text } = await buildEmbedded();
  const dir = mkdtempSync(join(tmpdir(), 'e4ts-embedded-bench-'));
  const runs: { runtime: string; aes: string; binary: string; prelude: string; bundle: string }[] = [];
  const found = dukBinary();
  const duk = found.path;
  if (duk === null) console.log(found.hint);
  else {
    runs.push({ runtime: 'duk', aes: 'pure JS', binary: duk, prelude: await dukPrelude(false), bundle: text });
    runs.push({ runtime: 'duk', aes: 'firmware path (stand-in on the pure-JS AES)', binary: duk, prelude: await dukPrelude(true), bundle: text });
  }
  const espruino = process.env.ESPRUINO;
  if (espruino) {
    runs.push({ runtime: 'Espruino', aes: 'pure JS', binary: espruino, prelude: '', bundle: text.replace('require("crypto")', 'null') });
    runs.push({ runtime: 'Espruino', aes: 'firmware AES', binary: espruino, prelude: '', bundle: text });
  }
  try {
    for (const run of runs) {
      const path = join(dir, 'bench.js');
      writeFileSync(path, await driverScript({ prelude: run.prelude, bundle: run.bundle, bench: { size: SIZE, ms } }));
      const result = runScript(run.binary, path);
      console.log(
        run.runtime.padEnd(9) + run.aes.padEnd(46) + 'native AES in use: ' + String(result.nativeAes).padEnd(6) +
          String(result.bench.messagesPerSecond).padStart(8) + ' messages/s (unprotect, ' + SIZE + ' bytes)',
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
