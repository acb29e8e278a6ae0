// Authelia (https://www.authelia.com): everything the harness knows about it is in this folder.
import { mapImage } from '../../containers/image-map.js';
import type { IdpProduct } from '../types.js';
import { autheliaControl } from './control.js';
import { autheliaDriver } from './driver.js';
import { AUTHELIA_VERSIONS, autheliaImage } from './facts.js';
import { startAuthelia } from './start.js';

export const idp: IdpProduct = {
  id: 'authelia',
  title: 'Authelia',
  versions: AUTHELIA_VERSIONS,
  settings: {
    // 4.39 moved profile claims to userinfo; a claims policy puts them back (4.38 always has them in the ID token).
    claimsInIdToken: { versions: '>=4.39.0' },
    // Authelia enforces the method registered for the client, client_secret_basic when unset.
    tokenEndpointAuthMethod: { required: true },
  },
  images: (version) => [mapImage(autheliaImage(version))],
  mainImage: (version) => mapImage(autheliaImage(version)),
  start: startAuthelia,
  control: (info, ctx) =>
    autheliaControl({ ...(info as { usersFile: string; clientsFile: string; container: string }), origin: ctx.origin, version: ctx.version }, ctx.caPem),
  driver: autheliaDriver,
};
