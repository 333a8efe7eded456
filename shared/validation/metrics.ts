import {
  attributeCache,
  counter,
  gauge,
  histogram,
  METRIC_PREFIX,
  type MetricsCatalogue,
  tally,
} from '../platform/metrics.js';
import type { ValidationFailure } from './errors.js';

/** The validation capability's metrics (README "Metrics", generated from this list). */
export const VALIDATIONS = {
  name: `${METRIC_PREFIX}validations`,
  kind: 'counter',
  unit: '{validation}',
  description: 'Validations by configured policy, outcome, failure reason and verified-token cache use.',
  attributes: {
    policy: 'a configured policy name',
    outcome: '`allowed`, `denied`, `unavailable`',
    reason: '`none`, `no_token`, or a failure reason (`expired`, `audience`, `signature`, …)',
    cache: '`hit`, `miss`',
  },
} as const;

export const VALIDATION_DURATION = {
  name: `${METRIC_PREFIX}validation.duration`,
  kind: 'histogram',
  unit: 'ms',
  description:
    'Time to answer a validation, from the token to the answer: every miss and failure, one cache hit in 32 (hits vary little; their count is in the validations counter).',
  attributes: { policy: 'a configured policy name', outcome: '`allowed`, `denied`, `unavailable`' },
} as const;

export const KEY_REFRESHES = {
  name: `${METRIC_PREFIX}keyset.refreshes`,
  kind: 'counter',
  unit: '{refresh}',
  description: "Refreshes of an issuer's discovery document and JWKS.",
  attributes: { outcome: '`success`, `failure`' },
} as const;

export const KEY_AGE = {
  name: `${METRIC_PREFIX}keyset.age`,
  kind: 'gauge',
  unit: 's',
  description:
    'Age of the last good key set per configured metadata URL (grows while the IdP is unreachable).',
  attributes: { metadata_url: 'a configured OIDC discovery URL' },
} as const;

export const validationMetrics: MetricsCatalogue = [VALIDATIONS, VALIDATION_DURATION, KEY_REFRESHES, KEY_AGE];

// Counted in-process, reported at collection: the synchronous counter's add was most of the
// metrics' cost on a cache hit (test/bench/validation.bench.ts, 7).
const validations = tally(VALIDATIONS);
const durations = histogram(VALIDATION_DURATION);
const refreshes = counter(KEY_REFRESHES);
const durationAttributes = attributeCache<string>();

type Outcome = 'allowed' | 'denied' | 'unavailable';

const HIT_SAMPLE = 32;
let hits = 0;

/**
 * One validation under a configured policy. `failure` is undefined for an allowed token;
 * `'no_token'` for a request that carried none.
 */
export function recordValidation(
  policy: string,
  failure: ValidationFailure | 'no_token' | undefined,
  cacheHit: boolean,
  startedMs: number,
): void {
  const outcome: Outcome =
    failure === undefined
      ? 'allowed'
      : failure !== 'no_token' && failure.code === 'unavailable'
        ? 'unavailable'
        : 'denied';
  const reason = failure === undefined ? 'none' : failure === 'no_token' ? 'no_token' : failure.reason;
  const cache = cacheHit ? 'hit' : 'miss';
  validations.add(`${policy}\n${reason}\n${cache}`, () => ({ policy, outcome, reason, cache }));
  // A hit's duration varies little and the SDK's record costs about a third of a hit: one hit in
  // HIT_SAMPLE is timed; every miss and failure is. Counts come from the counter, not the histogram.
  if (cacheHit && ++hits % HIT_SAMPLE !== 0) return;
  durations.record(
    performance.now() - startedMs,
    durationAttributes(`${policy}\n${outcome}`, () => ({ policy, outcome })),
  );
}

const success = Object.freeze({ outcome: 'success' });
const failed = Object.freeze({ outcome: 'failure' });

export function recordKeyRefresh(ok: boolean): void {
  refreshes.add(ok ? success : failed);
}

/** Key sets observed by the age gauge; held weakly, so a discarded runtime's sets are not kept alive. */
const keySets = new Set<WeakRef<{ metadataUrl: string; lastGoodAgeSeconds(): number | undefined }>>();

export function observeKeySetAge(keySet: {
  metadataUrl: string;
  lastGoodAgeSeconds(): number | undefined;
}): void {
  keySets.add(new WeakRef(keySet));
}

gauge(KEY_AGE, function* () {
  for (const ref of keySets) {
    const keySet = ref.deref();
    if (!keySet) {
      keySets.delete(ref);
      continue;
    }
    const age = keySet.lastGoodAgeSeconds();
    if (age !== undefined) yield [age, { metadata_url: keySet.metadataUrl }];
  }
});
