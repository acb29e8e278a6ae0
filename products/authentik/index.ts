// authentik (https://goauthentik.io): everything the harness knows about it is in this folder.
import { mapImage } from '../../containers/image-map.js';
import type { IdpProduct } from '../types.js';
import { authentikControl } from './control.js';
import { authentikDriver } from './driver.js';
import { AUTHENTIK_VERSIONS, authentikFacts } from './facts.js';
import { startAuthentik } from './start.js';

export const idp: IdpProduct = {
  id: 'authentik',
  title: 'authentik',
  versions: AUTHENTIK_VERSIONS,
  settings: {
    // Only authentik providers can lack a signing key (then ID tokens are HS256 with the client secret).
    signingKey: {},
    // authentik encrypts ID tokens (JWE) since 2024.10.
    encryptionKey: { versions: '>=2024.10.0' },
  },
  images: (version) => {
    const f = authentikFacts(version);
    return [f.postgres.image, ...(f.redisImage ? [f.redisImage] : []), f.image].map(mapImage);
  },
  mainImage: (version) => mapImage(authentikFacts(version).image),
  start: startAuthentik,
  control: (info, ctx) => authentikControl({ ...(info as { token: string; clientsFile: string }), apiUrl: ctx.origin }, ctx.caPem),
  driver: (version) => authentikDriver(version),
};
