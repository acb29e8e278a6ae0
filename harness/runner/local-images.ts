import type { Cell } from '../model.js';

/**
 * The same docker cells with the photo server and the IdP replaced by the reference model and the embedded
 * provider profile, both from the locally built image: the whole docker path (network, aliases, CA mount,
 * TLS front, published ports, logs, cleanup) with no upstream image. Their ids say so.
 */
export function withLocalImages(cells: Cell[]): Cell[] {
  return cells.map((cell) =>
    cell.backend === 'docker' ? { ...cell, images: 'local' as const, id: `${cell.id.replace(/__docker$/, '')}__docker-local` } : cell,
  );
}
