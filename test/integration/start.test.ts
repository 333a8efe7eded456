import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const entry = join(root, 'dist', 'local', 'start.js');
const temp = mkdtempSync(join(tmpdir(), 'start-test-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(temp, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** POSTs to the Entra stand-in over HTTPS, trusting the run's local CA, and returns the access_token. */
function accessTokenFrom(target: URL, caFile: string, contentType: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      target,
      { method: 'POST', ca: readFileSync(caFile), headers: { 'content-type': contentType } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => resolve((JSON.parse(text) as { access_token: string }).access_token));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A user token from the Entra stand-in's test control (loopback). */
const mintUserToken = (instance: string, caFile: string, body: Record<string, unknown>) =>
  accessTokenFrom(new URL('_test/user-token', instance), caFile, 'application/json', JSON.stringify(body));

/** A caller token as the banner's curl gets it: client credentials with the seeded caller's secret. */
function callerToken(instance: string, caFile: string, form: Record<string, string>): Promise<string> {
  const { tenant, ...fields } = form;
  return accessTokenFrom(
    new URL(`${tenant}/oauth2/v2.0/token`, instance),
    caFile,
    'application/x-www-form-urlencoded',
    new URLSearchParams({ grant_type: 'client_credentials', ...fields }).toString(),
  );
}

describe('npm start (dist/local/start.js)', () => {
  it('serves /api/health with 200, prints a curl, and stops every child on SIGTERM', async () => {
    expect(existsSync(entry), 'run `npm run build` first (npm test does)').toBe(true);
    const settingsFile = join(temp, 'local.settings.json');
    child = spawn(
      process.execPath,
      [entry, '--port', '0', '--state', join(temp, 'state'), '--settings', settingsFile],
      {
        cwd: temp,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const started = Date.now();
    while (!/Press Ctrl-C to stop/.test(output)) {
      if (Date.now() - started > 30_000) throw new Error(`npm start did not come up:\n${output}`);
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /Health\s+(\S+\/api\/health)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(output).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/api\/health/);
    const response = await fetch(url ?? '');
    expect(response.status).toBe(200);
    const report = (await response.json()) as { checks: { name: string; status: string }[] };
    expect(report.checks.map((c) => c.name)).toEqual([
      'storage',
      'identityProvider',
      expect.stringMatching(/^keyVault:/),
    ]);
    expect(report.checks.every((c) => c.status === 'healthy')).toBe(true);

    const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
    expect(settings.Keys.master.length).toBeGreaterThan(20);
    expect(existsSync(join(temp, 'state', 'azurite'))).toBe(true);

    // The demo tenant is wired, secretless: the APIM caller's own token, no function key, gets the
    // gateway client's certificate-authenticated token; a key alone is refused.
    const tokenUrl = url?.replace('/api/health', '/api/token') ?? '';
    const tokenBody = JSON.stringify({ scope: settings.Values.AzureAd__AllowedScopes });
    const keyOnly = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'x-functions-key': settings.Keys.host.default, 'content-type': 'application/json' },
      body: tokenBody,
    });
    expect([keyOnly.status, keyOnly.headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer realm="callers"',
    ]);
    const seededApps = JSON.parse(readFileSync(join(temp, 'state', 'identity', 'seeded-apps.json'), 'utf8'));
    const caller = await callerToken(
      settings.Values.AzureAd__Instance,
      join(temp, 'state', 'tls', 'ca.pem'),
      {
        tenant: settings.Values.AzureAd__TenantId,
        client_id: seededApps.apimCaller.appId,
        client_secret: seededApps.apimCaller.secret,
        scope: `${seededApps.productApi.identifierUri}/.default`,
      },
    );
    const token = await fetch(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${caller}`, 'content-type': 'application/json' },
      body: tokenBody,
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ azpacr: '2', azp: settings.Values.AzureAd__ClientId });

    // …and the demo's certificate-only policy accepts it.
    const validated = await fetch(url?.replace('/api/health', '/api/validate/certificate-only') ?? '', {
      headers: { 'x-functions-key': settings.Keys.host.default, authorization: `Bearer ${accessToken}` },
    });
    expect(validated.status).toBe(200);
    expect(validated.headers.get('x-agw-client_id')).toBe(settings.Values.AzureAd__ClientId);

    // The demo caller reads the credential report with its own token, as the banner's curl does; npm
    // start's first inventory run fills it within seconds (the hourly schedule would leave it empty).
    expect(output).toContain('First inventory run started');
    let items: unknown[] = [];
    for (const started = Date.now(); items.length === 0 && Date.now() - started < 30_000; ) {
      const credentialReport = await fetch(url?.replace('/api/health', '/api/credentials') ?? '', {
        headers: { authorization: `Bearer ${caller}` },
      });
      expect(credentialReport.status).toBe(200);
      items = ((await credentialReport.json()) as { items: unknown[] }).items;
      if (items.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(items.length).toBeGreaterThan(0);
    const credentialsKeyOnly = await fetch(url?.replace('/api/health', '/api/credentials') ?? '', {
      headers: { 'x-functions-key': settings.Keys.host.default },
    });
    expect(credentialsKeyOnly.status).toBe(401);

    // …but not a user token with the same role and azpacr: the demo API is app-only.
    const userToken = await mintUserToken(
      settings.Values.AzureAd__Instance,
      join(temp, 'state', 'tls', 'ca.pem'),
      {
        scp: 'Orders.Read',
        extra: { azpacr: '2', roles: ['Orders.Read'] },
      },
    );
    const asUser = await fetch(url?.replace('/api/health', '/api/validate/certificate-only') ?? '', {
      headers: { 'x-functions-key': settings.Keys.host.default, authorization: `Bearer ${userToken}` },
    });
    expect(asUser.status).toBe(401);
    expect(asUser.headers.get('www-authenticate')).toContain('app-only token required');

    // The dashboard: its URL and the demo reader's sign-in are printed; its sign-in configuration answers.
    const dashboard = /Dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/api\/dashboard)/.exec(output)?.[1];
    expect(dashboard).toBeDefined();
    expect(output).toMatch(/reader@contoso\.local\s+password \S+/);
    const config = await fetch(`${dashboard}/config`);
    expect(config.status).toBe(200);
    expect(await config.json()).toMatchObject({
      clientId: seededApps.dashboard.appId,
      redirectUri: dashboard,
      knownAuthorities: [new URL(settings.Values.AzureAd__Instance).host],
    });

    // The banner tells how to read the demo secrets; it never prints one.
    const seeded = JSON.parse(readFileSync(join(temp, 'state', 'identity', 'seeded-apps.json'), 'utf8'));
    const secrets = Object.values(seeded as Record<string, { secret?: string }>)
      .map((app) => app.secret)
      .filter((secret): secret is string => typeof secret === 'string');
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).toContain(`seeded-apps.json').secretClient.secret`);
    expect(output).toContain(`seeded-apps.json').apimCaller.secret`);
    expect(output).toMatch(/\/api\/token -H "Authorization: Bearer \$CALLER"/);

    const childPids = (await import('node:child_process'))
      .execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)])
      .toString()
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    expect(childPids.length).toBeGreaterThan(0);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of childPids) expect(isAlive(pid)).toBe(false);
  });
});
