/** Helpers for the MQTT suites: connections, polling, free ports. */
import { createServer } from 'node:net';
import type { MqttClient } from 'mqtt';
import { openMqtt } from '../src/mqtt/connect.ts';

export async function connectMqtt(url: string): Promise<MqttClient> {
  return openMqtt(url, { reconnectPeriod: 0, connectTimeout: 5000 });
}

/** Polls `predicate` every 10 ms until it holds, or fails after `timeoutMs` with `what`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
