// Scenario control of a real Keycloak: users and clients through its admin REST API, made when asked (Keycloak
// registers clients at run time, so no pool is needed).
import { randomBytes } from 'node:crypto';
import { caAgent } from '../../harness/ca/dispatcher.js';
import { checkPreferredUsername, type IdpCapabilities, type IdpControl, type NewIdpUser } from '../../harness/idp/control.js';
import type { TokenEndpointAuthMethod } from '../../harness/model.js';
import type { ControlContext } from '../types.js';
import { KeycloakAdmin, type KeycloakUser } from './admin.js';
import { IMMICH_SCOPE } from './facts.js';

export interface KeycloakControlInfo {
  realm: string;
  admin: { username: string; password: string };
  /** The variant's method, which Immich is set to use (Keycloak's client-secret authenticator takes both). */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
}

const alnum = (n: number) => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, n);

/** Keycloak's user from the harness's profile: one name field pair, attributes as string lists. */
function toKeycloak(user: Omit<NewIdpUser, 'username'> & { username: string }): KeycloakUser {
  const attributes = Object.fromEntries(
    Object.entries(user.claims ?? {})
      .filter(([k]) => k === 'immich_quota' || k === 'immich_role')
      .map(([k, v]) => [k, [String(v)]]),
  );
  return {
    username: user.username,
    enabled: true,
    ...(user.email != null ? { email: user.email, emailVerified: true } : {}),
    // Keycloak's name claim joins first and last name; a lone display name goes in the first.
    ...(user.givenName ?? user.name ? { firstName: user.givenName ?? user.name } : {}),
    ...(user.familyName ? { lastName: user.familyName } : {}),
    attributes,
  };
}

export function keycloakControl(info: KeycloakControlInfo, ctx: ControlContext): IdpControl {
  const admin = new KeycloakAdmin({ origin: ctx.origin, realm: info.realm, admin: info.admin, dispatcher: caAgent(ctx.caPem) });
  const issuer = `${ctx.origin}/realms/${info.realm}`;
  // preferred_username is the username (Keycloak's username mapper), which Keycloak also lowercases.
  const capabilities: IdpCapabilities = { customClaimsScope: IMMICH_SCOPE, preferredUsername: 'is-username', publicClients: true };
  const idOf = async (username: string) => {
    const found = await admin.findUser(username);
    if (!found?.id) throw new Error(`Keycloak realm ${info.realm} has no user "${username}"`);
    return found;
  };
  return {
    capabilities,
    async createUser(user) {
      checkPreferredUsername(capabilities, user.username, user.preferredUsername);
      if (user.totp) throw new Error('the Keycloak control sets up no second factor: use an IdP whose control does (Authelia)');
      const password = user.password ?? alnum(24);
      const sub = await admin.createUser({ ...toKeycloak(user), credentials: [{ type: 'password', value: password, temporary: false }] });
      return { username: user.username, password, sub };
    },
    async updateUser(username, patch) {
      checkPreferredUsername(capabilities, username, patch.preferredUsername);
      const current = await idOf(username);
      const claims = {
        ...Object.fromEntries(Object.entries(current.attributes ?? {}).map(([k, v]) => [k, v[0]])),
        ...patch.claims,
      };
      const next = toKeycloak({
        username,
        email: patch.email !== undefined ? patch.email : (current.email ?? null),
        name: patch.name ?? current.firstName,
        givenName: patch.givenName,
        familyName: patch.familyName ?? current.lastName,
        claims,
      });
      await admin.updateUser(current.id!, next);
    },
    async createClient(wanted) {
      if (wanted.twoFactor) throw new Error('the Keycloak control sets up no second factor: use an IdP whose control does (Authelia)');
      const client = {
        clientId: `immich-${alnum(10)}`,
        secret: wanted.public ? '' : alnum(40),
        redirectUris: wanted.redirectUris,
        consentRequired: wanted.consent === 'explicit',
        publicClient: wanted.public === true,
      };
      await admin.createClient(client);
      return {
        clientId: client.clientId,
        clientSecret: client.secret,
        issuer,
        tokenEndpointAuthMethod: wanted.tokenEndpointAuthMethod ?? info.tokenEndpointAuthMethod ?? 'client_secret_post',
        idTokenAlg: 'RS256',
      };
    },
  };
}
