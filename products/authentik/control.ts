// Scenario control of a real authentik: users through its REST API (bootstrap token), clients from the
// pool of providers the blueprint registered at start.
import { randomBytes } from 'node:crypto';
import { AuthentikApi } from './api.js';
import { IMMICH_SCOPE } from './facts.js';
import { caAgent } from '../../harness/ca/dispatcher.js';
import { claimClient } from '../../harness/idp/client-pool.js';
import { checkPreferredUsername, type IdpCapabilities, type IdpControl, type NewIdpUser } from '../../harness/idp/control.js';

export function authentikControl(info: { apiUrl: string; token: string; clientsFile: string }, caPem: string): IdpControl {
  const api = new AuthentikApi({ baseUrl: info.apiUrl, token: info.token, dispatcher: caAgent(caPem) });
  const pks = new Map<string, number>();
  const attributes = (claims: Record<string, unknown> | undefined) =>
    Object.fromEntries(Object.entries(claims ?? {}).filter(([k]) => k === 'immich_quota' || k === 'immich_role'));
  const pkOf = async (username: string) => {
    const known = pks.get(username) ?? (await api.findUser(username))?.pk;
    if (known === undefined) throw new Error(`authentik has no user "${username}"`);
    return known;
  };
  // preferred_username is the username (the managed profile mapping), and the subject is too (sub_mode user_username).
  const capabilities: IdpCapabilities = { customClaimsScope: IMMICH_SCOPE, preferredUsername: 'is-username' };
  return {
    capabilities,
    async createUser(user: NewIdpUser) {
      checkPreferredUsername(capabilities, user.username, user.preferredUsername);
      const password = user.password ?? randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
      const created = await api.createUser({
        username: user.username,
        name: user.name ?? user.username,
        // authentik stores "" for a user without email and sends `email: ""` (what the IdP really does).
        email: user.email ?? '',
        password,
        attributes: attributes(user.claims),
      });
      pks.set(user.username, created.pk);
      // sub_mode user_username (blueprint): the subject is the username.
      return { username: user.username, password, sub: user.username };
    },
    async updateUser(username, patch) {
      checkPreferredUsername(capabilities, username, patch.preferredUsername);
      const pk = await pkOf(username);
      await api.patchUser(pk, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.email !== undefined ? { email: patch.email ?? '' } : {}),
        ...(patch.claims !== undefined ? { attributes: attributes(patch.claims) } : {}),
      });
    },
    async createClient(wanted) {
      return claimClient(info.clientsFile, wanted);
    },
  };
}
