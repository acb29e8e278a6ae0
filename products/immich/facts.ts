// The Immich server (ghcr.io/immich-app/immich-server) with the database and cache its own compose file
// names for that release. Facts checked in docker/docker-compose.yml and server/src at each release commit.
import { HarnessContainer, type ContainerSpec } from '../../containers/spec.js';
import { immichPostgres, type PostgresFlavour } from '../../containers/postgres.js';
import { immichRedis } from '../../containers/redis.js';
import { normalizeVersion, pick, type Row } from '../../containers/versions.js';

/** Versions the harness has container definitions for (tested). */
// v3.2.2 and v3.3.1: no source or run of them was available here; their containers follow the v3.1.0 rows below
// (users' CI pulls the real images), and their expectations are marked unconfirmed (fixtures/expectations.yaml).
export const IMMICH_VERSIONS = ['v1.113.0', 'v1.132.3', 'v2.7.5', 'v3.1.0', 'v3.2.2', 'v3.3.1'] as const;

export const IMMICH_IMAGE = 'ghcr.io/immich-app/immich-server';

/** Default `IMMICH_PORT`: 3001 up to 1.117 (compose maps 2283:3001), 2283 from 1.118. */
const portTable: readonly Row<number>[] = [
  { range: '<1.118.0', value: 3001 },
  { range: '>=1.118.0', value: 2283 },
];

/** Where uploads live: the compose volume target (`/data` from 1.137). */
const uploadTable: readonly Row<string>[] = [
  { range: '<1.137.0', value: '/usr/src/app/upload' },
  { range: '>=1.137.0', value: '/data' },
];

export interface ImmichFacts {
  version: string; // as given, e.g. "v3.1.0"
  image: string;
  port: number;
  uploadPath: string;
  postgres: PostgresFlavour;
  redisImage: string;
}

export function immichFacts(version: string): ImmichFacts {
  normalizeVersion(version);
  const tag = version.startsWith('v') ? version : `v${version}`;
  return {
    version: tag,
    image: `${IMMICH_IMAGE}:${tag}`,
    port: pick('Immich port', portTable, version),
    uploadPath: pick('Immich upload path', uploadTable, version),
    postgres: immichPostgres(version),
    redisImage: immichRedis(version),
  };
}

export const IMMICH_CA_PATH = '/harness/ca.pem';
export const IMMICH_CONFIG_PATH = '/harness/immich-config.json';

export interface ImmichOptions {
  version: string;
  db: { host: string; user: string; password: string; database: string };
  redisHost: string;
  /** Root CA PEM to trust (NODE_EXTRA_CA_CERTS). Omit for a server that must NOT trust the CA. */
  caPem?: string;
  /** System config written to a file and named by IMMICH_CONFIG_FILE (then PUT /api/system-config answers 400). */
  systemConfig?: unknown;
  networkAliases?: string[];
  env?: Record<string, string>;
  startupTimeoutMs?: number;
}

export function renderImmich(o: ImmichOptions): ContainerSpec {
  const facts = immichFacts(o.version);
  const files = [];
  const env: Record<string, string> = {
    DB_HOSTNAME: o.db.host,
    DB_USERNAME: o.db.user,
    DB_PASSWORD: o.db.password,
    DB_DATABASE_NAME: o.db.database,
    REDIS_HOSTNAME: o.redisHost,
    IMMICH_PORT: String(facts.port),
    IMMICH_ENV: 'testing',
    IMMICH_MACHINE_LEARNING_ENABLED: 'false',
    // Read from 1.117; older servers ignore it. The upload folder is the container's own, fresh each run.
    IMMICH_IGNORE_MOUNT_CHECK_ERRORS: 'true',
  };
  if (o.caPem !== undefined) {
    files.push({ target: IMMICH_CA_PATH, content: o.caPem, mode: 0o644 });
    env.NODE_EXTRA_CA_CERTS = IMMICH_CA_PATH;
  }
  if (o.systemConfig !== undefined) {
    files.push({ target: IMMICH_CONFIG_PATH, content: JSON.stringify(o.systemConfig, null, 2), mode: 0o644 });
    env.IMMICH_CONFIG_FILE = IMMICH_CONFIG_PATH;
  }
  return {
    image: facts.image,
    env: { ...env, ...o.env },
    files,
    ports: [{ container: facts.port }],
    networkAliases: o.networkAliases ?? [],
    wait: { kind: 'http', path: '/api/server/ping', port: facts.port, tls: false, status: 200 },
    // Migrations on a fresh database plus start-up: 6-9 s on 2 cores for v3.1.0; slow CI runners need more.
    startupTimeoutMs: o.startupTimeoutMs ?? 180_000,
  };
}

/**
 * new ImmichContainer({ version: 'v3.1.0', db, redisHost: 'redis', caPem }).withNetwork(net).start()
 * The port to map is `container.spec.ports[0].container` (3001 or 2283 by version).
 */
export class ImmichContainer extends HarnessContainer {
  readonly facts: ImmichFacts;
  constructor(options: ImmichOptions) {
    super(renderImmich(options));
    this.facts = immichFacts(options.version);
  }
}
