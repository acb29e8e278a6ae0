// Picking cells from the CLI: `--immich v3.*,v2.7.5 --idp authentik --scenario jwe-rejected --cell '*embedded'`.
// Each filter is a comma list of globs (`*` any text, `?` one character); a cell passes when it
// matches every filter given. A pattern that matches no cell at all is a typo: it is refused.
import type { Cell } from '../model.js';
import { SelectionError, suggest } from './errors.js';
import { scenariosFor, type Matrix } from './matrix.js';

// The runner picks cells and then a shard of them; both live here for it.
export { shard, parseShard } from './shard.js';

export interface CellFilter {
  /** Immich versions, with or without the leading "v": "v3.*", "2.7.5" */
  immich?: string;
  /** product, product-version or product-version__variant: "authentik", "authelia-4.39.*", "*__encryption-key" */
  idp?: string;
  /** variant names: "post,signing-key" */
  variant?: string;
  /** scenario ids; keeps the cells that run one of them (needs the matrix) */
  scenario?: string;
  /** cell ids */
  cell?: string;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function patterns(list: string): string[] {
  return list
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * A test for one comma list of globs, e.g. to keep only the wanted scenarios inside a selected
 * cell the same way selectCells chose the cell. An empty or missing list matches everything.
 */
export function globMatcher(list: string | undefined): (name: string) => boolean {
  const tests = patterns(list ?? '').map(globToRegExp);
  return (name) => tests.length === 0 || tests.some((t) => t.test(name));
}

interface Dimension {
  name: keyof CellFilter;
  /** The names a cell answers to in this dimension. */
  names(cell: Cell): string[];
  normalise?(pattern: string): string;
}

export function selectCells(cells: readonly Cell[], filter: CellFilter, matrix?: Matrix): Cell[] {
  const dimensions: Dimension[] = [
    { name: 'immich', names: (c) => [c.immich], normalise: (p) => (/^\d/.test(p) ? `v${p}` : p) },
    {
      name: 'idp',
      names: (c) => [c.idp.product, `${c.idp.product}-${c.idp.version}`, `${c.idp.product}-${c.idp.version}__${c.idp.variant}`],
    },
    { name: 'variant', names: (c) => [c.idp.variant] },
    {
      name: 'scenario',
      names: (c) => {
        if (!matrix) throw new SelectionError('selecting by scenario needs the matrix: pass it as the third argument of selectCells');
        return scenariosFor(c, matrix);
      },
    },
    { name: 'cell', names: (c) => [c.id] },
  ];

  let selected = [...cells];
  for (const dimension of dimensions) {
    const list = filter[dimension.name];
    if (list === undefined || patterns(list).length === 0) continue;
    const tests = patterns(list).map((raw) => {
      const pattern = dimension.normalise ? dimension.normalise(raw) : raw;
      return { raw, regexp: globToRegExp(pattern) };
    });
    for (const { raw, regexp } of tests) {
      if (!cells.some((c) => dimension.names(c).some((n) => regexp.test(n)))) {
        const known = [...new Set(cells.flatMap((c) => dimension.names(c)))];
        throw new SelectionError(`--${dimension.name} "${raw}" matches no cell: ${suggest(raw, known, 'one of')}`);
      }
    }
    selected = selected.filter((c) => dimension.names(c).some((n) => tests.some((t) => t.regexp.test(n))));
  }
  return selected;
}
