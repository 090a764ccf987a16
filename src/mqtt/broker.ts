/**
 * An embedded MQTT broker (aedes: MQTT 3.1.1, no shared subscriptions) on a loopback port, for
 * the demo, tests and trying e4ts without installing a broker. Production runs a real broker.
 */
import type { AddressInfo, Server } from 'node:net';

export interface EmbeddedBroker {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
}

/** Starts aedes on `host` (default 127.0.0.1) and `port` (default 0: a free one). */
export async function startEmbeddedBroker(options: { host?: string; port?: number } = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const [{ Aedes }, { createServer }] = await Promise.all([import('aedes'), import('node:net')]);
  const aedes = await Aedes.createBroker();
  // Without Nagle's delay: a QoS 2 exchange is four small packets, each waiting 40 ms otherwise.
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    url: 'mqtt://' + (host.includes(':') ? '[' + host + ']' : host) + ':' + port,
    port,
    close(): Promise<void> {
      closing ??= Promise.all([
        new Promise<void>((resolve) => aedes.close(() => resolve())),
        new Promise<void>((resolve) => server.close(() => resolve())),
      ]).then(() => undefined);
      return closing;
    },
  };
}
