#!/usr/bin/env node
/** The `e4ts` executable. */
import { nodeIo } from './nodeIo.ts';
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2), nodeIo());
process.exitCode = code;
// Every command closes what it opened; should a connection linger anyway, do not hang on it.
setTimeout(() => process.exit(code), 2000).unref();
