/** The CLI's I/O on the real process: stdin, stdout, stderr, and SIGINT/SIGTERM as an abort signal. */
import type { CliIo, CliOutput } from './io.ts';

function output(stream: NodeJS.WriteStream): CliOutput {
  // A reader that goes away (`e4ts … | head`) is not an error of ours.
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  return {
    write: (chunk) => stream.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    isTTY: stream.isTTY === true,
    get columns() {
      return stream.columns;
    },
  };
}

export function nodeIo(): CliIo {
  const controller = new AbortController();
  let listening = false;
  const stop = () => {
    // A second signal does not wait for the clean stop.
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  return {
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    },
    stdout: output(process.stdout),
    stderr: output(process.stderr),
    /** Only the commands that read it stop on a signal; the others keep Node's default (exit). */
    get signal() {
      if (!listening) {
        listening = true;
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }
      return controller.signal;
    },
  };
}
