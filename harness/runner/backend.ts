// Which backend "auto" means here: docker when an engine answers and the upstream images can be had,
// otherwise embedded — and the run says why.
import type { Backend } from '../model.js';

/**
 * `images()` lists every image the selected docker cells need: auto picks docker only when each of them is
 * present or pullable, and otherwise names the first one that is not.
 */
export async function chooseBackend(
  wanted: Backend | 'auto',
  out: NodeJS.WritableStream,
  images: () => string[] | { none: string },
): Promise<Backend> {
  if (wanted === 'embedded') return 'embedded';
  const { dockerAvailable, upstreamImagesReachable } = await import('../docker/engine.js');
  const engine = await dockerAvailable();
  if (wanted === 'docker') {
    if (!engine.ok) throw new Error(`--backend docker: ${engine.reason}`);
    return 'docker';
  }
  if (!engine.ok) {
    out.write(`backend: embedded (no usable Docker: ${engine.reason})\n`);
    return 'embedded';
  }
  const wantedImages = images();
  if (!Array.isArray(wantedImages)) {
    out.write(`backend: embedded (the selection names no docker cell: ${wantedImages.none})\n`);
    return 'embedded';
  }
  const found = await upstreamImagesReachable(wantedImages);
  if (!found.ok) {
    out.write(`backend: embedded (Docker answers, but not every image of the selected cells can be had: ${found.reason}); use --backend docker to run what can run\n`);
    return 'embedded';
  }
  out.write('backend: docker\n');
  return 'docker';
}
