import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimClient, type PooledClient } from './client-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'idp-harness-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const uris = ['https://photos.harness.test:1/auth/login', 'app.immich:///oauth-callback'];
const client = (id: string, extra: Partial<PooledClient> = {}): PooledClient => ({
  clientId: id,
  clientSecret: `secret${id}`,
  issuer: 'https://auth.harness.test:2',
  tokenEndpointAuthMethod: 'client_secret_post',
  idTokenAlg: 'RS256',
  redirectUris: uris,
  ...extra,
});

function pool(name: string, clients: PooledClient[]): string {
  const file = join(dir, name, 'clients.json');
  rmSync(join(dir, name), { recursive: true, force: true });
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(file, JSON.stringify(clients));
  return file;
}

describe('the pre-registered client pool of a real IdP', () => {
  it('hands each scenario a client no earlier scenario claimed, without its pool-only fields', () => {
    const file = pool('a', [client('1'), client('2')]);
    const first = claimClient(file, { redirectUris: uris });
    const second = claimClient(file, { redirectUris: uris });
    expect([first.clientId, second.clientId]).toEqual(['1', '2']);
    expect(first).not.toHaveProperty('redirectUris');
    expect(() => claimClient(file, { redirectUris: uris })).toThrow(/no unused pre-registered client .* raise the pool size/);
  });

  it('matches the auth method, the redirect URIs and the second-factor policy asked for', () => {
    const file = pool('b', [client('basic', { tokenEndpointAuthMethod: 'client_secret_basic' }), client('2fa', { twoFactor: true }), client('plain')]);
    expect(claimClient(file, { redirectUris: uris, twoFactor: true }).clientId).toBe('2fa');
    expect(claimClient(file, { redirectUris: uris, tokenEndpointAuthMethod: 'client_secret_post' }).clientId).toBe('plain');
    expect(() => claimClient(file, { redirectUris: [...uris, 'https://elsewhere.harness.test/cb'] })).toThrow(/no unused/);
    expect(claimClient(file, { redirectUris: [...uris].reverse() }).clientId).toBe('basic');
  });

  it('never hands out a client that knows a redirect URI the scenario wants unknown', () => {
    const file = pool('c', [client('full'), client('web-only', { redirectUris: uris.slice(0, 1) })]);
    expect(claimClient(file, { redirectUris: uris.slice(0, 1) }).clientId).toBe('web-only');
    expect(() => claimClient(file, { redirectUris: uris.slice(0, 1) })).toThrow(/no unused/);
    expect(claimClient(file, { redirectUris: uris }).clientId).toBe('full');
  });
});
