// Images per product version, and a check that an image is present (pulled if need be) that never throws:
// an unavailable image makes a cell "not-run" with a reason, not a crash.
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { idpProducts } from '../products/index.js';
import { immichFacts } from '../products/immich/facts.js';
import { mapImage } from './image-map.js';

/** digest: the registry's (repo digest), absent for a locally built image; id: the engine's image ID. */
export type ImageCheck = { ok: true; digest?: string; id?: string } | { ok: false; reason: string };

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.trim();
}

/**
 * With IDP_HARNESS_NO_PULL=1 images are only looked up locally: the harness's own tests set it, so a test
 * run never reaches for a registry (a cell whose image is missing is still reported "not run").
 */
export const pullsDisabled = (): boolean => process.env.IDP_HARNESS_NO_PULL === '1';

/** Present locally, or pulled now. Resolves `{ ok: false, reason }` when neither works. */
export async function ensureImage(name: string): Promise<ImageCheck> {
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch (error) {
    return { ok: false, reason: `no container runtime (${firstLine(error)}); start Docker or use the embedded backend` };
  }
  let image: ImageName;
  try {
    image = ImageName.fromString(name);
  } catch (error) {
    return { ok: false, reason: `"${name}" is not an image name (${firstLine(error)})` };
  }
  try {
    if (!(await client.image.exists(image))) {
      if (pullsDisabled()) return { ok: false, reason: 'not present locally, and pulls are off (IDP_HARNESS_NO_PULL=1)' };
      await client.image.pull(image);
    }
  } catch (error) {
    return { ok: false, reason: `pull failed: ${firstLine(error)}` };
  }
  try {
    const info = await client.image.inspect(image);
    const digest = info.RepoDigests?.[0]?.split('@')[1];
    return { ok: true, ...(digest ? { digest } : {}), ...(info.Id ? { id: info.Id } : {}) };
  } catch {
    return { ok: true }; // present (pull succeeded) but not inspectable: the digest is only informative
  }
}

/** Every image one product version needs, in start order. */
export function immichImages(version: string): string[] {
  const f = immichFacts(version);
  return [f.postgres.image, f.redisImage, f.image].map(mapImage);
}

/** The images a cell needs on the docker backend (the embedded IdP needs none). */
export function imagesFor(cell: { immich: string; idp: { product: string; version: string } }): string[] {
  const idp = idpProducts.get(cell.idp.product)?.images(cell.idp.version) ?? [];
  return [...new Set([...idp, ...immichImages(cell.immich)])];
}
