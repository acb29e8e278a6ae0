import semver from 'semver';

/** The redirect URI the mobile app sends: `app.immich:///oauth-callback` since 1.113, `app.immich:/` before. */
export function mobileRedirectUriFor(immichVersion: string): string {
  return semver.gte(semver.coerce(immichVersion) ?? '0.0.0', '1.113.0') ? 'app.immich:///oauth-callback' : 'app.immich:/';
}
