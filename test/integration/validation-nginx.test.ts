import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startStack } from '../../local/stack.js';
import {
  CLIENT_ID,
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  type SigningPair,
  startFakeIdp,
  userClaims,
} from '../helpers/fake-idp.js';
import { freePort } from '../helpers/ports.js';

/**
 * nginx `auth_request` for real (Debian's nginx, installed by .ci/run): client -> nginx ->
 * /api/validate on the local host -> a test upstream that echoes what it received. The nginx
 * configuration is the one documented in docs/gateways/nginx.md. No nginx = this test fails.
 */
let idp: FakeIdp;
let key: SigningPair;
let stack: LocalStack;
let upstream: Server;
let nginx: ChildProcess | undefined;
let nginxPort: number;
let dir: string;
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nginx did not start listening');
}

beforeAll(async () => {
  key = await newKey('k1');
  idp = await startFakeIdp([key]);
  const { name: _n, ...policy } = makePolicy(idp);
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    timers: false,
    log: () => undefined,
    settings: { IsEncrypted: false, Values: { Validation__Policies: JSON.stringify({ default: policy }) } },
  });
  upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, headers: req.headers }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;
  const hostPort = new URL(stack.host.url).port;

  dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  nginxPort = await freePort();
  const template = readFileSync(
    join(import.meta.dirname, '..', '..', 'docs', 'gateways', 'nginx.conf'),
    'utf8',
  );
  const conf = `daemon off;
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
${template
  .replaceAll('listen 8080;', `listen 127.0.0.1:${nginxPort};`)
  .replaceAll('https://my-func.azurewebsites.net', `http://127.0.0.1:${hostPort}`)
  .replaceAll('http://backend:8000', `http://127.0.0.1:${upstreamPort}`)
  .replaceAll('<function-key>', stack.keys.host.default ?? '')
  .replaceAll('proxy_ssl_server_name on;', '')}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const binary = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  nginx = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
  });
  const spawnError = new Promise<never>((_, reject) => nginx?.once('error', reject));
  await Promise.race([waitForPort(nginxPort, nginx, 10_000), spawnError]);
}, 90_000);

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx?.once('exit', resolve));
    nginx.kill('SIGQUIT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (nginx.exitCode === null) nginx.kill('SIGKILL');
  }
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  await stack?.stop();
  await idp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const through = (headers: Record<string, string>) =>
  fetch(`http://127.0.0.1:${nginxPort}/orders/42`, { headers });

describe('nginx auth_request -> /api/validate', () => {
  it('allows a valid app token and forwards X-AGW-client_id (overwriting a spoofed one)', async () => {
    const token = await mint(key, { nowSeconds: nowSeconds(), base: idp.base });
    const res = await through({
      authorization: `Bearer ${token}`,
      'x-agw-client-id': 'spoofed',
      'X-AGW-userid': 'spoofed',
    });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { path: string; headers: Record<string, string> };
    expect(seen.path).toBe('/orders/42');
    expect(seen.headers['x-agw-client_id']).toBe(CLIENT_ID);
    expect(seen.headers['x-agw-userid'] ?? '').toBe('');
  });

  it('forwards X-AGW-userid for a user token', async () => {
    const token = await mint(key, { nowSeconds: nowSeconds(), base: idp.base, claims: userClaims() });
    const res = await through({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-agw-userid']).toBe('99999999-aaaa-bbbb-cccc-dddddddddddd');
  });

  it('denies a missing or bad token with 401 and the Bearer challenge, never reaching the upstream', async () => {
    const none = await through({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    const expired = await mint(key, { nowSeconds: nowSeconds() - 7200, base: idp.base });
    const bad = await through({ authorization: `Bearer ${expired}` });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await bad.text()).not.toContain('/orders/42');
  });

  it('denies a token for another audience', async () => {
    const token = await mint(key, {
      nowSeconds: nowSeconds(),
      base: idp.base,
      claims: { aud: 'someone-else' },
    });
    expect((await through({ authorization: `Bearer ${token}` })).status).toBe(401);
  });
});
