// The tested versions of every product with a container definition: Immich's (products/immich/) and each IdP
// product's (products/<id>/). The matrix loader refuses a version that is not listed here.
import { idpProducts } from '../products/index.js';
import { IMMICH_VERSIONS } from '../products/immich/facts.js';
import { OIDC_PROVIDER_VERSIONS, PLAIN_IDP } from '../products/embedded-idp/plain.js';

export const catalog: Readonly<Record<string, readonly string[]>> = {
  immich: IMMICH_VERSIONS,
  ...Object.fromEntries([...idpProducts.values()].map((p) => [p.id, p.versions])),
  [PLAIN_IDP]: OIDC_PROVIDER_VERSIONS,
};
