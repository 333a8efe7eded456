import { join } from 'node:path';
import { type RunningAzurite, startAzurite } from './azurite.js';
import { generateKeys, type HostKeys } from './host/keys.js';
import { loadFunctions } from './host/load.js';
import { type RunningHost, startHost } from './host/server.js';
import { applyValues, type LocalSettings } from './host/settings.js';

/**
 * The embedded local stack: Azurite and the local Functions host (later also the identity
 * stand-ins). `npm start` runs it with state under `.local/`; integration tests run it in memory
 * on free ports. The function files read their settings when loaded, so the stack sets the
 * environment first and loads them last.
 */
export interface StackOptions {
  functionsDir: string;
  /** 7071 by default; 0 for a free port. */
  port?: number;
  /** Persist state here (`npm start`); in memory when omitted. */
  stateDir?: string;
  settings?: LocalSettings;
  log?: (line: string) => void;
  timers?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface LocalStack {
  host: RunningHost;
  azurite: RunningAzurite;
  keys: HostKeys;
  stop(): Promise<void>;
}

export function mergeKeys(partial: Partial<HostKeys> | undefined): HostKeys {
  const generated = generateKeys();
  return {
    master: partial?.master ?? generated.master,
    host: partial?.host ?? generated.host,
    functions: partial?.functions ?? {},
    system: { ...generated.system, ...partial?.system },
  };
}

export async function startStack(options: StackOptions): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const azurite = await startAzurite({
    ...(options.stateDir ? { location: join(options.stateDir, 'azurite') } : {}),
    log,
  });
  try {
    // The stack owns storage: whatever local.settings.json says, the functions talk to this Azurite.
    env.AzureWebJobsStorage = azurite.connectionString;
    if (options.settings) applyValues(options.settings.Values, env);
    const keys = mergeKeys(options.settings?.Keys);
    const functions = await loadFunctions(options.functionsDir);
    const host = await startHost({
      functions,
      keys,
      port: options.port ?? options.settings?.Host?.LocalHttpPort ?? 7071,
      log,
      env,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(env.Http__MaxRequestBodyBytes ? { maxBodyBytes: Number(env.Http__MaxRequestBodyBytes) } : {}),
    });
    return {
      host,
      azurite,
      keys,
      async stop() {
        await host.close();
        await azurite.stop();
      },
    };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}
