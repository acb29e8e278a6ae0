import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readReport, reportProblem, writeReport } from './schema.js';
import { embeddedSample } from './sample-reports.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'report-schema-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writeJson(dir: string, value: unknown): string {
  const p = join(dir, 'results.json');
  writeFileSync(p, JSON.stringify(value));
  return p;
}

describe('report schema', () => {
  it('writes results.json and reads back the same report', () => {
    const dir = tmp();
    const report = embeddedSample();
    const path = writeReport(dir, report);
    expect(path).toBe(join(dir, 'results.json'));
    expect(readReport(path)).toEqual(report);
    expect(readReport(dir)).toEqual(report); // a directory holding results.json works too
  });

  it('names the file and the first problem of an invalid report', () => {
    const bad = embeddedSample() as unknown as { cells: { results: { status: string }[] }[] };
    bad.cells[1]!.results[1]!.status = 'flaky';
    const p = writeJson(tmp(), bad);
    expect(() => readReport(p)).toThrow(`${p} is not a usable idp-harness report: /cells/1/results/1/status must be one of "passed", "failed", "not-run", "error"`);
  });

  it('says which schema versions it reads when given another one', () => {
    const p = writeJson(tmp(), { ...embeddedSample(), schemaVersion: 2 });
    expect(() => readReport(p)).toThrow(/has schemaVersion 2, but this harness reads schemaVersion 1 only/);
  });

  it('names an unknown property, so a typo or an unrecorded model change is caught', () => {
    const r = embeddedSample() as unknown as Record<string, unknown>;
    r.finshedAt = r.finishedAt;
    expect(reportProblem(r)).toBe('the report has unknown property "finshedAt"');
  });

  it('rejects what the schema cannot express: a result filed under another cell, a repeated cell', () => {
    const r = embeddedSample();
    r.cells[0]!.results[0]!.cellId = 'someone-else';
    expect(reportProblem(r)).toMatch(/^\/cells\/0\/results\/0 has cellId "someone-else" inside cell/);
    const twice = embeddedSample();
    twice.cells.push(twice.cells[0]!);
    expect(reportProblem(twice)).toMatch(/^\/cells\/3 repeats cell id/);
  });

  it('rejects an embedded cell inside a docker report', () => {
    expect(reportProblem({ ...embeddedSample(), backend: 'docker' })).toMatch(/ran on the embedded backend inside a docker report/);
  });

  it('names the file when it is not JSON or does not exist', () => {
    const dir = tmp();
    const p = join(dir, 'results.json');
    writeFileSync(p, '{"schemaVersion": 1,');
    expect(() => readReport(p)).toThrow(new RegExp(`^${p} is not a usable idp-harness report: not valid JSON`));
    expect(() => readReport(join(dir, 'nope.json'))).toThrow(/nope.json: no such file/);
  });

  it('refuses to write an invalid report and leaves no file behind', () => {
    const dir = tmp();
    const r = { ...embeddedSample(), startedAt: 'yesterday' };
    expect(() => writeReport(dir, r)).toThrow(/\/startedAt must match format "date-time"/);
    expect(existsSync(join(dir, 'results.json'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
