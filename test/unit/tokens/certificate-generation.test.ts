import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryCertificateGenerations } from '../../../shared/platform/certificate-generations.js';
import { CertificateCache } from '../../../shared/tokens/certificate-cache.js';
import { FakeSource, manualClock } from './fakes.js';
import { makeCertificate, type TestCertificate } from './fixtures.js';

let v1: TestCertificate;
let v2: TestCertificate;
beforeAll(() => {
  v1 = makeCertificate({ cn: 'v1' });
  v2 = makeCertificate({ cn: 'v2' });
});

class NamedSource extends FakeSource {
  readonly certificateName = 'gw';
}

function setup() {
  const clock = manualClock(Date.now());
  const generations = new MemoryCertificateGenerations();
  let reads = 0;
  const counted = {
    read: (name: string) => {
      reads += 1;
      return generations.read(name);
    },
  };
  const source = new NamedSource();
  source.addVersion('v1', { contentType: 'application/x-pem-file', value: v1.pem });
  const cache = new CertificateCache({ clock: clock.now, refreshMs: 300_000, generations: counted });
  return { clock, source, cache, generations, reads: () => reads };
}

describe('certificate generation marker', () => {
  it('loads the new version on the first use 10 s after the marker moved, long before the TTL', async () => {
    const { clock, source, cache, generations } = setup();
    expect((await cache.get(source)).version).toBe('v1');
    source.addVersion('v2', { contentType: 'application/x-pem-file', value: v2.pem });
    await generations.bump('GW', 'v2', new Date().toISOString());
    clock.advance(9_000);
    expect((await cache.get(source)).version).toBe('v1');
    clock.advance(1_000);
    expect((await cache.get(source)).version).toBe('v2');
    expect(source.currentCalls).toBe(2);
  });

  it('reads the marker at most once per 10 s, and reloads nothing while it stays the same', async () => {
    const { clock, source, cache, reads } = setup();
    await cache.get(source);
    const afterLoad = reads();
    for (let i = 0; i < 100; i += 1) {
      clock.advance(500);
      await cache.get(source);
    }
    // 50 s of requests: five checks.
    expect(reads() - afterLoad).toBe(5);
    expect(source.currentCalls).toBe(1);
  });

  it('keeps the loaded certificate when the marker cannot be read', async () => {
    const clock = manualClock(Date.now());
    const source = new NamedSource();
    source.addVersion('v1', { contentType: 'application/x-pem-file', value: v1.pem });
    const failing = { read: async () => Promise.reject(new Error('storage down')) };
    const cache = new CertificateCache({ clock: clock.now, refreshMs: 300_000, generations: failing });
    await cache.get(source);
    clock.advance(11_000);
    expect((await cache.get(source)).version).toBe('v1');
    expect(source.currentCalls).toBe(1);
  });
});
