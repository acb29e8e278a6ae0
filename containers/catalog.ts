// The tested versions of every product that has a container definition in this folder.
// The matrix loader refuses a version that is not listed here ("no container definition").
// Each product module (immich.ts, authelia.ts, authentik.ts) keeps its per-version facts; this list is
// derived from them so the two cannot drift.
import { AUTHELIA_VERSIONS } from './authelia.js';
import { AUTHENTIK_VERSIONS } from './authentik.js';
import { IMMICH_VERSIONS } from './immich.js';

export type CatalogProduct = 'immich' | 'authelia' | 'authentik';

export const catalog: Record<CatalogProduct, readonly string[]> = {
  immich: IMMICH_VERSIONS,
  authelia: AUTHELIA_VERSIONS,
  authentik: AUTHENTIK_VERSIONS,
};
