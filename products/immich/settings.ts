// Immich's `oauth` system-config keys, with their defaults and the release that added them (immich.md,
// "Settings"). Both the API client (to drop keys a version does not know) and the reference model
// (to build a version's config shape) read this one table.
import semver from 'semver';

export interface OAuthSettingRow {
  key: string;
  /** Default in the first release that has the key. */
  default: unknown;
  since: string;
  /** Later changes of the default. */
  defaultChanges?: { since: string; value: unknown }[];
  /** The key may be left out (no default known): it is neither sent nor required. */
  optional?: true;
}

export const OAUTH_SETTINGS: readonly OAuthSettingRow[] = [
  { key: 'enabled', default: false, since: '1.38.0' },
  { key: 'issuerUrl', default: '', since: '1.38.0' },
  { key: 'clientId', default: '', since: '1.38.0' },
  { key: 'clientSecret', default: '', since: '1.38.0' },
  { key: 'scope', default: 'openid email profile', since: '1.38.0' },
  { key: 'buttonText', default: 'Login with OAuth', since: '1.38.0' },
  { key: 'autoRegister', default: true, since: '1.38.0' },
  { key: 'autoLaunch', default: false, since: '1.41.0' },
  { key: 'mobileOverrideEnabled', default: false, since: '1.41.0' },
  { key: 'mobileRedirectUri', default: '', since: '1.41.0' },
  { key: 'storageLabelClaim', default: 'preferred_username', since: '1.68.0' },
  { key: 'signingAlgorithm', default: 'RS256', since: '1.95.0' },
  { key: 'storageQuotaClaim', default: 'immich_quota', since: '1.98.0' },
  { key: 'defaultStorageQuota', default: 0, since: '1.98.0', defaultChanges: [{ since: '1.135.0', value: null }] },
  { key: 'profileSigningAlgorithm', default: 'none', since: '1.109.0' },
  { key: 'tokenEndpointAuthMethod', default: 'client_secret_post', since: '1.133.0' },
  { key: 'timeout', default: 30000, since: '1.133.0' },
  { key: 'roleClaim', default: 'immich_role', since: '1.136.0' },
  { key: 'allowInsecureRequests', default: false, since: '3.0.0' },
  { key: 'endSessionEndpoint', default: '', since: '3.0.0' },
  { key: 'prompt', default: '', since: '3.0.0' },
  // @immich/sdk 3.2.2 AdminConfigOAuthDto: optional, no default in the API types (the server's is unknown here).
  { key: 'accountManagementUrl', default: undefined, since: '3.2.0', optional: true },
];

/** 'v1.2.3' or '1.2.3' → '1.2.3'; throws on anything else. */
export function plainVersion(version: string): string {
  const v = semver.valid(version.replace(/^v/, ''));
  if (!v) {
    throw new Error(`"${version}" is not an Immich version (expected e.g. v3.1.0)`);
  }
  return v;
}

/** The oauth keys `version` has. */
export function oauthKeysFor(version: string): Set<string> {
  const v = plainVersion(version);
  return new Set(OAUTH_SETTINGS.filter((row) => semver.gte(v, row.since)).map((row) => row.key));
}

/** Keys that may be left out of a version's `oauth` section. */
export const OPTIONAL_OAUTH_KEYS = new Set(OAUTH_SETTINGS.filter((row) => row.optional).map((row) => row.key));

/** The default `oauth` section of `version` (optional keys without a default left out). */
export function oauthDefaultsFor(version: string): Record<string, unknown> {
  const v = plainVersion(version);
  const out: Record<string, unknown> = {};
  for (const row of OAUTH_SETTINGS) {
    if (!semver.gte(v, row.since)) continue;
    let value = row.default;
    for (const change of row.defaultChanges ?? []) if (semver.gte(v, change.since)) value = change.value;
    if (value !== undefined) out[row.key] = value;
  }
  return out;
}

/** Keep only the keys `version` has (Immich drops unknown keys; sending them helps nobody). */
export function pickOAuthKeys(version: string, oauth: Record<string, unknown>): Record<string, unknown> {
  const keys = oauthKeysFor(version);
  return Object.fromEntries(Object.entries(oauth).filter(([key]) => keys.has(key)));
}

/**
 * Where the whole config is read and written. SDK 3.2 moved it to `/admin/config` (AdminConfigDto,
 * AdminConfigOAuthDto); `/system-config` is the path of every earlier release.
 */
export const CONFIG_ENDPOINTS: readonly { range: string; path: string; method: 'PUT' }[] = [
  { range: '<3.2.0', path: '/api/system-config', method: 'PUT' },
  { range: '>=3.2.0', path: '/api/admin/config', method: 'PUT' },
];

export function configEndpointFor(version: string): { path: string; method: 'PUT' } {
  const v = plainVersion(version);
  const row = CONFIG_ENDPOINTS.find((r) => semver.satisfies(v, r.range));
  if (!row) throw new Error(`no config endpoint known for Immich ${version}`);
  return { path: row.path, method: row.method };
}
