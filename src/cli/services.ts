/**
 * The CLI's long-running commands: `demo` (a checked fleet over MQTT), `gateway` (plaintext local
 * broker ⇄ protected upstream broker) and `ingest` (unprotect a subscription, optionally shared
 * between workers). They stop on SIGINT/SIGTERM.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { E4Client } from '../client/client.ts';
import type { MqttClient } from 'mqtt';
import { E4MqttClient } from '../mqtt/adapter.ts';
import { openMqtt } from '../mqtt/connect.ts';
import { checkGatewayFilters, E4Gateway } from '../mqtt/gateway.ts';
import { sharedSubscription } from '../mqtt/topics.ts';
import { isValidUtf8, toHex } from '../utils.ts';
import { openState } from './commands.ts';
import { runDemo } from './demo.ts';
import { CliError, EXIT_FAILURE, EXIT_USAGE, type CliIo } from './io.ts';

const BROKER_URL = /^(mqtt|mqtts|ws|wss|tcp):\/\/[^\s]+$/;

export function brokerUrl(value: string): string {
  if (!BROKER_URL.test(value)) throw new InvalidArgumentError('expected a broker URL such as mqtt://127.0.0.1:1883');
  return value;
}

function numberIn(min: number, max: number, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError('expected ' + (integer ? 'an integer' : 'a number') + ' from ' + min + ' to ' + max);
    }
    return n;
  };
}

const collect = (value: string, previous: string[] = []) => previous.concat([value]);

const mqttVersionOption = () =>
  new Option('--mqtt-version <version>', 'MQTT protocol version: 4 (3.1.1) or 5').choices(['4', '5']).default('4');

/** Resolves when the signal fires. */
export function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `{"topic":…,"payload":"text"}`, or `payloadHex` for bytes that are not text. */
function payloadJson(bytes: Uint8Array): Record<string, string> {
  return isValidUtf8(bytes) ? { payload: new TextDecoder().decode(bytes) } : { payloadHex: toHex(bytes) };
}

export function registerServices(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run a checked E4 fleet over MQTT: provisioning, telemetry, a key rotation, tampering, an eavesdropper')
    .option('--broker <url>', 'a running broker, e.g. mqtt://127.0.0.1:1883 (default: an embedded one on a free loopback port)', brokerUrl)
    .option('--devices <n>', 'simulated devices, alternately symmetric and public-key (a tampering one is added)', numberIn(1, 200, true), 6)
    .option('--rate <n>', 'messages per second per device', numberIn(0.1, 200, false), 4)
    .option('--duration <seconds>', 'seconds of telemetry; the key rotation happens halfway', numberIn(1, 86400, false), 8)
    .option('--json', 'print one JSON report instead of the live status and summary')
    .addOption(mqttVersionOption())
    .addHelpText(
      'after',
      `
Exits with 0 when every check passes: every device provisioned, every message received and
unprotected across the rotation, every tampered message rejected, no plaintext or key seen by
the eavesdropper; otherwise 1, with the failed checks in the summary (or "failures" in --json).`,
    )
    .action(async (options) => {
      const report = await runDemo(
        {
          broker: options.broker,
          devices: options.devices,
          rate: options.rate,
          duration: options.duration,
          json: options.json === true,
          mqttVersion: Number(options.mqttVersion) as 4 | 5,
        },
        io,
      );
      if (options.json === true) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      if (!report.ok) throw new CliError('demo failed: ' + report.failures.join('; '), EXIT_FAILURE);
    });

  program
    .command('gateway')
    .description('bridge a local broker of plaintext devices and an upstream broker that only carries protected messages')
    .requiredOption('--state <file>', "the gateway's client state (e4ts keygen … --state); C2's commands update it")
    .requiredOption('--local <url>', 'the local broker of the legacy devices', brokerUrl)
    .requiredOption('--upstream <url>', 'the upstream broker', brokerUrl)
    .option('--uplink <filter>', 'local topics to protect and forward upstream (repeatable)', collect)
    .option('--downlink <filter>', 'upstream topics to unprotect and forward to the local broker (repeatable)', collect)
    .option('--json', 'log JSON lines')
    .option('--quiet', 'log commands, rejections and errors, not each forwarded message')
    .addOption(mqttVersionOption())
    .addHelpText(
      'after',
      `
The gateway is an E4 client: C2 sends its commands on its control topic (e4/<id>) upstream.
Uplink and downlink filters must not overlap. It runs until SIGINT or SIGTERM.

Example:
  e4ts gateway --state gw.json --local mqtt://127.0.0.1:1883 --upstream mqtt://broker:1883 \\
    --uplink 'plant/+/telemetry' --downlink 'plant/+/setpoint'`,
    )
    .action(async (options) => {
      const uplink: string[] = options.uplink ?? [];
      const downlink: string[] = options.downlink ?? [];
      try {
        checkGatewayFilters(uplink, downlink);
      } catch (e) {
        throw new CliError((e as Error).message, EXIT_USAGE);
      }
      const e4 = openState(options.state);
      const log = logger(io, options.json === true);
      const mqttOptions = { protocolVersion: Number(options.mqttVersion) as 4 | 5 };
      const opened: MqttClient[] = [];
      try {
        const local = await openMqtt(options.local, mqttOptions);
        opened.push(local);
        const upstream = await openMqtt(options.upstream, mqttOptions);
        opened.push(upstream);
        const gateway = await E4Gateway.start({ local, upstream, e4, uplink, downlink });
        gateway.on('forwarded', (e) => {
          if (options.quiet !== true) log('forwarded', e, e.direction + ' ' + e.topic + ' (' + e.bytes + ' bytes)');
        });
        gateway.on('rejected', (e) => log('rejected', e, e.direction + ' ' + e.topic + ': ' + e.code));
        gateway.on('command', (e) => log('command', { command: e.command }, 'applied ' + e.command + ' from C2; state saved to ' + options.state));
        gateway.on('transportError', (e) => log('error', { message: e.message }, 'error: ' + e.message));
        upstream.on('offline', () => log('offline', { broker: 'upstream' }, 'upstream broker unreachable, reconnecting'));
        local.on('offline', () => log('offline', { broker: 'local' }, 'local broker unreachable, reconnecting'));
        log(
          'ready',
          { id: toHex(e4.id), controlTopic: e4.controlTopic, uplink, downlink },
          'gateway ' + toHex(e4.id) + ' ready: control topic ' + e4.controlTopic + ' upstream; uplink ' + (uplink.join(', ') || 'none') +
            '; downlink ' + (downlink.join(', ') || 'none'),
        );
        await untilStopped(io.signal);
        await gateway.close();
        log('stopped', { ...gateway.stats }, 'stopped: ' + gateway.stats.up + ' up, ' + gateway.stats.down + ' down');
      } finally {
        await Promise.allSettled(opened.map((c) => c.endAsync(true)));
        e4.destroy();
      }
    });

  program
    .command('ingest')
    .description('subscribe with a client state and print every message unprotected (an ingestion worker)')
    .requiredOption('--broker <url>', 'the broker', brokerUrl)
    .requiredOption('--state <file>', "the worker's client state; C2's commands update it")
    .requiredOption('--topic <filter>', 'a topic filter to read (repeatable)', collect)
    .option('--share <group>', 'share the subscriptions with the other workers of <group> ($share/<group>/…): each message goes to one of them')
    .option('--json', 'print JSON lines')
    .addOption(mqttVersionOption())
    .addHelpText(
      'after',
      `
Shared subscriptions need a broker that has them (mosquitto, EMQX, VerneMQ, HiveMQ); the embedded
aedes broker does not. Give each worker its own copy of the state file: every worker receives
every command on the control topic, which is never shared.`,
    )
    .action(async (options) => {
      let subscriptions: string[];
      try {
        subscriptions = (options.topic as string[]).map((t) => (options.share === undefined ? t : sharedSubscription(options.share, t)));
      } catch (e) {
        throw new CliError((e as Error).message, EXIT_USAGE);
      }
      const e4: E4Client = openState(options.state);
      const json = options.json === true;
      const log = logger(io, json);
      let mqtt: MqttClient | null = null;
      try {
        mqtt = await openMqtt(options.broker, { protocolVersion: Number(options.mqttVersion) as 4 | 5 });
        const adapter = await E4MqttClient.create({ mqtt, e4 });
        adapter.on('message', (e) => {
          if (json) io.stdout.write(JSON.stringify({ event: 'message', topic: e.topic, ...payloadJson(e.payload) }) + '\n');
          else io.stdout.write(e.topic + ' ' + (isValidUtf8(e.payload) ? new TextDecoder().decode(e.payload) : 'hex ' + toHex(e.payload)) + '\n');
        });
        adapter.on('rejected', (e) => log('rejected', { topic: e.topic, code: e.code }, 'rejected ' + e.topic + ': ' + e.code));
        adapter.on('command', (e) => log('command', { command: e.command }, 'applied ' + e.command + ' from C2; state saved to ' + options.state));
        await adapter.subscribe(subscriptions, { qos: 1 });
        log('ready', { id: toHex(e4.id), subscriptions }, 'ingesting ' + subscriptions.join(', ') + ' as ' + toHex(e4.id));
        await untilStopped(io.signal);
        await adapter.close();
      } finally {
        if (mqtt !== null) await mqtt.endAsync(true);
        e4.destroy();
      }
    });
}

/** One event per line: JSON on stdout with --json, else text on stderr. */
function logger(io: CliIo, json: boolean) {
  return (event: string, data: object, text: string) => {
    if (json) io.stdout.write(JSON.stringify({ event, ...data }) + '\n');
    else io.stderr.write(text + '\n');
  };
}
