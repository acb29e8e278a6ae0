// Real IdPs register OAuth clients from configuration read at start (Authelia) or blueprints (authentik),
// so the docker backend registers a pool of clients up front and scenarios claim one each.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IdpClient, NewIdpClient } from './control.js';

export interface PooledClient extends IdpClient {
  redirectUris: string[];
  twoFactor?: boolean;
  /** Registered without a secret (NewIdpClient.public). */
  public?: boolean;
}

/** Claims the next unused client of the pool file; a claim is a directory made atomically beside it. */
export function claimClient(poolFile: string, wanted: NewIdpClient): IdpClient {
  const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as PooledClient[];
  const claims = join(dirname(poolFile), 'claimed');
  mkdirSync(claims, { recursive: true });
  for (const client of pool) {
    if (wanted.tokenEndpointAuthMethod && wanted.tokenEndpointAuthMethod !== client.tokenEndpointAuthMethod) continue;
    // Exactly the URIs asked for: a client that must not know one (the app's, say) must not get one that does.
    if (!sameSet(wanted.redirectUris, client.redirectUris)) continue;
    if (Boolean(wanted.twoFactor) !== Boolean(client.twoFactor)) continue;
    if (Boolean(wanted.public) !== Boolean(client.public)) continue;
    try {
      mkdirSync(join(claims, client.clientId));
    } catch {
      continue; // claimed by an earlier scenario
    }
    const { redirectUris: _uris, twoFactor: _twoFactor, public: _public, ...claimed } = client;
    return claimed;
  }
  throw new Error(
    `no unused pre-registered client in ${poolFile} matches ${JSON.stringify({ ...wanted, redirectUris: wanted.redirectUris.length })}: ` +
      'raise the pool size in harness/stack/docker.ts (real IdPs register clients at start only)',
  );
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === new Set(b).size && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
}
