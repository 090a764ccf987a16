// An AssemblyScript entry compiled by test/secrets.test.ts: it exports the core's tag comparison
// as a function of its own, so the test can read its compiled body.
import { equal16 } from '../../assembly/bytes';

export function probeEqual16(aPtr: usize, bPtr: usize): bool {
  return equal16(aPtr, bPtr);
}
