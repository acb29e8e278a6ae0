// The tested versions of every product that has a container definition in this folder.
// The matrix loader refuses a version that is not listed here ("no container definition").
// Each product module (immich.ts, authelia.ts, authentik.ts) keeps its per-version facts; this list is
// derived from them so the two cannot drift.
export type CatalogProduct = 'immich' | 'authelia' | 'authentik';

export const catalog: Record<CatalogProduct, readonly string[]> = {
  immich: ['v1.113.0', 'v1.132.3', 'v2.7.5', 'v3.1.0'],
  authelia: ['4.38.9', '4.39.0', '4.39.20'],
  authentik: ['2024.12.5', '2025.4.4', '2025.10.4', '2026.8.3'],
};
