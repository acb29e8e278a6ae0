// The embedded Keycloak profile, held to what real Keycloak 26.4.7 and 26.7.3 showed (products/keycloak/).
import { describe, expect, it } from 'vitest';
import { login, REDIRECT, relyingParty, sharedProviders, unique } from './helpers.js';

const keycloak = sharedProviders('keycloak');

describe('embedded Keycloak profile', () => {
  it('uses the realm as issuer, with the openid-connect protocol routes under it', async () => {
    const idp = await keycloak('26.7.3');
    expect(idp.issuer).toBe(`https://auth.harness.test:${idp.port}/realms/immich`);
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const meta = (await relyingParty(keycloak.ca, client)).serverMetadata();
    expect(meta.issuer).toBe(idp.issuer);
    expect(meta.authorization_endpoint).toBe(`${idp.issuer}/protocol/openid-connect/auth`);
    expect(meta.token_endpoint).toBe(`${idp.issuer}/protocol/openid-connect/token`);
    expect(meta.code_challenge_methods_supported).toEqual(['plain', 'S256']);
  });

  it('puts profile and email claims in the ID token, the name joined from first and last name, username and email in lower case', async () => {
    const idp = await keycloak('26.4.7');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const username = unique('kc');
    const user = await idp.control.createUser({ username, givenName: 'Ada', familyName: 'Lovelace', email: 'Ada@Example.test' });
    const { claims } = await login(keycloak.ca, await relyingParty(keycloak.ca, client), user);
    expect(claims).toMatchObject({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', preferred_username: username, email: 'ada@example.test', email_verified: true });
  });

  it('sends no email claim, and email_verified false, for a user without email', async () => {
    const idp = await keycloak('26.7.3');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('kcn'), name: 'No Mail' });
    const { claims } = await login(keycloak.ca, await relyingParty(keycloak.ca, client), user);
    expect(claims).not.toHaveProperty('email');
    expect(claims['email_verified']).toBe(false);
  });

  it('takes client_secret_basic and client_secret_post from the same client', async () => {
    const idp = await keycloak('26.7.3');
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      const client = await idp.control.createClient({ redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'client_secret_post' });
      const config = await relyingParty(keycloak.ca, client, { method });
      const user = await idp.control.createUser({ username: unique('kcm'), email: 'm@example.test' });
      const { claims } = await login(keycloak.ca, config, user);
      expect(claims['sub']).toBe(user.sub);
    }
  });

  it('sends immich_quota and immich_role for the immich scope', async () => {
    const idp = await keycloak('26.7.3');
    const client = await idp.control.createClient({ redirectUris: [REDIRECT] });
    const user = await idp.control.createUser({ username: unique('kcc'), email: 'c@example.test', claims: { immich_quota: 7, immich_role: 'admin' } });
    const { claims } = await login(keycloak.ca, await relyingParty(keycloak.ca, client), user, 'openid email profile immich');
    expect(claims).toMatchObject({ immich_quota: 7, immich_role: 'admin' });
  });
});
