/**
 * Fault injection for the crash suite: with `E4TS_C2_CRASH_AT=<point>` (or `<point>#<n>`: the
 * nth time) the process kills itself with SIGKILL when it reaches that point, as a power cut
 * would. Unset (always, outside that suite), a point does nothing.
 */
const CRASH_AT = /^([a-z:-]+)(?:#(\d+))?$/.exec(process.env.E4TS_C2_CRASH_AT ?? '');
let crashCountdown = CRASH_AT === null ? 0 : Number(CRASH_AT[2] ?? 1);

export function faultPoint(name: string): void {
  if (CRASH_AT === null || CRASH_AT[1] !== name) return;
  if (--crashCountdown === 0) process.kill(process.pid, 'SIGKILL');
}
