// Which backend "auto" means here: docker when an engine answers and the upstream images can be had,
// otherwise embedded — and the run says why.
import type { Backend } from '../model.js';

export async function chooseBackend(wanted: Backend | 'auto', out: NodeJS.WritableStream): Promise<Backend> {
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
  const images = await upstreamImagesReachable();
  if (!images.ok) {
    out.write(`backend: embedded (Docker answers, but upstream images cannot be had: ${images.reason}); use --backend docker to run it anyway\n`);
    return 'embedded';
  }
  out.write('backend: docker\n');
  return 'docker';
}
