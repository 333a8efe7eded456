import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../shared/tokens/certificate.js';
import { keyVaultError } from '../../../shared/tokens/keyvault.js';
import { base64Source, pathSource } from '../../../shared/tokens/sources.js';
import { makeCertificate, type TestCertificate } from './fixtures.js';

let dir: string;
let cert: TestCertificate;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'token-sources-'));
  cert = makeCertificate();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificate sources', () => {
  it('Path: reads PEM and binary PFX files; a replaced file is a new version', async () => {
    const file = join(dir, 'cert.pem');
    writeFileSync(file, cert.pem);
    const source = pathSource(file);
    const first = await source.current();
    expect(parseCertificate(source.label, await source.material(first.version)).thumbprintSha256).toBe(
      cert.thumbprintSha256,
    );
    const pfxFile = join(dir, 'cert.pfx');
    writeFileSync(pfxFile, Buffer.from(cert.pfxBase64('pw'), 'base64'));
    const pfx = pathSource(pfxFile, 'pw');
    const material = await pfx.material((await pfx.current()).version);
    expect(parseCertificate(pfx.label, material).thumbprintSha256).toBe(cert.thumbprintSha256);
    writeFileSync(file, makeCertificate().pem);
    expect((await source.current()).version).not.toBe(first.version);
  });

  it('Path: a missing file is certificate_invalid naming the file, not its content', async () => {
    await expect(pathSource(join(dir, 'missing.pem')).current()).rejects.toMatchObject({
      code: 'certificate_invalid',
      message: expect.stringContaining('missing.pem'),
    });
  });

  it('Base64Encoded: base64 PFX, or base64 of a PEM', async () => {
    const pfx = base64Source(cert.pfxBase64(), undefined, 'AzureAd__ClientCredentials__0');
    const v = (await pfx.current()).version;
    expect(parseCertificate(pfx.label, await pfx.material(v)).thumbprintSha256).toBe(cert.thumbprintSha256);
    const pem = base64Source(Buffer.from(cert.pem).toString('base64'), undefined, 'x');
    expect(parseCertificate(pem.label, await pem.material('any')).thumbprintSha256).toBe(
      cert.thumbprintSha256,
    );
  });

  it('Key Vault errors: 404/403 are certificate problems, throttling and outages are transient', () => {
    const label = "Key Vault certificate 'gw'";
    expect(keyVaultError(label, { statusCode: 404 })).toMatchObject({ code: 'certificate_invalid' });
    expect(keyVaultError(label, { statusCode: 403 })).toMatchObject({ code: 'certificate_invalid' });
    expect(keyVaultError(label, { statusCode: 429 })).toMatchObject({
      code: 'keyvault_unavailable',
      retryAfterSeconds: 10,
    });
    // Key Vault's own Retry-After wins (capped at a minute); garbage falls back to 10 s.
    const throttled = (retryAfter: string) => ({
      statusCode: 429,
      response: { headers: { get: (name: string) => (name === 'retry-after' ? retryAfter : undefined) } },
    });
    expect(keyVaultError(label, throttled('37')).retryAfterSeconds).toBe(37);
    expect(keyVaultError(label, throttled('3600')).retryAfterSeconds).toBe(60);
    expect(keyVaultError(label, throttled('soon')).retryAfterSeconds).toBe(10);
    expect(keyVaultError(label, { statusCode: 503 })).toMatchObject({
      code: 'keyvault_unavailable',
      retryAfterSeconds: 5,
    });
    expect(keyVaultError(label, { code: 'ECONNREFUSED' })).toMatchObject({
      code: 'keyvault_unavailable',
      message: "Key Vault is unavailable for Key Vault certificate 'gw' (ECONNREFUSED)",
    });
    expect(keyVaultError(label, { name: 'AbortError' })).toMatchObject({ code: 'keyvault_unavailable' });
  });
});
