// authentik as the OpenID provider: one image started twice (server, worker), PostgreSQL, and Redis before
// 2025.10. Provider, application, keys, users and the brand certificate come from a blueprint rendered per
// version. Same-port topology as Authelia: the https listener inside the container uses the published port.
import { randomBytes } from 'node:crypto';
import { HarnessContainer, type ContainerSpec } from '../../containers/spec.js';
import { Find, KeyOf, stringifyBlueprint } from './blueprint-yaml.js';
import { authentikPostgres, type PostgresFlavour } from '../../containers/postgres.js';
import { authentikRedis } from '../../containers/redis.js';
import { normalizeVersion, pick, type Row } from '../../containers/versions.js';

export const AUTHENTIK_VERSIONS = ['2024.12.5', '2025.4.4', '2025.10.4', '2026.8.3'] as const;
export const AUTHENTIK_IMAGE = 'ghcr.io/goauthentik/server';

export type RedirectUriFormat = 'regex-string' | 'list';

/** Provider redirect_uris: newline-separated regexes, then a list of {matching_mode, url} (2024.8.5 / 2024.10.3). */
const redirectFormatTable: readonly Row<RedirectUriFormat>[] = [
  { range: '<2024.8.5', value: 'regex-string' },
  { range: '>=2024.8.5 <2024.10.0', value: 'list' },
  { range: '>=2024.10.0 <2024.10.3', value: 'regex-string' },
  { range: '>=2024.10.3', value: 'list' },
];

/** File storage moved from /media to /data in 2025.12. */
const storagePathTable: readonly Row<string>[] = [
  { range: '<2025.12.0', value: '/media' },
  { range: '>=2025.12.0', value: '/data' },
];

/**
 * From 2026.5 authentik binds [::] by default, which fails where the container has no IPv6: every listener
 * (http, https, metrics) is set to an IPv4 address, in server and worker.
 */
const ipv4ListenTable: readonly Row<boolean>[] = [
  { range: '<2026.5.0', value: false },
  { range: '>=2026.5.0', value: true },
];

/** `email_verified` in the email scope: true before 2025.10, false from 2025.10 (for the embedded profile). */
const emailVerifiedTable: readonly Row<boolean>[] = [
  { range: '<2025.10.0', value: true },
  { range: '>=2025.10.0', value: false },
];

export interface AuthentikFacts {
  version: string;
  image: string;
  redirectUriFormat: RedirectUriFormat;
  storagePath: string;
  ipv4Listen: boolean;
  emailVerified: boolean;
  postgres: PostgresFlavour;
  redisImage: string | null;
}

export function authentikFacts(version: string): AuthentikFacts {
  const v = normalizeVersion(version);
  return {
    version: v,
    image: `${AUTHENTIK_IMAGE}:${v}`,
    redirectUriFormat: pick('authentik redirect URI format', redirectFormatTable, v),
    storagePath: pick('authentik storage path', storagePathTable, v),
    ipv4Listen: pick('authentik listen default', ipv4ListenTable, v),
    emailVerified: pick('authentik email_verified', emailVerifiedTable, v),
    postgres: authentikPostgres(v),
    redisImage: authentikRedis(v),
  };
}

export const AUTHENTIK_BLUEPRINT_PATH = '/blueprints/harness/harness.yaml';
/** As `ak apply_blueprint` wants it: relative to /blueprints. */
export const AUTHENTIK_BLUEPRINT_NAME = 'harness/harness.yaml';

export interface AuthentikKeypair {
  certPem: string;
  keyPem: string;
}

export interface AuthentikProvider {
  /** Application slug; the issuer is https://<host>:<port>/application/o/<slug>/ */
  slug: string;
  clientId: string; // keep alphanumeric: basic credentials are not URL-decoded
  clientSecret: string;
  redirectUris: string[];
  /** RS256 with the signing keypair; without it, ID tokens are HS256 with the client secret. */
  signingKey?: boolean;
  /** JWE ID tokens with the encryption keypair. */
  encryptionKey?: boolean;
  consent?: 'implicit' | 'explicit';
  /** Adds the custom scope `immich` (immich_quota / immich_role from user attributes). */
  customClaims?: boolean;
  includeClaimsInIdToken?: boolean; // default true
}

export interface AuthentikUser {
  username: string;
  name: string;
  password: string;
  email?: string; // omitted: the user has none (authentik then sends email: "")
  immichQuota?: number | string;
  immichRole?: string;
}

export interface AuthentikOptions {
  version: string;
  port: number; // https listener inside the container = published host port
  host?: string; // default auth.harness.test
  db: { host: string; user: string; password: string; database: string };
  redisHost?: string; // required before 2025.10
  /** Leaf for `host`: served by the https listener as the default brand's web certificate. */
  webCertificate: AuthentikKeypair;
  signingKeypair?: AuthentikKeypair;
  encryptionKeypair?: AuthentikKeypair;
  providers: AuthentikProvider[];
  users?: AuthentikUser[];
  secretKey?: string;
  bootstrap?: { password?: string; token?: string; email?: string };
  startupTimeoutMs?: number;
}

export const IMMICH_SCOPE = 'immich';
const MANAGED_SCOPE = (name: string) => `goauthentik.io/providers/oauth2/scope-${name}`;
// Returns only the attributes the user has, so a user without them gets no such claims.
const IMMICH_SCOPE_EXPRESSION = [
  'attributes = request.user.attributes',
  'return {key: attributes[key] for key in ("immich_quota", "immich_role") if key in attributes}',
].join('\n');

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function redirectUris(format: RedirectUriFormat, uris: string[]): unknown {
  // Both formats match the exact string only: strict mode, or a fully escaped regex.
  return format === 'list' ? uris.map((url) => ({ matching_mode: 'strict', url })) : uris.map(escapeRegex).join('\n');
}

const flow = (slug: string) => new Find('authentik_flows.flow', [['slug', slug]]);
const managedScope = (name: string) => new Find('authentik_providers_oauth2.scopemapping', [['managed', MANAGED_SCOPE(name)]]);
const meta = (path: string) => ({
  model: 'authentik_blueprints.metaapplyblueprint',
  attrs: { identifiers: { path }, required: false },
});

/** The blueprint document (plain object with KeyOf/Find values). */
export function authentikBlueprint(o: AuthentikOptions): Record<string, unknown> {
  const facts = authentikFacts(o.version);
  const needSigning = o.providers.some((p) => p.signingKey);
  const needEncryption = o.providers.some((p) => p.encryptionKey);
  if (needSigning && !o.signingKeypair) throw new Error('a provider wants a signing key: pass signingKeypair (RSA PEMs)');
  if (needEncryption && !o.encryptionKeypair) throw new Error('a provider wants an encryption key: pass encryptionKeypair (RSA PEMs)');

  const keypair = (id: string, kp: AuthentikKeypair) => ({
    model: 'authentik_crypto.certificatekeypair',
    id,
    identifiers: { name: id },
    attrs: { certificate_data: kp.certPem, key_data: kp.keyPem },
  });

  const entries: unknown[] = [
    // Pull in what the provider refers to before it is validated (blueprints apply in no fixed order).
    meta('default/flow-default-provider-authorization-implicit-consent.yaml'),
    meta('default/flow-default-provider-authorization-explicit-consent.yaml'),
    meta('default/flow-default-provider-invalidation.yaml'),
    meta('system/providers-oauth2.yaml'),
    keypair('harness-web', o.webCertificate),
    {
      model: 'authentik_brands.brand',
      identifiers: { domain: 'authentik-default' },
      attrs: { web_certificate: new KeyOf('harness-web') },
    },
  ];
  if (o.signingKeypair) entries.push(keypair('harness-signing', o.signingKeypair));
  if (o.encryptionKeypair) entries.push(keypair('harness-encryption', o.encryptionKeypair));
  if (o.providers.some((p) => p.customClaims)) {
    entries.push({
      model: 'authentik_providers_oauth2.scopemapping',
      id: 'harness-immich-scope',
      identifiers: { name: 'harness: immich claims' },
      attrs: { name: 'harness: immich claims', scope_name: IMMICH_SCOPE, expression: IMMICH_SCOPE_EXPRESSION },
    });
  }

  for (const p of o.providers) {
    const providerId = `provider-${p.slug}`;
    const attrs: Record<string, unknown> = {
      name: p.slug,
      authorization_flow: flow(
        p.consent === 'explicit' ? 'default-provider-authorization-explicit-consent' : 'default-provider-authorization-implicit-consent',
      ),
      // Required from 2024.10; every tested version has it.
      invalidation_flow: flow('default-provider-invalidation-flow'),
      client_type: 'confidential',
      client_id: p.clientId,
      client_secret: p.clientSecret,
      redirect_uris: redirectUris(facts.redirectUriFormat, p.redirectUris),
      // user_username keeps `sub` stable across fresh databases (the default hashes the install id).
      sub_mode: 'user_username',
      issuer_mode: 'per_provider',
      include_claims_in_id_token: p.includeClaimsInIdToken ?? true,
      property_mappings: [
        managedScope('openid'),
        managedScope('email'),
        managedScope('profile'),
        ...(p.customClaims ? [new KeyOf('harness-immich-scope')] : []),
      ],
    };
    if (p.signingKey) attrs.signing_key = new KeyOf('harness-signing');
    if (p.encryptionKey) attrs.encryption_key = new KeyOf('harness-encryption');
    entries.push({ model: 'authentik_providers_oauth2.oauth2provider', id: providerId, identifiers: { name: p.slug }, attrs });
    entries.push({
      model: 'authentik_core.application',
      identifiers: { slug: p.slug },
      attrs: { name: p.slug, slug: p.slug, provider: new KeyOf(providerId), policy_engine_mode: 'any' },
    });
  }

  for (const u of o.users ?? []) {
    const attributes: Record<string, unknown> = {};
    if (u.immichQuota !== undefined) attributes.immich_quota = u.immichQuota;
    if (u.immichRole !== undefined) attributes.immich_role = u.immichRole;
    const attrs: Record<string, unknown> = { name: u.name, password: u.password, is_active: true, attributes };
    if (u.email !== undefined) attrs.email = u.email;
    // created: never rewritten by later applies, so a test may change the user through the API.
    entries.push({ model: 'authentik_core.user', state: 'created', identifiers: { username: u.username }, attrs });
  }

  return { version: 1, metadata: { name: 'idp-harness' }, entries };
}

export function renderAuthentikBlueprint(o: AuthentikOptions): string {
  return stringifyBlueprint(authentikBlueprint(o));
}

export interface AuthentikSecrets {
  secretKey: string;
  bootstrapPassword: string;
  bootstrapToken: string;
  bootstrapEmail: string;
}

export function authentikSecrets(o: Pick<AuthentikOptions, 'secretKey' | 'bootstrap'>): AuthentikSecrets {
  return {
    secretKey: o.secretKey ?? randomBytes(48).toString('base64url'),
    bootstrapPassword: o.bootstrap?.password ?? randomBytes(18).toString('base64url'),
    bootstrapToken: o.bootstrap?.token ?? randomBytes(32).toString('hex'),
    bootstrapEmail: o.bootstrap?.email ?? 'akadmin@harness.test',
  };
}

/** Environment shared by server and worker. */
export function authentikEnv(o: AuthentikOptions, secrets: AuthentikSecrets): Record<string, string> {
  const facts = authentikFacts(o.version);
  if (facts.redisImage && !o.redisHost) {
    throw new Error(`authentik ${o.version} needs Redis (up to 2025.8): pass redisHost`);
  }
  const env: Record<string, string> = {
    AUTHENTIK_SECRET_KEY: secrets.secretKey,
    AUTHENTIK_POSTGRESQL__HOST: o.db.host,
    AUTHENTIK_POSTGRESQL__USER: o.db.user,
    AUTHENTIK_POSTGRESQL__NAME: o.db.database,
    AUTHENTIK_POSTGRESQL__PASSWORD: o.db.password,
    AUTHENTIK_ERROR_REPORTING__ENABLED: 'false',
    AUTHENTIK_DISABLE_UPDATE_CHECK: 'true',
    AUTHENTIK_DISABLE_STARTUP_ANALYTICS: 'true',
    AUTHENTIK_BOOTSTRAP_PASSWORD: secrets.bootstrapPassword,
    AUTHENTIK_BOOTSTRAP_TOKEN: secrets.bootstrapToken,
    AUTHENTIK_BOOTSTRAP_EMAIL: secrets.bootstrapEmail,
    AUTHENTIK_LISTEN__HTTPS: `0.0.0.0:${o.port}`,
  };
  if (facts.redisImage && o.redisHost) env.AUTHENTIK_REDIS__HOST = o.redisHost;
  if (facts.ipv4Listen) {
    env.AUTHENTIK_LISTEN__HTTP = '0.0.0.0:9000';
    env.AUTHENTIK_LISTEN__METRICS = '0.0.0.0:9300';
  }
  return env;
}

export interface AuthentikSpecs {
  server: ContainerSpec;
  worker: ContainerSpec;
  secrets: AuthentikSecrets;
  /** https://<host>:<port>/application/o/<slug>/ per provider slug. */
  issuers: Record<string, string>;
}

export function renderAuthentik(o: AuthentikOptions): AuthentikSpecs {
  if (o.providers.length === 0) throw new Error('authentik needs at least one provider: its discovery document is the readiness signal');
  const facts = authentikFacts(o.version);
  const secrets = authentikSecrets(o);
  const env = authentikEnv(o, secrets);
  const host = o.host ?? 'auth.harness.test';
  const first = o.providers[0]!;
  const timeout = o.startupTimeoutMs ?? 600_000; // authentik's own CI waits up to 600 s
  const server: ContainerSpec = {
    image: facts.image,
    env,
    files: [],
    command: ['server'],
    ports: [{ container: o.port, host: o.port }],
    networkAliases: [host],
    // Ready means the blueprint is applied: /-/health/ready/ answers before that.
    wait: { kind: 'http', path: `/application/o/${first.slug}/.well-known/openid-configuration`, port: o.port, tls: true, status: 200 },
    startupTimeoutMs: timeout,
  };
  const worker: ContainerSpec = {
    image: facts.image,
    env,
    files: [{ target: AUTHENTIK_BLUEPRINT_PATH, content: renderAuthentikBlueprint(o), mode: 0o644 }],
    command: ['worker'],
    ports: [],
    networkAliases: [],
    // Apply deterministically (the watcher applies in no fixed order); exits non-zero while invalid,
    // e.g. before migrations or the default flows exist.
    wait: { kind: 'command', command: `ak apply_blueprint ${AUTHENTIK_BLUEPRINT_NAME}` },
    startupTimeoutMs: timeout,
  };
  const issuers = Object.fromEntries(o.providers.map((p) => [p.slug, `https://${host}:${o.port}/application/o/${p.slug}/`]));
  return { server, worker, secrets, issuers };
}

/**
 * Start order: Postgres (+ Redis) → worker (ready once the blueprint applied) → server (ready once the first
 * provider's discovery answers 200). Starting the server after the worker matters: it reads the brand
 * certificate when it first becomes healthy and then only every 3 minutes.
 */
export class AuthentikContainer {
  readonly specs: AuthentikSpecs;
  readonly server: HarnessContainer;
  readonly worker: HarnessContainer;
  constructor(options: AuthentikOptions) {
    this.specs = renderAuthentik(options);
    this.server = new HarnessContainer(this.specs.server);
    this.worker = new HarnessContainer(this.specs.worker);
  }
  get bootstrapToken(): string {
    return this.specs.secrets.bootstrapToken;
  }
}
