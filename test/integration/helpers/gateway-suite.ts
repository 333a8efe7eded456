import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa } from '../../../local/tls/ca.js';
import { CLIENT_ID, mint, newKey, userClaims } from '../../helpers/fake-idp.js';
import { freePort } from '../../helpers/ports.js';
import { type GatewayBackends, startGatewayBackends } from './gateway-backends.js';
import { findGatewayBinary, type GatewayBinarySpec } from './gateway-binary.js';
import { SPOOFED_IDENTITY } from './gateway-config.js';
import type { RunningGateway, StartOptions } from './gateway-process.js';

/**
 * One interop suite for every real gateway running its shipped guide (docs/gateways/): the same
 * requests through nginx and Caddy, asserted at the client and at a recording upstream.
 */
export interface GatewayUnderTest {
  /** Shown in the suite title, e.g. `nginx auth_request (docs/gateways/nginx.conf)`. */
  title: string;
  binary: GatewayBinarySpec;
  /** Starts the gateway with the guide, trusting `caFile` for the validator's TLS, in `dir`. */
  start(
    binaryPath: string,
    backends: GatewayBackends,
    caFile: string,
    dir: string,
    options?: StartOptions,
  ): Promise<RunningGateway>;
  /** What the client gets when the validator's certificate is not trusted (the gateway's own error). */
  untrustedValidatorStatus: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export function describeGatewayInterop(gateway: GatewayUnderTest): void {
  const found = findGatewayBinary(gateway.binary);
  if (found.state === 'skip') {
    describe(gateway.title, () => {
      it('runs the shipped guide with the real gateway', (ctx) => {
        console.warn(found.reason);
        ctx.skip(found.reason);
      });
    });
    return;
  }
  const binaryPath = found.state === 'found' ? found.path : '';
  let backends: GatewayBackends;
  let running: RunningGateway | undefined;
  let dir: string;

  beforeAll(async () => {
    if (found.state === 'fail') throw new Error(found.reason);
    // The policy requires a role, so a token without it gets 403 insufficient_scope.
    backends = await startGatewayBackends({ requiredRoles: ['Tokens.Read'] });
    dir = mkdtempSync(join(tmpdir(), `${gateway.binary.command}-`));
    running = await gateway.start(binaryPath, backends, backends.caFile, dir);
  }, 90_000);

  afterAll(async () => {
    await running?.stop();
    await backends?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const through = (headers: Record<string, string>, query = '') =>
    fetch(`${running?.url}/orders/42${query}`, { headers });
  const token = (claims: Record<string, unknown> = {}) =>
    mint(backends.key, { nowSeconds: nowSeconds(), base: backends.idp.base, claims });
  const lastUpstream = () => backends.upstream.at(-1)?.headers ?? {};
  const expectOnlyIdentity = (name: string, value: string) => {
    const seen = lastUpstream();
    expect(seen[name]).toBe(value);
    for (const spoofed of Object.keys(SPOOFED_IDENTITY)) {
      if (spoofed !== name) expect(seen[spoofed], spoofed).toBeUndefined();
    }
  };

  /** Sends, and asserts that nothing new reached the upstream. */
  async function refusedBeforeUpstream(send: () => Promise<Response>): Promise<Response> {
    const before = backends.upstream.length;
    const res = await send();
    await res.clone().text();
    expect(backends.upstream.length).toBe(before);
    return res;
  }

  describe(gateway.title, () => {
    it('allows a valid app token and forwards only the validator identity, whatever the client sent', async () => {
      const res = await through({ authorization: `Bearer ${await token()}`, ...SPOOFED_IDENTITY });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { path: string }).path).toBe('/orders/42');
      expectOnlyIdentity('x-agw-client_id', CLIENT_ID);
    });

    it('forwards X-AGW-userid for a user token, and no client id', async () => {
      const user = await token(userClaims({ roles: ['Tokens.Read'] }));
      const res = await through({ authorization: `Bearer ${user}`, ...SPOOFED_IDENTITY });
      expect(res.status).toBe(200);
      expectOnlyIdentity('x-agw-userid', '99999999-aaaa-bbbb-cccc-dddddddddddd');
    });

    it("sends the validator only the Authorization header's token, not the client's query", async () => {
      // The validator refuses two tokens (RFC 6750 §2), so a forwarded access_token would be a 400.
      const res = await through({ authorization: `Bearer ${await token()}` }, '?access_token=other&code=x');
      expect(res.status).toBe(200);
      expect(backends.upstream.at(-1)?.url).toBe('/orders/42?access_token=other&code=x');
    });

    it('denies a missing or bad token with 401 and the Bearer challenge, never reaching the upstream', async () => {
      const none = await refusedBeforeUpstream(() => through(SPOOFED_IDENTITY));
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      const expired = await mint(backends.key, { nowSeconds: nowSeconds() - 7200, base: backends.idp.base });
      const bad = await refusedBeforeUpstream(() => through({ authorization: `Bearer ${expired}` }));
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const otherAudience = await token({ aud: 'someone-else' });
      const wrong = await refusedBeforeUpstream(() => through({ authorization: `Bearer ${otherAudience}` }));
      expect(wrong.status).toBe(401);
    });

    it('denies a token without the role with 403 and the insufficient_scope challenge', async () => {
      const res = await refusedBeforeUpstream(async () =>
        through({ authorization: `Bearer ${await token({ roles: ['Something.Else'] })}` }),
      );
      expect(res.status).toBe(403);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('Bearer realm="api"');
      expect(challenge).toContain('error="insufficient_scope"');
    });

    it('keeps a malformed request a 400 with its challenge (not a 503)', async () => {
      const res = await refusedBeforeUpstream(() => through({ authorization: 'Bearer a b' }));
      expect(res.status).toBe(400);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
    });

    it('refuses with 503 and the validator Retry-After when no signing keys are available (fail closed)', async () => {
      const unknownKey = await newKey('k-unknown');
      const unknown = await mint(unknownKey, { nowSeconds: nowSeconds(), base: backends.idp.base });
      backends.idp.mode = 'fail';
      try {
        const res = await refusedBeforeUpstream(() => through({ authorization: `Bearer ${unknown}` }));
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        backends.idp.mode = 'ok';
      }
    });

    it('starts on a new port when its first port is taken between freePort() and bind', async () => {
      const squatter = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      const taken = (squatter.address() as AddressInfo).port;
      const handedOut: number[] = [];
      const otherDir = mkdtempSync(join(tmpdir(), `${gateway.binary.command}-retry-`));
      let retried: RunningGateway | undefined;
      try {
        const nextPort = async () => {
          const port = handedOut.length === 0 ? taken : await freePort();
          handedOut.push(port);
          return port;
        };
        retried = await gateway.start(binaryPath, backends, backends.caFile, otherDir, { nextPort });
        expect(handedOut.length).toBe(2);
        expect(retried.port).toBe(handedOut[1]);
        const res = await fetch(`${retried.url}/orders/42`, {
          headers: { authorization: `Bearer ${await token()}` },
        });
        expect(res.status).toBe(200);
      } finally {
        await retried?.stop();
        await new Promise<void>((resolve) => squatter.close(() => resolve()));
        rmSync(otherDir, { recursive: true, force: true });
      }
    });

    it('never sends the function key to a validator whose certificate it cannot verify', async () => {
      const otherDir = mkdtempSync(join(tmpdir(), `${gateway.binary.command}-untrusted-`));
      let untrusted: RunningGateway | undefined;
      try {
        const otherCa = ensureCa(join(otherDir, 'ca'));
        untrusted = await gateway.start(binaryPath, backends, otherCa.certFile, otherDir);
        const before = { validator: backends.validatorRequests(), upstream: backends.upstream.length };
        const res = await fetch(`${untrusted.url}/orders/42`, {
          headers: { authorization: `Bearer ${await token()}` },
        });
        await res.text();
        expect(res.status).toBe(gateway.untrustedValidatorStatus);
        expect(backends.validatorRequests()).toBe(before.validator);
        expect(backends.upstream.length).toBe(before.upstream);
      } finally {
        await untrusted?.stop();
        rmSync(otherDir, { recursive: true, force: true });
      }
    });
  });
}
