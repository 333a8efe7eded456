import { createHash, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import forge from 'node-forge';

/**
 * The tenant's token-signing keys. Entra publishes each signing key with a self-signed X.509
 * certificate and `kid` equal to its `x5t` ("Signing key rollover in the Microsoft identity
 * platform"); after a rollover the previous key stays published for a while, so validators that
 * cached it keep working. The first key signs.
 */
export interface SigningKey {
  kid: string;
  /** Private JWK with `kid`, `x5t`, `x5c`, `use: 'sig'`, `alg: 'RS256'` (what oidc-provider's keystore takes). */
  jwk: Record<string, unknown>;
  createdAt: string;
}

function selfSignedCertificate(publicKey: KeyObject, privateKey: KeyObject): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: 'accounts.local.test' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  return forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
}

export function newSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const x5c = selfSignedCertificate(publicKey, privateKey);
  const x5t = createHash('sha1').update(Buffer.from(x5c, 'base64')).digest('base64url');
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: x5t,
    x5t,
    x5c: [x5c],
    use: 'sig',
    alg: 'RS256',
  };
  return { kid: x5t, jwk, createdAt: new Date().toISOString() };
}

export function publicJwk(key: SigningKey): Record<string, unknown> {
  const { kty, n, e, kid, x5t, x5c, use } = key.jwk;
  return { kty, use, kid, x5t, n, e, x5c };
}

/** Keys kept in order, newest (signing) first; persisted to a JSON file for `npm start`. */
export class SigningKeys {
  private keys: SigningKey[];

  constructor(private readonly file?: string) {
    this.keys =
      file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SigningKey[]) : [newSigningKey()];
    if (this.keys.length === 0) this.keys = [newSigningKey()];
    this.save();
  }

  get current(): SigningKey {
    return this.keys[0] as SigningKey;
  }

  all(): SigningKey[] {
    return [...this.keys];
  }

  rotate(): { kid: string; previousKid: string } {
    const previousKid = this.current.kid;
    this.keys.unshift(newSigningKey());
    this.save();
    return { kid: this.current.kid, previousKid };
  }

  /** Unpublishes an old key. The signing key cannot be retired. */
  retire(kid: string): boolean {
    if (kid === this.current.kid) return false;
    const before = this.keys.length;
    this.keys = this.keys.filter((k) => k.kid !== kid);
    this.save();
    return this.keys.length !== before;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.keys), { mode: 0o600 });
  }
}
