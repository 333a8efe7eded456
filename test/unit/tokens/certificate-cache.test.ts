import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateCache } from '../../../shared/tokens/certificate-cache.js';
import { FakeSource, manualClock } from './fakes.js';
import { makeCertificate, type TestCertificate } from './fixtures.js';

let v1: TestCertificate;
let v2: TestCertificate;
beforeAll(() => {
  v1 = makeCertificate({ cn: 'v1' });
  v2 = makeCertificate({ cn: 'v2' });
});

function setup() {
  const clock = manualClock(Date.now());
  const source = new FakeSource();
  source.addVersion('v1', { contentType: 'application/x-pem-file', value: v1.pem });
  const cache = new CertificateCache({ clock: clock.now, refreshMs: 300_000 });
  return { clock, source, cache };
}

describe('certificate cache', () => {
  it('coalesces concurrent cold loads into one version check and one key read', async () => {
    const { source, cache } = setup();
    let open!: () => void;
    source.gate = new Promise((resolve) => {
      open = resolve;
    });
    const loads = Array.from({ length: 50 }, () => cache.get(source));
    open();
    const certs = await Promise.all(loads);
    expect(new Set(certs.map((c) => c.thumbprintSha256))).toEqual(new Set([v1.thumbprintSha256]));
    expect(source.currentCalls).toBe(1);
    expect(source.materialCalls).toBe(1);
  });

  it('re-checks the version after the TTL in the background and reads key material once per new version', async () => {
    const { clock, source, cache } = setup();
    await cache.get(source);
    clock.advance(299_000);
    await cache.get(source);
    expect(source.currentCalls).toBe(1);
    clock.advance(2_000);
    source.addVersion('v2', { contentType: 'application/x-pkcs12', value: v2.pfxBase64() });
    // Stale: the loaded version is served while the re-check runs.
    expect((await cache.get(source)).version).toBe('v1');
    await new Promise((r) => setTimeout(r, 0));
    expect((await cache.get(source)).version).toBe('v2');
    expect((await cache.get(source)).thumbprintSha256).toBe(v2.thumbprintSha256);
    expect(source.materialCalls).toBe(2);
    // Same version again after the next TTL: a version check, no key read.
    clock.advance(301_000);
    await cache.get(source);
    await new Promise((r) => setTimeout(r, 0));
    expect(source.currentCalls).toBe(3);
    expect(source.materialCalls).toBe(2);
  });

  it('keeps the loaded certificate when the source is down (stale-if-error), fails cold', async () => {
    const { clock, source, cache } = setup();
    await cache.get(source);
    source.down = true;
    clock.advance(600_000);
    expect((await cache.get(source)).version).toBe('v1');
    expect((await cache.get(source, { force: true })).version).toBe('v1');
    const cold = new CertificateCache({ clock: clock.now, refreshMs: 300_000 });
    await expect(cold.get(source)).rejects.toMatchObject({ code: 'keyvault_unavailable' });
  });

  it('forced re-checks pick up a new version at once, but at most once per gap', async () => {
    const { clock, source, cache } = setup();
    await cache.get(source);
    source.addVersion('v2', { value: v2.pem });
    expect((await cache.get(source, { force: true })).version).toBe('v2');
    const checks = source.currentCalls;
    await cache.get(source, { force: true });
    expect(source.currentCalls).toBe(checks);
    clock.advance(10_001);
    await cache.get(source, { force: true });
    expect(source.currentCalls).toBe(checks + 1);
  });

  it('refuses an expired certificate naming it and its dates', async () => {
    const clock = manualClock(Date.now());
    const old = makeCertificate({
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    });
    const source = new FakeSource("Key Vault certificate 'old' (https://vault.test/)");
    source.addVersion('abc', { value: old.pem });
    const cache = new CertificateCache({ clock: clock.now, refreshMs: 300_000 });
    await expect(cache.get(source)).rejects.toThrow(
      "Certificate Key Vault certificate 'old' (https://vault.test/) version abc: has expired (valid from 2020-01-01T00:00:00.000Z to 2021-01-01T00:00:00.000Z)",
    );
  });
});
