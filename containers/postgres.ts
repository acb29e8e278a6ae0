// PostgreSQL for Immich (with its vector extension) and for authentik.
// Images as pinned by each product's own compose file at that release (tags, not digests: digests differ
// per architecture and are recorded by ensureImage instead).
import { HarnessContainer, type ContainerSpec } from './spec.js';
import { pick, type Row } from './versions.js';

export interface PostgresFlavour {
  image: string;
  /** Extra server arguments the compose file passes (pgvecto.rs needs its library preloaded). */
  args: string[];
  shmSizeBytes?: number;
}

const PGVECTO_RS_ARGS = ['-c', 'shared_preload_libraries=vectors.so', '-c', 'search_path="$user", public, vectors'];

/** Immich docker/docker-compose.yml, `database` service, per release (checked at every release tag). */
export const immichPostgresTable: readonly Row<PostgresFlavour>[] = [
  { range: '<1.133.0', value: { image: 'docker.io/tensorchord/pgvecto-rs:pg14-v0.2.0', args: PGVECTO_RS_ARGS } },
  { range: '>=1.133.0 <1.135.0', value: { image: 'ghcr.io/immich-app/postgres:14-vectorchord0.3.0-pgvectors0.2.0', args: [] } },
  { range: '>=1.135.0 <1.135.1', value: { image: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.1-pgvectors0.2.0', args: [] } },
  { range: '>=1.135.1 <1.135.2', value: { image: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.2-pgvectors0.2.0', args: [] } },
  // shm_size 128mb appears in the compose file from 1.136.
  { range: '>=1.135.2 <1.136.0', value: { image: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0', args: [] } },
  {
    range: '>=1.136.0',
    value: { image: 'ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0', args: [], shmSizeBytes: 128 * 1024 * 1024 },
  },
];

/** authentik's compose file pins postgres:16-alpine for every release we test. */
export const authentikPostgresTable: readonly Row<PostgresFlavour>[] = [
  { range: '>=2024.0.0', value: { image: 'docker.io/library/postgres:16-alpine', args: [] } },
];

export const immichPostgres = (immichVersion: string) => pick('Immich Postgres image', immichPostgresTable, immichVersion);
export const authentikPostgres = (authentikVersion: string) =>
  pick('authentik Postgres image', authentikPostgresTable, authentikVersion);

export interface PostgresOptions {
  flavour: PostgresFlavour;
  user: string;
  password: string;
  database: string;
  networkAlias: string;
  startupTimeoutMs?: number;
}

export function renderPostgres(o: PostgresOptions): ContainerSpec {
  return {
    image: o.flavour.image,
    env: {
      POSTGRES_USER: o.user,
      POSTGRES_PASSWORD: o.password,
      POSTGRES_DB: o.database,
      POSTGRES_INITDB_ARGS: '--data-checksums',
    },
    files: [],
    // The image's own command unless the compose file overrides it: the immich-app images configure their
    // extensions in the default command (Immich's e2e repeats shared_preload_libraries when it overrides it).
    ...(o.flavour.args.length > 0 ? { command: ['postgres', ...o.flavour.args] } : {}),
    ports: [],
    networkAliases: [o.networkAlias],
    // The entrypoint runs a temporary server for initdb first: the second "ready" line is the real one.
    wait: { kind: 'log', pattern: /database system is ready to accept connections/, times: 2 },
    startupTimeoutMs: o.startupTimeoutMs ?? 120_000,
    tmpfs: { '/var/lib/postgresql/data': 'rw' },
    ...(o.flavour.shmSizeBytes ? { shmSizeBytes: o.flavour.shmSizeBytes } : {}),
  };
}

export class PostgresContainer extends HarnessContainer {
  constructor(options: PostgresOptions) {
    super(renderPostgres(options));
  }
}
