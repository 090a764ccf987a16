/** Running the CLI in tests: in process through `runCli`, or as a real process through tsx. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/program.ts';
import type { CliIo } from '../src/cli/io.ts';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
export const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

export interface CliResult {
  code: number;
  stdout: Buffer;
  text: string;
  stderr: string;
}

/** Runs `e4ts <args>` in process with `stdin`; `tty` makes stderr a terminal (for the spinner). */
export async function cli(args: string[], stdin: Uint8Array | string = '', options: { tty?: boolean; signal?: AbortSignal } = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: string[] = [];
  const io: CliIo = {
    readStdin: async () => (typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin),
    stdout: { write: (c) => out.push(Buffer.from(c)), isTTY: false },
    stderr: { write: (c) => err.push(typeof c === 'string' ? c : Buffer.from(c).toString()), isTTY: options.tty === true },
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await runCli(args, io);
  const stdout = Buffer.concat(out);
  return { code, stdout, text: stdout.toString(), stderr: err.join('') };
}

/** `e4ts` as a process (node + tsx on the sources), from `cwd`. */
export function spawnCli(args: string[], cwd = REPO): ChildProcess {
  return spawn(TSX, [MAIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
}

/** Runs `e4ts` as a process to its end. */
export function runProcess(args: string[], stdin: Uint8Array | string = '', cwd = REPO): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, cwd);
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout, text: stdout.toString(), stderr });
    });
    child.stdin?.end(stdin);
  });
}

/** Collects a process's stdout as JSON lines, resolving `waitFor` when a line matches. */
export function jsonLines(child: ChildProcess) {
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  return {
    lines,
    stderr: () => stderr,
    exited,
    async waitFor(predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error('timed out waiting for ' + what + '; stderr: ' + stderr.trim());
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** One line on stderr, `e4ts: …`, and no stack trace. */
export function isOneCleanLine(stderr: string): boolean {
  return /^e4ts: [^\n]+\n$/.test(stderr) && !/\n\s+at /.test(stderr) && !stderr.includes('node:internal');
}
