/**
 * The key server as a child process, for the crash suite: `startC2Server` on E4TS_C2_TEST_DB with
 * the broker at E4TS_C2_TEST_BROKER and the KEK in E4TS_C2_KEK, HTTP on a free port. It prints
 * one JSON line once serving ({ url, adminToken }) and stops cleanly on SIGTERM; with
 * E4TS_C2_CRASH_AT set, the jobs kill it at that point (src/c2server/faultPoints.ts).
 */
import { startC2Server } from '../../src/c2server/server.ts';

const server = await startC2Server({
  db: process.env.E4TS_C2_TEST_DB,
  broker: process.env.E4TS_C2_TEST_BROKER,
  http: { port: 0 },
  service: { ackTimeoutMs: 3000, retry: { attempts: 3, backoffMs: 100 }, scheduler: false },
});
process.stdout.write(JSON.stringify({ url: server.url, adminToken: server.adminToken }) + '\n');
process.once('SIGTERM', () => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
