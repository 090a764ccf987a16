/**
 * Where a worker thread finds one of this package's own modules, whether the package runs from
 * its TypeScript sources (under tsx, as the tests and benches do) or from the compiled dist/.
 */

export interface WorkerScript {
  url: URL;
  /** Node options the worker needs: tsx's loader when it runs from source, none otherwise. */
  execArgv: string[] | undefined;
}

/** The module `name` (no extension) beside the module whose `import.meta.url` is `callerUrl`. */
export function workerScript(callerUrl: string, name: string): WorkerScript {
  if (callerUrl.endsWith('.ts')) return { url: new URL('./' + name + '.ts', callerUrl), execArgv: ['--import', tsxRegistration()] };
  return { url: new URL('./' + name + '.js', callerUrl), execArgv: undefined };
}

/**
 * A module that registers tsx in the worker. `--import tsx` would not do: on Node 20, tsx
 * registers its hooks by itself on the main thread only, so the worker calls its API. tsx is
 * resolved from here, so the worker finds it whatever the working directory.
 */
function tsxRegistration(): string {
  const api = import.meta.resolve('tsx/esm/api');
  return 'data:text/javascript,' + encodeURIComponent('import { register } from ' + JSON.stringify(api) + '; register();');
}
