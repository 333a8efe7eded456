import {
  attributeCache,
  counter,
  histogram,
  METRIC_PREFIX,
  type MetricsCatalogue,
  tally,
} from '../platform/metrics.js';

/** The token capability's metrics (README "Metrics", generated from this list). */
export const TOKEN_ACQUISITIONS = {
  name: `${METRIC_PREFIX}token.acquisitions`,
  kind: 'counter',
  unit: '{request}',
  description: '`/api/token` requests by configured client, outcome and cache use.',
  attributes: {
    client: 'a configured client name, or `(unknown)`',
    outcome: '`issued`, `refused` (400/403: the request is not allowed), `failed` (429, 5xx)',
    cache: '`hit`, `miss`, `coalesced`, `stale-served`, `none`',
  },
} as const;

export const IDP_LATENCY = {
  name: `${METRIC_PREFIX}idp.duration`,
  kind: 'histogram',
  unit: 'ms',
  description: 'Time of each token request to Entra ID (msal-node going to the network).',
  attributes: { client: 'a configured client name', outcome: '`success`, `failure`' },
} as const;

export const KEY_VAULT_READS = {
  name: `${METRIC_PREFIX}keyvault.reads`,
  kind: 'counter',
  unit: '{read}',
  description: 'Key Vault reads of certificates (which version is current) and their secrets (the key).',
  attributes: { operation: '`certificate`, `secret`', outcome: '`success`, `failure`' },
} as const;

export const ROTATION_RETRIES = {
  name: `${METRIC_PREFIX}token.rotation_retries`,
  kind: 'counter',
  unit: '{retry}',
  description: 'Assertions Entra rejected with a rotation code, retried once with the reloaded certificate.',
  attributes: { client: 'a configured client name' },
} as const;

export const tokenMetrics: MetricsCatalogue = [
  TOKEN_ACQUISITIONS,
  IDP_LATENCY,
  KEY_VAULT_READS,
  ROTATION_RETRIES,
];

// A tally, as validations are: the SDK's counter hashes its attributes on every add, and every hit adds.
const acquisitions = tally(TOKEN_ACQUISITIONS);
const idp = histogram(IDP_LATENCY);
const keyVaultReads = counter(KEY_VAULT_READS);
const rotationRetries = counter(ROTATION_RETRIES);
const attributes = attributeCache<string>();

/** A hit's tally key by client name: no key string built per hit (a hit means a configured client). */
const hitKeys = new Map<string, string>();

export function recordAcquisition(
  client: string,
  outcome: 'issued' | 'refused' | 'failed',
  cache: 'hit' | 'miss' | 'coalesced' | 'stale' | undefined,
): void {
  const cacheValue = cache === 'stale' ? 'stale-served' : (cache ?? 'none');
  let key = cacheValue === 'hit' ? hitKeys.get(client) : undefined;
  if (key === undefined) {
    key = `${client}\n${outcome}\n${cacheValue}`;
    if (cacheValue === 'hit' && hitKeys.size < 10_000) hitKeys.set(client, key);
  }
  acquisitions.add(key, () => ({ client, outcome, cache: cacheValue }));
}

export function recordIdpRequest(client: string, ok: boolean, durationMs: number): void {
  const outcome = ok ? 'success' : 'failure';
  idp.record(
    durationMs,
    attributes(`i\n${client}\n${outcome}`, () => ({ client, outcome })),
  );
}

export function recordKeyVaultRead(operation: 'certificate' | 'secret', ok: boolean): void {
  const outcome = ok ? 'success' : 'failure';
  keyVaultReads.add(attributes(`k\n${operation}\n${outcome}`, () => ({ operation, outcome })));
}

export function recordRotationRetry(client: string): void {
  rotationRetries.add(attributes(`r\n${client}`, () => ({ client })));
}
