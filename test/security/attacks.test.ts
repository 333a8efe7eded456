import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startStack } from '../../local/stack.js';
import { ValidationFailure } from '../../shared/validation/errors.js';
import {
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  type SigningPair,
  startFakeIdp,
} from '../helpers/fake-idp.js';
import { testVerifier } from '../helpers/verifier.js';
import { type Attack, buildCorpus, corpusPolicies } from './corpus.js';

/**
 * RFC 8725 attack corpus, presented (a) to the verifier and (b) to the real /api/validate endpoint
 * on the local host (with Azurite). Every token must be refused with 400/401/403: never 2xx, never
 * 5xx. The host's log and the responses must never contain the token.
 */
let idp: FakeIdp;
let key: SigningPair;
let stack: LocalStack;
let corpus: Attack[];
const logLines: string[] = [];

beforeAll(async () => {
  key = await newKey('k1');
  idp = await startFakeIdp([key]);
  corpus = await buildCorpus(idp, key, Math.floor(Date.now() / 1000));
  const policies = Object.fromEntries(
    [...corpusPolicies(idp)].map(([name, p]) => {
      const { name: _n, ...rest } = p;
      return [name, rest];
    }),
  );
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    timers: false,
    log: (line) => logLines.push(line),
    settings: { IsEncrypted: false, Values: { Validation__Policies: JSON.stringify(policies) } },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await idp?.close();
});

describe('RFC 8725 attack corpus', () => {
  it('has at least 40 crafted tokens, and a genuine token passes (the harness can say yes)', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    const good = await mint(key, { nowSeconds: Math.floor(Date.now() / 1000), base: idp.base });
    const res = await fetch(`${stack.host.url}/api/validate`, {
      headers: { authorization: `Bearer ${good}`, 'x-functions-key': stack.keys.host.default ?? '' },
    });
    expect(res.status).toBe(200);
    // Envoy ext_authz appends the original path and keeps the original method.
    const appended = await fetch(`${stack.host.url}/api/validate/cert/orders/42?x=1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${good}`, 'x-functions-key': stack.keys.host.default ?? '' },
    });
    expect(appended.status).toBe(200);
    const unknown = await fetch(`${stack.host.url}/api/validate/nope/orders`, {
      headers: { authorization: `Bearer ${good}`, 'x-functions-key': stack.keys.host.default ?? '' },
    });
    expect(unknown.status).toBe(404);
  });

  it('every attack is refused by the verifier with 400/401/403', async () => {
    const policies = corpusPolicies(idp);
    const verifier = testVerifier(Date.now);
    const outcomes: string[] = [];
    for (const attack of corpus) {
      const error = await verifier.verify(attack.token, policies.get(attack.policy) ?? makePolicy(idp)).then(
        () => undefined,
        (e: unknown) => e,
      );
      const status = error instanceof ValidationFailure ? error.status : 'accepted or crashed';
      if (![400, 401, 403].includes(status as number)) outcomes.push(`${attack.name}: ${String(status)}`);
    }
    expect(outcomes).toEqual([]);
  });

  it('every attack is refused by GET /api/validate/{policy} with 400/401/403 and a Bearer challenge', async () => {
    const failures: string[] = [];
    for (const attack of corpus) {
      // Node's HTTP server caps headers at 16 KiB (431), so oversize tokens come in the form body.
      const viaBody = attack.token.length > 8000;
      const res = await fetch(`${stack.host.url}/api/validate/${attack.policy}`, {
        method: viaBody ? 'POST' : 'GET',
        headers: {
          'x-functions-key': stack.keys.host.default ?? '',
          ...(viaBody
            ? { 'content-type': 'application/x-www-form-urlencoded' }
            : { authorization: `Bearer ${attack.token}` }),
        },
        ...(viaBody ? { body: new URLSearchParams({ access_token: attack.token }).toString() } : {}),
      });
      const body = await res.text();
      if (![400, 401, 403].includes(res.status)) failures.push(`${attack.name}: ${res.status}`);
      if (!res.headers.get('www-authenticate')?.startsWith('Bearer realm='))
        failures.push(`${attack.name}: no challenge`);
      const payload = attack.token.split('.')[1] ?? '';
      if (
        payload.length > 8 &&
        (body.includes(payload) || (res.headers.get('www-authenticate') ?? '').includes(payload))
      ) {
        failures.push(`${attack.name}: token echoed`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('never writes a token to the log', () => {
    const log = logLines.join('\n');
    for (const attack of corpus) {
      const signature = attack.token.split('.')[2] ?? '';
      if (signature.length > 16) expect(log).not.toContain(signature);
    }
  });
});
