import { type Env, settingsReader } from '../platform/settings-reader.js';
import { CALLER_OPERATIONS, type CallerOperation, callerSettingsOf } from './settings.js';

/** What one configured caller (`Callers__<name>__*`) may do. */
export interface CallerGrant {
  name: string;
  /** The caller's app id or managed identity client id, as its token's `azp`/`appid`. */
  clientId: string;
  /** Token clients it may use in `POST /api/token`. */
  clients: ReadonlySet<string>;
  /** A narrower scope list, when set. */
  scopes: ReadonlySet<string> | undefined;
  operations: ReadonlySet<CallerOperation>;
}

export interface CallerGrants {
  /** By client id, lower case (Entra ids are GUIDs, compared case-insensitively). */
  byClientId: ReadonlyMap<string, CallerGrant>;
  /** Callers whose settings are wrong: identified, then answered 503 (no other caller is affected). */
  misconfigured: ReadonlySet<string>;
  /** What is wrong with them, listed at start (names and settings, never values). */
  warnings: string[];
}

/** App roles on the product's API that grant operations (the client mapping still comes from settings). */
export const ROLE_OPERATIONS: Readonly<Record<string, readonly CallerOperation[]>> = {
  'Tokens.Request': ['token'],
  'Credentials.Read': ['credentials'],
  'Audit.Read': ['audit', 'usage'],
};

const CALLER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const FIELDS = new Set(['ClientId', 'Clients', 'Scopes', 'Operations']);
const SCOPE = /^\S+\/\.default$/;

/** The `<name>` of every `Callers__<name>__<field>` setting present. */
function callerNames(env: Env, warnings: string[]): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(env)) {
    const parts = key.split('__');
    if (parts.length !== 3 || parts[0] !== 'Callers' || !FIELDS.has(parts[2] ?? '')) continue;
    const name = parts[1] ?? '';
    if (CALLER_NAME.test(name)) names.add(name);
    else warnings.push(`${key}: caller names use letters, digits, '-' and '_' only`);
  }
  return [...names].sort();
}

/**
 * Reads every caller's grants. `knownClients` are the token clients configured (valid or not);
 * a caller naming another one is misconfigured, as is one with an unknown operation, a malformed
 * scope, or a client id another caller has too.
 */
export function loadGrants(env: Env, knownClients: ReadonlySet<string> | undefined): CallerGrants {
  const warnings: string[] = [];
  const misconfigured = new Set<string>();
  const byClientId = new Map<string, CallerGrant>();
  for (const name of callerNames(env, warnings)) {
    const prefix = `Callers__${name}__`;
    const settings = settingsReader(env, callerSettingsOf(name));
    const clientId = settings.string(`${prefix}ClientId`);
    if (!clientId) {
      warnings.push(`${prefix}ClientId: required; the caller "${name}" is ignored`);
      continue;
    }
    const problems: string[] = [];
    const clients = settings.list(`${prefix}Clients`);
    for (const client of clients) {
      if (knownClients && !knownClients.has(client))
        problems.push(`${prefix}Clients: "${client}" is not a configured token client`);
    }
    const operations = settings.list(`${prefix}Operations`);
    for (const operation of operations) {
      if (!(CALLER_OPERATIONS as readonly string[]).includes(operation))
        problems.push(`${prefix}Operations: "${operation}" is not one of ${CALLER_OPERATIONS.join(', ')}`);
    }
    const scopes = settings.list(`${prefix}Scopes`);
    for (const scope of scopes) {
      if (!SCOPE.test(scope)) problems.push(`${prefix}Scopes: "${scope}" is not a <resource>/.default scope`);
    }
    const grant: CallerGrant = {
      name,
      clientId,
      clients: new Set(clients),
      scopes: scopes.length > 0 ? new Set(scopes) : undefined,
      operations: new Set(operations as CallerOperation[]),
    };
    const key = clientId.toLowerCase();
    const other = byClientId.get(key);
    if (other) {
      problems.push(`${prefix}ClientId: caller "${other.name}" has the same client id`);
      misconfigured.add(other.name);
    }
    if (problems.length > 0) {
      warnings.push(...problems);
      misconfigured.add(name);
    }
    if (!other) byClientId.set(key, grant);
  }
  return { byClientId, misconfigured, warnings };
}

/** The operations a caller's app roles grant. */
export function roleOperations(roles: readonly string[]): Set<CallerOperation> {
  return new Set(roles.flatMap((role) => ROLE_OPERATIONS[role] ?? []));
}
