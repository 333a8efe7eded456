import { createHmac, createPublicKey, KeyObject } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Policy } from '../../shared/validation/policy.js';
import {
  API_CLIENT_ID,
  CLIENT_ID,
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  OTHER_TENANT,
  rawSign,
  type SigningPair,
  TENANT,
  userClaims,
} from '../helpers/fake-idp.js';

/**
 * The RFC 8725 attack corpus: crafted tokens that must each be refused with 400/401/403, never
 * 2xx or 5xx. Each entry names the policy it is presented to.
 */
export interface Attack {
  name: string;
  token: string;
  policy: 'default' | 'v2only' | 'cert' | 'scoped' | 'roles';
}

export function corpusPolicies(idp: FakeIdp): Map<string, Policy> {
  return new Map([
    ['default', makePolicy(idp)],
    ['v2only', makePolicy(idp, { versions: ['2.0'] }, 'v2only')],
    ['cert', makePolicy(idp, { requireCertificateCredential: true }, 'cert')],
    ['scoped', makePolicy(idp, { requiredScopes: ['Orders.Write'] }, 'scoped')],
    ['roles', makePolicy(idp, { requiredRoles: ['Admin'] }, 'roles')],
  ]);
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function hmac(secret: string | Buffer, header: unknown, payload: unknown, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

export async function buildCorpus(idp: FakeIdp, key: SigningPair, nowSeconds: number): Promise<Attack[]> {
  const base = idp.base;
  const good = await mint(key, { nowSeconds, base });
  const claims = decodeJwt(good) as Record<string, unknown>;
  const attacker = await newKey('k1');
  const attacker2 = await newKey('attacker-kid');
  const ourPublicPem = createPublicKey(KeyObject.from(key.privateKey)).export({
    format: 'pem',
    type: 'spki',
  }) as string;
  const ourJwk = JSON.stringify(key.publicJwk);
  const header = { alg: 'RS256', typ: 'JWT', kid: 'k1' };
  const at = (over: Record<string, unknown>) => mint(key, { nowSeconds, base, claims: over });
  const [h, p, s] = good.split('.') as [string, string, string];
  const list: Attack[] = [
    {
      name: 'alg none, empty signature',
      token: `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      policy: 'default',
    },
    {
      name: 'alg none with a signature',
      token: `${b64({ alg: 'none', kid: 'k1' })}.${p}.${s}`,
      policy: 'default',
    },
    { name: 'alg NoNe casing', token: `${b64({ alg: 'NoNe', kid: 'k1' })}.${p}.${s}`, policy: 'default' },
    {
      name: 'HS256 signed with the RSA public key (PEM)',
      token: hmac(ourPublicPem, { ...header, alg: 'HS256' }, claims),
      policy: 'default',
    },
    {
      name: 'HS256 signed with the JWK JSON',
      token: hmac(ourJwk, { ...header, alg: 'HS256' }, claims),
      policy: 'default',
    },
    {
      name: 'HS384 with the public key',
      token: hmac(ourPublicPem, { ...header, alg: 'HS384' }, claims, 'sha384'),
      policy: 'default',
    },
    {
      name: 'HS512 with the public key',
      token: hmac(ourPublicPem, { ...header, alg: 'HS512' }, claims, 'sha512'),
      policy: 'default',
    },
    {
      name: 'HS256 with an empty secret',
      token: hmac('', { ...header, alg: 'HS256' }, claims),
      policy: 'default',
    },
    {
      name: 'kid path traversal',
      token: rawSign(attacker, { ...header, kid: '../../../../../dev/null' }, claims),
      policy: 'default',
    },
    {
      name: 'kid SQL injection',
      token: rawSign(attacker, { ...header, kid: "k1' OR '1'='1" }, claims),
      policy: 'default',
    },
    {
      name: 'kid as a URL',
      token: rawSign(attacker, { ...header, kid: `${base}/keys` }, claims),
      policy: 'default',
    },
    { name: 'kid empty', token: rawSign(attacker, { ...header, kid: '' }, claims), policy: 'default' },
    { name: 'kid number', token: rawSign(attacker, { ...header, kid: 1 }, claims), policy: 'default' },
    {
      name: 'kid huge',
      token: rawSign(attacker, { ...header, kid: 'k'.repeat(5000) }, claims),
      policy: 'default',
    },
    {
      name: 'jku to an attacker JWKS',
      token: rawSign(attacker2, { ...header, kid: 'attacker-kid', jku: 'https://evil.example/jwks' }, claims),
      policy: 'default',
    },
    {
      name: 'x5u to an attacker certificate',
      token: rawSign(
        attacker2,
        { ...header, kid: 'attacker-kid', x5u: 'https://evil.example/cert.pem' },
        claims,
      ),
      policy: 'default',
    },
    {
      name: 'embedded jwk (attacker key)',
      token: rawSign(attacker2, { ...header, kid: 'attacker-kid', jwk: attacker2.publicJwk }, claims),
      policy: 'default',
    },
    {
      name: 'embedded jwk with our kid',
      token: rawSign(attacker, { ...header, jwk: attacker.publicJwk }, claims),
      policy: 'default',
    },
    {
      name: 'x5c with an attacker chain',
      token: rawSign(attacker, { ...header, x5c: ['MIIB'] }, claims),
      policy: 'default',
    },
    { name: 'our kid, attacker key', token: rawSign(attacker, header, claims), policy: 'default' },
    {
      name: 'expired',
      token: await at({ exp: nowSeconds - 3600, nbf: nowSeconds - 7200, iat: nowSeconds - 7200 }),
      policy: 'default',
    },
    { name: 'nbf in the future', token: await at({ nbf: nowSeconds + 3600 }), policy: 'default' },
    { name: 'iat in the future', token: await at({ iat: nowSeconds + 3600 }), policy: 'default' },
    { name: 'no exp', token: await at({ exp: undefined }), policy: 'default' },
    { name: 'exp as a string', token: await at({ exp: String(nowSeconds + 3600) }), policy: 'default' },
    { name: 'wrong iss', token: await at({ iss: 'https://evil.example/v2.0' }), policy: 'default' },
    { name: 'wrong aud', token: await at({ aud: 'api://someone-else' }), policy: 'default' },
    {
      name: 'Graph token sent to the gateway',
      token: await at({ aud: '00000003-0000-0000-c000-000000000000' }),
      policy: 'default',
    },
    {
      name: 'wrong tid',
      token: await at({ tid: OTHER_TENANT, iss: `${base}/${OTHER_TENANT}/v2.0` }),
      policy: 'default',
    },
    {
      name: 'tid does not match iss',
      token: await at({ iss: `${base}/${OTHER_TENANT}/v2.0` }),
      policy: 'default',
    },
    {
      name: 'v1 token against a v2-only policy',
      token: await mint(key, { nowSeconds, base, version: '1.0' }),
      policy: 'v2only',
    },
    { name: 'azpacr 1 where a certificate is required', token: await at({ azpacr: '1' }), policy: 'cert' },
    {
      name: 'azpacr 0 (public client) where a certificate is required',
      token: await at({ azpacr: '0' }),
      policy: 'cert',
    },
    { name: 'missing scopes', token: await at(userClaims()), policy: 'scoped' },
    { name: 'missing roles', token: good, policy: 'roles' },
    { name: 'unsigned (no signature part)', token: `${h}.${p}.`, policy: 'default' },
    { name: 'truncated token', token: good.slice(0, Math.floor(good.length / 2)), policy: 'default' },
    { name: 'truncated signature', token: good.slice(0, -10), policy: 'default' },
    { name: 'bad base64 in the header', token: `${h}$$.${p}.${s}`, policy: 'default' },
    { name: 'bad base64 in the payload', token: `${h}.!!${p}.${s}`, policy: 'default' },
    { name: 'oversize token', token: await at({ pad: 'x'.repeat(20_000) }), policy: 'default' },
    {
      name: 'crit header',
      token: rawSign(key, { ...header, crit: ['b64'], b64: false }, claims),
      policy: 'default',
    },
    {
      name: 'JWE compact',
      token: `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM', kid: 'k1' })}.AAAA.AAAA.AAAA.AAAA`,
      policy: 'default',
    },
    { name: 'nested JWT', token: rawSign(key, { ...header, cty: 'JWT' }, good), policy: 'default' },
    {
      name: 'duplicate keys in the payload',
      token: rawSign(
        attacker,
        header,
        `{"aud":"x","aud":"${API_CLIENT_ID}","tid":"${TENANT}","ver":"2.0","iss":"${base}/${TENANT}/v2.0"}`,
      ),
      policy: 'default',
    },
    { name: 'header is not JSON', token: `${b64('not json')}.${p}.${s}`, policy: 'default' },
    { name: 'payload is a JSON array', token: rawSign(key, header, [claims]), policy: 'default' },
    { name: 'payload is null', token: rawSign(key, header, 'null'), policy: 'default' },
    {
      name: 'signature spliced from another token',
      token: `${h}.${(await at({ azp: 'evil' })).split('.')[1]}.${s}`,
      policy: 'default',
    },
    {
      name: 'PS256 header over an RS256 signature',
      token: `${b64({ ...header, alg: 'PS256' })}.${p}.${s}`,
      policy: 'default',
    },
    {
      name: 'ES256 header with an RSA kid',
      token: `${b64({ ...header, alg: 'ES256' })}.${p}.${s}`,
      policy: 'default',
    },
    { name: 'only dots', token: '..', policy: 'default' },
    {
      name: 'client id spoofed via appid on v2',
      token: rawSign(attacker, header, { ...claims, appid: CLIENT_ID, azp: undefined }),
      policy: 'default',
    },
  ];
  return list;
}
