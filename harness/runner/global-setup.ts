// vitest global setup of the "scenarios" project when it runs under plain vitest: brings the selected
// cells up and provides them to the scenario files. Under `idp-harness run` the CLI owns the stacks.
import type { TestProject } from 'vitest/node';
import { resolve } from 'node:path';
import { loadMatrix, expandCells, scenariosFor } from '../matrix/matrix.js';
import { selectCells } from '../matrix/select.js';
import type { Backend } from '../model.js';
import { cleanupOnSignals } from '../run-dir.js';
import { bringUp } from './environment.js';
import { withLocalImages } from './local-images.js';

export default async function setup(project: TestProject) {
  if (process.env.IDP_HARNESS_OWNER === 'cli') return;
  const backend = (process.env.IDP_HARNESS_BACKEND ?? 'embedded') as Backend;
  const matrix = loadMatrix();
  const selected = selectCells(expandCells(matrix, backend), { cell: process.env.IDP_HARNESS_CELLS }, matrix);
  const cells = process.env.IDP_HARNESS_IMAGES === 'local' ? withLocalImages(selected) : selected;
  const env = await bringUp(
    backend,
    cells.map((cell) => ({ cell, scenarios: scenariosFor(cell, matrix) })),
  );
  const stopSignals = cleanupOnSignals(env.cleanup);
  project.provide('stacks', env.infos);
  project.provide('run', { browserWsEndpoint: env.browserWsEndpoint, artifactsDir: resolve('reports', 'vitest') });
  return async () => {
    stopSignals();
    await env.cleanup.run();
  };
}
