// One error type for every mistake in fixtures/matrix.yaml or fixtures/expectations.yaml.
// The message always reads `<file>:<line>:<col>: <problem> — <fix>` so an editor can jump to it.

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

export class MatrixError extends Error {
  override name = 'MatrixError';
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly problem: string;
  readonly fix: string;

  constructor(at: SourcePosition, problem: string, fix: string) {
    super(`${at.file}:${at.line}:${at.col}: ${problem} — ${fix}`);
    this.file = at.file;
    this.line = at.line;
    this.col = at.col;
    this.problem = problem;
    this.fix = fix;
  }
}

/** A cell filter (CLI `--immich`, `--idp`, ...) that names nothing the matrix has. */
export class SelectionError extends Error {
  override name = 'SelectionError';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest valid name, if one is close enough to be a plausible typo. */
export function nearest(word: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

/** `did you mean "x"?` when a valid name is close, else the list of valid names. */
export function suggest(word: string, valid: readonly string[], what = 'one of'): string {
  const close = nearest(word, valid);
  if (close !== undefined) return `did you mean "${close}"?`;
  return `use ${what} ${valid.map((v) => `"${v}"`).join(', ')}`;
}
