/**
 * The `e4ts` command line: the commander program and `runCli`, which runs one command line
 * against an I/O object and returns its exit code (0 ok, 1 bad input or a refused message, 2
 * usage). Errors are one line on stderr, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { init } from '../backends/select.ts';
import { idCommand, inspect, keygen, protect, topicHash, unprotect, type KeyType } from './commands.ts';
import { BYTE_FORMATS, CliError, errorLine, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.ts';
import { registerC2 } from './c2.ts';
import { registerServices } from './services.ts';

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  bad input or a refused message: an E4 error (wrong key length, corrupt state file, tampered
     or expired message…), an unreachable broker, or a demo check that failed
  2  usage: unknown command or option, missing or invalid argument`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const formatOption = () =>
  new Option('--format <format>', 'how the protected message is written: raw bytes, hex or base64').choices(BYTE_FORMATS).default('raw');

function keyOptions(command: Command): Command {
  return command
    .option('--key <hex>', 'the topic key, 32 bytes in hex (symmetric mode)')
    .option('--key-file <file>', 'the topic key in a file: 32 raw bytes (as e4keygen writes) or hex')
    .option('--state <file>', "a client's state file (the Go client's JSON, either mode); commands update it");
}

/** The program, its output going to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('e4ts');
  program
    .description('E4 end-to-end encryption for IoT: keys, protection, a demo fleet, a gateway over MQTT, and a key server')
    .version(version(), '-V, --version')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write('e4ts: ' + s.replace(/^error: /, '')),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText('after', EXIT_CODES_HELP)
    .hook('preAction', async () => {
      await init();
    });

  program
    .command('keygen')
    .description('make a symmetric key, an Ed25519 key pair (a client) or an X25519 key pair (C2)')
    .addArgument(new Argument('<type>', 'the key to make').choices(['symmetric', 'ed25519', 'x25519']))
    .option('--name <name>', "the client's name: its id is SHA3-256(name)[0:16] (default: a random id)")
    .option('--password <password>', 'derive the key from a password as E4 does (Argon2i, 64 MiB, empty salt); other users can see it in the process list, --password-file cannot be seen')
    .option('--password-file <file>', "read the password from a file ('-' for stdin), one trailing newline dropped")
    .option('--out <file>', 'also write the private key as raw bytes to <file>, and the public key to <file>.pub')
    .option('--state <file>', "also write a new client's state file (symmetric, or ed25519 with --c2-public-key)")
    .option('--c2-public-key <hex>', "C2's X25519 public key, for an ed25519 client's state")
    .option('--force', 'replace files that exist')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
The password's 32 derived bytes are the symmetric key or the Ed25519 seed, as in E4; for x25519
they are the private key. Without --password the key is random.

Examples:
  e4ts keygen symmetric --name thermometer-1 --state thermometer-1.json
  e4ts keygen ed25519 --name camera-7 --password-file pw.txt --c2-public-key <hex> --state camera-7.json
  e4ts keygen x25519 --out c2`,
    )
    .action(async (type: KeyType, options) => {
      await keygen(type, options, io);
    });

  program
    .command('topic-hash')
    .description("E4's name of a topic: the first 16 bytes of SHA3-256(topic), in hex")
    .argument('<topic>')
    .action((topic: string) => topicHash(topic, io));

  program
    .command('id')
    .description("a client's id from its name: the first 16 bytes of SHA3-256(name), in hex")
    .argument('<name>')
    .option('--control-topic', 'print its control topic (e4/<id>) instead')
    .action((name: string, options) => idCommand(name, options, io));

  keyOptions(
    program
      .command('protect')
      .description('protect stdin for a topic and write the protected message to stdout')
      .requiredOption('--topic <topic>', 'the topic the message is published on')
      .addOption(formatOption()),
  )
    .addHelpText('after', '\nExample:\n  echo -n 21.5 | e4ts protect --topic sensors/temp --state device.json --format base64')
    .action(async (options) => {
      await protect(options, io);
    });

  keyOptions(
    program
      .command('unprotect')
      .description("read a protected message from stdin and write its payload to stdout; on a client's control topic, apply the command")
      .requiredOption('--topic <topic>', 'the topic the message was received on')
      .addOption(formatOption()),
  )
    .addHelpText(
      'after',
      `
The message must be fresh (at most 10 minutes old, as the Go client checks). A refused message
exits with 1 and its code, e.g. "e4ts: NotAuthentic: siv: authentication failed".

Example:
  e4ts unprotect --topic sensors/temp --state ingest.json --format base64 < message.b64`,
    )
    .action(async (options) => {
      await unprotect(options, io);
    });

  program
    .command('inspect')
    .description('print the fields of a protected message or command read from stdin (timestamp as a date)')
    .addOption(formatOption())
    .addOption(new Option('--mode <mode>', 'the layout').choices(['symmetric', 'public-key']).default('symmetric'))
    .option('--key <hex>', 'decrypt with this key: the topic key, or for --command the client key (or key shared with C2)')
    .option('--key-file <file>', 'the key in a file (raw or hex)')
    .option('--command', 'decode the decrypted plaintext as a C2 command')
    .option('--show-keys', "print the keys a command carries (hidden by default)")
    .option('--signer-key <hex>', 'public-key mode: check the signature with this Ed25519 public key')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      await inspect(options, io);
    });

  registerServices(program, io);
  registerC2(program, io);
  return program;
}

/** Runs one command line (without the node and script arguments); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT_OK;
      return EXIT_USAGE;
    }
    io.stderr.write(errorLine(e));
    return e instanceof CliError ? e.exitCode : EXIT_FAILURE;
  }
}
