/**
 * The duk prelude's installer, bundled to ES5 by build/embedded.ts's `bundleEs5`: defines the
 * global `installEspruinoFakes(withAes)`, which sets the global `require` to the Espruino
 * stand-ins of espruino-fakes.ts (with or without the firmware AES).
 */
import { createFakeStorage, fakeAes } from './espruino-fakes.ts';

/** Set here: the script's global `require`. */
declare let require: (name: string) => unknown;
/** Set here: what the prelude calls. */
declare let installEspruinoFakes: (withAes: boolean) => void;

installEspruinoFakes = function (withAes: boolean): void {
  const storage = createFakeStorage();
  require = function (name: string): unknown {
    if (name === 'Storage') return storage;
    if (name === 'crypto' && withAes) return { AES: fakeAes };
    throw new Error('Module ' + name + ' not found');
  };
};
