import semver from 'semver';

/** The redirect URI the mobile app sends: `app.immich:///oauth-callback` since 1.113, `app.immich:/` before. */
export function mobileRedirectUriFor(immichVersion: string): string {
  return semver.gte(semver.coerce(immichVersion) ?? '0.0.0', '1.113.0') ? 'app.immich:///oauth-callback' : 'app.immich:/';
}

/** Where Immich's mobile redirect override lives on a photo server (it 307s to the app scheme). */
export const MOBILE_REDIRECT_PATH = '/api/oauth/mobile-redirect';

/** Every redirect URI a client registered for Immich needs: web login, account linking, the app, the override. */
export function immichRedirectUris(photosUrl: string, immichVersion: string): string[] {
  return [...webRedirectUris(photosUrl), mobileRedirectUriFor(immichVersion)];
}

/** The photo server's own redirect URIs (web login, account linking, the override), without the app's scheme. */
export function webRedirectUris(photosUrl: string): string[] {
  return [`${photosUrl}/auth/login`, `${photosUrl}/user-settings`, `${photosUrl}${MOBILE_REDIRECT_PATH}`];
}
