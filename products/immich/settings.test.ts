import { describe, expect, it } from 'vitest';
import { cookieHeader, parseSetCookie } from './cookies.js';
import { configEndpointFor, oauthDefaultsFor, pickOAuthKeys } from './settings.js';

describe('Immich OAuth settings by version', () => {
  it('drops keys a version does not have and keeps the ones it has', () => {
    const all = { enabled: true, roleClaim: 'r', allowInsecureRequests: true, tokenEndpointAuthMethod: 'client_secret_basic' };
    expect(pickOAuthKeys('v1.113.0', all)).toEqual({ enabled: true });
    expect(pickOAuthKeys('v2.7.5', all)).toEqual({ enabled: true, roleClaim: 'r', tokenEndpointAuthMethod: 'client_secret_basic' });
    expect(pickOAuthKeys('v3.1.0', all)).toEqual(all);
  });

  it('changes the default storage quota from 0 to null at 1.135', () => {
    expect(oauthDefaultsFor('v1.134.0').defaultStorageQuota).toBe(0);
    expect(oauthDefaultsFor('v1.135.0').defaultStorageQuota).toBeNull();
  });

  it('reads and writes the config at /admin/config from 3.2 and at /system-config before', () => {
    expect(configEndpointFor('v3.1.0').path).toBe('/api/system-config');
    expect(configEndpointFor('v3.2.2').path).toBe('/api/admin/config');
  });

  it('refuses a string that is not a version', () => {
    expect(() => oauthDefaultsFor('latest')).toThrow(/not an Immich version/);
  });
});

describe('cookies', () => {
  it('parses a Set-Cookie line with its attributes and writes a Cookie header without cleared cookies', () => {
    const c = parseSetCookie('immich_oauth_state=a%2Fb; Max-Age=34560000; Path=/; HttpOnly; Secure; SameSite=Lax');
    expect(c).toEqual({
      name: 'immich_oauth_state',
      value: 'a/b',
      attributes: { 'max-age': '34560000', path: '/', httponly: '', secure: '', samesite: 'Lax' },
    });
    expect(cookieHeader({ a: 'x y', b: '' })).toBe('a=x%20y');
  });
});
