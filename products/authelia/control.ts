// Scenario control of a real Authelia: users by replacing its watched users file (in a bind-mounted directory,
// which is what Authelia's watcher sees), clients from the pool registered in its configuration at start.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { AUTHELIA_PATHS, autheliaFeatures, IMMICH_SCOPE, renderAutheliaUsers, type AutheliaUser } from './facts.js';
import { caAgent } from '../../harness/ca/dispatcher.js';
import { containerExec } from '../../harness/docker/exec.js';
import { base32Encode } from '../../harness/drivers/totp.js';
import { claimClient } from '../../harness/idp/client-pool.js';
import { timeoutScale } from '../../harness/flows/pacing.js';
import { checkPreferredUsername, type IdpCapabilities, type IdpControl, type NewIdpUser } from '../../harness/idp/control.js';

/** Reload takes about 1 s on an idle machine; the scale gives a loaded one more. */
const reloadTimeoutMs = () => Math.round(30_000 * timeoutScale());
const SYNC_USER = 'harness-sync';

export function autheliaControl(
  info: { usersFile: string; clientsFile: string; container: string; origin: string; version: string },
  caPem: string,
): IdpControl {
  const stateFile = `${info.usersFile}.state.json`;
  const agent = caAgent(caPem);
  const features = autheliaFeatures(info.version);
  const load = (): AutheliaUser[] => (existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as AutheliaUser[]) : []);

  /** Writes every user plus a fresh sync user, then waits until Authelia accepts the sync user: the reload signal. */
  async function save(users: AutheliaUser[]): Promise<void> {
    writeFileSync(stateFile, JSON.stringify(users), { mode: 0o600 });
    const sync: AutheliaUser = { username: SYNC_USER, password: randomBytes(12).toString('hex'), displayname: 'harness sync' };
    // Written aside and renamed over: Authelia never reads a half-written file, and its directory watch sees the rename.
    const next = `${info.usersFile}.next`;
    writeFileSync(next, renderAutheliaUsers(info.version, [...users, sync], { hashIterations: 1000 }), { mode: 0o600 });
    renameSync(next, info.usersFile);
    const deadline = Date.now() + reloadTimeoutMs();
    for (;;) {
      const res = await request(`${info.origin}/api/firstfactor`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: sync.username, password: sync.password, keepMeLoggedIn: false }),
      });
      await res.body.dump();
      if (res.statusCode === 200) return;
      if (Date.now() > deadline) throw new Error(`Authelia did not reload ${info.usersFile} within ${reloadTimeoutMs()} ms (last answer ${res.statusCode})`);
      await new Promise((r) => setTimeout(r, 200)); // polling a file watcher: there is no push signal to wait on
    }
  }

  /** Registers a TOTP secret for the user with Authelia's own CLI inside its container. */
  async function giveTotp(username: string): Promise<string> {
    const secret = base32Encode(randomBytes(20));
    const r = await containerExec(info.container, [
      'authelia', 'storage', 'user', 'totp', 'generate', username, '--secret', secret, '--config', AUTHELIA_PATHS.config,
    ]);
    if (r.exitCode !== 0) throw new Error(`authelia storage user totp generate ${username} failed (${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    return secret;
  }

  // preferred_username is the username in every version (internal/oidc claims: PreferredUsername = Username).
  // Public clients come from the pool registered at start (products/authelia/start.ts).
  const capabilities: IdpCapabilities = { customClaimsScope: features.customClaims ? IMMICH_SCOPE : null, preferredUsername: 'is-username', publicClients: true };
  const toAuthelia = (user: NewIdpUser, password: string): AutheliaUser => {
    const quota = user.claims?.['immich_quota'];
    const role = user.claims?.['immich_role'];
    return {
      username: user.username,
      password,
      displayname: user.name ?? user.username,
      ...(user.email != null ? { email: user.email } : {}),
      ...(features.customClaims && quota !== undefined ? { immichQuota: quota as number } : {}),
      ...(features.customClaims && role !== undefined ? { immichRole: String(role) } : {}),
    };
  };

  return {
    capabilities,
    async createUser(user) {
      checkPreferredUsername(capabilities, user.username, user.preferredUsername);
      const password = user.password ?? randomBytes(18).toString('hex');
      await save([...load().filter((u) => u.username !== user.username), toAuthelia(user, password)]);
      // Authelia's subject is an opaque identifier it makes at the first login.
      if (!user.totp) return { username: user.username, password, sub: '' };
      return { username: user.username, password, sub: '', totpSecret: await giveTotp(user.username) };
    },
    async updateUser(username, patch) {
      const users = load();
      const current = users.find((u) => u.username === username);
      if (!current) throw new Error(`Authelia users file has no user "${username}"`);
      checkPreferredUsername(capabilities, username, patch.preferredUsername);
      const next = toAuthelia(
        {
          username,
          name: patch.name ?? current.displayname,
          email: patch.email !== undefined ? patch.email : (current.email ?? null),
          claims: {
            ...(current.immichQuota !== undefined ? { immich_quota: current.immichQuota } : {}),
            ...(current.immichRole !== undefined ? { immich_role: current.immichRole } : {}),
            ...patch.claims,
          },
        },
        current.password,
      );
      await save(users.map((u) => (u.username === username ? next : u)));
    },
    async createClient(wanted) {
      return claimClient(info.clientsFile, wanted);
    },
  };
}
