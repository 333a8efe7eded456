import { createHmac, createPublicKey, KeyObject } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Policy } from '../../shared/validation/policy.js';
import {
  CLIENT_ID,
  type FakeIdp,
  makePolicy,
  mint,
  OTHER_TENANT,
  rawSign,
  type SigningPair,
  userClaims,
} from '../helpers/fake-idp.js';
import type { Attacker } from './attacker.js';

/**
 * The RFC 8725 attack corpus: crafted tokens that must each be refused, with the exact RFC 6750
 * status and `error_description` stored per attack (as verifier.test.ts does). Each entry names
 * the policy it is presented to, and every policy has a genuine token that passes it (its
 * positive control), so a refusal shows the attack was caught, not that the policy refuses all.
 *
 * Attacks on a claim (times, issuer, audience, client, credential type, scopes, roles, duplicate
 * members) are signed with the trusted key, so that only the claim check can refuse them.
 * Header injections (`jku`, `x5u`, `x5c`, `jwk`, `kid` as a URL) are signed with the attacker's
 * key, whose key set and certificate the attacker serves on loopback: a verifier that followed
 * them would succeed, so the refusal and the attacker's empty request log both mean something.
 */
export type CorpusPolicy = 'default' | 'v2only' | 'cert' | 'scoped' | 'roles' | 'clients';

export interface Attack {
  name: string;
  token: string;
  policy: CorpusPolicy;
  /** [status, error_description] from the verifier (and the endpoint, unless `http` says otherwise). */
  expect: [number, string];
  /** What /api/validate answers when the request check refuses it before the verifier sees it. */
  http?: [number, string];
}

export interface Corpus {
  attacks: Attack[];
  /** A genuine token per policy, which that policy accepts. */
  controls: Record<CorpusPolicy, string>;
}

export function corpusPolicies(idp: FakeIdp): Map<CorpusPolicy, Policy> {
  return new Map([
    ['default', makePolicy(idp)],
    ['v2only', makePolicy(idp, { versions: ['2.0'] }, 'v2only')],
    ['cert', makePolicy(idp, { requireCertificateCredential: true }, 'cert')],
    ['scoped', makePolicy(idp, { requiredScopes: ['Orders.Write'] }, 'scoped')],
    ['roles', makePolicy(idp, { requiredRoles: ['Admin'] }, 'roles')],
    ['clients', makePolicy(idp, { allowedClientIds: [CLIENT_ID] }, 'clients')],
  ]);
}

const SIGNATURE = [401, 'signature invalid'] as [number, string];
const ALGORITHM = [401, 'algorithm not accepted'] as [number, string];
const KEY_NOT_FOUND = [401, 'signing key not found'] as [number, string];
const KEY_ID = [401, 'token has no usable key id'] as [number, string];
const MALFORMED = [401, 'malformed token'] as [number, string];
const SYNTAX = [400, 'token contains characters not allowed in a bearer token'] as [number, string];

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function hmac(secret: string | Buffer, header: unknown, payload: unknown, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

export async function buildCorpus(
  idp: FakeIdp,
  key: SigningPair,
  attacker: Attacker,
  nowSeconds: number,
): Promise<Corpus> {
  const base = idp.base;
  const good = await mint(key, { nowSeconds, base });
  const claims = decodeJwt(good) as Record<string, unknown>;
  const evil = attacker.key;
  // The attacker's key under our kid: only the signature check stands in its way.
  const evilAsOurs: SigningPair = { ...evil, kid: 'k1', publicJwk: { ...evil.publicJwk, kid: 'k1' } };
  const ourPublicPem = createPublicKey(KeyObject.from(key.privateKey)).export({
    format: 'pem',
    type: 'spki',
  }) as string;
  const ourJwk = JSON.stringify(key.publicJwk);
  const header = { alg: 'RS256', typ: 'JWT', kid: 'k1' };
  const evilHeader = { ...header, kid: evil.kid };
  const at = (over: Record<string, unknown>) => mint(key, { nowSeconds, base, claims: over });
  const [h, p, s] = good.split('.') as [string, string, string];
  const goodJson = Buffer.from(p, 'base64url').toString();
  const attacks: Attack[] = [
    {
      name: 'alg none, empty signature',
      token: `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      policy: 'default',
      expect: [401, 'token is not signed'],
    },
    {
      name: 'alg none with a signature',
      token: `${b64({ alg: 'none', kid: 'k1' })}.${p}.${s}`,
      policy: 'default',
      expect: ALGORITHM,
    },
    {
      name: 'alg NoNe casing',
      token: `${b64({ alg: 'NoNe', kid: 'k1' })}.${p}.${s}`,
      policy: 'default',
      expect: ALGORITHM,
    },
    {
      name: 'HS256 signed with the RSA public key (PEM)',
      token: hmac(ourPublicPem, { ...header, alg: 'HS256' }, claims),
      policy: 'default',
      expect: ALGORITHM,
    },
    {
      name: 'HS256 signed with the JWK JSON',
      token: hmac(ourJwk, { ...header, alg: 'HS256' }, claims),
      policy: 'default',
      expect: ALGORITHM,
    },
    {
      name: 'HS384 with the public key',
      token: hmac(ourPublicPem, { ...header, alg: 'HS384' }, claims, 'sha384'),
      policy: 'default',
      expect: ALGORITHM,
    },
    {
      name: 'HS512 with the public key',
      token: hmac(ourPublicPem, { ...header, alg: 'HS512' }, claims, 'sha512'),
      policy: 'default',
      expect: ALGORITHM,
    },
    {
      name: 'HS256 with an empty secret',
      token: hmac('', { ...header, alg: 'HS256' }, claims),
      policy: 'default',
      expect: ALGORITHM,
    },
    {
      name: 'kid path traversal',
      token: rawSign(evil, { ...header, kid: '../../../../../dev/null' }, claims),
      policy: 'default',
      expect: KEY_NOT_FOUND,
    },
    {
      name: 'kid SQL injection',
      token: rawSign(evil, { ...header, kid: "k1' OR '1'='1" }, claims),
      policy: 'default',
      expect: KEY_NOT_FOUND,
    },
    {
      name: 'kid as a URL of the attacker`s key set',
      token: rawSign(evil, { ...header, kid: attacker.jwksUrl }, claims),
      policy: 'default',
      expect: KEY_NOT_FOUND,
    },
    {
      name: 'kid empty',
      token: rawSign(evil, { ...header, kid: '' }, claims),
      policy: 'default',
      expect: KEY_ID,
    },
    {
      name: 'kid number',
      token: rawSign(evil, { ...header, kid: 1 }, claims),
      policy: 'default',
      expect: KEY_ID,
    },
    {
      name: 'kid huge',
      token: rawSign(evil, { ...header, kid: 'k'.repeat(5000) }, claims),
      policy: 'default',
      expect: KEY_ID,
    },
    {
      name: 'jku to the attacker`s key set',
      token: rawSign(evil, { ...evilHeader, jku: attacker.jwksUrl }, claims),
      policy: 'default',
      expect: KEY_NOT_FOUND,
    },
    {
      name: 'jku to the attacker`s key set, with our kid',
      token: rawSign(evilAsOurs, { ...header, jku: `${attacker.jwksUrl}?kid=k1` }, claims),
      policy: 'default',
      expect: SIGNATURE,
    },
    {
      name: 'x5u to the attacker`s certificate',
      token: rawSign(evil, { ...evilHeader, x5u: attacker.certUrl }, claims),
      policy: 'default',
      expect: KEY_NOT_FOUND,
    },
    {
      name: 'embedded jwk (attacker key)',
      token: rawSign(evil, { ...evilHeader, jwk: evil.publicJwk }, claims),
      policy: 'default',
      expect: KEY_NOT_FOUND,
    },
    {
      name: 'embedded jwk with our kid',
      token: rawSign(evilAsOurs, { ...header, jwk: evilAsOurs.publicJwk }, claims),
      policy: 'default',
      expect: SIGNATURE,
    },
    {
      name: 'x5c with the attacker`s certificate',
      token: rawSign(evil, { ...evilHeader, x5c: [attacker.certificate] }, claims),
      policy: 'default',
      expect: KEY_NOT_FOUND,
    },
    {
      name: 'x5c with the attacker`s certificate, with our kid',
      token: rawSign(evilAsOurs, { ...header, x5c: [attacker.certificate] }, claims),
      policy: 'default',
      expect: SIGNATURE,
    },
    {
      name: 'our kid, attacker key',
      token: rawSign(evilAsOurs, header, claims),
      policy: 'default',
      expect: SIGNATURE,
    },
    {
      name: 'expired',
      token: await at({ exp: nowSeconds - 3600, nbf: nowSeconds - 7200, iat: nowSeconds - 7200 }),
      policy: 'default',
      expect: [401, 'token expired'],
    },
    {
      name: 'nbf in the future',
      token: await at({ nbf: nowSeconds + 3600 }),
      policy: 'default',
      expect: [401, 'token not yet valid'],
    },
    {
      name: 'iat in the future',
      token: await at({ iat: nowSeconds + 3600 }),
      policy: 'default',
      expect: [401, 'token issued in the future'],
    },
    {
      name: 'no exp',
      token: await at({ exp: undefined }),
      policy: 'default',
      expect: [401, 'token has no expiry'],
    },
    {
      name: 'exp as a string',
      token: await at({ exp: String(nowSeconds + 3600) }),
      policy: 'default',
      expect: [401, 'expiry is malformed'],
    },
    {
      name: 'wrong iss',
      token: await at({ iss: 'https://evil.example/v2.0' }),
      policy: 'default',
      expect: [401, 'issuer not accepted'],
    },
    {
      name: 'wrong aud',
      token: await at({ aud: 'api://someone-else' }),
      policy: 'default',
      expect: [401, 'audience not accepted'],
    },
    {
      name: 'Graph token sent to the gateway',
      token: await at({ aud: '00000003-0000-0000-c000-000000000000' }),
      policy: 'default',
      expect: [401, 'audience not accepted'],
    },
    {
      name: 'wrong tid',
      token: await at({ tid: OTHER_TENANT, iss: `${base}/${OTHER_TENANT}/v2.0` }),
      policy: 'default',
      expect: [401, 'tenant not accepted'],
    },
    {
      name: 'tid does not match iss',
      token: await at({ iss: `${base}/${OTHER_TENANT}/v2.0` }),
      policy: 'default',
      expect: [401, 'issuer not accepted'],
    },
    {
      name: 'v1 token against a v2-only policy',
      token: await mint(key, { nowSeconds, base, version: '1.0' }),
      policy: 'v2only',
      expect: [401, 'token version not accepted'],
    },
    {
      name: 'azpacr 1 where a certificate is required',
      token: await at({ azpacr: '1' }),
      policy: 'cert',
      expect: [401, 'certificate credential required'],
    },
    {
      name: 'azpacr 0 (public client) where a certificate is required',
      token: await at({ azpacr: '0' }),
      policy: 'cert',
      expect: [401, 'certificate credential required'],
    },
    {
      name: 'appidacr 2 on a v2 token (the v1 claim) where a certificate is required',
      token: await at({ azpacr: '1', appidacr: '2' }),
      policy: 'cert',
      expect: [401, 'certificate credential required'],
    },
    {
      name: 'missing scopes',
      token: await at(userClaims()),
      policy: 'scoped',
      expect: [403, 'required scope missing'],
    },
    { name: 'missing roles', token: good, policy: 'roles', expect: [403, 'required role missing'] },
    {
      name: 'client id spoofed via appid on v2',
      token: await at({ appid: CLIENT_ID, azp: undefined }),
      policy: 'clients',
      expect: [401, 'token lacks the client id claim of its version (azp on v2, appid on v1)'],
    },
    {
      name: 'another client, with an allowed appid beside its azp',
      token: await at({ azp: 'ffffffff-0000-0000-0000-000000000000', appid: CLIENT_ID }),
      policy: 'clients',
      expect: [401, 'client not allowed'],
    },
    {
      name: 'unsigned (no signature part)',
      token: `${h}.${p}.`,
      policy: 'default',
      expect: [401, 'token is not signed'],
    },
    {
      name: 'truncated token',
      token: good.slice(0, h.length + 1 + Math.floor(p.length / 2)),
      policy: 'default',
      expect: MALFORMED,
    },
    { name: 'truncated signature', token: good.slice(0, -10), policy: 'default', expect: SIGNATURE },
    {
      name: 'bad base64 in the header',
      token: `${h}$$.${p}.${s}`,
      policy: 'default',
      expect: MALFORMED,
      http: SYNTAX,
    },
    {
      name: 'bad base64 in the payload',
      token: `${h}.!!${p}.${s}`,
      policy: 'default',
      expect: MALFORMED,
      http: SYNTAX,
    },
    {
      name: 'oversize token',
      token: await at({ pad: 'x'.repeat(20_000) }),
      policy: 'default',
      expect: [401, 'token too large'],
    },
    {
      name: 'crit header',
      token: rawSign(key, { ...header, crit: ['b64'], b64: false }, claims),
      policy: 'default',
      expect: [401, 'critical header parameters are not supported'],
    },
    {
      name: 'JWE compact',
      token: `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM', kid: 'k1' })}.AAAA.AAAA.AAAA.AAAA`,
      policy: 'default',
      expect: [401, 'encrypted tokens are not accepted'],
    },
    {
      name: 'nested JWT',
      token: rawSign(key, { ...header, cty: 'JWT' }, good),
      policy: 'default',
      expect: [401, 'nested tokens are not accepted'],
    },
    {
      // First-wins parsers (some backends) read the foreign audience; last-wins ones ours.
      name: 'duplicate aud in the claims',
      token: rawSign(key, header, `{"aud":"api://someone-else",${goodJson.slice(1)}`),
      policy: 'default',
      expect: [401, 'token claims repeat a member name'],
    },
    {
      name: 'duplicate azp in the claims, one spelled with an escape',
      token: rawSign(key, header, `{"\\u0061zp":"ffffffff-0000-0000-0000-000000000000",${goodJson.slice(1)}`),
      policy: 'clients',
      expect: [401, 'token claims repeat a member name'],
    },
    {
      name: 'duplicate alg in the header',
      token: rawSign(key, `{"alg":"none",${JSON.stringify(header).slice(1)}`, claims),
      policy: 'default',
      expect: [401, 'token header repeats a member name'],
    },
    {
      name: 'header is not JSON',
      token: `${b64('not json')}.${p}.${s}`,
      policy: 'default',
      expect: [401, 'malformed token header'],
    },
    {
      name: 'payload is a JSON array',
      token: rawSign(key, header, [claims]),
      policy: 'default',
      expect: [401, 'malformed token payload'],
    },
    {
      name: 'payload is null',
      token: rawSign(key, header, 'null'),
      policy: 'default',
      expect: [401, 'malformed token payload'],
    },
    {
      name: 'signature spliced from another token',
      token: `${h}.${(await at({ azp: 'evil' })).split('.')[1]}.${s}`,
      policy: 'default',
      expect: SIGNATURE,
    },
    {
      name: 'PS256 header over an RS256 signature',
      token: `${b64({ ...header, alg: 'PS256' })}.${p}.${s}`,
      policy: 'default',
      expect: SIGNATURE,
    },
    {
      name: 'ES256 header with an RSA kid',
      token: `${b64({ ...header, alg: 'ES256' })}.${p}.${s}`,
      policy: 'default',
      expect: ALGORITHM,
    },
    { name: 'only dots', token: '..', policy: 'default', expect: MALFORMED },
  ];
  const controls: Record<CorpusPolicy, string> = {
    default: good,
    v2only: good,
    cert: good,
    scoped: await at(userClaims({ scp: 'Orders.Write Orders.Read' })),
    roles: await at({ roles: ['Admin'] }),
    clients: good,
  };
  return { attacks, controls };
}
