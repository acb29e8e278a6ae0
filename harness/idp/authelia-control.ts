// Scenario control of a real Authelia: users by rewriting its watched users file (bind-mounted, rewritten
// in place), clients from the pool registered in its configuration at start.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { AUTHELIA_PATHS, autheliaFeatures, IMMICH_SCOPE, renderAutheliaUsers, type AutheliaUser } from '../../containers/authelia.js';
import { caAgent } from '../ca/dispatcher.js';
import { containerExec } from '../docker/exec.js';
import { base32Encode } from '../drivers/totp.js';
import { claimClient } from './client-pool.js';
import type { IdpControl, NewIdpUser } from './control.js';

const RELOAD_TIMEOUT_MS = 15_000;
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
    // Same inode: a rename would not reach the bind mount inside the container.
    writeFileSync(info.usersFile, renderAutheliaUsers(info.version, [...users, sync], { hashIterations: 1000 }));
    const deadline = Date.now() + RELOAD_TIMEOUT_MS;
    for (;;) {
      const res = await request(`${info.origin}/api/firstfactor`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: sync.username, password: sync.password, keepMeLoggedIn: false }),
      });
      await res.body.dump();
      if (res.statusCode === 200) return;
      if (Date.now() > deadline) throw new Error(`Authelia did not reload ${info.usersFile} within ${RELOAD_TIMEOUT_MS} ms (last answer ${res.statusCode})`);
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
    capabilities: { customClaimsScope: features.customClaims ? IMMICH_SCOPE : null },
    async createUser(user) {
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
