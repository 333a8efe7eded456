import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type CertificateMaterial,
  fromPem,
  fromPfxBase64,
  selfSigned,
  toPemSecret,
  toPfxBase64,
} from './certs.js';

/**
 * State of the Key Vault stand-in: secrets and certificates with versions, shaped after the Key
 * Vault REST API 7.x ("Azure Key Vault REST API reference": SecretBundle, CertificateBundle,
 * CertificatePolicy). A certificate version is backed by a secret version of the same name and
 * version holding the private key in the policy's content type ("About Azure Key Vault
 * certificates": composition of a certificate). Persisted as JSON for `npm start`.
 */
export const PEM = 'application/x-pem-file';
export const PKCS12 = 'application/x-pkcs12';

export interface Attributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: string;
  recoverableDays: number;
}

export interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: Attributes;
  /** Set for secrets backing a certificate. */
  managed?: boolean;
}

export interface CertificatePolicy {
  key_props: { exportable: boolean; kty: string; key_size: number; reuse_key: boolean };
  secret_props: { contentType: string };
  x509_props: { subject: string; validity_months: number; ekus?: string[]; key_usage?: string[] };
  issuer: { name: string };
  lifetime_actions?: unknown[];
  attributes?: { enabled: boolean; created: number; updated: number };
}

export interface CertificateVersion {
  version: string;
  /** base64 DER (`cer`). */
  cer: string;
  /** base64url SHA-1 of the DER: Key Vault's `x5t` is SHA-1 only. */
  x5t: string;
  tags?: Record<string, string>;
  attributes: Attributes;
}

interface Named<T> {
  name: string;
  versions: T[];
  deletedDate?: number;
}

interface CertificateEntry extends Named<CertificateVersion> {
  policy: CertificatePolicy;
}

export interface VaultEvent {
  type:
    | 'SecretNewVersionCreated'
    | 'SecretNearExpiry'
    | 'SecretExpired'
    | 'CertificateNewVersionCreated'
    | 'CertificateNearExpiry'
    | 'CertificateExpired';
  objectType: 'Secret' | 'Certificate';
  name: string;
  version: string;
  nbf?: number;
  exp?: number;
}

export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface State {
  secrets: Named<SecretVersion>[];
  certificates: CertificateEntry[];
  sweepSent: string[];
}

const epoch = (ms: number) => Math.floor(ms / 1000);
const newVersion = () => randomBytes(16).toString('hex');

export interface SetSecretOptions {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

export interface CreateCertificateOptions {
  subject?: string;
  validityMonths?: number;
  contentType?: typeof PEM | typeof PKCS12;
  tags?: Record<string, string>;
}

export interface CertificateResult {
  name: string;
  version: string;
  x5t: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
  certPem: string;
  keyPem: string;
}

export class VaultStore {
  private readonly secrets = new Map<string, Named<SecretVersion>>();
  private readonly certificates = new Map<string, CertificateEntry>();
  private readonly sweepSent = new Set<string>();
  private readonly listeners = new Set<(event: VaultEvent) => void>();

  constructor(
    private readonly file?: string,
    readonly clock: () => number = () => Date.now(),
  ) {
    if (file && existsSync(file)) {
      const state = JSON.parse(readFileSync(file, 'utf8')) as State;
      for (const s of state.secrets) this.secrets.set(s.name.toLowerCase(), s);
      for (const c of state.certificates) this.certificates.set(c.name.toLowerCase(), c);
      for (const k of state.sweepSent) this.sweepSent.add(k);
    }
  }

  onEvent(listener: (event: VaultEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: VaultEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const state: State = {
      secrets: [...this.secrets.values()],
      certificates: [...this.certificates.values()],
      sweepSent: [...this.sweepSent],
    };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(state), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }

  private attributes(options: { enabled?: boolean; nbf?: number; exp?: number }): Attributes {
    const now = epoch(this.clock());
    return {
      enabled: options.enabled ?? true,
      ...(options.nbf === undefined ? {} : { nbf: options.nbf }),
      ...(options.exp === undefined ? {} : { exp: options.exp }),
      created: now,
      updated: now,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    };
  }

  // ---- secrets -------------------------------------------------------------------------------

  setSecret(
    name: string,
    value: string,
    options: SetSecretOptions = {},
    managed = false,
    version = newVersion(),
  ): SecretVersion {
    const key = name.toLowerCase();
    const existing = this.secrets.get(key);
    if (existing?.deletedDate !== undefined)
      throw new VaultError(
        409,
        'Conflict',
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      );
    if (!managed && this.certificates.has(key) && existing?.versions.at(-1)?.managed)
      throw new VaultError(
        409,
        'Conflict',
        `Secret ${name} is managed by a certificate and cannot be set directly.`,
      );
    const entry = existing ?? { name, versions: [] };
    const secret: SecretVersion = {
      version,
      value,
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      attributes: this.attributes(options),
      ...(managed ? { managed: true } : {}),
    };
    entry.versions.push(secret);
    this.secrets.set(key, entry);
    this.save();
    if (!managed) {
      this.emit({
        type: 'SecretNewVersionCreated',
        objectType: 'Secret',
        name: entry.name,
        version,
        ...nbfExp(secret.attributes),
      });
    }
    return secret;
  }

  /** Latest (last created) version, or a given one. Deleted secrets are not found. */
  getSecret(name: string, version?: string): { name: string; secret: SecretVersion } {
    const entry = this.secrets.get(name.toLowerCase());
    const secret =
      entry && entry.deletedDate === undefined
        ? version
          ? entry.versions.find((v) => v.version === version)
          : entry.versions.at(-1)
        : undefined;
    if (!entry || !secret)
      throw new VaultError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    return { name: entry.name, secret };
  }

  listSecrets(): { name: string; secret: SecretVersion }[] {
    return [...this.secrets.values()]
      .filter((e) => e.deletedDate === undefined && e.versions.length > 0)
      .map((e) => ({ name: e.name, secret: e.versions.at(-1) as SecretVersion }));
  }

  listSecretVersions(name: string): { name: string; versions: SecretVersion[] } {
    const entry = this.secrets.get(name.toLowerCase());
    if (!entry || entry.deletedDate !== undefined) return { name, versions: [] };
    return { name: entry.name, versions: [...entry.versions] };
  }

  updateSecret(
    name: string,
    version: string | undefined,
    patch: SetSecretOptions,
  ): { name: string; secret: SecretVersion } {
    const found = this.getSecret(name, version);
    const s = found.secret;
    if (patch.contentType !== undefined) s.contentType = patch.contentType;
    if (patch.tags !== undefined) s.tags = patch.tags;
    if (patch.enabled !== undefined) s.attributes.enabled = patch.enabled;
    if (patch.nbf !== undefined) s.attributes.nbf = patch.nbf;
    if (patch.exp !== undefined) s.attributes.exp = patch.exp;
    s.attributes.updated = epoch(this.clock());
    this.save();
    return found;
  }

  /** Soft delete (recoverable for 90 days, as with purge protection off and soft delete on). */
  deleteSecret(name: string): { name: string; secret: SecretVersion; deletedDate: number } {
    const found = this.getSecret(name);
    const entry = this.secrets.get(name.toLowerCase()) as Named<SecretVersion>;
    entry.deletedDate = epoch(this.clock());
    this.save();
    return { ...found, deletedDate: entry.deletedDate };
  }

  getDeletedSecret(name: string): { name: string; secret: SecretVersion; deletedDate: number } {
    const entry = this.secrets.get(name.toLowerCase());
    const secret = entry?.versions.at(-1);
    if (!entry || entry.deletedDate === undefined || !secret)
      throw new VaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
    return { name: entry.name, secret, deletedDate: entry.deletedDate };
  }

  purgeDeletedSecret(name: string): void {
    this.getDeletedSecret(name);
    this.secrets.delete(name.toLowerCase());
    this.save();
  }

  recoverDeletedSecret(name: string): { name: string; secret: SecretVersion } {
    const entry = this.secrets.get(name.toLowerCase());
    this.getDeletedSecret(name);
    if (entry) delete entry.deletedDate;
    this.save();
    return this.getSecret(name);
  }

  // ---- certificates --------------------------------------------------------------------------

  private addCertificateVersion(
    name: string,
    material: CertificateMaterial,
    policy: CertificatePolicy,
    tags?: Record<string, string>,
  ): CertificateResult {
    const key = name.toLowerCase();
    const x509 = new X509Certificate(material.certPem);
    const der = x509.raw;
    const version = newVersion();
    const nbf = epoch(Date.parse(x509.validFrom));
    const exp = epoch(Date.parse(x509.validTo));
    const entry = this.certificates.get(key) ?? { name, versions: [], policy };
    entry.policy = policy;
    const certificate: CertificateVersion = {
      version,
      cer: der.toString('base64'),
      x5t: createHash('sha1').update(der).digest('base64url'),
      ...(tags === undefined ? {} : { tags }),
      attributes: this.attributes({ nbf, exp }),
    };
    entry.versions.push(certificate);
    this.certificates.set(key, entry);
    const contentType = policy.secret_props.contentType;
    const value = contentType === PKCS12 ? toPfxBase64(material) : toPemSecret(material);
    this.setSecret(name, value, { contentType, nbf, exp }, true, version);
    this.emit({
      type: 'CertificateNewVersionCreated',
      objectType: 'Certificate',
      name: entry.name,
      version,
      nbf,
      exp,
    });
    return {
      name: entry.name,
      version,
      x5t: certificate.x5t,
      thumbprintSha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
      thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
      certPem: material.certPem,
      keyPem: material.keyPem,
    };
  }

  static defaultPolicy(options: CreateCertificateOptions = {}): CertificatePolicy {
    return {
      key_props: { exportable: true, kty: 'RSA', key_size: 2048, reuse_key: false },
      secret_props: { contentType: options.contentType ?? PKCS12 },
      x509_props: { subject: options.subject ?? 'CN=local', validity_months: options.validityMonths ?? 12 },
      issuer: { name: 'Self' },
    };
  }

  /** Creates a new version with issuer `Self` (other issuers need a CA Key Vault cannot reach here). */
  createCertificate(
    name: string,
    policyInput?: Partial<CertificatePolicy>,
    tags?: Record<string, string>,
  ): CertificateResult {
    const existing = this.certificates.get(name.toLowerCase());
    const base = existing?.policy ?? VaultStore.defaultPolicy();
    const policy: CertificatePolicy = {
      key_props: { ...base.key_props, ...policyInput?.key_props },
      secret_props: { ...base.secret_props, ...policyInput?.secret_props },
      x509_props: { ...base.x509_props, ...policyInput?.x509_props },
      issuer: { ...base.issuer, ...policyInput?.issuer },
      ...(policyInput?.lifetime_actions ? { lifetime_actions: policyInput.lifetime_actions } : {}),
    };
    if (policy.issuer.name.toLowerCase() !== 'self')
      throw new VaultError(
        400,
        'BadParameter',
        `Issuer '${policy.issuer.name}' is not supported by the local Key Vault stand-in; use 'Self'.`,
      );
    if (![PEM, PKCS12].includes(policy.secret_props.contentType))
      throw new VaultError(
        400,
        'BadParameter',
        `Content type '${policy.secret_props.contentType}' is not supported.`,
      );
    const material = selfSigned(
      policy.x509_props.subject,
      policy.x509_props.validity_months,
      policy.key_props.key_size,
    );
    return this.addCertificateVersion(name, material, policy, tags);
  }

  /** Import: `value` is PEM text or a base64 PFX (with `password`); the content type follows. */
  importCertificate(
    name: string,
    value: string,
    options: { password?: string; contentType?: string; tags?: Record<string, string> } = {},
  ): CertificateResult {
    const isPem = value.includes('-----BEGIN');
    let material: CertificateMaterial;
    try {
      material = isPem ? fromPem(value) : fromPfxBase64(value, options.password ?? '');
    } catch (error) {
      throw new VaultError(
        400,
        'BadParameter',
        `The certificate could not be read: ${(error as Error).message}`,
      );
    }
    const subject = new X509Certificate(material.certPem).subject.split('\n').join(', ');
    const policy = VaultStore.defaultPolicy({
      subject,
      contentType: (options.contentType ?? (isPem ? PEM : PKCS12)) as typeof PEM,
    });
    policy.issuer.name = 'Unknown';
    return this.addCertificateVersion(name, material, policy, options.tags);
  }

  getCertificate(
    name: string,
    version?: string,
  ): { name: string; certificate: CertificateVersion; policy: CertificatePolicy } {
    const entry = this.certificates.get(name.toLowerCase());
    const certificate = entry
      ? version
        ? entry.versions.find((v) => v.version === version)
        : entry.versions.at(-1)
      : undefined;
    if (!entry || !certificate)
      throw new VaultError(
        404,
        'CertificateNotFound',
        `A certificate with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    return { name: entry.name, certificate, policy: entry.policy };
  }

  listCertificateVersions(name: string): { name: string; versions: CertificateVersion[] } {
    const entry = this.certificates.get(name.toLowerCase());
    return { name: entry?.name ?? name, versions: entry ? [...entry.versions] : [] };
  }

  listCertificates(): { name: string; certificate: CertificateVersion }[] {
    return [...this.certificates.values()].map((e) => ({
      name: e.name,
      certificate: e.versions.at(-1) as CertificateVersion,
    }));
  }

  /**
   * Key Vault's expiry events ("Azure Key Vault as Event Grid source"): NearExpiry 30 days before
   * `exp`, Expired after it, once per version, for the latest enabled version of each object.
   */
  sweep(): VaultEvent[] {
    const now = epoch(this.clock());
    const events: VaultEvent[] = [];
    const check = (objectType: 'Secret' | 'Certificate', name: string, version: string, a: Attributes) => {
      if (!a.enabled || a.exp === undefined) return;
      const kind = a.exp <= now ? 'Expired' : a.exp - now <= 30 * 24 * 3600 ? 'NearExpiry' : undefined;
      if (!kind) return;
      const key = `${objectType}/${name.toLowerCase()}/${version}/${kind}`;
      if (this.sweepSent.has(key)) return;
      this.sweepSent.add(key);
      events.push({
        type: `${objectType}${kind}` as VaultEvent['type'],
        objectType,
        name,
        version,
        ...nbfExp(a),
      });
    };
    for (const entry of this.secrets.values()) {
      const latest = entry.versions.at(-1);
      if (latest && entry.deletedDate === undefined && !latest.managed)
        check('Secret', entry.name, latest.version, latest.attributes);
    }
    for (const entry of this.certificates.values()) {
      const latest = entry.versions.at(-1);
      if (latest) check('Certificate', entry.name, latest.version, latest.attributes);
    }
    this.save();
    for (const event of events) this.emit(event);
    return events;
  }
}

function nbfExp(a: Attributes): { nbf?: number; exp?: number } {
  return { ...(a.nbf === undefined ? {} : { nbf: a.nbf }), ...(a.exp === undefined ? {} : { exp: a.exp }) };
}
