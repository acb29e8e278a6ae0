// The version matrix, the expectations, and how cells are picked and split for CI.
export { MatrixError, SelectionError } from './errors.js';
export {
  loadMatrix,
  expandCells,
  scenariosFor,
  findVariant,
  cellId,
  defaultMatrixPath,
  type Matrix,
  type Variant,
  type IdpEntry,
  type ScenarioSpec,
} from './matrix.js';
export {
  loadExpectations,
  expectedOutcome,
  casesOf,
  defaultExpectationsPath,
  type Expectations,
  type Expected,
  type Rule,
  type Condition,
} from './expectations.js';
export { selectCells, globMatcher, type CellFilter } from './select.js';
export { shard, parseShard, sortCells, compareCells, githubMatrix, type GithubMatrix } from './shard.js';
