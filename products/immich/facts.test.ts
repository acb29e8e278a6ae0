import { describe, expect, it } from 'vitest';
import { IMMICH_CA_PATH, IMMICH_CONFIG_PATH, IMMICH_VERSIONS, ImmichContainer, immichFacts, renderImmich } from './facts.js';
import { renderPostgres } from '../../containers/postgres.js';
import { renderRedis } from '../../containers/redis.js';

const db = { host: 'database', user: 'postgres', password: 'pw', database: 'immich' };

describe('Immich per version', () => {
  // From docker/docker-compose.yml at each release commit (asah/immich).
  const expected = {
    'v1.113.0': { port: 3001, upload: '/usr/src/app/upload', pg: 'docker.io/tensorchord/pgvecto-rs:pg14-v0.2.0', redis: 'docker.io/library/redis:6.2-alpine' },
    'v1.132.3': { port: 2283, upload: '/usr/src/app/upload', pg: 'docker.io/tensorchord/pgvecto-rs:pg14-v0.2.0', redis: 'docker.io/valkey/valkey:8-bookworm' },
    'v2.7.5': { port: 2283, upload: '/data', pg: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0', redis: 'docker.io/valkey/valkey:9' },
    'v3.1.0': { port: 2283, upload: '/data', pg: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0', redis: 'docker.io/valkey/valkey:9' },
    // Not read at their release commits (none is fetchable here): the v3.1.0 rows carry over.
    'v3.2.2': { port: 2283, upload: '/data', pg: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0', redis: 'docker.io/valkey/valkey:9' },
    'v3.3.1': { port: 2283, upload: '/data', pg: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0', redis: 'docker.io/valkey/valkey:9' },
  } as const;

  for (const version of IMMICH_VERSIONS) {
    it(`pins the images, port and upload path of ${version}`, () => {
      const f = immichFacts(version);
      const e = expected[version];
      expect(f.image).toBe(`ghcr.io/immich-app/immich-server:${version}`);
      expect([f.port, f.uploadPath, f.postgres.image, f.redisImage]).toEqual([e.port, e.upload, e.pg, e.redis]);
    });
  }

  it('switches to the vectorchord image at 1.133 and to valkey at 1.132', () => {
    expect(immichFacts('v1.132.3').postgres.image).toContain('pgvecto-rs');
    expect(immichFacts('v1.133.0').postgres.image).toBe('ghcr.io/immich-app/postgres:14-vectorchord0.3.0-pgvectors0.2.0');
    expect(immichFacts('v1.131.3').redisImage).toBe('docker.io/library/redis:6.2-alpine');
    expect(immichFacts('v1.117.0').port).toBe(3001);
    expect(immichFacts('v1.118.0').port).toBe(2283);
  });

  it('accepts a newer 3.x with the 3.1 facts and refuses a non-version', () => {
    expect(immichFacts('v3.2.2').postgres.image).toBe(immichFacts('v3.1.0').postgres.image);
    expect(() => immichFacts('latest')).toThrow(/not a version/);
  });

  it('renders env with machine learning off, the CA file and the port for the version', () => {
    const spec = renderImmich({ version: 'v1.113.0', db, redisHost: 'redis', caPem: 'CA-PEM' });
    expect(spec.env).toMatchObject({
      DB_HOSTNAME: 'database',
      DB_DATABASE_NAME: 'immich',
      REDIS_HOSTNAME: 'redis',
      IMMICH_PORT: '3001',
      IMMICH_MACHINE_LEARNING_ENABLED: 'false',
      NODE_EXTRA_CA_CERTS: IMMICH_CA_PATH,
    });
    expect(spec.files).toEqual([{ target: IMMICH_CA_PATH, content: 'CA-PEM', mode: 0o644 }]);
    expect(spec.ports).toEqual([{ container: 3001 }]);
    expect(spec.wait).toEqual({ kind: 'http', path: '/api/server/ping', port: 3001, tls: false, status: 200 });
    expect(spec.startupTimeoutMs).toBeGreaterThanOrEqual(60_000);
  });

  it('renders a server that does not trust the CA when no CA is given', () => {
    const spec = renderImmich({ version: 'v3.1.0', db, redisHost: 'redis' });
    expect(spec.env).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
    expect(spec.files).toEqual([]);
  });

  it('writes a system config file and names it with IMMICH_CONFIG_FILE', () => {
    const spec = renderImmich({ version: 'v2.7.5', db, redisHost: 'redis', systemConfig: { oauth: { enabled: true } } });
    expect(spec.env.IMMICH_CONFIG_FILE).toBe(IMMICH_CONFIG_PATH);
    expect(JSON.parse(spec.files[0]!.content)).toEqual({ oauth: { enabled: true } });
  });

  it('publishes the server port on loopback only', () => {
    const created = new ImmichContainer({ version: 'v3.1.0', db, redisHost: 'redis' }).renderedCreateOptions();
    expect(created.portBindings).toEqual({ '2283/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] });
    expect(created.env).toContain('IMMICH_PORT=2283');
  });
});

describe('Immich database and cache', () => {
  it('preloads pgvecto.rs as the compose file does up to 1.132, and keeps the image command after', () => {
    const old = renderPostgres({ flavour: immichFacts('v1.132.3').postgres, user: 'u', password: 'p', database: 'immich', networkAlias: 'database' });
    expect(old.command).toEqual(['postgres', '-c', 'shared_preload_libraries=vectors.so', '-c', 'search_path="$user", public, vectors']);
    const now = renderPostgres({ flavour: immichFacts('v3.1.0').postgres, user: 'u', password: 'p', database: 'immich', networkAlias: 'database' });
    expect(now.command).toBeUndefined();
    expect(now.shmSizeBytes).toBe(128 * 1024 * 1024);
    expect(now.env).toMatchObject({ POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p', POSTGRES_DB: 'immich' });
    expect(now.networkAliases).toEqual(['database']);
  });

  it('waits for the second ready line of Postgres and the ready line of Redis/Valkey', () => {
    const pg = renderPostgres({ flavour: immichFacts('v3.1.0').postgres, user: 'u', password: 'p', database: 'd', networkAlias: 'db' });
    expect(pg.wait).toMatchObject({ kind: 'log', times: 2 });
    const redis = renderRedis({ image: immichFacts('v3.1.0').redisImage, networkAlias: 'redis' });
    expect(redis).toMatchObject({ image: 'docker.io/valkey/valkey:9', networkAliases: ['redis'], wait: { kind: 'log', times: 1 } });
  });
});
