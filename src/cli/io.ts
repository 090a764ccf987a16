/**
 * What the CLI reads and writes, as one object so tests can run commands in process: stdin, the
 * two output streams, and a signal that fires on SIGINT/SIGTERM for the long-running commands.
 * Also the helpers every command shares: errors with their exit code, byte formats, key input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { E4ErrorCode, e4Error, isE4Error } from '../errors.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../utils.ts';

export interface CliOutput {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
  /** The terminal's width, when it is one. */
  columns?: number;
}

export interface CliIo {
  /** All of stdin. */
  readStdin(): Promise<Uint8Array>;
  stdout: CliOutput;
  stderr: CliOutput;
  /** Aborted on SIGINT or SIGTERM: `demo` and `gateway` stop cleanly on it. */
  signal: AbortSignal;
}

/** Exit codes: documented in `e4ts --help` and the README. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure the CLI reports in one line, with its exit code (1 bad input, 2 usage). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The one line printed for a failure: `e4ts: <Code>: <message>` for E4 errors. */
export function errorLine(e: unknown): string {
  let text: string;
  if (isE4Error(e)) text = e.code + ': ' + e.message;
  else if (e instanceof Error) text = e.message;
  else text = String(e);
  return 'e4ts: ' + text.replace(/\s*\n\s*/g, ' ') + '\n';
}

export type ByteFormat = 'raw' | 'hex' | 'base64';
export const BYTE_FORMATS: ByteFormat[] = ['raw', 'hex', 'base64'];

/** Bytes read in `format` (hex and base64 ignore surrounding white space). */
export function decodeFormat(input: Uint8Array, format: ByteFormat, what: string): Uint8Array {
  if (format === 'raw') return input;
  const text = new TextDecoder().decode(input).replace(/\s+/g, '');
  try {
    return format === 'hex' ? fromHex(text, what) : fromBase64(text, what);
  } catch (e) {
    throw new CliError(what + ' is not ' + (format === 'hex' ? 'hex' : 'padded standard base64') + ' (--format ' + format + ')');
  }
}

/** Bytes written in `format`; hex and base64 end with a newline. */
export function encodeFormat(bytes: Uint8Array, format: ByteFormat): string | Uint8Array {
  if (format === 'raw') return bytes;
  return (format === 'hex' ? toHex(bytes) : toBase64(bytes)) + '\n';
}

/** A key given as hex, checked for its length (`InvalidKeyLength`). */
export function keyFromHex(hex: string, what: string, length: number): Uint8Array {
  const clean = hex.trim();
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new CliError(what + ' is not hex (' + 2 * length + ' hex digits expected)');
  const bytes = fromHex(clean, what);
  if (bytes.length !== length) {
    throw e4Error(
      E4ErrorCode.InvalidKeyLength,
      what + ' must be ' + length + ' bytes (' + 2 * length + ' hex digits), got ' + bytes.length + ' bytes',
    );
  }
  return bytes;
}

/** A key file: the raw bytes (as e4keygen writes them) or hex text. */
export function keyFromFile(path: string, what: string, length: number): Uint8Array {
  const bytes = readInputFile(path, what);
  if (bytes.length === length) return new Uint8Array(bytes);
  return keyFromHex(new TextDecoder().decode(bytes), what + ' in "' + path + '"', length);
}

export function readInputFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new CliError('cannot read ' + what + ' "' + path + '": no such file');
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliError('cannot read ' + what + ' "' + path + '": ' + ((e as { code?: string }).code ?? String(e)));
  }
}

/** `name   value` lines, the names padded to one width. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, value]) => name.padEnd(width) + value).join('\n') + '\n';
}
