// The main job: every selected scenario on every selected cell, with progress, reports and an exit code.
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { loadMatrix, expandCells, scenariosFor } from '../matrix/matrix.js';
import { globMatcher, selectCells, shard as shardCells } from '../matrix/select.js';
import type { Backend, CellReport, RunReport } from '../model.js';
import { REPORT_SCHEMA_VERSION } from '../model.js';
import { Cleanup, cleanupOnSignals } from '../run-dir.js';
import { writeAllReports } from '../report/write.js';
import { regressions, readReportFile } from '../report/baseline.js';
import { createProgress } from '../report/progress.js';
import type { StackInfo } from '../stack/types.js';
import { ResultCollector } from './collector.js';
import { bringUp, type CellPlan } from './environment.js';
import { chooseBackend } from './backend.js';
import { withLocalImages } from './local-images.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunOptions {
  backend: Backend | 'auto';
  outDir: string;
  matrixFile?: string;
  expectationsFile?: string;
  filters?: { immich?: string; idp?: string; scenario?: string; cell?: string };
  shard?: { index: number; count: number };
  baseline?: string;
  /** docker backend: `local` runs the reference model and the embedded provider from a locally built image. */
  images?: 'upstream' | 'local';
  out?: NodeJS.WritableStream;
}

export interface RunOutcome {
  report: RunReport;
  exitCode: number;
  summary: string;
}

export function harnessVersion(): string {
  return (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function runMatrix(opts: RunOptions): Promise<RunOutcome> {
  const out = opts.out ?? process.stdout;
  const backend = await chooseBackend(opts.backend, out);
  const matrix = loadMatrix(opts.matrixFile);
  let cells = selectCells(expandCells(matrix, backend), opts.filters ?? {}, matrix);
  if (opts.shard) cells = shardCells(cells, opts.shard.index, opts.shard.count);
  if (opts.images === 'local') cells = withLocalImages(cells);
  const wanted = globMatcher(opts.filters?.scenario);
  const plans: CellPlan[] = cells
    .map((cell) => ({ cell, scenarios: scenariosFor(cell, matrix).filter(wanted) }))
    .filter((p) => p.scenarios.length > 0);
  if (plans.length === 0) throw new Error('No cell selected: loosen --immich/--idp/--scenario/--cell or check the shard.');

  const progress = createProgress(out, plans.map((p) => ({ cellId: p.cell.id, scenarios: p.scenarios.length })));
  const startedAt = new Date();
  const cleanup = new Cleanup();
  const stopSignals = cleanupOnSignals(cleanup, (s) => progress.interrupted?.(s));
  try {
    const env = await bringUp(backend, plans, {
      cleanup,
      events: {
        cellStarting: (id) => progress.cellStarting(id),
        cellReady: (id, ms) => progress.cellReady(id, ms),
        cellNotRun: (id, reason) => progress.cellNotRun(id, reason),
      },
    });
    mkdirSync(opts.outDir, { recursive: true });
    // Tells the scenarios project's global setup that this process owns the stacks.
    process.env.IDP_HARNESS_OWNER = 'cli';
    const collector = new ResultCollector({ scenarioDone: (r) => progress.scenarioDone(r) });
    const vitest = await startVitest(
      'test',
      [],
      {
        root: ROOT,
        config: resolve(ROOT, 'vitest.config.ts'),
        project: 'scenarios',
        watch: false,
        reporters: [collector],
        provide: {
          stacks: env.infos,
          run: { browserWsEndpoint: env.browserWsEndpoint, artifactsDir: resolve(opts.outDir), expectationsFile: opts.expectationsFile },
        },
      },
      {},
    );
    await vitest.close();

    const report = buildReport(backend, env.infos, collector, startedAt, opts, env.stacks.map((s) => [s.info.cell.id, s.logs()]));
    const files = writeAllReports(opts.outDir, report);
    progress.close();
    return finish(report, files, collector.problems, opts, out);
  } finally {
    stopSignals();
    await cleanup.run();
  }
}

function buildReport(
  backend: Backend,
  infos: StackInfo[],
  collector: ResultCollector,
  startedAt: Date,
  opts: RunOptions,
  logs: [string, Record<string, string>][],
): RunReport {
  const logsByCell = new Map(logs);
  const cells: CellReport[] = infos.map((info) => {
    const results = collector.results
      .filter((r) => r.cellId === info.cell.id)
      .map((r) => (r.status === 'passed' ? r : { ...r, artifacts: { ...r.artifacts, logs: tails(logsByCell.get(info.cell.id)) } }));
    return {
      cell: info.cell,
      provenance: info.provenance,
      status: info.notRun ? 'not-run' : 'ran',
      ...(info.notRun ? { reason: info.notRun } : {}),
      ...(info.readyMs !== undefined ? { readyMs: info.readyMs } : {}),
      results,
    };
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    harnessVersion: harnessVersion(),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    backend,
    ...(opts.shard ? { shard: opts.shard } : {}),
    images: uniqueImages(infos.flatMap((i) => i.images ?? [])),
    cells,
  };
}

function uniqueImages(images: { name: string; digest?: string }[]): { name: string; digest?: string }[] {
  const seen = new Map(images.map((i) => [`${i.name}@${i.digest ?? ''}`, i]));
  return [...seen.values()];
}

function tails(logs: Record<string, string> | undefined, lines = 60): Record<string, string> {
  return Object.fromEntries(Object.entries(logs ?? {}).map(([name, text]) => [name, text.split('\n').slice(-lines).join('\n')]));
}

function finish(report: RunReport, files: string[], problems: string[], opts: RunOptions, out: NodeJS.WritableStream): RunOutcome {
  const results = report.cells.flatMap((c) => c.results);
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const notRunCells = report.cells.filter((c) => c.status === 'not-run');
  const lines = [
    `${count('passed')} passed, ${count('failed') + count('error')} failed, ${count('not-run')} not run (${report.cells.length} cells, ${report.backend} backend)`,
    ...notRunCells.map((c) => `  not run: ${c.cell.id}: ${c.reason}`),
    ...problems.map((p) => `  problem: ${p}`),
    `reports: ${files.join(', ')}`,
  ];
  // A cell whose image cannot be had is "not run" by design; any other failure to start is a failure
  // (a product that never became ready, a broken configuration).
  const startFailures = notRunCells.filter((c) => !/^image \S+ unavailable \(/.test(c.reason ?? ''));
  let exitCode = count('failed') + count('error') > 0 || problems.length > 0 || startFailures.length > 0 ? 1 : 0;
  if (opts.baseline) {
    // With a baseline only regressions fail the job: a known failure stays a known failure.
    const changes = regressions(readReportFile(opts.baseline), report);
    lines.push(changes.length ? `${changes.length} regression(s) against ${opts.baseline}` : `no regression against ${opts.baseline}`);
    exitCode = changes.length > 0 || problems.length > 0 || startFailures.length > 0 ? 1 : 0;
  }
  const summary = lines.join('\n');
  out.write(`${summary}\n`);
  return { report, exitCode, summary };
}
