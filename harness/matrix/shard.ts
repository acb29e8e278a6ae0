// Splitting cells across CI jobs. Cells are put in one canonical order first, so every job of a
// CI matrix computes the same split whatever order its filters produced them in.
import semver from 'semver';
import type { Cell } from '../model.js';

function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va && vb) return semver.compare(va, vb);
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Canonical order: backend, Immich version, IdP product, IdP version, variant, then id.
 * Immich first on purpose: contiguous shards then share Immich images, the largest pulls.
 */
export function compareCells(a: Cell, b: Cell): number {
  return (
    compareText(a.backend, b.backend) ||
    compareVersions(a.immich, b.immich) ||
    compareText(a.idp.product, b.idp.product) ||
    compareVersions(a.idp.version, b.idp.version) ||
    compareText(a.idp.variant, b.idp.variant) ||
    compareText(a.id, b.id)
  );
}

export function sortCells(cells: readonly Cell[]): Cell[] {
  return [...cells].sort(compareCells);
}

/** "2/4" → { index: 2, count: 4 }; index is 1-based, as in the CI job names. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new RangeError(`bad shard "${text}": write <index>/<count> with 1 <= index <= count, e.g. "2/4"`);
  }
  return { index, count };
}

/**
 * Shard `index` (1-based) of `count`: a contiguous run of the canonical order. The first
 * (cells mod count) shards take one cell more, so sizes differ by at most one.
 */
export function shard(cells: readonly Cell[], index: number, count: number): Cell[] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw new RangeError(`bad shard ${index}/${count}: the index runs from 1 to the count, and the count is at least 1`);
  }
  const sorted = sortCells(cells);
  const base = Math.floor(sorted.length / count);
  const extra = sorted.length % count;
  const start = (index - 1) * base + Math.min(index - 1, extra);
  return sorted.slice(start, start + base + (index <= extra ? 1 : 0));
}

export interface GithubMatrix {
  include: { shard: string; cells: number }[];
}

/**
 * The value of a GitHub Actions `strategy.matrix`: one job per non-empty shard. Asking for more
 * shards than cells gives one shard per cell, so no job starts with nothing to do. With no cells
 * at all `include` is empty, which GitHub refuses: the workflow skips the fan-out in that case.
 */
export function githubMatrix(cells: readonly Cell[], shards: number): GithubMatrix {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`bad shard count ${shards}: use a whole number >= 1`);
  const count = Math.min(shards, cells.length);
  const include: GithubMatrix['include'] = [];
  for (let index = 1; index <= count; index++) {
    include.push({ shard: `${index}/${count}`, cells: shard(cells, index, count).length });
  }
  return { include };
}
