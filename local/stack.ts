import { join } from 'node:path';
import { type FunctionDefinition, maxBodyBytesSetting } from '../shared/platform/registry.js';
import { type RunningAzurite, startAzurite } from './azurite.js';
import { type IdentityOptions, type RunningIdentity, startIdentity } from './entra/identity.js';
import { generateKeys, type HostKeys } from './host/keys.js';
import { loadApp, loadFunctions } from './host/load.js';
import { type RunningHost, startHost } from './host/server.js';
import { applyValues, type LocalSettings } from './host/settings.js';

/**
 * The embedded local stack: Azurite and the local Functions host (later also the identity
 * stand-ins). `npm start` runs it with state under `.local/`; integration tests run it in memory
 * on free ports. The function files read their settings when loaded, so the stack sets the
 * environment first and loads them last.
 */
export interface StackOptions {
  /** The app's entry module, package.json `main` (the bundle): what `npm start` and Azure load. */
  main?: string;
  /** Else a folder of function files (the TypeScript sources, under vitest). */
  functionsDir?: string;
  /** Functions served beside the app's (the benchmarks' no-op baseline), never part of it. */
  extraFunctions?: FunctionDefinition[];
  /** 7071 by default; 0 for a free port. */
  port?: number;
  /** Persist state here (`npm start`); in memory when omitted. */
  stateDir?: string;
  settings?: LocalSettings;
  log?: (line: string) => void;
  timers?: boolean;
  env?: NodeJS.ProcessEnv;
  /**
   * Identity stand-ins (local/README.md: Entra, Key Vault, Graph): `true` or options to start them
   * with the stack, or a running identity to use (not stopped by the stack). Their
   * `productSettings()` (with `Graph__BaseUrl`) go into the environment before the functions load;
   * `settings.Values` win.
   */
  identity?: boolean | IdentityOptions | RunningIdentity;
  /** A running Azurite to use (not stopped by the stack), e.g. one a test stops and restarts. */
  azurite?: RunningAzurite;
}

export interface LocalStack {
  host: RunningHost;
  azurite: RunningAzurite;
  keys: HostKeys;
  identity?: RunningIdentity;
  stop(): Promise<void>;
}

export { type IdentityOptions, type RunningIdentity, startIdentity };

function isRunningIdentity(value: StackOptions['identity']): value is RunningIdentity {
  return typeof value === 'object' && value !== null && 'productSettings' in value;
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

function loadAppOrFunctions(options: StackOptions): Promise<FunctionDefinition[]> {
  if (options.main) return loadApp(options.main);
  if (options.functionsDir) return loadFunctions(options.functionsDir);
  throw new Error('startStack needs main (the app bundle) or functionsDir.');
}

export async function startStack(options: StackOptions): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const ownsAzurite = !options.azurite;
  const azurite =
    options.azurite ??
    (await startAzurite({
      ...(options.stateDir ? { location: join(options.stateDir, 'azurite') } : {}),
      log,
    }));
  let identity: RunningIdentity | undefined;
  const ownsIdentity =
    options.identity !== undefined && options.identity !== false && !isRunningIdentity(options.identity);
  try {
    if (isRunningIdentity(options.identity)) identity = options.identity;
    else if (options.identity) {
      identity = await startIdentity({
        ...(options.stateDir ? { stateDir: join(options.stateDir, 'identity') } : {}),
        ...(typeof options.identity === 'object' ? options.identity : {}),
      });
    }
    // The stack owns storage: whatever local.settings.json says, the functions talk to this Azurite.
    env.AzureWebJobsStorage = azurite.connectionString;
    if (options.settings) applyValues(options.settings.Values, env);
    if (identity) applyValues(identity.productSettings(), env);
    const keys = mergeKeys(options.settings?.Keys);
    const loaded = await loadAppOrFunctions(options);
    // An extra recorded in this process's registry is already among a folder's functions.
    const extras = (options.extraFunctions ?? []).filter((extra) => !loaded.includes(extra));
    const functions = [...loaded, ...extras];
    const host = await startHost({
      functions,
      keys,
      port: options.port ?? options.settings?.Host?.LocalHttpPort ?? 7071,
      log,
      env,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      maxBodyBytes: maxBodyBytesSetting(env),
    });
    return {
      host,
      azurite,
      keys,
      ...(identity ? { identity } : {}),
      async stop() {
        await host.close();
        if (ownsIdentity) await identity?.stop();
        if (ownsAzurite) await azurite.stop();
      },
    };
  } catch (error) {
    if (ownsIdentity) await identity?.stop();
    if (ownsAzurite) await azurite.stop();
    throw error;
  }
}
