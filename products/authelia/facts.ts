// Authelia as the OpenID provider. The configuration is rendered per version: Authelia refuses unknown keys,
// so a 4.39-only key must never reach 4.38. Version differences live in the tables below.
// Topology: Authelia listens INSIDE the container on the same port that is published on the host, so
// https://auth.harness.test:<port> is one URL for containers (network alias) and for the browser (127.0.0.1).
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { HarnessContainer, type ContainerSpec } from '../../containers/spec.js';
import { pbkdf2Sha512Digest } from './pbkdf2.js';
import { normalizeVersion, pick, type Row } from '../../containers/versions.js';

// 4.38.21 and 4.39.28: the newest releases of each line. Neither is built here (the mirrored source has no
// 4.38 tag after 4.38.19), so their cells are docker-only and unconfirmed.
export const AUTHELIA_VERSIONS = ['4.38.9', '4.38.21', '4.39.0', '4.39.20', '4.39.28'] as const;
export const AUTHELIA_IMAGE = 'docker.io/authelia/authelia';

export type AutheliaSchemaLine = 'v4.38' | 'v4.39';

export interface AutheliaFeatures {
  /** Which published JSON schema describes this version's configuration keys. */
  schema: AutheliaSchemaLine;
  /** `authentication_backend.file.watch` (reload the users file when it changes). */
  fileWatch: boolean;
  /** extra_attributes + claims_policies + custom scopes + clients[].claims_policy (4.39). */
  customClaims: boolean;
  /** Profile/email claims are in the ID token without a claims policy (4.38); 4.39 serves them from userinfo. */
  profileClaimsInIdToken: boolean;
}

const featureTable: readonly Row<AutheliaFeatures>[] = [
  { range: '>=4.38.0 <4.39.0', value: { schema: 'v4.38', fileWatch: true, customClaims: false, profileClaimsInIdToken: true } },
  { range: '>=4.39.0 <4.40.0', value: { schema: 'v4.39', fileWatch: true, customClaims: true, profileClaimsInIdToken: false } },
];

/** Element ids of the consent page buttons (changed in 4.39.2); for the page drivers. */
const consentIdsTable: readonly Row<{ accept: string; deny: string }>[] = [
  { range: '<4.39.2', value: { accept: 'accept-button', deny: 'deny-button' } },
  { range: '>=4.39.2', value: { accept: 'openid-consent-accept', deny: 'openid-consent-deny' } },
];

export function autheliaFeatures(version: string): AutheliaFeatures {
  return pick('Authelia feature set', featureTable, version);
}
export function autheliaConsentIds(version: string): { accept: string; deny: string } {
  return pick('Authelia consent ids', consentIdsTable, version);
}
export function autheliaImage(version: string): string {
  return `${AUTHELIA_IMAGE}:${normalizeVersion(version)}`;
}

export const AUTHELIA_PATHS = {
  config: '/config/configuration.yml',
  /**
   * The users file sits in a directory of its own, which the docker backend bind-mounts: Authelia watches the
   * file's directory and filters events by name, so a single bind-mounted file rewritten from the host never
   * reaches its watcher (seen with real 4.38.9, 4.39.0 and 4.39.20); a directory does, in about a second.
   */
  usersDir: '/config/users',
  users: '/config/users/users.yml',
  tlsCert: '/config/tls/cert.pem',
  tlsKey: '/config/tls/key.pem',
  sqlite: '/config/db.sqlite3',
  notifications: '/config/notification.txt',
} as const;

/** The custom scope carrying Immich's claims on 4.39, and the claims themselves. */
export const IMMICH_SCOPE = 'immich';
export const IMMICH_CLAIMS = ['immich_quota', 'immich_role'] as const;

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface AutheliaClient {
  clientId: string;
  /** Plain secret; the configuration carries only its PBKDF2 digest. */
  clientSecret: string;
  redirectUris: string[];
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod; // Authelia's default: client_secret_basic
  consentMode?: 'auto' | 'explicit' | 'implicit' | 'pre-configured';
  authorizationPolicy?: 'one_factor' | 'two_factor';
  /** Defaults to openid, profile, email (plus the immich scope when customClaims is on). */
  scopes?: string[];
  requirePkce?: boolean;
  pkceChallengeMethod?: 'plain' | 'S256';
  /** No secret (token_endpoint_auth_method none), PKCE S256 required: clientSecret is ignored. */
  public?: boolean;
  idTokenSignedResponseAlg?: 'RS256' | 'none';
  userinfoSignedResponseAlg?: 'RS256' | 'none';
  /** 4.39: a claims policy putting profile/email/groups (and the custom claims) back in the ID token. */
  claimsInIdToken?: boolean;
  /** 4.39: the immich_quota / immich_role claims through the custom scope `immich`. */
  customClaims?: boolean;
}

export interface AutheliaUser {
  username: string;
  password: string; // plain; hashed in the users file
  displayname: string;
  email?: string;
  groups?: string[];
  disabled?: boolean;
  /** 4.39 only (users-file extra attributes). */
  immichQuota?: number | string;
  immichRole?: string;
}

export interface AutheliaSecrets {
  jwtSecret: string;
  sessionSecret: string;
  storageEncryptionKey: string;
  hmacSecret: string;
}

export interface AutheliaOptions {
  version: string;
  /** Listen port inside the container = published host port. */
  port: number;
  host?: string; // default auth.harness.test
  cookieDomain?: string; // default harness.test
  /** Leaf for `host`, issued by the run's CA. */
  tls: { certPem: string; keyPem: string };
  /** RSA private key (≥ 2048 bits) for the OIDC JWKS (RS256). */
  jwksKeyPem: string;
  clients: AutheliaClient[];
  users?: AutheliaUser[];
  secrets?: Partial<AutheliaSecrets>;
  /** Value type of the immich_quota attribute (an invalid-quota test needs 'string'). */
  quotaType?: 'integer' | 'string';
  hashIterations?: number;
  logLevel?: 'info' | 'debug' | 'trace';
  startupTimeoutMs?: number;
}

const secret = () => randomBytes(32).toString('hex');
const DEFAULT_SCOPES = ['openid', 'profile', 'email'];
// The claims Authelia 4.38 put in the ID token, restored on 4.39 by a policy.
const ID_TOKEN_PROFILE_CLAIMS = ['email', 'email_verified', 'preferred_username', 'name', 'groups'];

function requireCustomClaims(version: string, what: string): void {
  if (!autheliaFeatures(version).customClaims) {
    throw new Error(`Authelia ${version} has no custom claims (${what}); they need Authelia 4.39 or newer`);
  }
}

function policyName(clientId: string): string {
  return `harness_${clientId.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** The configuration document (plain object) for one Authelia version. */
export function autheliaConfiguration(o: AutheliaOptions, secrets: AutheliaSecrets): Record<string, unknown> {
  const features = autheliaFeatures(o.version);
  const host = o.host ?? 'auth.harness.test';
  const domain = o.cookieDomain ?? 'harness.test';
  const iterations = o.hashIterations;
  const anyCustom = o.clients.some((c) => c.customClaims);
  if (anyCustom) requireCustomClaims(o.version, 'a client asks for immich_quota/immich_role');

  const claimsPolicies: Record<string, unknown> = {};
  const clients = o.clients.map((c) => {
    const scopes = c.scopes ?? [...DEFAULT_SCOPES, ...(c.customClaims ? [IMMICH_SCOPE] : [])];
    const client: Record<string, unknown> = {
      client_id: c.clientId,
      client_name: c.clientId,
      ...(c.public ? { public: true } : { client_secret: pbkdf2Sha512Digest(c.clientSecret, { iterations }), public: false }),
      authorization_policy: c.authorizationPolicy ?? 'one_factor',
      consent_mode: c.consentMode ?? 'implicit',
      redirect_uris: c.redirectUris,
      scopes,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: c.public ? 'none' : (c.tokenEndpointAuthMethod ?? 'client_secret_basic'),
      id_token_signed_response_alg: c.idTokenSignedResponseAlg ?? 'RS256',
      userinfo_signed_response_alg: c.userinfoSignedResponseAlg ?? 'none',
    };
    if (c.requirePkce !== undefined || c.public) client.require_pkce = c.requirePkce ?? true;
    if (c.pkceChallengeMethod !== undefined || c.public) client.pkce_challenge_method = c.pkceChallengeMethod ?? 'S256';
    // On 4.38 the profile claims are in the ID token already: claimsInIdToken needs no key there.
    if (features.customClaims && (c.claimsInIdToken || c.customClaims)) {
      const policy: Record<string, unknown> = {};
      const idToken = [
        ...(c.claimsInIdToken ? ID_TOKEN_PROFILE_CLAIMS : []),
        ...(c.claimsInIdToken && c.customClaims ? IMMICH_CLAIMS : []),
      ];
      if (idToken.length > 0) policy.id_token = idToken;
      if (c.customClaims) {
        policy.custom_claims = Object.fromEntries(IMMICH_CLAIMS.map((claim) => [claim, { attribute: claim }]));
      }
      const name = policyName(c.clientId);
      claimsPolicies[name] = policy;
      client.claims_policy = name;
    }
    return client;
  });

  const file: Record<string, unknown> = { path: AUTHELIA_PATHS.users };
  if (features.fileWatch) file.watch = true;
  if (features.customClaims) {
    // Declared whenever the version can: the users file may then carry these attributes for any client.
    file.extra_attributes = {
      immich_quota: { multi_valued: false, value_type: o.quotaType ?? 'integer' },
      immich_role: { multi_valued: false, value_type: 'string' },
    };
  }

  const oidc: Record<string, unknown> = {
    hmac_secret: secrets.hmacSecret,
    jwks: [{ key_id: 'harness', algorithm: 'RS256', use: 'sig', key: pemWithNewline(o.jwksKeyPem) }],
  };
  if (Object.keys(claimsPolicies).length > 0) oidc.claims_policies = claimsPolicies;
  if (anyCustom) oidc.scopes = { [IMMICH_SCOPE]: { claims: [...IMMICH_CLAIMS] } };
  oidc.clients = clients;

  return {
    log: { level: o.logLevel ?? 'info' },
    server: {
      address: `tcp://:${o.port}/`,
      tls: { certificate: AUTHELIA_PATHS.tlsCert, key: AUTHELIA_PATHS.tlsKey },
    },
    // No network in tests: skip the NTP probe; no login bans while tests try wrong passwords.
    ntp: { disable_startup_check: true },
    regulation: { max_retries: 0 },
    identity_validation: { reset_password: { jwt_secret: secrets.jwtSecret } },
    authentication_backend: { file },
    access_control: { default_policy: 'one_factor' },
    session: {
      secret: secrets.sessionSecret,
      cookies: [{ domain, authelia_url: `https://${host}:${o.port}` }],
    },
    storage: { encryption_key: secrets.storageEncryptionKey, local: { path: AUTHELIA_PATHS.sqlite } },
    notifier: { filesystem: { filename: AUTHELIA_PATHS.notifications } },
    identity_providers: { oidc },
  };
}

function pemWithNewline(pem: string): string {
  return pem.trim().replace(/\r\n/g, '\n') + '\n';
}

/** The users-file document (plain object). Throws what Authelia would refuse at start. */
export function autheliaUsersDocument(
  version: string,
  users: readonly AutheliaUser[],
  opts: { hashIterations?: number; quotaType?: 'integer' | 'string' } = {},
): { users: Record<string, Record<string, unknown>> } {
  const features = autheliaFeatures(version);
  const quotaType = opts.quotaType ?? 'integer';
  const out: Record<string, Record<string, unknown>> = {};
  for (const u of users) {
    const entry: Record<string, unknown> = {
      displayname: u.displayname,
      password: pbkdf2Sha512Digest(u.password, { iterations: opts.hashIterations }),
    };
    if (u.email !== undefined) entry.email = u.email;
    if (u.groups) entry.groups = u.groups;
    if (u.disabled) entry.disabled = true;
    const extra: Record<string, unknown> = {};
    if (u.immichQuota !== undefined) {
      requireCustomClaims(version, `user ${u.username} has immichQuota`);
      const ok = quotaType === 'integer' ? Number.isInteger(u.immichQuota) : typeof u.immichQuota === 'string';
      if (!ok) {
        throw new Error(
          `user ${u.username}: immichQuota ${JSON.stringify(u.immichQuota)} is not of the declared type ${quotaType}; ` +
            `set quotaType to match (Authelia refuses mistyped extra attributes)`,
        );
      }
      extra.immich_quota = u.immichQuota;
    }
    if (u.immichRole !== undefined) {
      requireCustomClaims(version, `user ${u.username} has immichRole`);
      extra.immich_role = u.immichRole;
    }
    if (features.customClaims && Object.keys(extra).length > 0) entry.extra = extra;
    out[u.username] = entry;
  }
  return { users: out };
}

export function renderAutheliaUsers(
  version: string,
  users: readonly AutheliaUser[],
  opts: { hashIterations?: number; quotaType?: 'integer' | 'string' } = {},
): string {
  return stringify(autheliaUsersDocument(version, users, opts));
}

export function autheliaSecrets(given: Partial<AutheliaSecrets> = {}): AutheliaSecrets {
  return {
    jwtSecret: given.jwtSecret ?? secret(),
    sessionSecret: given.sessionSecret ?? secret(),
    storageEncryptionKey: given.storageEncryptionKey ?? secret(),
    hmacSecret: given.hmacSecret ?? secret(),
  };
}

export function renderAuthelia(o: AutheliaOptions): ContainerSpec {
  const secrets = autheliaSecrets(o.secrets);
  const host = o.host ?? 'auth.harness.test';
  const usersOpts = { hashIterations: o.hashIterations, quotaType: o.quotaType };
  return {
    image: autheliaImage(o.version),
    env: { X_AUTHELIA_CONFIG: AUTHELIA_PATHS.config },
    files: [
      { target: AUTHELIA_PATHS.config, content: stringify(autheliaConfiguration(o, secrets)), mode: 0o600 },
      { target: AUTHELIA_PATHS.users, content: renderAutheliaUsers(o.version, o.users ?? [], usersOpts), mode: 0o600 },
      { target: AUTHELIA_PATHS.tlsCert, content: o.tls.certPem, mode: 0o644 },
      { target: AUTHELIA_PATHS.tlsKey, content: o.tls.keyPem, mode: 0o600 },
    ],
    ports: [{ container: o.port, host: o.port }],
    networkAliases: [host],
    wait: { kind: 'http', path: '/api/health', port: o.port, tls: true, status: 200 },
    startupTimeoutMs: o.startupTimeoutMs ?? 60_000,
  };
}

/**
 * new AutheliaContainer({ version, port, tls: ca.issue(['auth.harness.test']), jwksKeyPem, clients, users })
 *   .withNetwork(net).start()
 * Users added later: write renderAutheliaUsers(...) to AUTHELIA_PATHS.users with copyContentToContainer
 * (the file backend watches it).
 */
export class AutheliaContainer extends HarnessContainer {
  readonly issuer: string;
  constructor(options: AutheliaOptions) {
    super(renderAuthelia(options));
    this.issuer = `https://${options.host ?? 'auth.harness.test'}:${options.port}`;
  }
}
