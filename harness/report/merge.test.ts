import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../model.js';
import { mergeDirs, mergeReports } from './merge.js';
import { readReport, writeReport } from './schema.js';
import { cell, failCase, passCase, ran, report, scenario } from './sample-reports.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'report-merge-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const a = cell('docker', 'v3.1.0', 'authelia', '4.39.0');
const b = cell('docker', 'v2.7.5', 'authentik', '2025.10.4');
const digest = (c: string): string => `sha256:${c.repeat(64)}`;

function shard1(): RunReport {
  return report('docker', [ran(a, [scenario(a, 'auto-register', 'passed', [passCase('on')])])], {
    shard: { index: 1, count: 2, planCells: [a.id, b.id] },
    startedAt: '2025-11-23T10:00:05.000Z',
    finishedAt: '2025-11-23T10:20:00.000Z',
    images: [{ name: 'authelia/authelia:4.39.0', digest: digest('b') }, { name: 'immich-server:v3.1.0' }],
  });
}
function shard2(): RunReport {
  return report('docker', [ran(b, [scenario(b, 'auto-register', 'failed', [failCase('on', { status: 201 }, { status: 500 })])])], {
    shard: { index: 2, count: 2, planCells: [a.id, b.id] },
    startedAt: '2025-11-23T09:59:59.000Z',
    finishedAt: '2025-11-23T10:15:00.000Z',
    images: [{ name: 'authelia/authelia:4.39.0', digest: digest('b') }, { name: 'immich-server:v3.1.0', digest: digest('c') }],
  });
}

describe('mergeReports', () => {
  it('unites the cells of shards, dedupes images, spans the run time and drops the shard', () => {
    const m = mergeReports([shard2(), shard1()]);
    expect(m.cells.map((c) => c.cell.id)).toEqual([a.id, b.id]); // shard order, whatever the argument order
    expect(m.images).toEqual([
      { name: 'authelia/authelia:4.39.0', digest: digest('b') },
      { name: 'immich-server:v3.1.0', digest: digest('c') }, // the digest-less record is subsumed
    ]);
    expect(m.startedAt).toBe('2025-11-23T09:59:59.000Z');
    expect(m.finishedAt).toBe('2025-11-23T10:20:00.000Z');
    expect(m).not.toHaveProperty('shard');
  });

  it('keeps one copy of a scenario two reports agree on and adds scenarios only one has', () => {
    const other = report('docker', [ran(a, [
      { ...scenario(a, 'auto-register', 'passed', [passCase('on')]), durationMs: 99 },
      scenario(a, 'mobile-redirect', 'passed', [passCase('off')]),
    ])]);
    const { shard: _, ...whole } = shard1();
    const m = mergeReports([whole, other]);
    expect(m.cells).toHaveLength(1);
    expect(m.cells[0]!.results.map((r) => r.scenario)).toEqual(['auto-register', 'mobile-redirect']);
  });

  it('refuses the same cell twice with different verdicts, naming cell and scenario', () => {
    const conflicting = report('docker', [ran(a, [scenario(a, 'auto-register', 'failed', [failCase('on', { status: 200 }, { status: 500 })])])]);
    const { shard: _, ...whole } = shard1();
    expect(() => mergeReports([whole, conflicting])).toThrow(
      `merge: cell "${a.id}" scenario "auto-register" has different verdicts: passed in report 1, failed in report 2`,
    );
  });

  it('refuses a missing shard, naming it and the planned cells that have no verdict, unless told to merge what there is', () => {
    expect(() => mergeReports([shard1()])).toThrow(
      `merge: shard 2 of 2 missing: no verdict for 1 planned cell(s) (${b.id}); pass --allow-missing-shards to merge what there is`,
    );
    const warnings: string[] = [];
    const m = mergeReports([shard1()], { allowMissingShards: true, warnings });
    expect(m.cells.map((c) => c.cell.id)).toEqual([a.id]);
    expect(warnings).toEqual([`shard 2 of 2 missing: no verdict for 1 planned cell(s) (${b.id})`]);
  });

  it('refuses a shard given twice, and shards of different plans', () => {
    expect(() => mergeReports([shard1(), shard2(), shard1()])).toThrow('merge: shard 1 of 2 is given twice (shard 1 of 2 and shard 1 of 2); give each shard once');
    const other = { ...shard2(), shard: { index: 2, count: 3, planCells: [a.id, b.id] } };
    expect(() => mergeReports([shard1(), other])).toThrow(/are shards of different plans/);
  });

  it('refuses to merge an embedded report with a docker one', () => {
    const e = report('embedded', []);
    expect(() => mergeReports([shard1(), e])).toThrow("merge: cannot merge embedded and docker reports; their verdicts are about different implementations");
  });

  it('does not change the reports it was given', () => {
    const s1 = shard1();
    const before = JSON.stringify(s1);
    mergeReports([s1, shard2()]);
    expect(JSON.stringify(s1)).toBe(before);
  });
});

describe('mergeDirs', () => {
  it('writes one valid results.json and copies each shard\'s artifacts, moving a clashing name aside', () => {
    const [d1, d2, out] = [tmp(), tmp(), tmp()];
    const r1 = shard1();
    r1.cells[0]!.results[0]!.artifacts = { screenshots: ['shots/login.png'], traces: ['../../etc/passwd'] };
    const r2 = shard2();
    r2.cells[0]!.results[0]!.artifacts = { screenshots: ['shots/login.png', 'shots/gone.png'] };
    for (const [d, bytes] of [[d1, 'one'], [d2, 'two']] as const) {
      mkdirSync(join(d, 'shots'));
      writeFileSync(join(d, 'shots/login.png'), bytes);
    }
    writeReport(d1, r1);
    writeReport(d2, r2);

    const { path, report: merged, warnings } = mergeDirs([d1, d2], out);
    expect(path).toBe(join(out, 'results.json'));
    expect(readReport(path)).toEqual(merged);
    const shots = merged.cells.map((c) => c.results[0]!.artifacts?.screenshots);
    expect(shots).toEqual([['shots/login.png'], [join('shard-1', 'shots/login.png'), 'shots/gone.png']]);
    expect(readFileSync(join(out, 'shots/login.png'), 'utf8')).toBe('one');
    expect(readFileSync(join(out, 'shard-1/shots/login.png'), 'utf8')).toBe('two');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/artifact path "..\/..\/etc\/passwd" leaves its report directory/);
    expect(warnings[1]).toMatch(/gone.png is missing/);
  });

  it('names the directory whose report cannot be read', () => {
    const [d1, d2, out] = [tmp(), tmp(), tmp()];
    writeReport(d1, shard1());
    expect(() => mergeDirs([d1, d2], out)).toThrow(`${join(d2, 'results.json')}: no such file`);
  });
});
