import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa } from '../../local/tls/ca.js';
import { CLIENT_ID, mint, newKey, userClaims } from '../unit/validation/fake-idp.js';
import { type GatewayBackends, startGatewayBackends } from './helpers/gateway-backends.js';
import { findGatewayBinary, NGINX } from './helpers/gateway-binary.js';
import { SPOOFED_IDENTITY, substitute } from './helpers/gateway-config.js';
import { type RunningGateway, startGateway } from './helpers/gateway-process.js';

/**
 * nginx `auth_request` for real (Debian's nginx; `.ci/run` installs it, `NGINX_BIN` picks
 * another): client -> nginx -> /api/validate over TLS -> a recording upstream. The configuration is
 * docs/gateways/nginx.conf as shipped, with only its placeholders substituted.
 */
const nginxBinary = findGatewayBinary(NGINX);
const binaryPath = nginxBinary.state === 'found' ? nginxBinary.path : '';
const nowSeconds = () => Math.floor(Date.now() / 1000);
const TEMPLATE = readFileSync(
  join(import.meta.dirname, '..', '..', 'docs', 'gateways', 'nginx.conf'),
  'utf8',
);

function nginxLaunch(binary: string, dir: string, guide: string) {
  return {
    binary,
    prepare(port: number) {
      rmSync(join(dir, 'nginx.pid'), { force: true });
      writeFileSync(join(dir, 'error.log'), '');
      writeFileSync(
        join(dir, 'nginx.conf'),
        `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${guide.replace('listen 8080;', `listen 127.0.0.1:${port};`)}
}
`,
      );
      return { args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')] };
    },
    // The master writes its pid file only after it has bound the listening socket.
    ready: () => {
      try {
        return readFileSync(join(dir, 'nginx.pid'), 'utf8').trim() !== '';
      } catch {
        return false;
      }
    },
    logFile: () => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/** The shipped guide with its placeholders filled in; each placeholder must still be there. */
function nginxGuide(backends: GatewayBackends, caFile: string): string {
  return substitute(TEMPLATE, [
    ['https://my-func.azurewebsites.net', backends.validatorUrl],
    // The run's CA issues its server certificates for localhost and 127.0.0.1.
    ['proxy_ssl_name my-func.azurewebsites.net;', 'proxy_ssl_name localhost;'],
    ['/etc/ssl/certs/ca-certificates.crt', caFile],
    ['http://backend:8000', backends.upstreamUrl],
    ['<function-key>', backends.functionKey],
  ]);
}

if (nginxBinary.state === 'skip') {
  describe('nginx auth_request -> /api/validate', () => {
    it('runs docs/gateways/nginx.conf with a real nginx', (ctx) => {
      console.warn(nginxBinary.reason);
      ctx.skip(nginxBinary.reason);
    });
  });
} else {
  let backends: GatewayBackends;
  let nginx: RunningGateway | undefined;
  let dir: string;

  beforeAll(async () => {
    if (nginxBinary.state === 'fail') throw new Error(nginxBinary.reason);
    // The default policy requires a role, so a token without it gets 403 insufficient_scope.
    backends = await startGatewayBackends({ requiredRoles: ['Tokens.Read'] });
    dir = mkdtempSync(join(tmpdir(), 'nginx-'));
    nginx = await startGateway(nginxLaunch(binaryPath, dir, nginxGuide(backends, backends.caFile)));
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await backends?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const through = (headers: Record<string, string>) => fetch(`${nginx?.url}/orders/42`, { headers });
  const appToken = (claims: Record<string, unknown> = {}) =>
    mint(backends.key, { nowSeconds: nowSeconds(), base: backends.idp.base, claims });
  const lastUpstream = () => backends.upstream.at(-1)?.headers ?? {};

  /** Asserts the request was refused before the backend: nothing new reached the upstream. */
  async function refusedBeforeUpstream(send: () => Promise<Response>): Promise<Response> {
    const before = backends.upstream.length;
    const res = await send();
    await res.clone().text();
    expect(backends.upstream.length).toBe(before);
    return res;
  }

  describe('nginx auth_request -> /api/validate (docs/gateways/nginx.conf)', () => {
    it('allows a valid app token and forwards only the validator identity, whatever the client sent', async () => {
      const res = await through({ authorization: `Bearer ${await appToken()}`, ...SPOOFED_IDENTITY });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { path: string }).path).toBe('/orders/42');
      const seen = lastUpstream();
      expect(seen['x-agw-client_id']).toBe(CLIENT_ID);
      for (const name of Object.keys(SPOOFED_IDENTITY)) {
        if (name !== 'x-agw-client_id') expect(seen[name], name).toBeUndefined();
      }
    });

    it('forwards X-AGW-userid for a user token, and no client id', async () => {
      const token = await appToken(userClaims({ roles: ['Tokens.Read'] }));
      const res = await through({ authorization: `Bearer ${token}`, ...SPOOFED_IDENTITY });
      expect(res.status).toBe(200);
      const seen = lastUpstream();
      expect(seen['x-agw-userid']).toBe('99999999-aaaa-bbbb-cccc-dddddddddddd');
      for (const name of Object.keys(SPOOFED_IDENTITY)) {
        if (name !== 'x-agw-userid') expect(seen[name], name).toBeUndefined();
      }
    });

    it('denies a missing or bad token with 401 and the Bearer challenge, never reaching the upstream', async () => {
      const none = await refusedBeforeUpstream(() => through(SPOOFED_IDENTITY));
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      const expired = await mint(backends.key, { nowSeconds: nowSeconds() - 7200, base: backends.idp.base });
      const bad = await refusedBeforeUpstream(() => through({ authorization: `Bearer ${expired}` }));
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const otherAudience = await appToken({ aud: 'someone-else' });
      expect(
        (await refusedBeforeUpstream(() => through({ authorization: `Bearer ${otherAudience}` }))).status,
      ).toBe(401);
    });

    it('denies a token without the role with 403 and the insufficient_scope challenge', async () => {
      const token = await appToken({ roles: ['Something.Else'] });
      const res = await refusedBeforeUpstream(() => through({ authorization: `Bearer ${token}` }));
      expect(res.status).toBe(403);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="insufficient_scope"');
      expect(challenge).toContain('Bearer realm="api"');
    });

    it('keeps a malformed request a 400 (not a 503)', async () => {
      const res = await refusedBeforeUpstream(() => through({ authorization: 'Bearer a b' }));
      expect(res.status).toBe(400);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
    });

    it('refuses with 503 and the validator Retry-After when no signing keys are available (fail closed)', async () => {
      const unknownKey = await newKey('k-unknown');
      const token = await mint(unknownKey, { nowSeconds: nowSeconds(), base: backends.idp.base });
      backends.idp.mode = 'fail';
      try {
        const res = await refusedBeforeUpstream(() => through({ authorization: `Bearer ${token}` }));
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        backends.idp.mode = 'ok';
      }
    });

    it('never sends the function key to a validator whose certificate it cannot verify (503)', async () => {
      const otherDir = mkdtempSync(join(tmpdir(), 'nginx-untrusted-'));
      const otherCa = ensureCa(join(otherDir, 'ca'));
      let untrusted: RunningGateway | undefined;
      try {
        untrusted = await startGateway(
          nginxLaunch(binaryPath, otherDir, nginxGuide(backends, otherCa.certFile)),
        );
        const before = backends.validatorRequests();
        const res = await fetch(`${untrusted.url}/orders/42`, {
          headers: { authorization: `Bearer ${await appToken()}` },
        });
        expect(res.status).toBe(503);
        expect(backends.validatorRequests()).toBe(before);
        expect(untrusted.output()).toMatch(/certificate/i);
      } finally {
        await untrusted?.stop();
        rmSync(otherDir, { recursive: true, force: true });
      }
    });
  });
}
