/**
 * mosquitto for the suites that need a real broker: found on the system (or at $MOSQUITTO), and
 * started on a free loopback port with a temporary configuration. Missing, its suites are skipped
 * (each file's `checkInstalled(mosquittoBinary)` says so), except under CI=true, where they fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mqtt-helpers.ts';
import { mosquitto, type SystemBinary } from './runtime/binaries.ts';

/** mosquitto, from PATH, /usr/sbin or $MOSQUITTO (test/runtime/binaries.ts). */
export const mosquittoBinary: SystemBinary = mosquitto();
const mosquittoPath = mosquittoBinary.path;

export interface Mosquitto {
  url: string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * mosquitto 2 on a free loopback port, with a temporary configuration (anonymous, no
 * persistence), and `extraConfig` lines.
 */
export async function startMosquitto(extraConfig: string[] = []): Promise<Mosquitto> {
  if (mosquittoPath === null) throw new Error('mosquitto is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'e4ts-mosquitto-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'mosquitto.conf');
    writeFileSync(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ...extraConfig, ''].join('\n'));
    const child: ChildProcess = spawn(mosquittoPath, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let up = false;
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      if (await portOpen(port)) {
        up = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (up) {
      return {
        url: `mqtt://127.0.0.1:${port}`,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    await exited;
    if (attempt >= 2) throw new Error('mosquitto did not start: ' + stderr.trim());
  }
}
