import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, type JWK, jwtVerify } from 'jose';
import { CrashSwitch } from '../crash-switch.js';
import type { Counters } from '../entra/counters.js';
import { BodyTooLargeError, readBody } from '../http-body.js';
import type { ServerCertificate } from '../tls/ca.js';
import {
  type Attributes,
  type CertificatePolicy,
  type SecretVersion,
  VaultError,
  type VaultStore,
} from './store.js';

/**
 * HTTPS front of the Key Vault stand-in: the REST calls the unmodified `@azure/keyvault-secrets`
 * and `@azure/keyvault-certificates` clients make ("Azure Key Vault REST API reference" 7.x),
 * behind Key Vault's bearer challenge ("Azure Key Vault authentication": 401 with
 * `WWW-Authenticate: Bearer authorization=..., resource=https://vault.azure.net`).
 */
export const VAULT_RESOURCE = 'https://vault.azure.net';

export interface KeyVaultServerOptions {
  store: VaultStore;
  certificate: ServerCertificate;
  counters: Counters;
  tenantId: string;
  authorityHost: string;
  /** Issuers a vault token may carry (the tenant's v1 and v2 issuers). */
  issuers: string[];
  /** The Entra stand-in's currently published keys (followed through rotation). */
  publishedKeys: () => JWK[];
  port?: number;
}

export const VAULT_WRITES = ['setSecret'] as const;
export type VaultWrite = (typeof VAULT_WRITES)[number];

/** Test controls (never part of the product). */
export interface KeyVaultControls {
  /** Drop the connection after the next `count` secret writes, once stored (local/crash-switch.ts). */
  crashAfter(operation: VaultWrite, count?: number): void;
  /** `down`: every request answers 503 ServiceUnavailable, as a vault in an outage ("Azure Key Vault availability and redundancy"). */
  setMode(mode: 'ok' | 'down'): void;
  reset(): void;
}

export interface RunningKeyVault {
  url: string;
  controls: KeyVaultControls;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

async function readLimitedBody(req: IncomingMessage): Promise<Buffer> {
  try {
    return await readBody(req, MAX_BODY);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new VaultError(413, 'RequestTooLarge', 'The request body is too large.');
    throw error;
  }
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'x-ms-keyvault-service-version': '1.9.0.0',
    ...headers,
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function attributesOut(a: Attributes) {
  return { ...a };
}

function attributesIn(input: unknown): { enabled?: boolean; nbf?: number; exp?: number } {
  const a = (input ?? {}) as Record<string, unknown>;
  return {
    ...(typeof a.enabled === 'boolean' ? { enabled: a.enabled } : {}),
    ...(typeof a.nbf === 'number' ? { nbf: a.nbf } : {}),
    ...(typeof a.exp === 'number' ? { exp: a.exp } : {}),
  };
}

export async function startKeyVault(options: KeyVaultServerOptions): Promise<RunningKeyVault> {
  const { store, counters } = options;
  let base = '';
  const challenge = `Bearer authorization="${options.authorityHost}/${options.tenantId}", resource="${VAULT_RESOURCE}"`;

  async function authorized(req: IncomingMessage): Promise<string | undefined> {
    const header = req.headers.authorization ?? '';
    if (!header.toLowerCase().startsWith('bearer ')) return 'missing';
    try {
      await jwtVerify(header.slice(7).trim(), createLocalJWKSet({ keys: options.publishedKeys() }), {
        algorithms: ['RS256'],
        audience: [VAULT_RESOURCE, `${VAULT_RESOURCE}/`],
        issuer: options.issuers,
        clockTolerance: 300,
      });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  const secretBundle = (name: string, s: SecretVersion, withValue = true) => ({
    ...(withValue ? { value: s.value } : {}),
    id: `${base}secrets/${name}/${s.version}`,
    ...(s.contentType === undefined ? {} : { contentType: s.contentType }),
    attributes: attributesOut(s.attributes),
    tags: s.tags ?? {},
    ...(s.managed ? { managed: true, kid: `${base}keys/${name}/${s.version}` } : {}),
  });

  const certificateBundle = (
    name: string,
    c: { version: string; cer: string; x5t: string; tags?: Record<string, string>; attributes: Attributes },
    policy?: CertificatePolicy,
  ) => ({
    id: `${base}certificates/${name}/${c.version}`,
    kid: `${base}keys/${name}/${c.version}`,
    sid: `${base}secrets/${name}/${c.version}`,
    x5t: c.x5t,
    cer: c.cer,
    attributes: attributesOut(c.attributes),
    tags: c.tags ?? {},
    ...(policy ? { policy: policyOut(name, policy) } : {}),
  });

  const policyOut = (name: string, p: CertificatePolicy) => ({
    id: `${base}certificates/${name}/policy`,
    ...p,
    attributes: p.attributes ?? { enabled: true },
  });

  const crash = new CrashSwitch<VaultWrite>(VAULT_WRITES);
  let mode: 'ok' | 'down' = 'ok';

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    let json: Record<string, unknown> = {};
    if (method === 'PUT' || method === 'POST' || method === 'PATCH') {
      const raw = (await readLimitedBody(req)).toString('utf8');
      try {
        json = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        throw new VaultError(400, 'BadParameter', 'The request body is not valid JSON.');
      }
    }
    const [collection, name, third, fourth] = parts;

    if (collection === 'secrets') {
      if (!name && method === 'GET') {
        return send(res, 200, {
          value: store.listSecrets().map((s) => secretBundle(s.name, s.secret, false)),
          nextLink: null,
        });
      }
      if (!name) throw new VaultError(405, 'MethodNotAllowed', 'Not supported.');
      if (method === 'PUT' && !third) {
        if (typeof json.value !== 'string')
          throw new VaultError(400, 'BadParameter', 'Property value is required.');
        const s = store.setSecret(name, json.value, {
          ...(typeof json.contentType === 'string' ? { contentType: json.contentType } : {}),
          ...(json.tags && typeof json.tags === 'object'
            ? { tags: json.tags as Record<string, string> }
            : {}),
          ...attributesIn(json.attributes),
        });
        // The secret is stored; with the crash switch armed the caller never hears of it.
        if (crash.fires('setSecret')) return void res.destroy();
        return send(res, 200, secretBundle(store.getSecret(name).name, s));
      }
      if (method === 'GET' && third === 'versions') {
        const { name: real, versions } = store.listSecretVersions(name);
        return send(res, 200, { value: versions.map((v) => secretBundle(real, v, false)), nextLink: null });
      }
      if (method === 'GET') {
        counters.recordSecretRead(name, third);
        const found = store.getSecret(name, third);
        return send(res, 200, secretBundle(found.name, found.secret));
      }
      if (method === 'PATCH') {
        const found = store.updateSecret(name, third, {
          ...(typeof json.contentType === 'string' ? { contentType: json.contentType } : {}),
          ...(json.tags && typeof json.tags === 'object'
            ? { tags: json.tags as Record<string, string> }
            : {}),
          ...attributesIn(json.attributes),
        });
        return send(res, 200, secretBundle(found.name, found.secret, false));
      }
      if (method === 'DELETE' && !third) {
        const deleted = store.deleteSecret(name);
        return send(res, 200, deletedSecret(deleted));
      }
    }

    if (collection === 'deletedsecrets' && name) {
      if (method === 'GET') return send(res, 200, deletedSecret(store.getDeletedSecret(name)));
      if (method === 'DELETE') {
        store.purgeDeletedSecret(name);
        return send(res, 204);
      }
      if (method === 'POST' && third === 'recover') {
        const found = store.recoverDeletedSecret(name);
        return send(res, 200, secretBundle(found.name, found.secret, false));
      }
    }

    if (collection === 'certificates') {
      if (!name && method === 'GET') {
        return send(res, 200, {
          value: store.listCertificates().map((c) => itemOf(certificateBundle(c.name, c.certificate))),
          nextLink: null,
        });
      }
      if (!name) throw new VaultError(405, 'MethodNotAllowed', 'Not supported.');
      if (method === 'POST' && third === 'create') {
        const policy = (json.policy ?? {}) as Partial<CertificatePolicy>;
        const created = store.createCertificate(
          name,
          policy,
          json.tags as Record<string, string> | undefined,
        );
        // Self-signed issuance completes at once; the SDK's poller sees `completed`.
        return send(res, 202, operation(created.name, 'completed'), {
          location: `${base}certificates/${created.name}/pending`,
        });
      }
      if (method === 'GET' && third === 'pending') {
        const found = store.getCertificate(name);
        return send(res, 200, operation(found.name, 'completed'));
      }
      if (method === 'POST' && third === 'import') {
        if (typeof json.value !== 'string')
          throw new VaultError(400, 'BadParameter', 'Property value is required.');
        const policy = (json.policy ?? {}) as Partial<CertificatePolicy>;
        const imported = store.importCertificate(name, json.value, {
          ...(typeof json.pwd === 'string' ? { password: json.pwd } : {}),
          ...(policy.secret_props?.contentType ? { contentType: policy.secret_props.contentType } : {}),
          ...(json.tags && typeof json.tags === 'object'
            ? { tags: json.tags as Record<string, string> }
            : {}),
        });
        const found = store.getCertificate(imported.name);
        return send(res, 200, certificateBundle(found.name, found.certificate, found.policy));
      }
      if (method === 'GET' && third === 'versions') {
        const { name: real, versions } = store.listCertificateVersions(name);
        return send(res, 200, {
          value: versions.map((v) => itemOf(certificateBundle(real, v))),
          nextLink: null,
        });
      }
      if (method === 'GET' && third === 'policy') {
        const found = store.getCertificate(name);
        return send(res, 200, policyOut(found.name, found.policy));
      }
      if (method === 'GET' && fourth === undefined) {
        const found = store.getCertificate(name, third);
        return send(
          res,
          200,
          certificateBundle(found.name, found.certificate, third ? undefined : found.policy),
        );
      }
    }
    throw new VaultError(
      400,
      'BadParameter',
      `The local Key Vault stand-in does not implement ${method} ${url.pathname}.`,
    );
  }

  const itemOf = (bundle: ReturnType<typeof certificateBundle>) => ({
    id: bundle.id,
    x5t: bundle.x5t,
    attributes: bundle.attributes,
    tags: bundle.tags,
  });

  const operation = (name: string, status: string) => ({
    id: `${base}certificates/${name}/pending`,
    issuer: { name: 'Self' },
    csr: '',
    cancellation_requested: false,
    status,
    target: `${base}certificates/${name}`,
    request_id: name,
  });

  const deletedSecret = (d: { name: string; secret: SecretVersion; deletedDate: number }) => ({
    recoveryId: `${base}deletedsecrets/${d.name}`,
    deletedDate: d.deletedDate,
    scheduledPurgeDate: d.deletedDate + 90 * 24 * 3600,
    ...secretBundle(d.name, d.secret, false),
  });

  const server: Server = createServer(
    { cert: options.certificate.certPem, key: options.certificate.keyPem },
    async (req, res) => {
      try {
        const url = new URL(req.url ?? '/', base || 'https://localhost');
        if (mode === 'down') {
          req.resume();
          return send(res, 503, {
            error: {
              code: 'ServiceUnavailable',
              message: 'The local Key Vault stand-in is down (test control).',
            },
          });
        }
        const problem = await authorized(req);
        if (problem === 'missing') {
          req.resume();
          return send(
            res,
            401,
            {
              error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
            },
            { 'www-authenticate': challenge },
          );
        }
        if (problem) {
          req.resume();
          return send(
            res,
            401,
            { error: { code: 'Unauthorized', message: `AKV10032: Invalid token: ${problem}` } },
            { 'www-authenticate': challenge },
          );
        }
        await route(req, res, url);
      } catch (error) {
        if (error instanceof VaultError)
          return send(res, error.status, { error: { code: error.code, message: error.message } });
        if (!res.headersSent)
          send(res, 500, {
            error: { code: 'InternalError', message: 'The local Key Vault stand-in failed.' },
          });
        else res.end();
      }
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    controls: {
      crashAfter: (operation, count) => crash.arm(operation, count),
      setMode(next) {
        if (next !== 'ok' && next !== 'down') throw new Error('mode must be ok or down');
        mode = next;
      },
      reset() {
        crash.reset();
        mode = 'ok';
      },
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
