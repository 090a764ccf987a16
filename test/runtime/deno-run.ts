/**
 * Run by test/runtime-deno.test.ts with the real `deno`: imports e4ts through its JSR entry point
 * (src/index.ts, the file jsr.json publishes as "."), reads the e4go vectors with Deno's file API
 * (the one read permission it is given) and prints the report of the vector run as JSON.
 *
 * Usage: deno run --allow-read=<vectors file> test/runtime/deno-run.ts <vectors file>
 */
import * as e4 from '../../src/index.ts';
import { runVectorSuite } from './vector-suite.ts';

declare const Deno: { args: string[]; readTextFile(path: string): Promise<string>; version: { deno: string } };

const go = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const report = await runVectorSuite(e4, go);
console.log(JSON.stringify({ deno: Deno.version.deno, ...report }));
