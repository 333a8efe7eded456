import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/platform/log.js';
import { TokenAcquirer } from '../../../shared/tokens/acquirer.js';
import { CertificateCache } from '../../../shared/tokens/certificate-cache.js';
import { parseTokenConfig } from '../../../shared/tokens/config.js';
import { handleTokenRequest } from '../../../shared/tokens/endpoint.js';
import { IDP_LATENCY, ROTATION_RETRIES, TOKEN_ACQUISITIONS } from '../../../shared/tokens/metrics.js';
import { captureMetrics } from '../../helpers/metrics.js';
import { FakeIdp, FakeSource, manualClock } from './fakes.js';
import { makeCertificate } from './fixtures.js';

const SCOPE = 'api://downstream/.default';
let capture: ReturnType<typeof captureMetrics>;
beforeAll(() => {
  capture = captureMetrics();
});
afterAll(() => capture.stop());

describe('token metrics (OpenTelemetry, in-memory reader)', () => {
  it('counts acquisitions by configured client, outcome and cache; IdP latency; rotation retries', async () => {
    const clock = manualClock(Date.now());
    const v1 = makeCertificate({ cn: 'v1' });
    const v2 = makeCertificate({ cn: 'v2' });
    const source = new FakeSource();
    source.addVersion('v1', { value: v1.pem });
    const idp = new FakeIdp(clock.now);
    idp.registered.add(v1.thumbprintSha256);
    const logger = createLogger(() => {});
    const acquirer = new TokenAcquirer({
      config: parseTokenConfig({
        AzureAd__TenantId: 'contoso.onmicrosoft.com',
        AzureAd__ClientId: 'gw',
        AzureAd__AllowedScopes: SCOPE,
        AzureAd__ClientCredentials__0__SourceType: 'Path',
        AzureAd__ClientCredentials__0__CertificateDiskPath: '/unused',
      }),
      certificates: new CertificateCache({ clock: clock.now, refreshMs: 300_000, minForcedGapMs: 0 }),
      credentialsOf: () => [{ kind: 'certificate', source }],
      createClient: idp.factory,
      clock: clock.now,
      logger,
    });
    const ask = (body: unknown) =>
      handleTokenRequest(
        acquirer,
        { contentType: 'application/json', body: JSON.stringify(body), invocationId: 'inv' },
        () => logger,
        clock.now,
      );
    const cold = await Promise.all([ask({ scope: SCOPE }), ask({ scope: SCOPE })]);
    expect(cold.map((r) => r.status)).toEqual([200, 200]);
    expect((await ask({ scope: SCOPE })).status).toBe(200);
    expect((await ask({ scope: SCOPE, client: 'made-up-client' })).status).toBe(400);
    expect((await ask({ scope: 'api://elsewhere/.default' })).status).toBe(403);
    // The certificate rotates and Entra forgets v1: one rejection, one retry with v2.
    source.addVersion('v2', { value: v2.pem });
    idp.registered.add(v2.thumbprintSha256);
    idp.registered.delete(v1.thumbprintSha256);
    clock.advance(3_600_000);
    expect((await ask({ scope: SCOPE })).status).toBe(200);

    const counted = Object.fromEntries(
      (await capture.points(TOKEN_ACQUISITIONS.name)).map((p) => [
        `${p.attributes.client} ${p.attributes.outcome} ${p.attributes.cache}`,
        p.value,
      ]),
    );
    expect(counted).toEqual({
      'default issued miss': 2,
      'default issued coalesced': 1,
      'default issued hit': 1,
      '(unknown) refused none': 1,
      'default refused none': 1,
    });
    const idpCalls = await capture.points(IDP_LATENCY.name);
    const byOutcome = Object.fromEntries(idpCalls.map((p) => [p.attributes.outcome, p.value]));
    expect(byOutcome).toEqual({ success: 2, failure: 1 });
    expect(await capture.points(ROTATION_RETRIES.name)).toEqual([
      { attributes: { client: 'default' }, value: 1 },
    ]);
    expect((await capture.allAttributeValues()).some((v) => v.includes('made-up-client'))).toBe(false);
  });
});
