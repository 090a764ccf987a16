/**
 * `e4ts demo --json` end to end, as a process: on the embedded broker and on mosquitto. The
 * test reads the report and checks each claim itself, not just the verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoReport } from '../src/cli/demo.ts';
import { runProcess } from './cli-helpers.ts';
import { mosquittoBinary, startMosquitto, type Mosquitto } from './mosquitto.ts';
import { checkInstalled } from './runtime/check-installed.ts';

const DEVICES = 4;

function checkReport(report: DemoReport): void {
  expect(report.failures).toEqual([]);
  expect(report.ok).toBe(true);
  // Every device provisioned, in both modes, by acknowledged commands.
  expect(report.devices).toMatchObject({ total: DEVICES, provisioned: DEVICES, symmetric: 2, publicKey: 2, tampering: 1 });
  expect(report.commands.acknowledged).toBe(report.commands.sent);
  // Telemetry received and unprotected, none lost or undecryptable, across the rotation.
  expect(report.telemetry.sent).toBeGreaterThan(DEVICES * 4);
  expect(report.telemetry.received).toBe(report.telemetry.sent);
  expect(report.telemetry.lost).toBe(0);
  expect(report.telemetry.duplicates).toBe(0);
  expect(report.telemetry.undecryptable).toBe(0);
  expect(report.rotation).toMatchObject({ done: true, topics: DEVICES + 1, receiversFirst: true, lost: 0 });
  expect(report.rotation.readThroughTransition).toBeGreaterThan(0);
  // Every tampered message rejected, with its code.
  expect(report.tampering.sent).toBeGreaterThan(2);
  expect(report.tampering.accepted).toBe(0);
  expect(report.tampering.rejected).toBe(report.tampering.sent);
  expect(Object.keys(report.tampering.byCode).sort()).toEqual(['MessageTooShort', 'NotAuthentic', 'TimestampTooOld']);
  // The broker carried ciphertext only.
  expect(report.eavesdropper.payloads).toBeGreaterThan(report.telemetry.sent);
  expect(report.eavesdropper.plaintextSeen).toBe(0);
  expect(report.eavesdropper.keysSeen).toBe(0);
}

async function demo(extra: string[]): Promise<DemoReport> {
  const r = await runProcess(['demo', '--json', '--duration', '2', '--rate', '8', '--devices', String(DEVICES), ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.text) as DemoReport;
}

describe('demo', () => {
  it('runs end to end on the embedded broker', async () => {
    const report = await demo([]);
    expect(report.broker.embedded).toBe(true);
    checkReport(report);
  });

  it('fails with exit 1 and one line when the broker cannot be reached', async () => {
    const r = await runProcess(['demo', '--json', '--broker', 'mqtt://127.0.0.1:1', '--duration', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^e4ts: cannot connect to mqtt:\/\/127\.0\.0\.1:1: [^\n]+\n$/);
  });
});

checkInstalled(mosquittoBinary);

describe.skipIf(mosquittoBinary.skip)('demo on mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(async () => {
    await mosquitto?.stop();
  });

  it('runs end to end against a real broker, MQTT 3.1.1 and 5', async () => {
    const [v4, v5] = await Promise.all([demo(['--broker', mosquitto.url]), demo(['--broker', mosquitto.url, '--mqtt-version', '5'])]);
    for (const report of [v4, v5]) {
      expect(report.broker).toEqual({ url: mosquitto.url, embedded: false });
      checkReport(report);
    }
  });
});
