// Release CI fans the matrix out over jobs: `matrix --format github` names the shards, each job runs
// `run --shard i/n`, and `report merge` joins them. That must give the same verdicts as one unsharded run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../model.js';
import { ROOT } from './run.js';

const work = mkdtempSync(join(tmpdir(), 'idp-harness-shards-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FILTERS = ['--backend', 'embedded', '--immich', 'v1.113.0,v3.1.0', '--scenario', 'email-required,jwe-rejected'];

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/idp-harness.mjs', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** (cell, scenario) → status and every case's observed answer: what a verdict is, without timings. */
function verdicts(report: RunReport): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const cell of report.cells) {
    for (const r of cell.results) {
      out[`${cell.cell.id} ${r.scenario}`] = {
        status: r.status,
        cases: r.cases.map((c) => [c.case, c.flow, c.pass, c.observed.status, c.observed.message]).sort(),
      };
    }
  }
  return out;
}

describe('sharding the matrix over CI jobs', () => {
  it('gives, once the shards are merged, the same verdicts as one unsharded run', async () => {
    const plan = await cli(['matrix', ...FILTERS, '--format', 'github', '--shards', '3']);
    expect(plan.code).toBe(0);
    const matrix = JSON.parse(plan.stdout) as { include: { shard: string; cells: number }[] };
    expect(matrix.include.map((m) => m.shard)).toEqual(['1/3', '2/3', '3/3']);

    const [whole, ...shards] = await Promise.all([
      cli(['run', ...FILTERS, '--out', join(work, 'whole')]),
      ...matrix.include.map((m, i) => cli(['run', ...FILTERS, '--shard', m.shard, '--out', join(work, `shard-${i + 1}`)])),
    ]);
    for (const r of [whole!, ...shards]) expect(r.code, r.stderr).toBe(0);

    const merged = await cli(['report', 'merge', ...matrix.include.map((_, i) => join(work, `shard-${i + 1}`)), '--out', join(work, 'merged')]);
    expect(merged.code, merged.stderr).toBe(0);

    const read = (dir: string) => JSON.parse(readFileSync(join(work, dir, 'results.json'), 'utf8')) as RunReport;
    const unsharded = read('whole');
    const joined = read('merged');
    expect(joined.cells.length).toBe(matrix.include.reduce((n, m) => n + m.cells, 0));
    expect(verdicts(joined)).toEqual(verdicts(unsharded));
    expect(Object.keys(verdicts(unsharded)).length).toBeGreaterThan(4);
  }, 300_000); // four whole runs of the main job, side by side on two cores
});
