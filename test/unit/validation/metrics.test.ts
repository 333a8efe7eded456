import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_AGE,
  KEY_REFRESHES,
  VALIDATION_DURATION,
  VALIDATIONS,
} from '../../../shared/validation/metrics.js';
import type { TokenSource } from '../../../shared/validation/request.js';
import { Denylist, memoryDenylistStore } from '../../../shared/validation/revocation.js';
import { ValidationService } from '../../../shared/validation/service.js';
import {
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  type SigningPair,
  startFakeIdp,
} from '../../helpers/fake-idp.js';
import { captureMetrics } from '../../helpers/metrics.js';
import { testVerifier } from '../../helpers/verifier.js';

let idp: FakeIdp;
let key: SigningPair;
let stranger: SigningPair;
const now = Date.now();
const clock = () => now;
let capture: ReturnType<typeof captureMetrics>;

beforeAll(async () => {
  key = await newKey('k1');
  stranger = await newKey('k1');
  idp = await startFakeIdp([key]);
  capture = captureMetrics();
});
afterAll(async () => {
  await capture.stop();
  await idp.close();
});

const bearer = (token: string | null): TokenSource => ({
  authorization: token === null ? null : `Bearer ${token}`,
  contentType: null,
  query: new URLSearchParams(),
  body: undefined,
});

describe('validation metrics (OpenTelemetry, in-memory reader)', () => {
  it('counts each validation by policy, outcome, reason and cache, and never carries a token', async () => {
    const service = new ValidationService({
      policies: new Map([
        ['default', makePolicy(idp)],
        ['scoped', makePolicy(idp, { requiredScopes: ['Orders.Read'] }, 'scoped')],
      ]),
      verifier: testVerifier(clock),
      denylist: new Denylist({ store: memoryDenylistStore(), clock, refreshMs: 10_000 }),
      clock,
    });
    const nowSeconds = Math.floor(now / 1000);
    const good = await mint(key, { nowSeconds, base: idp.base });
    const expired = await mint(key, { nowSeconds: nowSeconds - 7200, base: idp.base });
    const forged = await mint(stranger, { nowSeconds, base: idp.base });
    expect((await service.validate(bearer(good), 'default')).status).toBe(200); // miss
    expect((await service.validate(bearer(good), 'default')).status).toBe(200); // hit
    expect((await service.validate(bearer(good), 'default')).status).toBe(200); // hit
    expect((await service.validate(bearer(expired), 'default')).status).toBe(401);
    expect((await service.validate(bearer(forged), 'default')).status).toBe(401);
    expect((await service.validate(bearer(good), 'scoped')).status).toBe(403);
    expect((await service.validate(bearer(null), 'default')).status).toBe(401);
    expect((await service.validate(bearer('not a token!'), 'default')).status).toBe(400);
    expect((await service.validate(bearer(good), 'no-such-policy')).status).toBe(404);

    const points = await capture.points(VALIDATIONS.name);
    const counted = Object.fromEntries(
      points.map((p) => [
        `${p.attributes.policy} ${p.attributes.outcome} ${p.attributes.reason} ${p.attributes.cache}`,
        p.value,
      ]),
    );
    expect(counted).toEqual({
      'default allowed none miss': 1,
      'default allowed none hit': 2,
      'default denied expired miss': 1,
      'default denied signature miss': 1,
      'scoped denied scope miss': 1,
      'default denied no_token miss': 1,
      'default denied token_syntax miss': 1,
    });
    // Every miss and failure is timed (6 here); the 2 hits are sampled one in 32.
    const durations = await capture.points(VALIDATION_DURATION.name);
    expect(durations.reduce((sum, p) => sum + p.value, 0)).toBe(6);
    for (let i = 0; i < 64; i++) await service.validate(bearer(good), 'default');
    const sampled = await capture.points(VALIDATION_DURATION.name);
    expect(sampled.reduce((sum, p) => sum + p.value, 0)).toBe(8);
    const hits = (await capture.points(VALIDATIONS.name)).find((p) => p.attributes.cache === 'hit');
    expect(hits?.value).toBe(66);
    const refreshes = await capture.points(KEY_REFRESHES.name);
    expect(refreshes).toEqual([{ attributes: { outcome: 'success' }, value: 1 }]);
    const ages = await capture.points(KEY_AGE.name);
    expect(ages.some((p) => String(p.attributes.metadata_url).startsWith(idp.base))).toBe(true);

    const values = await capture.allAttributeValues();
    for (const secret of [good, expired, forged, 'not a token!', 'no-such-policy'])
      expect(values.some((value) => value.includes(secret))).toBe(false);
  });
});
