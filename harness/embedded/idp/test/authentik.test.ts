import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caFetch } from '../../../ca/dispatcher.js';
import type { EmbeddedIdp } from '../index.js';
import { login, REDIRECT, relyingParty, sharedProviders, unique } from './helpers.js';

const authentik = sharedProviders('authentik');

async function jwks(idp: EmbeddedIdp) {
  const discovery = (await (await caFetch(authentik.ca.certPem)(`${idp.issuer}.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  const keys = (await (await caFetch(authentik.ca.certPem)(String(discovery['jwks_uri']))).json()) as jose.JSONWebKeySet;
  return { discovery, keys };
}

describe('embedded authentik profile', () => {
  it('uses the per-provider issuer with a trailing slash that openid-client discovers over TLS', async () => {
    const idp = await authentik('2025.4.4');
    expect(idp.issuer).toBe(`https://auth.harness.test:${idp.port}/application/o/immich/`);
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const config = await relyingParty(authentik.ca, client);
    expect(config.serverMetadata().issuer).toBe(idp.issuer);
    expect(config.serverMetadata().code_challenge_methods_supported).toEqual(['plain', 'S256']);
  });

  it('signs ID tokens with RS256 from the provider key by default', async () => {
    const idp = await authentik('2025.4.4');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    expect(client.idTokenAlg).toBe('RS256');
    const user = await idp.control.createUser({ username: unique('rs'), name: 'Rita S', email: 'rita@example.test' });
    const { idToken } = await login(authentik.ca, await relyingParty(authentik.ca, client), user);
    const { keys } = await jwks(idp);
    const { protectedHeader } = await jose.jwtVerify(idToken, jose.createLocalJWKSet(keys), { issuer: idp.issuer, audience: client.clientId });
    expect(protectedHeader.alg).toBe('RS256');
    expect(idp.logs()).toContain(`token issued to client ${client.clientId}: ID token RS256`);
  });

  it('signs ID tokens with the client secret (HS256) when the provider has no signing key', async () => {
    const idp = await authentik('2025.10.4', { signingKey: false });
    const { discovery, keys } = await jwks(idp);
    expect(discovery['id_token_signing_alg_values_supported']).toEqual(['HS256']);
    expect(keys.keys).toEqual([]);
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    expect(client.idTokenAlg).toBe('HS256');
    const user = await idp.control.createUser({ username: unique('hs'), email: 'h@example.test' });
    const { idToken } = await login(authentik.ca, await relyingParty(authentik.ca, client), user);
    const verified = await jose.jwtVerify(idToken, new TextEncoder().encode(client.clientSecret), { issuer: idp.issuer });
    expect(verified.protectedHeader.alg).toBe('HS256');
    await expect(jose.jwtVerify(idToken, new TextEncoder().encode(`${client.clientSecret}x`))).rejects.toThrow(/signature/);
  });

  it('refuses an HS256 ID token in a relying party that expects RS256', async () => {
    const idp = await authentik('2025.10.4', { signingKey: false });
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('hsr') });
    const err = await login(authentik.ca, await relyingParty(authentik.ca, client, { idTokenAlg: 'RS256' }), user).catch((e: Error) => e);
    expect(String((err as Error & { cause?: unknown }).cause ?? err)).toMatch(/alg/);
  });

  it('encrypts ID tokens (RSA-OAEP-256, A256CBC-HS512) when the provider has an encryption key', async () => {
    const idp = await authentik('2025.4.4', { encryptionKey: true });
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    expect(client.idTokenEncryption).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512' });
    const user = await idp.control.createUser({ username: unique('jwe'), name: 'Jo E', email: 'jo@example.test' });
    const config = await relyingParty(authentik.ca, client);
    const { kid, pkcs8Pem } = idp.idTokenDecryptionKey!;
    oidc.enableDecryptingResponses(config, ['A256CBC-HS512'], { kid, key: await jose.importPKCS8(pkcs8Pem, 'RSA-OAEP-256') });
    const { idToken, claims } = await login(authentik.ca, config, user);
    expect(idToken.split('.')).toHaveLength(5);
    expect(jose.decodeProtectedHeader(idToken)).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512' });
    expect(claims).toMatchObject({ email: 'jo@example.test', name: 'Jo E' });
  });

  it('sends an empty email and email_verified true for a user without email before 2025.10', async () => {
    const idp = await authentik('2024.12.5');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('noemail'), name: 'No Mail' });
    const { claims, userinfo } = await login(authentik.ca, await relyingParty(authentik.ca, client), user);
    expect(claims).toMatchObject({ email: '', email_verified: true, name: 'No Mail', given_name: 'No Mail', preferred_username: user.username, sub: user.username });
    expect(await userinfo()).toMatchObject({ email: '', email_verified: true });
  });

  it('sends email_verified false from 2025.10', async () => {
    const idp = await authentik('2025.10.4');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('ev'), email: 'ev@example.test' });
    const { claims } = await login(authentik.ca, await relyingParty(authentik.ca, client), user);
    expect(claims).toMatchObject({ email: 'ev@example.test', email_verified: false });
  });

  it('reads claims from the current user at every token and userinfo request', async () => {
    const idp = await authentik('2025.10.4');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('live'), name: 'Before', email: 'before@example.test' });
    const config = await relyingParty(authentik.ca, client);
    const first = await login(authentik.ca, config, user);
    expect(first.claims).toMatchObject({ name: 'Before', email: 'before@example.test' });
    await idp.control.updateUser(user.username, { name: 'After', email: 'after@example.test' });
    expect(await first.userinfo()).toMatchObject({ name: 'After', email: 'after@example.test' });
    const second = await login(authentik.ca, config, user);
    expect(second.claims).toMatchObject({ name: 'After', email: 'after@example.test' });
  });

  it('accepts both client_secret_post and client_secret_basic whatever was registered', async () => {
    const idp = await authentik('2025.4.4');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'client_secret_basic' });
    const user = await idp.control.createUser({ username: unique('both') });
    for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
      const { claims } = await login(authentik.ca, await relyingParty(authentik.ca, client, { method }), user);
      expect(claims['sub']).toBe(user.username);
    }
  });

  it('sends custom claims in the ID token only when the immich scope is requested', async () => {
    const idp = await authentik('2025.4.4');
    expect(idp.control.capabilities.customClaimsScope).toBe('immich');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('cc'), claims: { immich_quota: 5, immich_role: 'admin' } });
    const config = await relyingParty(authentik.ca, client);
    expect((await login(authentik.ca, config, user)).claims).not.toHaveProperty('immich_quota');
    const { claims } = await login(authentik.ca, config, user, 'openid email profile immich');
    expect(claims).toMatchObject({ immich_quota: 5, immich_role: 'admin' });
  });
});
