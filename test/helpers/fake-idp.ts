import { KeyObject, sign as nodeSign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type Policy, type PolicyInput, policySchema } from '../../shared/validation/policy.js';

/**
 * A tiny in-process OIDC discovery + JWKS server for unit tests (Entra-shaped paths:
 * /{tid}/v2.0/.well-known/openid-configuration and /{tid}/.well-known/openid-configuration).
 */
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const OTHER_TENANT = '00000000-1111-2222-3333-444444444444';
export const API_CLIENT_ID = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
export const APP_ID_URI = 'api://gateway-api';
export const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

export interface SigningPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newKey(kid: string, alg = 'RS256'): Promise<SigningPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig' };
  return { kid, privateKey: privateKey as CryptoKey, publicJwk };
}

export interface FakeIdp {
  base: string;
  keys: SigningPair[];
  mode: 'ok' | 'fail';
  /** Requests received, counted before any failure or hold (so a test sees every attempt). */
  requests: { discovery: number; jwks: number };
  /** Holds every JWKS response until the returned function is called (a slow IdP). */
  holdJwks(): () => void;
  /** Extra JWK members per kid (e.g. `issuer`). */
  extra: Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startFakeIdp(keys: SigningPair[]): Promise<FakeIdp> {
  let held: Promise<void> | undefined;
  const state: Omit<FakeIdp, 'base' | 'close' | 'holdJwks'> = {
    keys,
    mode: 'ok',
    requests: { discovery: 0, jwks: 0 },
    extra: {},
  };
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const v2 = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url);
    const v1 = /^\/([^/]+)\/\.well-known\/openid-configuration$/.exec(url);
    if (v2 || v1) state.requests.discovery += 1;
    if (url === '/keys') state.requests.jwks += 1;
    if (state.mode === 'fail') {
      res.writeHead(500).end();
      return;
    }
    if (v2 || v1) {
      const tid = (v2 ?? v1)?.[1] === 'common' ? '{tenantid}' : (v2 ?? v1)?.[1];
      send({
        issuer: v2 ? `${base}/${tid}/v2.0` : `https://sts.windows.net/${tid}/`,
        jwks_uri: `${base}/keys`,
      });
      return;
    }
    if (url === '/keys') {
      const answer = () => send({ keys: state.keys.map((k) => ({ ...k.publicJwk, ...state.extra[k.kid] })) });
      if (held) void held.then(answer);
      else answer();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp = state as FakeIdp;
  idp.base = base;
  idp.holdJwks = () => {
    let resolveHeld: () => void = () => {};
    held = new Promise<void>((resolve) => {
      resolveHeld = resolve;
    });
    return () => {
      held = undefined;
      resolveHeld();
    };
  };
  idp.close = () => new Promise((resolve) => server.close(() => resolve()));
  return idp;
}

export function makePolicy(
  idp: { base: string },
  overrides: Partial<PolicyInput> = {},
  name = 'default',
): Policy {
  return {
    ...policySchema.parse({
      tenants: [TENANT],
      audiences: [API_CLIENT_ID, APP_ID_URI],
      instance: `${idp.base}/`,
      ...overrides,
    }),
    name,
  };
}

export interface MintOptions {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  version?: '1.0' | '2.0';
  nowSeconds: number;
  base: string;
}

/** Entra-shaped app token (v2 by default) signed with `key`. */
export async function mint(key: SigningPair, options: MintOptions): Promise<string> {
  const now = options.nowSeconds;
  const v1 = options.version === '1.0';
  const claims: Record<string, unknown> = v1
    ? {
        iss: `https://sts.windows.net/${TENANT}/`,
        aud: `${APP_ID_URI}/`,
        appid: CLIENT_ID,
        appidacr: '2',
        ver: '1.0',
      }
    : { iss: `${options.base}/${TENANT}/v2.0`, aud: API_CLIENT_ID, azp: CLIENT_ID, azpacr: '2', ver: '2.0' };
  Object.assign(claims, {
    tid: TENANT,
    sub: 'sp-object-id',
    oid: 'sp-object-id',
    idtyp: 'app',
    roles: ['Tokens.Read'],
    iat: now - 10,
    nbf: now - 10,
    exp: now + 3600,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    ...options.claims,
  });
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...options.header } as { alg: string })
    .sign(key.privateKey);
}

/** A user (delegated) token: scp and user names, no idtyp app. */
export function userClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    idtyp: 'user',
    scp: 'Tokens.Read Tokens.Write',
    roles: undefined,
    upn: 'ada@contoso.example',
    name: 'Ada Lovelace',
    oid: '99999999-aaaa-bbbb-cccc-dddddddddddd',
    ...extra,
  };
}

/** Signs any header/payload with RS256 without jose's header checks (for crafted attack tokens). */
export function rawSign(key: SigningPair, header: unknown, payload: unknown): string {
  const enc = (value: unknown) =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  const signature = nodeSign('sha256', Buffer.from(input), KeyObject.from(key.privateKey));
  return `${input}.${signature.toString('base64url')}`;
}
