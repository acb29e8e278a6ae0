// The identity providers the harness knows: every products/<id>/index.ts that exports `idp`. Found by listing
// the folder, so adding a product touches nothing outside its folder (and fixtures/).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IdpProduct } from './types.js';

const here = import.meta.dirname;
const folders = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'index.ts')))
  .map((d) => d.name)
  .sort();
const loaded = await Promise.all(folders.map(async (name) => (await import(pathToFileURL(join(here, name, 'index.ts')).href)) as { idp?: IdpProduct }));

/** Every IdP product, by id. */
export const idpProducts: ReadonlyMap<string, IdpProduct> = new Map(
  loaded.flatMap((m, i) => {
    if (!m.idp) return [];
    if (m.idp.id !== folders[i]) throw new Error(`products/${folders[i]}/index.ts exports idp "${m.idp.id}": the id must be the folder's name`);
    return [[m.idp.id, m.idp] as const];
  }),
);

/** The product with this id, or an error that lists the known ones. */
export function idpProduct(id: string): IdpProduct {
  const p = idpProducts.get(id);
  if (!p) throw new Error(`no IdP product "${id}" (known: ${[...idpProducts.keys()].join(', ')}): add products/${id}/index.ts`);
  return p;
}
