// authentik on the stack's network: its Postgres (and Redis before 2025.10), the worker that applies the
// blueprint (a pool of providers, the web certificate, keys), then the server.
import { join } from 'node:path';
import { PostgresContainer } from '../../containers/postgres.js';
import { RedisContainer } from '../../containers/redis.js';
import { ContainerLog } from '../../harness/docker/logs.js';
import { freeLoopbackPort } from '../../harness/docker/ports.js';
import { immichRedirectUris, webRedirectUris } from '../../harness/flows/mobile-uri.js';
import type { IdpUp, StackParts } from '../types.js';
import { AuthentikContainer, authentikFacts } from './facts.js';

export async function startAuthentik(parts: StackParts): Promise<IdpUp> {
  const { cell, ca } = parts;
  const facts = authentikFacts(cell.idp.version);
  const db = { host: 'authentik-db', user: 'authentik', password: parts.secret(32), database: 'authentik' };
  const pg = new PostgresContainer({ flavour: facts.postgres, user: db.user, password: db.password, database: db.database, networkAlias: db.host });
  const pgLog = new ContainerLog('authentik-postgres');
  parts.attach(pg, 'authentik-postgres', pgLog);
  const redisHost = facts.redisImage ? 'authentik-redis' : undefined;
  const startRedis = async () => {
    if (!facts.redisImage) return;
    const redis = new RedisContainer({ image: facts.redisImage, networkAlias: 'authentik-redis' });
    const log = new ContainerLog('authentik-redis');
    parts.attach(redis, 'authentik-redis', log);
    await parts.startNamed('authentik-redis', log, () => redis.start());
  };
  await parts.both(() => parts.startNamed('authentik-postgres', pgLog, () => pg.start()), startRedis);

  // The port is fixed before the (slow) worker runs; a port taken meanwhile fails the cell with Docker's message.
  const port = await freeLoopbackPort();
  const s = cell.idp.settings;
  // Providers come from the blueprint applied at start: a pool that scenarios claim one by one.
  const providers = Array.from({ length: parts.pool.size }, (_, i) => ({
    slug: `immich-${i + 1}`,
    clientId: parts.secret(24),
    clientSecret: parts.secret(48),
    redirectUris: i < parts.pool.withoutAppUri ? webRedirectUris(parts.photosUrl) : immichRedirectUris(parts.photosUrl, cell.immich),
    signingKey: s.signingKey,
    encryptionKey: s.encryptionKey,
  }));
  const ak = new AuthentikContainer({
    version: cell.idp.version,
    port,
    db,
    redisHost,
    webCertificate: ca.issue([parts.authHost]),
    signingKeypair: s.signingKey ? ca.issue(['signing.harness.test']) : undefined,
    encryptionKeypair: s.encryptionKey ? ca.issue(['encryption.harness.test']) : undefined,
    providers,
  });
  const workerLog = new ContainerLog('authentik-worker');
  const serverLog = new ContainerLog('idp');
  parts.attach(ak.worker, 'authentik-worker', workerLog);
  parts.attach(ak.server, 'idp', serverLog);
  // Worker first: the server reads the brand certificate (from the blueprint) when it first becomes healthy.
  await parts.startNamed('authentik-worker', workerLog, () => ak.worker.start());
  await parts.startNamed('idp', serverLog, () => ak.server.start());
  const origin = `https://${parts.authHost}:${port}`;
  const clientsFile = join(parts.dir, 'authentik-clients.json');
  parts.writePool(
    clientsFile,
    providers.map((p) => ({
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      issuer: ak.specs.issuers[p.slug]!,
      // authentik accepts both methods; Immich's default is recorded.
      tokenEndpointAuthMethod: 'client_secret_post',
      idTokenAlg: s.signingKey ? 'RS256' : 'HS256',
      ...(s.encryptionKey ? { idTokenEncryption: { alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512' } } : {}),
      redirectUris: p.redirectUris,
    })),
  );
  return { origin, issuer: ak.specs.issuers[providers[0]!.slug]!, control: { apiUrl: origin, token: ak.bootstrapToken, clientsFile } };
}
