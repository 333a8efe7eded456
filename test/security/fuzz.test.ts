import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../local/azurite.js';
import { consoleLogger } from '../../shared/platform/log.js';
import { type HttpDefinition, registeredFunctions } from '../../shared/platform/registry.js';
import { HttpRequest, InvocationContext } from '../../shared/platform/sdk.js';
import {
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  rawSign,
  type SigningPair,
  startFakeIdp,
} from '../helpers/fake-idp.js';
import { seededRandom } from '../helpers/random.js';
import { type CapturedOutput, captureOutput, secretParts } from './output.js';

/**
 * Fuzz: 10,000 random and mutated inputs straight into the registered /api/validate handler (the
 * same wrapped handler the host calls), in process. An oracle computes what each case must get;
 * every 200 it does not expect (and every refusal of what it accepts) fails the test, as does a
 * 5xx or a throw. Seeded, so a failure is reproducible.
 */
let idp: FakeIdp;
let key: SigningPair;
let azurite: RunningAzurite;
let handler: HttpDefinition['handler'];
let good: string;
let output: CapturedOutput;

beforeAll(async () => {
  output = captureOutput();
  key = await newKey('k1');
  idp = await startFakeIdp([key]);
  azurite = await startAzurite({ log: () => undefined });
  const { name: _n, ...policy } = makePolicy(idp);
  process.env.AzureWebJobsStorage = azurite.connectionString;
  process.env.Validation__Policies = JSON.stringify({ default: policy });
  await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'functions', 'validate.ts')).href);
  const definition = registeredFunctions().find((f) => f.name === 'validate') as HttpDefinition;
  handler = definition.handler;
  good = await mint(key, { nowSeconds: Math.floor(Date.now() / 1000), base: idp.base });
}, 60_000);

afterAll(async () => {
  output?.restore();
  await azurite?.stop();
  await idp?.close();
});

const ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "\'\\\r\n\t%{}[]:,\u0000\u00e9\u{1F600}';

/** One generated request: how the token was made, and how it was sent. */
interface Request {
  token: string;
  /** A token signed with our key: whether its crafted header and exp are all acceptable. */
  signedAcceptable?: boolean;
  method: 'GET' | 'POST';
  authorization?: string;
  query?: string;
  contentType?: string;
  body?: string;
}

type Expected = 'accept' | 'refuse' | 'either';

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The oracle: what /api/validate must answer, from how the case was built and sent, never from
 * the product's code. A request carries a token by exactly one RFC 6750 §2 method (the `Bearer`
 * scheme and at least one space; the `access_token` query parameter; or the `access_token` member
 * of an application/x-www-form-urlencoded body, once). It is accepted only if that token is the
 * genuine one, or one we signed whose header (RS256, kid k1, no crit) and exp (a number in the
 * future) are acceptable. The genuine signature spelled differently in its unused last bits
 * decodes to the same bytes: either answer is right for it, as the runtime's decoder decides.
 */
function oracle(request: Request, good: string): Expected {
  const carried: string[] = [];
  // HTTP drops leading and trailing whitespace of a header value (Fetch "normalize").
  const authorization = request.authorization?.trim();
  if (authorization !== undefined && authorization !== '') {
    const bearer = /^bearer(?: +(.*))?$/i.exec(authorization);
    if (bearer) carried.push((bearer[1] ?? '').trim());
  }
  if (request.query !== undefined) carried.push(request.query);
  if (request.body !== undefined && request.contentType === 'application/x-www-form-urlencoded') {
    const values = new URLSearchParams(request.body).getAll('access_token');
    if (values.length > 1) return 'refuse';
    if (values.length === 1) carried.push(values[0] ?? '');
  }
  if (carried.length !== 1) return 'refuse';
  const token = carried[0] ?? '';
  if (token === good) return 'accept';
  if (token === request.token && request.signedAcceptable) return 'accept';
  const [h, p, s] = good.split('.') as [string, string, string];
  const parts = token.split('.');
  const sameSignature =
    parts.length === 3 &&
    parts[0] === h &&
    parts[1] === p &&
    B64URL.test(parts[2] ?? '') &&
    Buffer.from(parts[2] ?? '', 'base64url').equals(Buffer.from(s, 'base64url'));
  return sameSignature ? 'either' : 'refuse';
}

describe('fuzz /api/validate', () => {
  it('answers 10,000 random and mutated requests as the oracle expects, never with a 5xx', async () => {
    const random = seededRandom(8725);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
    const randomText = (max: number) => Array.from({ length: int(max) }, () => pick([...ALPHABET])).join('');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const [h, p, s] = good.split('.') as [string, string, string];
    const goodClaims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;

    const mutate = (token: string): string => {
      const chars = [...token];
      const n = 1 + int(4);
      for (let i = 0; i < n; i++) {
        const at = int(chars.length);
        const op = int(4);
        if (op === 0) chars[at] = pick([...ALPHABET]);
        else if (op === 1) chars.splice(at, 1);
        else if (op === 2) chars.splice(at, 0, pick([...ALPHABET]));
        else chars.splice(at, int(20));
      }
      return chars.join('');
    };
    const craftedHeader = () => ({
      alg: pick(['RS256', 'PS256', 'HS256', 'none', 'ES256', 'RS512', 42, null]),
      kid: pick(['k1', '../k1', '', 'x'.repeat(300), 7, undefined]),
      ...(random() < 0.2 ? { crit: pick([['exp'], 'x', []]) } : {}),
      ...(random() < 0.2 ? { jku: 'https://evil.example/' } : {}),
    });

    const token = (kind: number): Pick<Request, 'token' | 'signedAcceptable'> => {
      if (kind === 0) return { token: randomText(200) };
      if (kind <= 3) return { token: mutate(good) };
      if (kind === 4) return { token: `${b64(craftedHeader())}.${p}.${s}` };
      if (kind === 5) {
        const header = craftedHeader();
        const exp = pick([0, 'x', null, 1e20, -1]);
        return {
          token: rawSign(key, header, { ...goodClaims, exp }),
          signedAcceptable:
            header.alg === 'RS256' && header.kid === 'k1' && !('crit' in header) && exp === 1e20,
        };
      }
      if (kind === 6)
        return { token: [h, p, s, randomText(10)].slice(0, 1 + int(4)).join(pick(['.', '..', ''])) };
      return { token: Buffer.from(randomText(60)).toString('base64url') };
    };
    const PREFIXES = ['Bearer ', 'bearer ', 'Bearer', 'Basic ', 'Bearer  '];
    const TYPES = ['application/x-www-form-urlencoded', 'text/plain', 'application/json'];
    const bodies = (t: string) => [
      `access_token=${encodeURIComponent(t)}`,
      t,
      `access_token=${t}&access_token=x`,
    ];
    const headerSafe = (t: string) => t.replace(/[^\x20-\x7e]/g, '');
    const send = (
      made: Pick<Request, 'token' | 'signedAcceptable'>,
      where: number,
      variant: number,
    ): Request => {
      const t = made.token;
      if (where <= 1)
        return { ...made, method: 'GET', authorization: `${PREFIXES[variant % 5]}${headerSafe(t)}` };
      if (where === 2) return { ...made, method: 'GET', query: t };
      if (where === 3) {
        return {
          ...made,
          method: 'POST',
          contentType: TYPES[variant % 3] as string,
          body: bodies(t)[Math.floor(variant / 3) % 3] as string,
        };
      }
      return { ...made, method: 'GET', authorization: `Bearer ${headerSafe(t)}`, query: t };
    };

    // Every way of sending the genuine token (and one we signed acceptably), then random cases.
    const signed = {
      token: rawSign(key, { alg: 'RS256', kid: 'k1' }, { ...goodClaims, exp: 1e20 }),
      signedAcceptable: true,
    };
    const cases: Request[] = [];
    for (const made of [{ token: good }, signed]) {
      for (let variant = 0; variant < 5; variant++) cases.push(send(made, 0, variant));
      cases.push(send(made, 2, 0));
      for (let variant = 0; variant < 9; variant++) cases.push(send(made, 3, variant));
      cases.push(send(made, 4, 0));
    }
    const total = 10_000;
    while (cases.length < total) cases.push(send(token(int(8)), int(5), int(15)));

    const statuses = new Map<number, number>();
    const verdicts = new Map<Expected, number>();
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const expected = oracle(c, good);
      verdicts.set(expected, (verdicts.get(expected) ?? 0) + 1);
      const request = new HttpRequest({
        method: c.method,
        url: 'http://127.0.0.1/api/validate',
        headers: {
          ...(c.authorization === undefined ? {} : { authorization: c.authorization }),
          ...(c.contentType === undefined ? {} : { 'content-type': c.contentType }),
        },
        query: c.query === undefined ? {} : { access_token: c.query },
        params: {},
        ...(c.body === undefined ? {} : { body: { string: c.body } }),
      });
      let status: number;
      try {
        const response = await handler(
          request,
          new InvocationContext({ invocationId: `fuzz-${i}`, functionName: 'validate' }),
        );
        status = (response as { status?: number }).status ?? 200;
        const text = String((response as { body?: unknown }).body ?? '');
        if (c.token.length > 30 && text.includes(c.token)) failures.push(`#${i}: token echoed`);
        const how = JSON.stringify({
          ...c,
          token: undefined,
          body: c.body?.slice(0, 40),
          authorization: c.authorization?.slice(0, 20),
        });
        if (status === 200 && expected === 'refuse')
          failures.push(`#${i}: accepted, the oracle refuses ${how}`);
        if (status !== 200 && expected === 'accept')
          failures.push(`#${i}: ${status}, the oracle accepts ${how}`);
        if (![200, 400, 401].includes(status)) failures.push(`#${i}: unexpected status ${status}`);
      } catch (error) {
        status = -1;
        failures.push(`#${i}: threw ${(error as Error).message}`);
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    // Through the captured stream (which passes writes on), so the counts still show in the run.
    process.stdout.write(
      `fuzz status counts ${JSON.stringify(Object.fromEntries(statuses))}, oracle ${JSON.stringify(Object.fromEntries(verdicts))}\n`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
    // The oracle says yes as well as no, and refusals come from both gates (request and token).
    expect(verdicts.get('accept')).toBeGreaterThan(10);
    expect(statuses.get(200)).toBeGreaterThanOrEqual(verdicts.get('accept') ?? 0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(401)).toBeGreaterThan(0);
  });

  it('wrote no token to the process output', () => {
    consoleLogger.warn('output capture probe');
    const written = output.text();
    expect(written).toContain('output capture probe');
    for (const part of secretParts(good)) expect(written).not.toContain(part);
  });
});
