// Keycloak (https://www.keycloak.org): everything the harness knows about it is in this folder. Its server
// distribution is on Maven Central, so `--images local` runs a real Keycloak built here (local-image.ts).
import { mapImage } from '../../containers/image-map.js';
import type { IdpProduct } from '../types.js';
import { keycloakControl, type KeycloakControlInfo } from './control.js';
import { keycloakDriver } from './driver.js';
import { KEYCLOAK_VERSIONS, keycloakImage } from './facts.js';
import { localKeycloakImage } from './local-image.js';
import { startKeycloak } from './start.js';

export const idp: IdpProduct = {
  id: 'keycloak',
  title: 'Keycloak',
  versions: KEYCLOAK_VERSIONS,
  settings: {
    // The client-secret authenticator takes both methods; the variant says which one Immich uses.
    tokenEndpointAuthMethod: {},
  },
  images: (version) => [mapImage(keycloakImage(version))],
  mainImage: (version) => mapImage(keycloakImage(version)),
  start: startKeycloak,
  control: (info, ctx) => keycloakControl(info as unknown as KeycloakControlInfo, ctx),
  driver: keycloakDriver,
  localImage: (version) => localKeycloakImage(version),
};
