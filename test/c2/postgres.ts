/**
 * PostgreSQL for the key server's suites: a throwaway cluster (initdb into a temporary
 * directory, postgres on a free loopback port, its socket in that directory), a fresh database
 * per caller, removed with the cluster at `stop`. initdb is found at $INITDB, on PATH or in
 * /usr/lib/postgresql/<version>/bin (the newest); missing, the PostgreSQL suites are skipped
 * (and named in the run's last line), except under CI=true, where they run and fail. initdb and postgres refuse to run as root: as root the cluster runs as `nobody`
 * (the directory is handed to that user).
 *
 * `testDatabases(dialect)` gives either engine the same shape, so a suite runs on both with
 * `describe.each(DIALECTS)`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from '../mqtt-helpers.ts';
import { findSystemBinary, type SystemBinary } from '../runtime/binaries.ts';
import { checkInstalled } from '../runtime/check-installed.ts';

/** Debian's PostgreSQL binary directories, newest version first. */
function debianBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'));
}

/** initdb (beside it postgres and pg_dump): from $INITDB, PATH or Debian's directories. */
export const postgresBinary: SystemBinary = findSystemBinary({
  name: 'PostgreSQL',
  command: 'initdb',
  env: 'INITDB',
  aptPackage: 'postgresql',
  dirs: debianBinDirs(),
});

/** The directory of initdb, postgres and pg_dump (PATH may hold a link to initdb alone). */
export const postgresBin: string | null = postgresBinary.path === null ? null : dirname(realpathSync(postgresBinary.path));

// Every suite file that reaches this helper reports a missing PostgreSQL in the run's last line.
checkInstalled(postgresBinary);

/** Who runs the cluster: this process's user, or `nobody` when that is root. */
function clusterUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  if (line === undefined) throw new Error('running as root and no "nobody" user to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface PostgresServer {
  /** A fresh empty database on the cluster; its URL. */
  createDatabase(): Promise<string>;
  /** pg_dump's plain-text dump of the database at `url`. */
  dump(url: string): Uint8Array;
  /** Every byte of every file of the cluster's data directory (tables, WAL…), concatenated. */
  rawFiles(): Uint8Array;
  stop(): Promise<void>;
}

let databaseCount = 0;

export async function startPostgres(): Promise<PostgresServer> {
  if (postgresBin === null) throw new Error('PostgreSQL is not installed');
  const bin = postgresBin;
  const user = clusterUser();
  const dir = mkdtempSync(join(tmpdir(), 'e4ts-pg-'));
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const initdb = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { encoding: 'utf8', ...user },
  );
  if (initdb.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('initdb failed: ' + (initdb.stderr || initdb.error?.message || '').trim());
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      join(bin, 'postgres'),
      [
        '-D', data, '-p', String(port), '-k', dir,
        '-c', 'listen_addresses=127.0.0.1',
        // A throwaway cluster: durability is not under test, speed is welcome.
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], ...user },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    if (await waitUntilAccepting(adminUrl, child)) {
      // A test process that exits without `stop` (a failed hook, an interrupted run) takes its cluster with it.
      const stopAtExit = (): void => {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      };
      process.once('exit', stopAtExit);
      return {
        async createDatabase() {
          const name = `e4ts_${process.pid}_${++databaseCount}`;
          const admin = new pg.Client({ connectionString: adminUrl });
          await admin.connect();
          try {
            await admin.query(`CREATE DATABASE ${name}`);
          } finally {
            await admin.end();
          }
          return `postgres://postgres@127.0.0.1:${port}/${name}`;
        },
        dump(url) {
          const out = spawnSync(join(bin, 'pg_dump'), ['--dbname', url], { maxBuffer: 1 << 30 });
          if (out.status !== 0) throw new Error('pg_dump failed: ' + out.stderr.toString().trim());
          return new Uint8Array(out.stdout);
        },
        rawFiles() {
          return concatFiles(data);
        },
        async stop() {
          // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, closes sessions).
          process.removeListener('exit', stopAtExit);
          if (child.exitCode === null) child.kill('SIGINT');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    await exited;
    if (attempt >= 2) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('postgres did not start: ' + stderr.trim());
    }
  }
}

async function waitUntilAccepting(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 250 && child.exitCode === null; i++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 40));
    }
  }
  return false;
}

function concatFiles(dir: string): Uint8Array {
  const parts: Buffer[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) {
        try {
          parts.push(readFileSync(path));
        } catch {
          // A file the server removed while the walk ran.
        }
      }
    }
  };
  walk(dir);
  return new Uint8Array(Buffer.concat(parts));
}

export type Dialect = 'sqlite' | 'postgres';

/** The suites' table for `describe.each`: PostgreSQL's row is skipped when it is not installed. */
export const DIALECTS: { dialect: Dialect; skip: boolean }[] = [
  { dialect: 'sqlite', skip: false },
  { dialect: 'postgres', skip: postgresBinary.skip },
];

/** Fresh databases of one engine, and what a leak test reads of them. */
export interface TestDatabases {
  readonly dialect: Dialect;
  /** The URL (or path) of a new empty database. */
  create(): Promise<string>;
  /** Everything stored for the database at `url`: the files of SQLite; pg_dump and the cluster's files. */
  storedBytes(url: string): Uint8Array[];
  close(): Promise<void>;
}

export async function testDatabases(dialect: Dialect): Promise<TestDatabases> {
  if (dialect === 'postgres') {
    const server = await startPostgres();
    return {
      dialect,
      create: () => server.createDatabase(),
      storedBytes: (url) => [server.dump(url), server.rawFiles()],
      close: () => server.stop(),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'e4ts-sqlite-'));
  let count = 0;
  return {
    dialect,
    create: async () => join(dir, `c2-${++count}.db`),
    storedBytes: (path) =>
      [path, path + '-wal', path + '-journal'].filter((p) => existsSync(p)).map((p) => new Uint8Array(readFileSync(p))),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
