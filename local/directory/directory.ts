import {
  createHash,
  randomBytes,
  randomUUID,
  scryptSync,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One directory shared by the Entra stand-in, the Key Vault stand-in's demo data and the Graph
 * stand-in. Shapes follow the Microsoft Graph `application` resource ("application resource
 * type", Microsoft Graph v1.0): appId, id, displayName, passwordCredentials, keyCredentials,
 * identifierUris, appRoles, api.requestedAccessTokenVersion (exposed here as
 * `accessTokenAcceptedVersion`, its app-manifest name), plus app-role assignments.
 * Secrets are kept only as salted scrypt hashes; `secretText` is returned once, as Graph's
 * addPassword does. State is JSON in a file for `npm start`, in memory for tests.
 */
export interface PasswordCredential {
  keyId: string;
  displayName: string;
  /** First three characters of the secret, as Graph's `hint`. */
  hint: string;
  startDateTime: string;
  endDateTime: string;
  salt: string;
  secretHash: string;
  /** Epoch ms from which the secret authenticates at the Entra stand-in (propagation delay). */
  propagatedAt?: number;
}

export interface KeyCredential {
  keyId: string;
  displayName: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  /** PEM of the certificate (Graph calls the base64 DER `key`). */
  certificatePem: string;
  /** Hex SHA-1 thumbprint, upper case, as the portal shows it (Graph `customKeyIdentifier`). */
  thumbprintSha1: string;
  thumbprintSha256: string;
  /** base64url SHA-1 / SHA-256 of the DER: the `x5t` / `x5t#S256` of assertions. */
  x5t: string;
  x5tS256: string;
  startDateTime: string;
  endDateTime: string;
  /** Epoch ms from which the certificate authenticates at the Entra stand-in (propagation delay). */
  propagatedAt?: number;
}

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  allowedMemberTypes: ('Application' | 'User')[];
  isEnabled: boolean;
}

export interface AppRoleAssignment {
  resourceAppId: string;
  appRoleId: string;
}

export interface Application {
  appId: string;
  /** Object id of the application object. */
  id: string;
  /** Object id of its service principal in this tenant: the `oid`/`sub` of its app tokens. */
  servicePrincipalId: string;
  displayName: string;
  /** Owner directory objects: object ids of service principals (Graph `owners`). */
  owners: string[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  identifierUris: string[];
  appRoles: AppRole[];
  /** 2 gives v2 tokens; 1 or null gives v1 ("Microsoft identity platform access tokens"). */
  accessTokenAcceptedVersion: 1 | 2 | null;
  appRoleAssignments: AppRoleAssignment[];
  /** Graph `createdDateTime`; absent in state files written before it was kept. */
  createdDateTime?: string;
  /** Graph `signInAudience`; `AzureADMyOrg` when absent. */
  signInAudience?: string;
  /** Graph `spa.redirectUris`: the "Single-page application" platform (code + PKCE, CORS at the token endpoint). */
  spaRedirectUris?: string[];
  /** Graph `api.oauth2PermissionScopes[].value`: the delegated scopes the API exposes ("Expose an API"). */
  oauth2PermissionScopes?: string[];
}

export interface NewApplication {
  displayName: string;
  appId?: string;
  identifierUris?: string[];
  appRoles?: { value: string; displayName?: string; id?: string }[];
  accessTokenAcceptedVersion?: 1 | 2 | null;
  owners?: string[];
  /** Graph `signInAudience` (`AzureADandPersonalMicrosoftAccount` limits the app to 2 passwords). */
  signInAudience?: string;
}

export interface NewPassword {
  displayName?: string;
  start?: Date;
  end?: Date;
  /** Chosen secret (seeding); generated when omitted. */
  secretText?: string;
}

export interface AddedPassword {
  keyId: string;
  secretText: string;
  hint: string;
  startDateTime: string;
  endDateTime: string;
}

export type SecretCheck = 'ok' | 'mismatch' | 'outside-window';

/** Which secret matched (the `keyId` that authenticated, for the sign-in activity records). */
export interface SecretMatch {
  result: SecretCheck;
  keyId?: string;
}

/** What changed since a point in the directory's change sequence (Graph `delta`). */
export interface Changes {
  sequence: number;
  changed: Application[];
  /** Object ids of applications removed since. */
  removed: string[];
}

export class DirectoryError extends Error {
  constructor(
    readonly code: 'NotFound' | 'Conflict' | 'BadRequest',
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

interface State {
  tenantId: string;
  applications: Application[];
}

const SCRYPT = { N: 1024, r: 8, p: 1 } as const;
const DAY = 24 * 3600 * 1000;

function hashSecret(secret: string, salt: string): string {
  return scryptSync(secret, Buffer.from(salt, 'base64'), 32, SCRYPT).toString('base64');
}

function normalizeUri(uri: string): string {
  return uri.trim().replace(/\/+$/, '').toLowerCase();
}

export function certificateThumbprints(certificatePem: string) {
  const der = new X509Certificate(certificatePem).raw;
  const sha1 = createHash('sha1').update(der).digest();
  const sha256 = createHash('sha256').update(der).digest();
  return {
    thumbprintSha1: sha1.toString('hex').toUpperCase(),
    thumbprintSha256: sha256.toString('hex').toUpperCase(),
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url'),
  };
}

export interface DirectoryOptions {
  tenantId?: string;
  /** JSON file for persistent state (`npm start`); memory only when omitted. */
  file?: string;
  clock?: () => number;
}

export class Directory {
  readonly tenantId: string;
  readonly clock: () => number;
  private readonly file: string | undefined;
  private readonly apps = new Map<string, Application>();
  /** Object id (lower case) to application: Graph addresses apps by object id on every read. */
  private readonly byObjectId = new Map<string, Application>();
  private readonly listeners = new Set<() => void>();
  /**
   * In-memory change sequence for Graph `delta`: each change stamps its application with the
   * next number; removed applications keep their stamp. Not persisted: after a restart every
   * application counts as changed at 0.
   */
  private sequence = 0;
  private readonly stamps = new Map<string, number>();
  private readonly removedStamps = new Map<string, number>();
  /**
   * A new credential does not authenticate for this long (test control): Entra takes seconds to
   * propagate a new secret or certificate, with no SLA ("Add and manage application credentials
   * in Microsoft Entra ID"; 4-18 s observed). 0 by default.
   */
  private propagationDelayMs = 0;

  constructor(options: DirectoryOptions = {}) {
    this.clock = options.clock ?? (() => Date.now());
    this.file = options.file;
    let state: State | undefined;
    if (this.file && existsSync(this.file)) state = JSON.parse(readFileSync(this.file, 'utf8')) as State;
    this.tenantId = state?.tenantId ?? options.tenantId ?? randomUUID();
    for (const app of state?.applications ?? []) this.index(app);
  }

  private index(app: Application): void {
    this.apps.set(app.appId, app);
    this.byObjectId.set(app.id.toLowerCase(), app);
  }

  /** Sets the propagation delay (whole seconds >= 0) for credentials added from now on. */
  setPropagationDelay(seconds: number): void {
    if (!(Number.isInteger(seconds) && seconds >= 0 && seconds <= 3600))
      throw new Error('seconds must be a whole number from 0 to 3600');
    this.propagationDelayMs = seconds * 1000;
  }

  private propagation(): { propagatedAt?: number } {
    return this.propagationDelayMs > 0 ? { propagatedAt: this.clock() + this.propagationDelayMs } : {};
  }

  /** True when the directory came from a file with applications in it. */
  get isEmpty(): boolean {
    return this.apps.size === 0;
  }

  /** Called after every change, for stand-ins that keep state derived from the directory. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(app?: Application): void {
    if (app) this.stamps.set(app.appId, ++this.sequence);
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      const state: State = { tenantId: this.tenantId, applications: [...this.apps.values()] };
      writeFileSync(`${this.file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      renameSync(`${this.file}.tmp`, this.file);
    }
    for (const listener of this.listeners) listener();
  }

  applications(): Application[] {
    return [...this.apps.values()];
  }

  addApplication(input: NewApplication): Application {
    const appId = input.appId ?? randomUUID();
    if (this.apps.has(appId)) throw new DirectoryError('Conflict', `Application ${appId} already exists.`);
    const app: Application = {
      appId,
      id: randomUUID(),
      servicePrincipalId: randomUUID(),
      displayName: input.displayName,
      owners: input.owners ?? [],
      passwordCredentials: [],
      keyCredentials: [],
      identifierUris: input.identifierUris ?? [],
      appRoles: (input.appRoles ?? []).map((role) => ({
        id: role.id ?? randomUUID(),
        value: role.value,
        displayName: role.displayName ?? role.value,
        allowedMemberTypes: ['Application'],
        isEnabled: true,
      })),
      accessTokenAcceptedVersion: input.accessTokenAcceptedVersion ?? null,
      appRoleAssignments: [],
      createdDateTime: new Date(this.clock()).toISOString(),
      ...(input.signInAudience ? { signInAudience: input.signInAudience } : {}),
    };
    this.index(app);
    this.changed(app);
    return app;
  }

  /**
   * Many applications with secrets in one change (the inventory benchmark seeds 10,000). Hashing
   * a secret per credential would take minutes, so every secret here shares one hash of a random
   * text nobody holds: these credentials are listed like any other but can never sign in.
   */
  addApplicationsBulk(
    entries: Array<{
      displayName: string;
      owners: string[];
      passwords: Array<{ displayName?: string; end: Date }>;
    }>,
  ): Application[] {
    const salt = randomBytes(16).toString('base64');
    const secretHash = hashSecret(randomBytes(30).toString('base64url'), salt);
    const now = new Date(this.clock()).toISOString();
    const added = entries.map((entry): Application => {
      const app: Application = {
        appId: randomUUID(),
        id: randomUUID(),
        servicePrincipalId: randomUUID(),
        displayName: entry.displayName,
        owners: [...entry.owners],
        passwordCredentials: entry.passwords.map((password) => ({
          keyId: randomUUID(),
          displayName: password.displayName ?? 'secret',
          hint: randomBytes(2).toString('base64url').slice(0, 3),
          startDateTime: now,
          endDateTime: password.end.toISOString(),
          salt,
          secretHash,
        })),
        keyCredentials: [],
        identifierUris: [],
        appRoles: [],
        accessTokenAcceptedVersion: null,
        appRoleAssignments: [],
        createdDateTime: now,
      };
      this.index(app);
      this.stamps.set(app.appId, ++this.sequence);
      return app;
    });
    this.changed();
    return added;
  }

  /** Deletes an application (Graph `DELETE /applications/{id}`); `delta` reports it as removed. */
  removeApplication(appId: string): void {
    const app = this.get(appId);
    this.apps.delete(appId);
    this.byObjectId.delete(app.id.toLowerCase());
    this.stamps.delete(appId);
    this.removedStamps.set(app.id, ++this.sequence);
    this.changed();
  }

  /** The application with this object id (Graph `applications/{id}`). */
  findByObjectId(objectId: string): Application | undefined {
    return this.byObjectId.get(objectId.toLowerCase());
  }

  /** The application whose service principal has this object id. */
  findByServicePrincipalId(servicePrincipalId: string): Application | undefined {
    const wanted = servicePrincipalId.toLowerCase();
    for (const app of this.apps.values()) if (app.servicePrincipalId.toLowerCase() === wanted) return app;
    return undefined;
  }

  /** Applications owned by a directory object (here: a service principal object id). */
  ownedBy(ownerId: string): Application[] {
    const wanted = ownerId.toLowerCase();
    return [...this.apps.values()].filter((app) => app.owners.some((o) => o.toLowerCase() === wanted));
  }

  /** Adds an owner (Graph `POST /applications/{id}/owners/$ref`): a service principal object id. */
  addOwner(appId: string, ownerId: string): void {
    const app = this.get(appId);
    if (app.owners.some((o) => o.toLowerCase() === ownerId.toLowerCase())) return;
    app.owners.push(ownerId);
    this.changed(app);
  }

  /** The current end of the change sequence (a delta link made now starts here). */
  get changeSequence(): number {
    return this.sequence;
  }

  /** Applications changed and removed after `since`, up to the current sequence. */
  changesSince(since: number): Changes {
    const fresh = since > this.sequence; // a link from before a restart: everything is new
    const changed = [...this.apps.values()].filter(
      (app) => fresh || (this.stamps.get(app.appId) ?? 0) > since,
    );
    const removed = fresh
      ? []
      : [...this.removedStamps].filter(([, stamp]) => stamp > since).map(([id]) => id);
    return { sequence: this.sequence, changed, removed };
  }

  find(appId: string): Application | undefined {
    return this.apps.get(appId);
  }

  get(appId: string): Application {
    const app = this.apps.get(appId);
    if (!app) throw new DirectoryError('NotFound', `No application with appId ${appId}.`);
    return app;
  }

  /** A resource named by app id or one of its identifier URIs ("scope" = `{resource}/.default`). */
  findResource(identifier: string): Application | undefined {
    const wanted = normalizeUri(identifier);
    for (const app of this.apps.values()) {
      if (app.appId.toLowerCase() === wanted) return app;
      if (app.identifierUris.some((uri) => normalizeUri(uri) === wanted)) return app;
    }
    return undefined;
  }

  /** Graph `addPassword`: the secret text is returned once; default lifetime 2 years, as Graph. */
  addPassword(appId: string, input: NewPassword = {}): AddedPassword {
    const app = this.get(appId);
    const secretText = input.secretText ?? randomBytes(30).toString('base64url');
    const salt = randomBytes(16).toString('base64');
    const start = input.start ?? new Date(this.clock());
    const end = input.end ?? new Date(start.getTime() + 2 * 365 * DAY);
    const credential: PasswordCredential = {
      keyId: randomUUID(),
      displayName: input.displayName ?? 'secret',
      hint: secretText.slice(0, 3),
      startDateTime: start.toISOString(),
      endDateTime: end.toISOString(),
      salt,
      secretHash: hashSecret(secretText, salt),
      ...this.propagation(),
    };
    app.passwordCredentials.push(credential);
    this.changed(app);
    return {
      keyId: credential.keyId,
      secretText,
      hint: credential.hint,
      startDateTime: credential.startDateTime,
      endDateTime: credential.endDateTime,
    };
  }

  removePassword(appId: string, keyId: string): void {
    const app = this.get(appId);
    const before = app.passwordCredentials.length;
    app.passwordCredentials = app.passwordCredentials.filter((c) => c.keyId !== keyId);
    if (app.passwordCredentials.length === before)
      throw new DirectoryError('NotFound', `No password credential ${keyId}.`);
    this.changed(app);
  }

  /**
   * Checks a presented secret. A matching secret outside its start/end window does not
   * authenticate, as in Entra; the caller turns both failures into AADSTS7000215.
   */
  checkSecret(appId: string, secret: string, now = this.clock()): SecretCheck {
    return this.matchSecret(appId, secret, now).result;
  }

  /** `checkSecret` that also names the credential (`keyId`) that matched. */
  matchSecret(appId: string, secret: string, now = this.clock()): SecretMatch {
    const app = this.apps.get(appId);
    if (!app) return { result: 'mismatch' };
    let match: SecretMatch = { result: 'mismatch' };
    for (const credential of app.passwordCredentials) {
      const expected = Buffer.from(credential.secretHash, 'base64');
      const actual = Buffer.from(hashSecret(secret, credential.salt), 'base64');
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) continue;
      // Not yet propagated: Entra does not know the secret yet, so it answers as for a wrong one.
      if (!propagated(credential, now)) continue;
      if (inWindow(credential, now)) return { result: 'ok', keyId: credential.keyId };
      match = { result: 'outside-window', keyId: credential.keyId };
    }
    return match;
  }

  /** A new key credential for a certificate: its validity window unless given, a new keyId unless given. */
  private keyCredential(input: {
    certificatePem: string;
    keyId?: string;
    displayName?: string;
    start?: Date;
    end?: Date;
  }): KeyCredential {
    const x509 = new X509Certificate(input.certificatePem);
    return {
      keyId: input.keyId ?? randomUUID(),
      displayName: input.displayName ?? `CN=${x509.subject.replace(/^CN=/, '')}`,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      certificatePem: x509.toString(),
      ...certificateThumbprints(input.certificatePem),
      startDateTime: (input.start ?? new Date(x509.validFrom)).toISOString(),
      endDateTime: (input.end ?? new Date(x509.validTo)).toISOString(),
      ...this.propagation(),
    };
  }

  /** Graph `addKey`/PATCH keyCredentials: registers a certificate (window defaults to its validity). */
  addKey(
    appId: string,
    certificatePem: string,
    input: { displayName?: string; start?: Date; end?: Date } = {},
  ) {
    const app = this.get(appId);
    const credential = this.keyCredential({ ...input, certificatePem });
    if (app.keyCredentials.some((k) => k.thumbprintSha1 === credential.thumbprintSha1))
      throw new DirectoryError('Conflict', 'This certificate is already registered on the application.');
    app.keyCredentials.push(credential);
    this.changed(app);
    return credential;
  }

  /**
   * Graph `PATCH /applications/{id}` with `keyCredentials`: the collection becomes exactly these
   * (a listed keyId of the same certificate keeps its id and dates; new ones get new ids).
   */
  replaceKeys(
    appId: string,
    keys: Array<{ certificatePem: string; keyId?: string; displayName?: string; start?: Date; end?: Date }>,
  ): void {
    const app = this.get(appId);
    const next: KeyCredential[] = keys.map((input) => {
      const { thumbprintSha1 } = certificateThumbprints(input.certificatePem);
      const kept = app.keyCredentials.find(
        (k) => k.thumbprintSha1 === thumbprintSha1 && (!input.keyId || k.keyId === input.keyId),
      );
      return kept ?? this.keyCredential(input);
    });
    if (new Set(next.map((k) => k.thumbprintSha1)).size !== next.length)
      throw new DirectoryError('BadRequest', 'The same certificate is listed twice.');
    app.keyCredentials = next;
    this.changed(app);
  }

  removeKey(appId: string, keyId: string): void {
    const app = this.get(appId);
    const before = app.keyCredentials.length;
    app.keyCredentials = app.keyCredentials.filter((c) => c.keyId !== keyId);
    if (app.keyCredentials.length === before)
      throw new DirectoryError('NotFound', `No key credential ${keyId}.`);
    this.changed(app);
  }

  /** Certificates that may authenticate now (propagated, inside their start/end window). */
  activeKeys(appId: string, now = this.clock()): KeyCredential[] {
    return (this.apps.get(appId)?.keyCredentials ?? []).filter((k) => propagated(k, now) && inWindow(k, now));
  }

  /** Certificates inside their start/end window, propagated or not (what Graph calls valid). */
  validKeys(appId: string, now = this.clock()): KeyCredential[] {
    return (this.apps.get(appId)?.keyCredentials ?? []).filter((k) => inWindow(k, now));
  }

  /** Grants an application permission (app role) of `resourceAppId` to `clientAppId`. */
  assignRole(clientAppId: string, resourceAppId: string, roleValue: string): void {
    const client = this.get(clientAppId);
    const resource = this.get(resourceAppId);
    const role = resource.appRoles.find((r) => r.value === roleValue);
    if (!role) throw new DirectoryError('NotFound', `${resource.displayName} has no app role ${roleValue}.`);
    if (client.appRoleAssignments.some((a) => a.resourceAppId === resourceAppId && a.appRoleId === role.id))
      return;
    client.appRoleAssignments.push({ resourceAppId, appRoleId: role.id });
    this.changed();
  }

  /** Takes an application permission back (the next token no longer carries the role). */
  unassignRole(clientAppId: string, resourceAppId: string, roleValue: string): void {
    const client = this.get(clientAppId);
    const role = this.get(resourceAppId).appRoles.find((r) => r.value === roleValue);
    if (!role) return;
    client.appRoleAssignments = client.appRoleAssignments.filter(
      (a) => !(a.resourceAppId === resourceAppId && a.appRoleId === role.id),
    );
    this.changed();
  }

  /** Registers the app as a single-page application with these redirect URIs (adds to those it has). */
  addSpaRedirectUris(appId: string, uris: string[]): void {
    const app = this.get(appId);
    app.spaRedirectUris = [...new Set([...(app.spaRedirectUris ?? []), ...uris])];
    this.changed(app);
  }

  /** Exposes delegated scopes on an API ("Expose an API" › "Add a scope"). */
  exposeScopes(appId: string, values: string[]): void {
    const app = this.get(appId);
    app.oauth2PermissionScopes = [...new Set([...(app.oauth2PermissionScopes ?? []), ...values])];
    this.changed(app);
  }

  /** Role values granted to the client on the resource: the `roles` claim. */
  rolesFor(clientAppId: string, resourceAppId: string): string[] {
    const client = this.apps.get(clientAppId);
    const resource = this.apps.get(resourceAppId);
    if (!client || !resource) return [];
    const ids = new Set(
      client.appRoleAssignments.filter((a) => a.resourceAppId === resourceAppId).map((a) => a.appRoleId),
    );
    return resource.appRoles.filter((r) => r.isEnabled && ids.has(r.id)).map((r) => r.value);
  }
}

function propagated(credential: { propagatedAt?: number }, now: number): boolean {
  return credential.propagatedAt === undefined || credential.propagatedAt <= now;
}

function inWindow(credential: { startDateTime: string; endDateTime: string }, now: number): boolean {
  return Date.parse(credential.startDateTime) <= now && now < Date.parse(credential.endDateTime);
}
