import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startStack } from '../../local/stack.js';
import { consoleLogger } from '../../shared/platform/log.js';
import { ValidationFailure } from '../../shared/validation/errors.js';
import { type FakeIdp, newKey, type SigningPair, startFakeIdp } from '../helpers/fake-idp.js';
import { testVerifier } from '../helpers/verifier.js';
import { type Attacker, startAttacker } from './attacker.js';
import { buildCorpus, type Corpus, type CorpusPolicy, corpusPolicies } from './corpus.js';
import { type CapturedOutput, captureOutput, secretParts } from './output.js';

/**
 * RFC 8725 attack corpus, presented (a) to the verifier and (b) to the real /api/validate endpoint
 * on the local host (with Azurite). Each attack gets exactly its expected refusal; each policy
 * accepts its genuine control token. Neither the responses nor anything the process writes (the
 * console, stdout, stderr, the host's log) may contain a token, and the attacker's key server is
 * never asked for anything.
 */
let idp: FakeIdp;
let key: SigningPair;
let attacker: Attacker;
let stack: LocalStack;
let corpus: Corpus;
let output: CapturedOutput;
const logLines: string[] = [];

beforeAll(async () => {
  output = captureOutput();
  key = await newKey('k1');
  idp = await startFakeIdp([key]);
  attacker = await startAttacker();
  corpus = await buildCorpus(idp, key, attacker, Math.floor(Date.now() / 1000));
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
  output?.restore();
  await stack?.stop();
  await attacker?.close();
  await idp?.close();
});

async function present(token: string, policy: CorpusPolicy): Promise<Response> {
  // Node's HTTP server caps headers at 16 KiB (431), so oversize tokens come in the form body.
  const viaBody = token.length > 8000;
  return fetch(`${stack.host.url}/api/validate/${policy}`, {
    method: viaBody ? 'POST' : 'GET',
    headers: {
      'x-functions-key': stack.keys.host.default ?? '',
      ...(viaBody
        ? { 'content-type': 'application/x-www-form-urlencoded' }
        : { authorization: `Bearer ${token}` }),
    },
    ...(viaBody ? { body: new URLSearchParams({ access_token: token }).toString() } : {}),
  });
}

describe('RFC 8725 attack corpus', () => {
  it('has at least 40 crafted tokens and a positive control for every policy it uses', () => {
    expect(corpus.attacks.length).toBeGreaterThanOrEqual(40);
    const used = new Set(corpus.attacks.map((a) => a.policy));
    expect([...used].sort()).toEqual(Object.keys(corpus.controls).sort());
  });

  it('each policy accepts its genuine control token (the harness can say yes), in the verifier and over HTTP', async () => {
    const policies = corpusPolicies(idp);
    const verifier = testVerifier(Date.now);
    for (const [policy, token] of Object.entries(corpus.controls) as [CorpusPolicy, string][]) {
      const verified = await verifier.verify(token, policies.get(policy) as never);
      expect(verified.claims.tid, policy).toBeDefined();
      const res = await present(token, policy);
      expect(res.status, policy).toBe(200);
    }
    // Envoy ext_authz appends the original path and keeps the original method.
    const appended = await fetch(`${stack.host.url}/api/validate/cert/orders/42?x=1`, {
      method: 'DELETE',
      headers: {
        authorization: `Bearer ${corpus.controls.cert}`,
        'x-functions-key': stack.keys.host.default ?? '',
      },
    });
    expect(appended.status).toBe(200);
    const unknown = await fetch(`${stack.host.url}/api/validate/nope/orders`, {
      headers: {
        authorization: `Bearer ${corpus.controls.default}`,
        'x-functions-key': stack.keys.host.default ?? '',
      },
    });
    expect(unknown.status).toBe(404);
  });

  it('every attack gets its own refusal from the verifier: [status, error_description]', async () => {
    const policies = corpusPolicies(idp);
    const verifier = testVerifier(Date.now);
    const outcomes: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const attack of corpus.attacks) {
      const error = await verifier.verify(attack.token, policies.get(attack.policy) as never).then(
        () => 'accepted',
        (e: unknown) => e,
      );
      outcomes[attack.name] =
        error instanceof ValidationFailure ? [error.status, error.description] : String(error);
      expected[attack.name] = attack.expect;
    }
    expect(outcomes).toEqual(expected);
  });

  it('every attack gets its own refusal from GET /api/validate/{policy}, with a Bearer challenge naming it', async () => {
    const outcomes: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    const echoed: string[] = [];
    for (const attack of corpus.attacks) {
      const res = await present(attack.token, attack.policy);
      const body = await res.text();
      const challenge = res.headers.get('www-authenticate') ?? '';
      const description = /error_description="([^"]*)"/.exec(challenge)?.[1];
      outcomes[attack.name] = [res.status, description, challenge.startsWith('Bearer realm=')];
      expected[attack.name] = [...(attack.http ?? attack.expect), true];
      for (const part of secretParts(attack.token))
        if (body.includes(part) || challenge.includes(part)) echoed.push(attack.name);
    }
    expect(outcomes).toEqual(expected);
    expect(echoed).toEqual([]);
  });

  it('never fetched anything the tokens point at (jku, x5u, kid URL): the attacker`s server saw no request', async () => {
    expect(attacker.requests).toEqual([]);
    // Positive control: the server does answer and count, so an empty log means nobody asked.
    const jwks = (await (await fetch(attacker.jwksUrl)).json()) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(1);
    expect(attacker.requests).toEqual(['/jwks']);
    attacker.requests.length = 0;
  });

  it('never writes a token to the process output or the host log', () => {
    // Positive control: what the product's logger writes is captured here.
    consoleLogger.warn('output capture probe');
    const written = `${output.text()}\n${logLines.join('\n')}`;
    expect(written).toContain('output capture probe');
    const leaked = [...corpus.attacks.map((a) => [a.name, a.token]), ...Object.entries(corpus.controls)]
      .filter(([, token]) => secretParts(token ?? '').some((part) => written.includes(part)))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
  });
});
