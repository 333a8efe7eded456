import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertValidAt, normalisePem, parseCertificate } from '../../../shared/tokens/certificate.js';
import { TokenError } from '../../../shared/tokens/errors.js';
import { makeCertificate, type TestCertificate } from './fixtures.js';

let cert: TestCertificate;
beforeAll(() => {
  cert = makeCertificate({ cn: 'gw' });
});

describe('certificate parsing', () => {
  it('reads PEM (PKCS#8 key + certificate) and computes the SHA-256 thumbprint from the DER', () => {
    const parsed = parseCertificate('gw', { contentType: 'application/x-pem-file', value: cert.pem });
    expect(parsed.thumbprintSha256).toBe(cert.thumbprintSha256);
    expect(parsed.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/);
    expect(parsed.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(parsed.chainPem).toHaveLength(1);
    expect(parsed.subject).toContain('CN=gw');
  });

  it('normalises PEM pasted with literal \\n and puts the leaf first whatever the order', () => {
    const other = makeCertificate({ cn: 'ca-ish' });
    const pasted = `${other.certPem}${cert.certPem}${cert.keyPem}`.replace(/\n/g, '\\n');
    expect(normalisePem('a\\nb\\r\\nc')).toBe('a\nb\nc');
    const parsed = parseCertificate('gw', { value: pasted });
    expect(parsed.thumbprintSha256).toBe(cert.thumbprintSha256);
    expect(parsed.chainPem).toHaveLength(2);
  });

  it('reads PEM whose lines were indented or whose line breaks became spaces (pasted into one-line fields)', () => {
    const indented = cert.pem
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\r\n');
    expect(parseCertificate('gw', { value: indented }).thumbprintSha256).toBe(cert.thumbprintSha256);
    const oneLine = cert.pem.replace(/\n/g, ' ');
    expect(parseCertificate('gw', { value: oneLine }).thumbprintSha256).toBe(cert.thumbprintSha256);
  });

  it('accepts a PKCS#1 RSA key and converts it to PKCS#8', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(() => parseCertificate('gw', { value: `${pkcs1}${cert.certPem}` })).toThrow(
      /no certificate matches the private key/,
    );
    const ownPkcs1 = createPrivateKey(cert.keyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(ownPkcs1).toContain('BEGIN RSA PRIVATE KEY');
    const parsed = parseCertificate('gw', { value: `${ownPkcs1}${cert.certPem}` });
    expect(parsed.thumbprintSha256).toBe(cert.thumbprintSha256);
    expect(parsed.privateKeyPem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
  });

  it('reads base64 PFX with and without a password', () => {
    const plain = parseCertificate('gw', { contentType: 'application/x-pkcs12', value: cert.pfxBase64() });
    expect(plain.thumbprintSha256).toBe(cert.thumbprintSha256);
    const locked = parseCertificate('gw', { value: cert.pfxBase64('s3cret'), password: 's3cret' });
    expect(locked.thumbprintSha256).toBe(cert.thumbprintSha256);
    expect(locked.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('gives a typed error for a wrong PFX password, garbage, or a key-less PEM, without echoing input', () => {
    const attempts = [
      () => parseCertificate('gw', { value: cert.pfxBase64('right'), password: 'wrong' }),
      () => parseCertificate('gw', { contentType: 'application/x-pkcs12', value: 'bm90IGEgcGZ4' }),
      () => parseCertificate('gw', { value: cert.certPem }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TokenError);
      expect((caught as TokenError).code).toBe('certificate_invalid');
      expect((caught as TokenError).message).not.toContain('PRIVATE KEY');
    }
  });

  it('names the certificate and its dates when not yet valid or expired', () => {
    const window = {
      notBefore: new Date('2030-01-01T00:00:00Z'),
      notAfter: new Date('2031-01-01T00:00:00Z'),
    };
    expect(() =>
      assertValidAt("Key Vault certificate 'gw'", window, new Date('2029-12-31T00:00:00Z')),
    ).toThrow(
      "Certificate Key Vault certificate 'gw': is not valid yet (valid from 2030-01-01T00:00:00.000Z to 2031-01-01T00:00:00.000Z)",
    );
    expect(() => assertValidAt('gw', window, new Date('2031-06-01T00:00:00Z'))).toThrow(
      /has expired \(valid from 2030/,
    );
    expect(() => assertValidAt('gw', window, new Date('2030-06-01T00:00:00Z'))).not.toThrow();
  });
});
