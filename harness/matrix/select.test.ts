import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Cell } from '../model.js';
import { SelectionError } from './errors.js';
import { expandCells, loadMatrix } from './matrix.js';
import { globMatcher, selectCells } from './select.js';
import { githubMatrix, parseShard, shard } from './shard.js';

const matrix = loadMatrix();
const embedded = expandCells(matrix, 'embedded');
const docker = expandCells(matrix, 'docker');
const ids = (cells: Cell[]) => cells.map((c) => c.id);

/** A fixed reordering that mixes the list thoroughly (a deterministic stand-in for a shuffle), whatever its length. */
function scramble(cells: Cell[], seed: number): Cell[] {
  const key = (c: Cell) => createHash('sha256').update(`${seed}:${c.id}`).digest('hex');
  return [...cells].sort((a, b) => key(a).localeCompare(key(b)));
}

describe('selecting cells', () => {
  it('keeps every cell when no filter is given', () => {
    expect(selectCells(embedded, {})).toEqual(embedded);
  });

  it('takes Immich versions with or without the v, as lists and globs', () => {
    expect(new Set(selectCells(embedded, { immich: 'v3.1.0' }).map((c) => c.immich))).toEqual(new Set(['v3.1.0']));
    expect(selectCells(embedded, { immich: '3.1.0' })).toEqual(selectCells(embedded, { immich: 'v3.1.0' }));
    expect(selectCells(embedded, { immich: 'v1.*, 2.7.5' })).toHaveLength(3 * 6);
  });

  it('takes an IdP as product, product-version or product-version__variant', () => {
    expect(selectCells(embedded, { idp: 'authentik' })).toHaveLength(2 * 5); // two variants × 5 modelled Immich versions
    expect(new Set(selectCells(docker, { idp: 'authelia-4.39.*' }).map((c) => c.idp.version))).toEqual(new Set(['4.39.0', '4.39.20', '4.39.28']));
    expect(ids(selectCells(embedded, { idp: '*__encryption-key' }))).toEqual(ids(embedded.filter((c) => c.idp.variant === 'encryption-key')));
  });

  it('keeps the cells that run a scenario', () => {
    expect(ids(selectCells(docker, { scenario: 'jwe-rejected' }, matrix))).toEqual(ids(docker.filter((c) => c.idp.settings.encryptionKey)));
    expect(selectCells(embedded, { scenario: 'auto-register' }, matrix)).toHaveLength(5 * 4); // all but the JWE-only and forging cells
  });

  it('combines filters as "all of them"', () => {
    const picked = selectCells(docker, { immich: 'v2.7.5,v3.1.0', idp: 'authentik', variant: 'signing-key', cell: '*2026*' }, matrix);
    expect(ids(picked)).toEqual(['immich-v2.7.5__authentik-2026.8.3__signing-key__docker', 'immich-v3.1.0__authentik-2026.8.3__signing-key__docker']);
  });

  it('refuses a pattern that matches no cell, suggesting the nearest name', () => {
    expect(() => selectCells(embedded, { idp: 'authentic' })).toThrow(SelectionError);
    expect(() => selectCells(embedded, { idp: 'authentic' })).toThrow('--idp "authentic" matches no cell: did you mean "authentik"?');
    expect(() => selectCells(embedded, { immich: 'v4.*' })).toThrow(/--immich "v4\.\*" matches no cell/);
  });

  it('matches names against a comma list of globs the same way for scenarios inside a cell', () => {
    const wanted = globMatcher('jwe-*, auto-register');
    expect(['auto-register', 'email-required', 'jwe-rejected'].filter(wanted)).toEqual(['auto-register', 'jwe-rejected']);
    expect(globMatcher(undefined)('anything')).toBe(true);
    expect(globMatcher('a.b')('axb')).toBe(false);
  });

  it('asks for the matrix when selecting by scenario without it', () => {
    expect(() => selectCells(embedded, { scenario: 'auto-register' })).toThrow(/needs the matrix/);
  });
});

describe('sharding', () => {
  const sets: [string, Cell[]][] = [
    ['docker', docker],
    ['embedded', embedded],
    ['authentik on docker', selectCells(docker, { idp: 'authentik' })],
  ];

  for (const [name, cells] of sets) {
    it(`splits the ${name} cells into disjoint, balanced shards whose union is all of them`, () => {
      for (let count = 1; count <= cells.length + 3; count++) {
        const shards = Array.from({ length: count }, (_, i) => ids(shard(cells, i + 1, count)));
        const all = shards.flat();
        expect(all).toHaveLength(cells.length);
        expect(new Set(all)).toEqual(new Set(ids(cells)));
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    });
  }

  it('gives the same shards whatever order the cells come in', () => {
    for (const count of [2, 3, 4, 7]) {
      for (let index = 1; index <= count; index++) {
        const reference = ids(shard(docker, index, count));
        expect(ids(shard([...docker].reverse(), index, count))).toEqual(reference);
        expect(ids(shard(scramble(docker, 5), index, count))).toEqual(reference);
        expect(ids(shard(scramble(docker, 7), index, count))).toEqual(reference);
      }
    }
  });

  it('keeps one Immich version per shard when the shards line up with them', () => {
    const versions = new Set(docker.map((c) => c.immich)).size;
    for (let index = 1; index <= versions; index++) {
      expect(new Set(shard(docker, index, versions).map((c) => c.immich)).size).toBe(1);
    }
  });

  it('refuses an index outside 1..count', () => {
    expect(() => shard(docker, 0, 4)).toThrow(RangeError);
    expect(() => shard(docker, 5, 4)).toThrow(/the index runs from 1 to the count/);
  });

  it('parses "index/count" and refuses anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('5/4')).toThrow(/bad shard "5\/4"/);
    expect(() => parseShard('two/4')).toThrow(RangeError);
  });
});

describe('the GitHub Actions matrix', () => {
  it('lists one job per shard with its cell count', () => {
    const value = githubMatrix(docker, 5);
    expect(value).toEqual({
      include: [
        { shard: '1/5', cells: 18 },
        { shard: '2/5', cells: 18 },
        { shard: '3/5', cells: 18 },
        { shard: '4/5', cells: 18 },
        { shard: '5/5', cells: 18 },
      ],
    });
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  });

  it('never starts a job without cells', () => {
    const few = selectCells(docker, { scenario: 'jwe-rejected' }, matrix);
    expect(githubMatrix(few, 10).include.map((j) => j.shard)).toEqual(few.map((_, i) => `${i + 1}/${few.length}`));
    expect(few).toHaveLength(6); // JWE on the newest authentik, one per Immich version
    expect(githubMatrix([], 4)).toEqual({ include: [] });
  });

  it('describes shards that shard() reproduces', () => {
    for (const job of githubMatrix(docker, 3).include) {
      const { index, count } = parseShard(job.shard);
      expect(shard(docker, index, count)).toHaveLength(job.cells);
    }
  });
});
