import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../local/azurite.js';
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

/**
 * Fuzz: 10,000+ random and mutated inputs straight into the registered /api/validate handler (the
 * same wrapped handler the host calls), in process. None may answer 5xx or throw. Seeded, so a
 * failure is reproducible.
 */
let idp: FakeIdp;
let key: SigningPair;
let azurite: RunningAzurite;
let handler: HttpDefinition['handler'];
let good: string;

function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
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
  await azurite?.stop();
  await idp?.close();
});

const ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "\'\\\r\n\t%{}[]:,\u0000\u00e9\u{1F600}';

describe('fuzz /api/validate', () => {
  it('answers 10,000 random and mutated requests without a 5xx', async () => {
    const random = prng(8725);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
    const randomText = (max: number) => Array.from({ length: int(max) }, () => pick([...ALPHABET])).join('');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const [h, p, s] = good.split('.') as [string, string, string];

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
    const craftedHeader = () =>
      b64({
        alg: pick(['RS256', 'PS256', 'HS256', 'none', 'ES256', 'RS512', 42, null]),
        kid: pick(['k1', '../k1', '', 'x'.repeat(300), 7, undefined]),
        ...(random() < 0.2 ? { crit: pick([['exp'], 'x', []]) } : {}),
        ...(random() < 0.2 ? { jku: 'https://evil.example/' } : {}),
      });

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const total = 10_000;
    for (let i = 0; i < total; i++) {
      let token: string;
      const kind = int(8);
      if (kind === 0) token = randomText(200);
      else if (kind <= 3) token = mutate(good);
      else if (kind === 4) token = `${craftedHeader()}.${p}.${s}`;
      else if (kind === 5)
        token = rawSign(key, JSON.parse(Buffer.from(craftedHeader(), 'base64url').toString()), {
          ...JSON.parse(Buffer.from(p, 'base64url').toString()),
          exp: pick([0, 'x', null, 1e20, -1]),
        });
      else if (kind === 6) token = [h, p, s, randomText(10)].slice(0, 1 + int(4)).join(pick(['.', '..', '']));
      else token = Buffer.from(randomText(60)).toString('base64url');

      const where = int(5);
      const headers: Record<string, string> = {};
      let method = 'GET';
      let body: string | undefined;
      const query: Record<string, string> = {};
      const safeHeader = token.replace(/[^\x20-\x7e]/g, '');
      if (where <= 1)
        headers.authorization = `${pick(['Bearer ', 'bearer ', 'Bearer', 'Basic ', 'Bearer  '])}${safeHeader}`;
      else if (where === 2) query.access_token = token;
      else if (where === 3) {
        method = 'POST';
        headers['content-type'] = pick([
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/json',
        ]);
        body = pick([
          `access_token=${encodeURIComponent(token)}`,
          token,
          `access_token=${token}&access_token=x`,
        ]);
      } else {
        headers.authorization = `Bearer ${safeHeader}`;
        query.access_token = token;
      }
      const request = new HttpRequest({
        method,
        url: 'http://127.0.0.1/api/validate',
        headers,
        query,
        params: {},
        ...(body === undefined ? {} : { body: { string: body } }),
      });
      let status: number;
      try {
        const response = await handler(
          request,
          new InvocationContext({ invocationId: `fuzz-${i}`, functionName: 'validate' }),
        );
        status = (response as { status?: number }).status ?? 200;
        const text = String((response as { body?: unknown }).body ?? '');
        if (token.length > 30 && text.includes(token)) failures.push(`#${i}: token echoed`);
        // A 200 must be the genuine token (after header clean-up) or one we signed ourselves (kind 5).
        const presented = where <= 1 ? safeHeader.trim() : token;
        if (status === 200 && kind !== 5 && presented !== good)
          failures.push(`#${i}: mutated token accepted`);
      } catch (error) {
        status = -1;
        failures.push(`#${i}: threw ${(error as Error).message}`);
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) failures.push(`#${i}: ${status} (kind ${kind}, where ${where})`);
    }
    console.log('fuzz status counts', Object.fromEntries(statuses));
    expect(failures.slice(0, 20)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
    // The corpus is not all rejected at the same gate: malformed requests and bad tokens both occur.
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(401)).toBeGreaterThan(0);
  });
});
