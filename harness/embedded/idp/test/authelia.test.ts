import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedIdp } from '../index.js';
import { login, REDIRECT, relyingParty, sharedProviders, unique } from './helpers.js';

const authelia = sharedProviders('authelia');

/** error and error_description from the token endpoint's body, or its WWW-Authenticate challenge (Basic). */
function oauthError(err: unknown): { error?: string; description?: string } {
  if (err instanceof oidc.ResponseBodyError) return { error: err.error, description: err.error_description };
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const params = err.cause[0]?.parameters ?? {};
    return { error: params['error'], description: params['error_description'] };
  }
  throw err;
}

const tokenClaims = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid', 'c_hash', 'acr', 'amr', 'jti', 'azp'];

describe('embedded Authelia profiles', () => {
  it('uses the origin as issuer, without a trailing slash', async () => {
    const idp = await authelia('4.39.0');
    expect(idp.issuer).toBe(`https://auth.harness.test:${idp.port}`);
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const config = await relyingParty(authelia.ca, client);
    expect(config.serverMetadata().issuer).toBe(idp.issuer);
    expect(config.serverMetadata().token_endpoint).toBe(`${idp.issuer}/api/oidc/token`);
  });

  it('redirects back with code, iss, scope and state, as real Authelia does', async () => {
    const idp = await authelia('4.39.20');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('rs'), email: 'rs@example.test' });
    const { callback } = await login(authelia.ca, await relyingParty(authelia.ca, client), user);
    expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'iss', 'scope', 'state']);
    expect(callback.searchParams.get('scope')).toBe('openid email profile');
  });

  it('4.38 puts profile and email claims in the ID token', async () => {
    const idp = await authelia('4.38.9');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('a38'), name: 'Ada L', givenName: 'Ada', email: 'ada@example.test' });
    const { claims } = await login(authelia.ca, await relyingParty(authelia.ca, client), user);
    expect(claims).toMatchObject({ name: 'Ada L', preferred_username: user.username, email: 'ada@example.test', email_verified: true });
    expect(claims).not.toHaveProperty('given_name');
    expect(claims['sub']).toBe(user.sub);
    expect(user.sub).not.toBe(user.username);
  });

  it('4.38 sends an empty email with email_verified true for a file-backend user without email', async () => {
    const idp = await authelia('4.38.9');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('a38n'), name: 'No Mail' });
    const { claims } = await login(authelia.ca, await relyingParty(authelia.ca, client), user);
    expect(claims).toMatchObject({ email: '', email_verified: true });
  });

  it('4.39 keeps profile and email claims out of the ID token and serves them from userinfo', async () => {
    const idp = await authelia('4.39.0');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('a39'), name: 'Bo B', givenName: 'Bo', email: 'bo@example.test' });
    const { claims, userinfo } = await login(authelia.ca, await relyingParty(authelia.ca, client), user);
    expect(Object.keys(claims).filter((k) => !tokenClaims.includes(k))).toEqual([]);
    const info = await userinfo();
    expect(info).toMatchObject({ name: 'Bo B', given_name: 'Bo', preferred_username: user.username, email: 'bo@example.test', email_verified: true });
    // Real 4.39 userinfo carries updated_at (unix seconds).
    expect(Math.abs((info.updated_at as number) - Date.now() / 1000)).toBeLessThan(300);
  });

  it('4.39 sends no email but email_verified true for a user without email', async () => {
    const idp = await authelia('4.39.20');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('a39n'), email: '' });
    const info = await (await login(authelia.ca, await relyingParty(authelia.ca, client), user)).userinfo();
    expect(info).not.toHaveProperty('email');
    expect(info['email_verified']).toBe(true);
  });

  it('4.39 with a claims policy puts profile and email claims back in the ID token', async () => {
    const idp = await authelia('4.39.0', { claimsInIdToken: true });
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('a39p'), name: 'Cy C', email: 'cy@example.test' });
    const { claims } = await login(authelia.ca, await relyingParty(authelia.ca, client), user);
    expect(claims).toMatchObject({ name: 'Cy C', email: 'cy@example.test', email_verified: true });
  });

  it('4.39 sends custom claims from userinfo for the immich scope; 4.38 cannot send them', async () => {
    const idp39 = await authelia('4.39.0');
    expect(idp39.control.capabilities.customClaimsScope).toBe('immich');
    const client = await idp39.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp39.control.createUser({ username: unique('a39c'), claims: { immich_quota: 10 } });
    const info = await (await login(authelia.ca, await relyingParty(authelia.ca, client), user, 'openid profile email immich')).userinfo();
    expect(info['immich_quota']).toBe(10);

    const idp38 = await authelia('4.38.9');
    expect(idp38.control.capabilities.customClaimsScope).toBeNull();
    const c38 = await idp38.control.createClient({ redirectUris: [REDIRECT] });
    const u38 = await idp38.control.createUser({ username: unique('a38c'), claims: { immich_quota: 10 } });
    const r38 = await login(authelia.ca, await relyingParty(authelia.ca, c38), u38, 'openid profile email immich');
    expect(r38.claims).not.toHaveProperty('immich_quota');
    expect(await r38.userinfo()).not.toHaveProperty('immich_quota');
  });

  it.each(['4.38.9', '4.39.0'])('%s refuses the auth method the client was not registered for with invalid_client', async (version) => {
    const idp = await authelia(version);
    const user = await idp.control.createUser({ username: unique('m') });
    const basic = await idp.control.createClient({ redirectUris: [REDIRECT] });
    expect(basic.tokenEndpointAuthMethod).toBe('client_secret_basic');
    const post = await idp.control.createClient({ redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'client_secret_post' });

    for (const [client, wrong] of [[basic, 'client_secret_post'], [post, 'client_secret_basic']] as const) {
      const err = await login(authelia.ca, await relyingParty(authelia.ca, client, { method: wrong }), user).catch((e: unknown) => e);
      expect(oauthError(err).error).toBe('invalid_client');
      expect(oauthError(err).description).toContain(`method '${wrong}', however the OAuth 2.0 client registration does not allow this method`);
      expect((await login(authelia.ca, await relyingParty(authelia.ca, client), user)).claims['sub']).toBe(user.sub);
    }
    expect(idp.logs()).toContain(`refused client authentication for client ${basic.clientId}`);
  });

  it('refuses http redirect URIs except for localhost and loopback IPs', async () => {
    const idp = await authelia('4.39.0');
    await expect(idp.control.createClient({ redirectUris: ['http://photos.harness.test/auth/login'] })).rejects.toThrow(/uses http/);
    for (const uri of ['http://localhost:2283/auth/login', 'http://127.0.0.1:2283/auth/login', 'app.immich:///oauth-callback']) {
      await expect(idp.control.createClient({ redirectUris: [uri] })).resolves.toMatchObject({ issuer: idp.issuer });
    }
  });

  it('redirects to a custom-scheme redirect URI by exact match', async () => {
    const idp = await authelia('4.39.0');
    const app = 'app.immich:///oauth-callback';
    const client = await idp.control.createClient({ redirectUris: [REDIRECT, app] });
    const user = await idp.control.createUser({ username: unique('app') });
    const { claims } = await login(authelia.ca, await relyingParty(authelia.ca, client), user, 'openid', app);
    expect(claims['sub']).toBe(user.sub);
    await expect(login(authelia.ca, await relyingParty(authelia.ca, client), user, 'openid', 'app.immich:/oauth-callback')).rejects.toThrow(/unexpected page \(400\)/);
  });
});
