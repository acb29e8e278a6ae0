// The embedded provider as a broken or hostile IdP: each forgery changes exactly one thing in what a client gets,
// and the rest of the token still verifies (so a relying party that refuses it refuses it for that one reason).
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { caAgent } from '../../../ca/dispatcher.js';
import { existsSync, readFileSync } from 'node:fs';
import { FORGERIES, FORGERY_KINDS, type Forgery } from '../../../idp/control.js';
import { REDIRECT, sharedProviders, signInByForm, unique } from './helpers.js';

const plain = sharedProviders('oidc-provider');

/** A code flow without a relying-party library: the raw token response and userinfo, and the JWKS after them. */
async function rawLogin(forge?: Forgery, extra: { signedUserinfo?: boolean } = {}) {
  const idp = await plain('plain');
  const client = await idp.control.createClient({ redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'client_secret_post', ...(forge ? { forge } : {}), ...extra });
  const user = await idp.control.createUser({ username: unique('forge'), email: 'f@example.test' });
  const agent = caAgent(plain.ca.certPem);
  try {
    const get = async (url: string, init: Parameters<typeof fetch>[1] = {}) => (await fetch(url, { ...init, dispatcher: agent })).json() as Promise<Record<string, unknown>>;
    const meta = await get(`${client.issuer}/.well-known/openid-configuration`);
    const auth = new URL(String(meta['authorization_endpoint']));
    for (const [k, v] of Object.entries({ client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid email profile', state: 's' })) auth.searchParams.set(k, v);
    const callback = await signInByForm(agent, auth, user, REDIRECT);
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT, client_id: client.clientId, client_secret: client.clientSecret });
    const tokens = await get(String(meta['token_endpoint']), { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const answer = await fetch(String(meta['userinfo_endpoint']), { dispatcher: agent, headers: { authorization: `Bearer ${String(tokens['access_token'])}` } });
    const userinfoType = answer.headers.get('content-type') ?? '';
    const text = await answer.text();
    const userinfo = (userinfoType.startsWith('application/jwt') ? decodeJwt(text) : JSON.parse(text)) as Record<string, unknown>;
    const jwks = (await get(String(meta['jwks_uri']))) as unknown as JSONWebKeySet;
    const idToken = String(tokens['id_token']);
    return { idp, client, meta, callback, idToken, claims: decodeJwt(idToken), header: decodeProtectedHeader(idToken), userinfo, userinfoType, jwks, verify: () => jwtVerify(idToken, createLocalJWKSet(jwks)) };
  } finally {
    await agent.close();
  }
}

describe('forged tokens of the embedded provider', () => {
  it('leaves a client without a forgery alone: its ID token verifies, and userinfo names the same subject', async () => {
    const r = await rawLogin();
    await expect(r.verify()).resolves.toBeDefined();
    expect(r.claims.iss).toBe(r.idp.issuer);
    expect(r.claims.aud).toBe(r.client.clientId);
    expect(r.userinfo['sub']).toBe(r.claims.sub);
  });

  it('changes the signature only, for bad-signature', async () => {
    const r = await rawLogin('bad-signature');
    expect(r.claims.iss).toBe(r.idp.issuer);
    await expect(r.verify()).rejects.toThrow(/signature verification failed/);
  });

  it.each([
    ['wrong-issuer', (c: Record<string, unknown>, r: { idp: { issuer: string } }) => expect(c['iss']).not.toBe(r.idp.issuer)],
    ['wrong-audience', (c: Record<string, unknown>) => expect(c['aud']).toBe('another-client')],
    ['no-audience', (c: Record<string, unknown>) => expect(c).not.toHaveProperty('aud')],
    ['no-issued-at', (c: Record<string, unknown>) => expect(c).not.toHaveProperty('iat')],
    ['expired', (c: Record<string, unknown>) => expect(Number(c['exp'])).toBeLessThan(Date.now() / 1000)],
  ] as const)('changes one claim for %s and signs the token again with the published key', async (forge, check) => {
    const r = await rawLogin(forge);
    check(r.claims, r);
    // Verified without its claim checks: only the signature and key are in question here.
    const key = r.jwks.keys.find((k) => k.kid === r.header.kid);
    expect(key).toBeDefined();
    await expect(jwtVerify(r.idToken, createLocalJWKSet(r.jwks), { currentDate: new Date((Number(r.claims.exp) - 60) * 1000) })).resolves.toBeDefined();
  });

  it('sends an unsigned token with alg none', async () => {
    const r = await rawLogin('alg-none');
    expect(r.header.alg).toBe('none');
    expect(r.idToken.endsWith('.')).toBe(true);
    expect(r.claims.sub).toBeTruthy();
  });

  it('signs with a new key and publishes it from then on, for rotated-key', async () => {
    const before = await rawLogin();
    const r = await rawLogin('rotated-key');
    expect(before.jwks.keys.map((k) => k.kid)).not.toContain(r.header.kid);
    await expect(r.verify()).resolves.toBeDefined();
  });

  it('signs ES256 with a published P-256 key, for es256', async () => {
    const r = await rawLogin('es256');
    expect(r.header.alg).toBe('ES256');
    expect(r.client.idTokenAlg).toBe('ES256');
    await expect(r.verify()).resolves.toBeDefined();
  });

  it('answers userinfo for another subject, for userinfo-other-sub, with an ID token that verifies and has no profile claims', async () => {
    const r = await rawLogin('userinfo-other-sub');
    await expect(r.verify()).resolves.toBeDefined();
    expect(r.claims).not.toHaveProperty('email');
    expect(r.userinfo['sub']).not.toBe(r.claims.sub);
    expect(r.userinfo['email']).toBe('f@example.test');
  });

  it('answers userinfo as a signed JWT for a client that asks, with the profile there and not in the ID token', async () => {
    const r = await rawLogin(undefined, { signedUserinfo: true });
    expect(r.userinfoType).toMatch(/^application\/jwt/);
    expect(r.userinfo['email']).toBe('f@example.test');
    expect(r.claims).not.toHaveProperty('email');
    await expect(r.verify()).resolves.toBeDefined();
  });

  it('serves a second issuer with its own discovery, naming it in tokens and authorization responses, for the same subject', async () => {
    const r = await rawLogin('second-issuer');
    expect(r.client.issuer).toBe(`${r.idp.issuer}/second-issuer`);
    expect(r.meta['issuer']).toBe(r.client.issuer);
    expect(r.callback.searchParams.get('iss')).toBe(r.client.issuer);
    expect(r.claims.iss).toBe(r.client.issuer);
    expect(r.claims.sub).toBe(r.userinfo['sub']);
    await expect(r.verify()).resolves.toBeDefined();
    const own = await fetch(`${r.idp.issuer}/.well-known/openid-configuration`, { dispatcher: caAgent(plain.ca.certPem) });
    expect(((await own.json()) as Record<string, unknown>)['issuer']).toBe(r.idp.issuer);
  });

  it('names for every forgery a scenario that exists and uses it', () => {
    for (const forge of FORGERIES) {
      const file = new URL(`../../../../scenarios/${FORGERY_KINDS[forge].scenario}.test.ts`, import.meta.url);
      expect(existsSync(file), `${forge}: ${file.pathname}`).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text.includes(`'${forge}'`) || text.includes('FORGERY_KINDS'), `${forge} in ${file.pathname}`).toBe(true);
    }
  });

  it('refuses a forgery it does not know', async () => {
    const idp = await plain('plain');
    await expect(idp.control.createClient({ redirectUris: [REDIRECT], forge: 'bad-kid' as Forgery })).rejects.toThrow(/forge must be one of/);
  });
});

describe('public clients of the embedded provider', () => {
  it('registers a client without a secret, and requires PKCE of it', async () => {
    const idp = await plain('plain');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT], public: true });
    expect(client.clientSecret).toBe('');
    const user = await idp.control.createUser({ username: unique('pub'), email: 'p@example.test' });
    const agent = caAgent(plain.ca.certPem);
    try {
      const auth = new URL(`${idp.issuer}/auth`);
      for (const [k, v] of Object.entries({ client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's' })) auth.searchParams.set(k, v);
      // Without a code challenge the provider sends the browser back with invalid_request.
      const back = await fetch(auth, { dispatcher: agent, redirect: 'manual' });
      expect(new URL(back.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
      auth.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
      auth.searchParams.set('code_challenge_method', 'S256');
      const callback = await signInByForm(agent, auth, user, REDIRECT);
      expect(callback.searchParams.get('code')).toBeTruthy();
    } finally {
      await agent.close();
    }
  });
});

describe('what the embedded provider serves around its tokens, per client', () => {
  const discovery = async (issuer: string, agent: ReturnType<typeof caAgent>) =>
    (await (await fetch(`${issuer}/.well-known/openid-configuration`, { dispatcher: agent })).json()) as Record<string, unknown>;

  it('puts an empty nonce, or one nobody asked for, in the ID token', async () => {
    expect((await rawLogin('empty-nonce')).claims.nonce).toBe('');
    expect((await rawLogin('unrequested-nonce')).claims.nonce).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves the userinfo endpoint and the PKCE methods out of discovery while the newest client asks, and requires PKCE of it', async () => {
    const idp = await plain('plain');
    const agent = caAgent(plain.ca.certPem);
    try {
      await idp.control.createClient({ redirectUris: [REDIRECT], forge: 'no-userinfo' });
      expect(await discovery(idp.issuer, agent)).not.toHaveProperty('userinfo_endpoint');
      const client = await idp.control.createClient({ redirectUris: [REDIRECT], pkce: 'required-unadvertised' });
      const meta = await discovery(idp.issuer, agent);
      expect(meta).not.toHaveProperty('code_challenge_methods_supported');
      expect(meta).toHaveProperty('userinfo_endpoint');
      const auth = new URL(String(meta['authorization_endpoint']));
      for (const [k, v] of Object.entries({ client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's' })) auth.searchParams.set(k, v);
      const back = await fetch(auth, { dispatcher: agent, redirect: 'manual' });
      expect(new URL(back.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
      await idp.control.createClient({ redirectUris: [REDIRECT] });
      expect(await discovery(idp.issuer, agent)).toHaveProperty('code_challenge_methods_supported', ['S256']);
    } finally {
      await agent.close();
    }
  });

  it('serves the issuer of an untrusted-ca client on a port whose certificate the run CA does not vouch for', async () => {
    const idp = await plain('plain');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT], forge: 'untrusted-ca' });
    expect(new URL(client.issuer).hostname).toBe(new URL(idp.issuer).hostname);
    expect(new URL(client.issuer).port).not.toBe(new URL(idp.issuer).port);
    const agent = caAgent(plain.ca.certPem);
    try {
      await expect(discovery(idp.issuer, agent)).resolves.toHaveProperty('issuer', idp.issuer);
      await expect(discovery(client.issuer, agent)).rejects.toThrow(/fetch failed/);
    } finally {
      await agent.close();
    }
  });

  it('refuses a PKCE requirement it does not know', async () => {
    const idp = await plain('plain');
    await expect(idp.control.createClient({ redirectUris: [REDIRECT], pkce: 'sometimes' as 'required' })).rejects.toThrow(/pkce must be "required" or "required-unadvertised"/);
  });
});
