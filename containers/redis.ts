// Redis (or Valkey, its drop-in) as each product's compose file pins it.
import { HarnessContainer, type ContainerSpec } from './spec.js';
import { pick, type Row } from './versions.js';

/** Immich docker/docker-compose.yml, `redis` service, per release (checked at every release tag). */
export const immichRedisTable: readonly Row<string>[] = [
  { range: '<1.132.0', value: 'docker.io/library/redis:6.2-alpine' },
  { range: '>=1.132.0 <2.2.0', value: 'docker.io/valkey/valkey:8-bookworm' },
  { range: '>=2.2.0 <2.4.0', value: 'docker.io/valkey/valkey:8' },
  { range: '>=2.4.0', value: 'docker.io/valkey/valkey:9' },
];

/** authentik needs Redis up to 2025.8; from 2025.10 it has none (null). */
export const authentikRedisTable: readonly Row<string | null>[] = [
  { range: '<2025.10.0', value: 'docker.io/library/redis:alpine' },
  { range: '>=2025.10.0', value: null },
];

export const immichRedis = (immichVersion: string) => pick('Immich Redis image', immichRedisTable, immichVersion);
export const authentikRedis = (authentikVersion: string) => pick('authentik Redis image', authentikRedisTable, authentikVersion);

export interface RedisOptions {
  image: string;
  networkAlias: string;
  startupTimeoutMs?: number;
}

export function renderRedis(o: RedisOptions): ContainerSpec {
  return {
    image: o.image,
    env: {},
    files: [],
    ports: [],
    networkAliases: [o.networkAlias],
    // Redis and Valkey both log this line once they serve.
    wait: { kind: 'log', pattern: /Ready to accept connections/, times: 1 },
    startupTimeoutMs: o.startupTimeoutMs ?? 60_000,
  };
}

export class RedisContainer extends HarnessContainer {
  constructor(options: RedisOptions) {
    super(renderRedis(options));
  }
}
