import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type InventoryStack, startInventoryStack } from './helpers/inventory-stack.js';
import { signInWithCode } from './helpers/user-sign-in.js';

/**
 * The dashboard's server on the local stack, without a browser: the page and the sign-in
 * configuration anonymously, the data API with a user token from the Entra stand-in's code flow,
 * checked by the product's own validator (the `dashboard` policy).
 */
let id: RunningIdentity;
let inventory: InventoryStack;
let assets: string;
let base: string;
let readerToken: string;
let visitorToken: string;

beforeAll(async () => {
  assets = mkdtempSync(join(tmpdir(), 'dashboard-page-'));
  mkdirSync(join(assets, 'assets'));
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>Credential dashboard</title>');
  id = await startIdentity();
  inventory = await startInventoryStack(id, { ...id.dashboardSettings(), Dashboard__AssetsPath: assets });
  base = `${inventory.stack.host.url}/api/dashboard`;
  id.addDashboardRedirectUri(base);
  await inventory.run();
  const scope = `${id.apps.productApi.identifierUri}/Credentials.Read openid profile offline_access`;
  const as = async (user: 'reader' | 'visitor') => {
    const person = id.apps.people[user];
    const flow = await signInWithCode(id, {
      username: person.userPrincipalName,
      password: person.password,
      redirectUri: base,
      scope,
    });
    return String(flow.tokens.access_token);
  };
  readerToken = await as('reader');
  visitorToken = await as('visitor');
}, 120_000);

afterAll(async () => {
  await inventory?.stop();
  await id?.stop();
  rmSync(assets, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies under test
type Json = any;
const json = async (response: Response): Promise<Json> => response.json();
const get = (path: string, token?: string) =>
  fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('GET /api/dashboard on the local stack', () => {
  it('serves the page without a function key, with the CSP naming the Entra authority', async () => {
    const response = await get('');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Credential dashboard');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`connect-src 'self' ${new URL(id.authorityHost).origin}`);
    expect(csp).not.toContain('unsafe-');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('gives msal-browser the stand-in as a known authority, and no secret or key', async () => {
    const response = await get('/config');
    const config = await json(response);
    expect(config).toEqual({
      clientId: id.apps.dashboard.appId,
      authority: `${id.authority}`,
      knownAuthorities: [new URL(id.authorityHost).host],
      redirectUri: base,
      scopes: [`api://${id.apps.productApi.appId}/Credentials.Read`],
      protocolMode: 'AAD',
    });
    const text = JSON.stringify(config);
    for (const key of [inventory.stack.keys.master, inventory.hostKey]) expect(text).not.toContain(key);
  });

  it('answers the data API without a token with 401 and a Bearer challenge (problem+json, no-store)', async () => {
    const response = await get('/data/overview');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="dashboard"');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await json(response)).code).toBe('unauthorized');
    const bad = await get('/data/overview', 'not.a.token');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses the visitor with 403 insufficient_scope (RFC 6750 §3.1)', async () => {
    const response = await get('/data/overview', visitorToken);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="dashboard", error="insufficient_scope", error_description="[^"]+", scope="Credentials.Read"$/,
    );
    expect(await json(response)).toMatchObject({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      code: 'insufficient_scope',
    });
  });

  it("serves the reader the overview, whose counts are /api/credentials' statuses", async () => {
    const response = await get('/data/overview', readerToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const overview = await json(response);
    const all: Array<{ status: string }> = (await json(await inventory.credentials('pageSize=1000'))).items;
    const expected: Record<string, number> = {
      ok: 0,
      notice: 0,
      warning: 0,
      critical: 0,
      expired: 0,
      unknown: 0,
    };
    for (const item of all) expected[item.status] = (expected[item.status] ?? 0) + 1;
    expect(overview.total).toBe(all.length);
    expect(overview.counts).toEqual(expected);
    expect(overview.runs.inventory).toMatchObject({ outcome: 'succeeded' });
    expect(Date.parse(overview.runs.inventory.at)).toBeGreaterThan(Date.now() - 120_000);
    // The 10-day secret of the partner portal and the DCR app is a warning.
    const warning = await json(await get('/data/credentials?status=warning', readerToken));
    expect(warning.items.length).toBeGreaterThan(0);
    expect(warning.items.every((c: { status: string }) => c.status === 'warning')).toBe(true);
    const csv = await get('/data/credentials?format=csv', readerToken);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="credentials.csv"');
    expect((await csv.text()).trim().split('\n')).toHaveLength(all.length + 1);
  });

  it('never puts a secret of the seeded apps in any view', async () => {
    const secrets = [
      id.apps.dcr.secret,
      id.apps.secretClient.secret,
      ...id.apps.partnerApps.map((a) => a.secret),
    ].filter((s): s is string => Boolean(s));
    for (const path of [
      '/data/overview',
      '/data/timeline',
      '/data/credentials?pageSize=500',
      `/data/apps/${id.apps.dcr.appId}`,
    ]) {
      const text = await (await get(path, readerToken)).text();
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice(0, 8));
      }
    }
  });
});
