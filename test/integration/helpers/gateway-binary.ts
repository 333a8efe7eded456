import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Where a real gateway binary (nginx, Caddy) comes from for its interop test: `<NAME>_BIN` when
 * set, else the PATH, else the distribution's sbin folders (Debian installs nginx in /usr/sbin,
 * which is not on every user's PATH). A missing binary skips the test with a reason outside CI;
 * with `CI` set it is a failure, so CI always runs the test.
 */
export interface GatewayBinarySpec {
  /** The command name, e.g. `nginx`. */
  command: string;
  /** The variable that may point at another binary, e.g. `NGINX_BIN`. */
  envVar: string;
  /** Shown when the binary is missing (the skip note, or the CI failure). */
  missingReason: string;
}

export type GatewayBinary =
  | { state: 'found'; path: string }
  | { state: 'skip'; reason: string }
  | { state: 'fail'; reason: string };

const SBIN_FOLDERS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `CI` as CI services set it (`true`, `1`); empty, `0` and `false` mean not CI. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

export function findGatewayBinary(
  spec: GatewayBinarySpec,
  env: NodeJS.ProcessEnv = process.env,
): GatewayBinary {
  const pinned = env[spec.envVar];
  if (pinned) {
    // An explicit choice that does not work is a mistake to report, never a reason to skip.
    if (isAbsolute(pinned) && executable(pinned)) return { state: 'found', path: pinned };
    const onPath = searchPath(pinned, env);
    if (onPath) return { state: 'found', path: onPath };
    return { state: 'fail', reason: `${spec.envVar}=${pinned} is not an executable file` };
  }
  const found = searchPath(spec.command, env);
  if (found) return { state: 'found', path: found };
  return isCi(env)
    ? { state: 'fail', reason: `${spec.missingReason} (CI is set, so the test is required)` }
    : { state: 'skip', reason: spec.missingReason };
}

function searchPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  if (command.includes('/')) return executable(command) ? command : undefined;
  const folders = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_FOLDERS];
  return folders.map((folder) => join(folder, command)).find(executable);
}

export const NGINX: GatewayBinarySpec = {
  command: 'nginx',
  envVar: 'NGINX_BIN',
  missingReason:
    'nginx not found: install it (apt-get install nginx / brew install nginx) to run the gateway interop test',
};

export const CADDY: GatewayBinarySpec = {
  command: 'caddy',
  envVar: 'CADDY_BIN',
  missingReason:
    'caddy not found: install it (apt-get install caddy / brew install caddy) to run the Caddy gateway interop test',
};
