// Authelia on the stack's network: configuration rendered for the version, a pool of clients registered at
// start (Authelia reads clients only then), and a users file in a bind-mounted directory the control rewrites.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HarnessContainer } from '../../containers/spec.js';
import { ContainerLog } from '../../harness/docker/logs.js';
import { immichRedirectUris, webRedirectUris } from '../../harness/flows/mobile-uri.js';
import type { IdpUp, StackParts } from '../types.js';
import { AUTHELIA_PATHS, autheliaFeatures, renderAuthelia, renderAutheliaUsers, type AutheliaClient } from './facts.js';

export async function startAuthelia(parts: StackParts): Promise<IdpUp> {
  const { cell } = parts;
  const features = autheliaFeatures(cell.idp.version);
  // The last clients of the pool ask for a second factor (TOTP), for scenarios that log in with one; those just
  // before them are public (no secret, PKCE required).
  const { size, twoFactor } = parts.pool;
  const isPublic = (i: number) => i >= size - twoFactor - parts.pool.public && i < size - twoFactor;
  const clients: AutheliaClient[] = Array.from({ length: size }, (_, i) => ({
    clientId: `immich-${i + 1}`,
    clientSecret: parts.secret(40),
    redirectUris: i < parts.pool.withoutAppUri ? webRedirectUris(parts.photosUrl) : immichRedirectUris(parts.photosUrl, cell.immich),
    tokenEndpointAuthMethod: cell.idp.settings.tokenEndpointAuthMethod,
    consentMode: 'implicit',
    authorizationPolicy: i >= size - twoFactor ? 'two_factor' : 'one_factor',
    ...(isPublic(i) ? { public: true } : {}),
    claimsInIdToken: cell.idp.settings.claimsInIdToken,
    customClaims: features.customClaims,
  }));
  // Authelia wants one user at start; the scenarios' users come later through the watched users file.
  const placeholder = { username: 'harness-placeholder', password: parts.secret(24), displayname: 'Placeholder', disabled: true };
  // Authelia watches the users file's directory, so the directory is what gets bind-mounted.
  const usersDir = join(parts.dir, 'authelia-users');
  mkdirSync(usersDir, { recursive: true, mode: 0o700 });
  const usersFile = join(usersDir, basename(AUTHELIA_PATHS.users));
  const clientsFile = join(parts.dir, 'clients.json');
  writeFileSync(usersFile, renderAutheliaUsers(cell.idp.version, [placeholder]), { mode: 0o600 });
  const jwksKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return parts.withFreePort('idp', async (port) => {
    const spec = renderAuthelia({ version: cell.idp.version, port, tls: parts.ca.issue([parts.authHost]), jwksKeyPem, clients, users: [placeholder] });
    spec.files = spec.files.filter((f) => f.target !== AUTHELIA_PATHS.users);
    const c = new HarnessContainer(spec).withBindMounts([{ source: usersDir, target: AUTHELIA_PATHS.usersDir, mode: 'rw' }]);
    const log = new ContainerLog('idp');
    parts.attach(c, 'idp', log);
    await parts.startNamed('idp', log, () => c.start());
    const origin = `https://${parts.authHost}:${port}`;
    parts.writePool(
      clientsFile,
      clients.map((c) => ({
        clientId: c.clientId,
        clientSecret: c.public ? '' : c.clientSecret,
        issuer: origin,
        tokenEndpointAuthMethod: c.tokenEndpointAuthMethod ?? 'client_secret_basic',
        idTokenAlg: 'RS256',
        redirectUris: c.redirectUris,
        twoFactor: c.authorizationPolicy === 'two_factor',
        ...(c.public ? { public: true } : {}),
      })),
    );
    return { origin, issuer: origin, control: { usersFile, clientsFile, container: parts.containerName('idp') } };
  });
}
