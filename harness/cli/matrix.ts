// `idp-harness matrix`: the selected cells, as a list or as the JSON a GitHub Actions strategy.matrix takes.
import { expandCells, githubMatrix, loadMatrix, scenariosFor, selectCells } from '../matrix/index.js';
import { parseBackend, parseCommand, UsageError } from './args.js';

export async function matrixCommand(args: string[]): Promise<number> {
  const { values } = parseCommand('matrix', args);
  const backend = parseBackend(values.backend, false) as 'embedded' | 'docker';
  const matrix = loadMatrix(values.matrix);
  const cells = selectCells(
    expandCells(matrix, backend),
    { immich: values.immich, idp: values.idp, scenario: values.scenario, cell: values.cell },
    matrix,
  );
  const format = values.format ?? 'list';
  if (format === 'github') {
    const shards = Number(values.shards ?? 4);
    if (!Number.isInteger(shards) || shards < 1) throw new UsageError(`--shards "${values.shards}": use a whole number ≥ 1`);
    process.stdout.write(`${JSON.stringify(githubMatrix(cells, shards))}\n`);
  } else if (format === 'list') {
    for (const cell of cells) process.stdout.write(`${cell.id}\t${scenariosFor(cell, matrix).join(',')}\n`);
  } else {
    throw new UsageError(`--format "${format}": use github or list`);
  }
  return 0;
}
