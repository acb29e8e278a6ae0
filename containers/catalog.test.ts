import { describe, expect, it } from 'vitest';
import { authentikFacts } from '../products/authentik/facts.js';
import { autheliaFeatures } from '../products/authelia/facts.js';
import { catalog } from './catalog.js';
import { immichFacts } from '../products/immich/facts.js';
import { ensureImage, imagesFor } from './images.js';

describe('catalog and images', () => {
  it('lists only versions every version table can answer for', () => {
    expect(catalog.immich).toEqual(['v1.113.0', 'v1.132.3', 'v2.7.5', 'v3.1.0', 'v3.2.2', 'v3.3.1']);
    expect(catalog['oidc-provider']).toHaveLength(1); // the installed oidc-provider
    for (const v of catalog.immich!) expect(() => immichFacts(v)).not.toThrow();
    for (const v of catalog.authelia!) expect(() => autheliaFeatures(v)).not.toThrow();
    for (const v of catalog.authentik!) expect(() => authentikFacts(v)).not.toThrow();
  });

  it('lists every image an authentik cell needs, with Redis only before 2025.10', () => {
    expect(imagesFor({ immich: 'v3.1.0', idp: { product: 'authentik', version: '2025.4.4' } })).toEqual([
      'docker.io/library/postgres:16-alpine',
      'docker.io/library/redis:alpine',
      'ghcr.io/goauthentik/server:2025.4.4',
      'ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0',
      'docker.io/valkey/valkey:9',
      'ghcr.io/immich-app/immich-server:v3.1.0',
    ]);
    expect(imagesFor({ immich: 'v3.1.0', idp: { product: 'authentik', version: '2025.10.4' } })).not.toContain(
      'docker.io/library/redis:alpine',
    );
  });

  it('lists Authelia and no IdP image for the embedded provider', () => {
    expect(imagesFor({ immich: 'v1.113.0', idp: { product: 'authelia', version: '4.38.9' } })[0]).toBe('docker.io/authelia/authelia:4.38.9');
    expect(imagesFor({ immich: 'v1.113.0', idp: { product: 'oidc-provider', version: 'authelia-4.39' } })).toHaveLength(3);
  });

  it('answers unavailable with a reason instead of throwing for an image that cannot exist', async () => {
    // An invalid reference is refused locally (or no runtime is found): no registry is contacted.
    const result = await ensureImage('Harness/NOT-LOWERCASE:0');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/Harness\/NOT-LOWERCASE:0|no container runtime|pulls are off/);
  });
});
