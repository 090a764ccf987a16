/**
 * mosquitto for the suites that need a real broker: found on the system (or at $MOSQUITTO), and
 * started on a free loopback port with a temporary configuration. Missing, its suites are skipped
 * after one line saying how to install it, except under CI=true, where that is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mqtt-helpers.ts';

function findMosquitto(): string | null {
  const override = process.env.MOSQUITTO;
  if (override !== undefined && override !== '') return existsSync(override) ? override : null;
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : null;
}

/**
 * The mosquitto binary, or null (after one line saying how to install it) so the suite skips.
 * Under CI=true a missing mosquitto is a failure, not a skip.
 */
export const mosquittoPath: string | null = (() => {
  const path = findMosquitto();
  if (path === null) {
    if (process.env.CI === 'true') throw new Error('mosquitto is required under CI: apt-get install -y mosquitto');
    console.log('mosquitto not found, skipping its suites: apt-get install -y mosquitto');
  }
  return path;
})();

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
