import { settingsReader } from '../../shared/platform/settings-reader.js';
import { createFetchJson } from '../../shared/validation/http-json.js';
import { type KeySetOptions, KeySetRegistry } from '../../shared/validation/keys.js';
import { keySetTimings } from '../../shared/validation/runtime.js';
import { validationSettings } from '../../shared/validation/settings.js';
import { Verifier } from '../../shared/validation/verifier.js';

const defaults = settingsReader({}, validationSettings);

/** The key-set timings and cache bounds a deployment gets with no settings (the catalogue's defaults). */
export const defaultKeySetTimings = keySetTimings(defaults);
export const defaultCache = {
  maxEntries: defaults.int('Validation__Cache__MaxEntries'),
  maxBytes: defaults.int('Validation__Cache__MaxBytes'),
};

/** Key sets over plain fetch, with the default timings unless a test changes them. */
export function testKeySets(clock: () => number, overrides: Partial<KeySetOptions> = {}): KeySetRegistry {
  return new KeySetRegistry({ fetchJson: createFetchJson(), clock, ...defaultKeySetTimings, ...overrides });
}

/** A verifier as the runtime wires it; `cache` is the verified-token cache's bound. */
export function testVerifier(
  clock: () => number,
  cache: { maxEntries: number; maxBytes: number } = defaultCache,
): Verifier {
  return new Verifier({ keySets: testKeySets(clock), clock, cache });
}
