/**
 * Opening mqtt.js connections the way e4ts uses them: TCP without Nagle's delay (an E4 command
 * at QoS 2 is four small packets; with the delay each waits up to 40 ms for an ACK), and a clear
 * error when the broker cannot be reached.
 */
import type { IClientOptions, MqttClient } from 'mqtt';

/** Turns Nagle's algorithm off on the connection's socket, now and after each reconnection. */
export function disableNagle(client: MqttClient): void {
  const apply = () => {
    const stream = client.stream as unknown as { setNoDelay?: (noDelay: boolean) => void };
    if (typeof stream?.setNoDelay === 'function') stream.setNoDelay(true);
  };
  apply();
  client.on('connect', apply);
}

/**
 * Connects to `url` (mqtt://, mqtts://, ws://, wss://). The first connection attempt that fails
 * rejects with a one-line error naming the URL; later drops reconnect every `reconnectPeriod`.
 */
export async function openMqtt(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const { connectAsync } = await import('mqtt');
  let client: MqttClient;
  try {
    client = await connectAsync(url, { connectTimeout: 10_000, reconnectPeriod: 1000, ...options }, false);
  } catch (e) {
    throw new Error('cannot connect to ' + url + ': ' + ((e as Error)?.message || String(e)));
  }
  disableNagle(client);
  return client;
}
