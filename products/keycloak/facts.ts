// Keycloak as the OpenID provider: versions, image, and the container as the official image runs it
// (kc.sh start-dev: the dev-file database, no external one). Facts from the 26.x server distribution
// (bin/kc.sh, the keycloak.v2 login theme) and the server's own options.
// Topology: Keycloak listens on https inside its container on the port published on the host, so
// https://auth.harness.test:<port> is one URL for containers (network alias), the browser and the harness.
import type { ContainerSpec } from '../../containers/spec.js';
import { normalizeVersion } from '../../containers/versions.js';

/** The newest 26.x and the older line Red Hat's build of Keycloak supports (26.4). */
export const KEYCLOAK_VERSIONS = ['26.4.7', '26.7.3'] as const;
export const KEYCLOAK_IMAGE = 'quay.io/keycloak/keycloak';

/** The realm the harness makes; issuers read https://auth.harness.test:<port>/realms/immich. */
export const KEYCLOAK_REALM = 'immich';
/** Optional client scope carrying immich_quota and immich_role (user attributes, through protocol mappers). */
export const IMMICH_SCOPE = 'immich';
/** Keycloak's management interface (health), on its own port since 25. */
export const MANAGEMENT_PORT = 9000;

export const KEYCLOAK_PATHS = {
  home: '/opt/keycloak',
  tlsCert: '/opt/keycloak/conf/harness-tls.crt',
  tlsKey: '/opt/keycloak/conf/harness-tls.key',
} as const;

export function keycloakImage(version: string): string {
  normalizeVersion(version);
  return `${KEYCLOAK_IMAGE}:${version}`;
}

export interface KeycloakOptions {
  version: string;
  port: number;
  tls: { certPem: string; keyPem: string };
  admin: { username: string; password: string };
  host?: string;
  /** Another image than the official one (a local build). */
  image?: string;
  startupTimeoutMs?: number;
}

export function renderKeycloak(o: KeycloakOptions): ContainerSpec {
  const host = o.host ?? 'auth.harness.test';
  return {
    image: o.image ?? keycloakImage(o.version),
    // The bootstrap admin (26+): a temporary admin of the master realm, used only through the admin REST API.
    env: { KC_BOOTSTRAP_ADMIN_USERNAME: o.admin.username, KC_BOOTSTRAP_ADMIN_PASSWORD: o.admin.password },
    command: [
      'start-dev',
      `--https-port=${o.port}`,
      '--http-enabled=false',
      `--https-certificate-file=${KEYCLOAK_PATHS.tlsCert}`,
      `--https-certificate-key-file=${KEYCLOAK_PATHS.tlsKey}`,
      // The public URL: issuer, redirects and the login pages' links all use it.
      `--hostname=https://${host}:${o.port}`,
      '--health-enabled=true',
    ],
    files: [
      // Keycloak runs as uid 1000 in the official image: the key must be readable by it.
      { target: KEYCLOAK_PATHS.tlsCert, content: o.tls.certPem, mode: 0o644 },
      { target: KEYCLOAK_PATHS.tlsKey, content: o.tls.keyPem, mode: 0o644 },
    ],
    ports: [{ container: o.port, host: o.port }, { container: MANAGEMENT_PORT }],
    networkAliases: [host],
    // Ready when the health check says so: the server has started and its database answers.
    wait: { kind: 'http', path: '/health/ready', port: MANAGEMENT_PORT, tls: true, status: 200 },
    startupTimeoutMs: o.startupTimeoutMs ?? 240_000,
  };
}
