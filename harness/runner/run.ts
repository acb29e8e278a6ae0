// The main job: every selected scenario on every selected cell, with progress, reports and an exit code.
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { loadMatrix, expandCells, scenariosFor } from '../matrix/matrix.js';
import { globMatcher, selectCells, shard as shardCells } from '../matrix/select.js';
import type { Backend, CellReport, RunReport, ScenarioResult } from '../model.js';
import { REPORT_SCHEMA_VERSION } from '../model.js';
import { Cleanup, cleanupOnSignals } from '../run-dir.js';
import { writeAllReports } from '../report/write.js';
import { regressions, readReportFile } from '../report/baseline.js';
import { createProgress } from '../report/progress.js';
import { knownBugLines, scenarioMessage, totalsLine, unconfirmedLines } from '../report/view.js';
import type { StackInfo } from '../stack/types.js';
import { ResultCollector } from './collector.js';
import { loadExpectations } from '../matrix/expectations.js';
import { imagesFor } from '../../containers/images.js';
import { claimOutDir } from './out-dir.js';
import { InputError } from '../cli/args.js';
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
  shard?: { index: number; count: number; planCells?: string[] };
  baseline?: string;
  /** A docker cell that cannot run (image unavailable) does not fail the run. */
  allowNotRun?: boolean;
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
  // Everything a user can get wrong is checked before anything starts (exit 2, with the file and the fix).
  const matrix = loadMatrix(opts.matrixFile);
  loadExpectations(opts.expectationsFile, matrix);
  const baseline = opts.baseline ? readReportFile(opts.baseline) : undefined;
  const releaseOut = claimOutDir(opts.outDir);
  const wanted = globMatcher(opts.filters?.scenario);
  // The images of the docker cells this selection would run (a cell counts only if a selected scenario runs on it).
  const dockerImages = (): string[] | { none: string } => {
    try {
      const cells = selectCells(expandCells(matrix, 'docker'), opts.filters ?? {}, matrix).filter((c) => scenariosFor(c, matrix).some(wanted));
      if (cells.length === 0) return { none: 'no docker cell runs the selected scenarios' };
      return [...new Set(cells.flatMap(imagesFor))];
    } catch (err) {
      return { none: (err as Error).message };
    }
  };
  let backend: Backend;
  try {
    backend = await chooseBackend(opts.backend, out, dockerImages);
  } catch (err) {
    releaseOut();
    throw err;
  }
  let cells = selectCells(expandCells(matrix, backend), opts.filters ?? {}, matrix);
  // The whole plan travels with each shard's results, so `report merge` can tell a shard that never arrived.
  const shard = opts.shard ? { ...opts.shard, planCells: cells.map((c) => (opts.images === 'local' ? withLocalImages([c])[0]! : c).id) } : undefined;
  if (opts.shard) cells = shardCells(cells, opts.shard.index, opts.shard.count);
  if (opts.images === 'local') cells = withLocalImages(cells);
  const plans: CellPlan[] = cells
    .map((cell) => ({ cell, scenarios: scenariosFor(cell, matrix).filter(wanted) }))
    .filter((p) => p.scenarios.length > 0);
  if (plans.length === 0) {
    releaseOut();
    throw new InputError('No cell selected: loosen --immich/--idp/--scenario/--cell or check the shard.');
  }

  const progress = createProgress(out, plans.map((p) => ({ cellId: p.cell.id, scenarios: p.scenarios.length })));
  const startedAt = new Date();
  const cleanup = new Cleanup();
  cleanup.add('out directory lock', releaseOut);
  const collector = new ResultCollector({ scenarioDone: (r) => progress.scenarioDone(r) });
  let env: Awaited<ReturnType<typeof bringUp>> | undefined;
  // Ctrl-C keeps what finished: a partial report of the scenarios that completed, then everything is removed.
  const stopSignals = cleanupOnSignals(cleanup, (s) => {
    progress.interrupted?.(s);
    if (!env) return;
    try {
      const partial = buildReport(backend, env.infos.filter(Boolean), collector, startedAt, { ...opts, shard }, env.stacks.map((st) => [st.info.cell.id, st.logs()]), false);
      writeAllReports(opts.outDir, { ...partial, interrupted: true });
      out.write(`partial report of what finished written to ${opts.outDir}\n`);
    } catch (err) {
      out.write(`no partial report: ${(err as Error).message}\n`);
    }
  });
  try {
    env = await bringUp(backend, plans, {
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
          run: {
            browserWsEndpoint: env.browserWsEndpoint,
            artifactsDir: resolve(opts.outDir),
            expectationsFile: opts.expectationsFile,
            matrixFile: opts.matrixFile,
          },
        },
      },
      {},
    );
    await vitest.close();

    const report = buildReport(backend, env.infos, collector, startedAt, { ...opts, shard }, env.stacks.map((s) => [s.info.cell.id, s.logs()]));
    // With a baseline, the reports list its regressions before everything else.
    const files = writeAllReports(opts.outDir, report, { regressions: baseline ? regressions(baseline, report) : [] });
    progress.close();
    return finish(report, files, collector.problems, opts, out, baseline);
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
  complete = true,
): RunReport {
  const logsByCell = new Map(logs);
  const cells: CellReport[] = infos.map((info) => {
    const reported = collector.results.filter((r) => r.cellId === info.cell.id);
    // A planned scenario that never reported (its file failed to load, the runner stopped) checked nothing on
    // this cell: a harness fault, never a silent gap in a green cell. Not for a partial (interrupted) report.
    const missing: ScenarioResult[] =
      complete && !info.notRun
        ? info.scenarios
            .filter((id) => !reported.some((r) => r.scenario === id))
            .map((id) => {
              const cause = `scenario "${id}" never reported for this cell: its file did not load or the test runner stopped before it`;
              return { cellId: info.cell.id, scenario: id, title: id, status: 'error', cases: [], durationMs: 0, reason: cause, fault: { kind: 'harness', step: 'scenario file', waitedMs: 0, cause } };
            })
        : [];
    const results = [...reported, ...missing].map((r) =>
      r.status === 'passed' ? r : { ...r, artifacts: { ...r.artifacts, logs: tails(logsByCell.get(info.cell.id)) } },
    );
    return {
      cell: info.cell,
      provenance: info.provenance,
      status: info.notRun ? 'not-run' : 'ran',
      ...(info.notRun ? { reason: info.notRun, notRunKind: info.notRunKind ?? 'start-failed' } : {}),
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

function uniqueImages(images: RunReport["images"]): RunReport["images"] {
  const seen = new Map(images.map((i) => [`${i.name}@${i.digest ?? ''}`, i]));
  return [...seen.values()];
}

function tails(logs: Record<string, string> | undefined, lines = 60): Record<string, string> {
  return Object.fromEntries(Object.entries(logs ?? {}).map(([name, text]) => [name, text.split('\n').slice(-lines).join('\n')]));
}

/** Exit statuses: 0 every case judged as expected, 1 a verdict differs or coverage is missing, 2 bad input, 3 harness faults only. */
export const EXIT = { ok: 0, differs: 1, badInput: 2, harnessFault: 3 } as const;

function finish(
  report: RunReport,
  files: string[],
  problems: string[],
  opts: RunOptions,
  out: NodeJS.WritableStream,
  baseline: RunReport | undefined,
): RunOutcome {
  const results = report.cells.flatMap((c) => c.results);
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const judged = results.reduce((n, r) => n + r.cases.length, 0);
  const notRunCells = report.cells.filter((c) => c.status === 'not-run');
  const retried = results.reduce((n, r) => n + r.cases.filter((c) => c.retries?.length).length, 0);
  const lines = [
    totalsLine(report),
    ...(retried ? [`  ${retried} case(s) judged after a login was retried from a clean browser (see the report)`] : []),
    ...notRunCells.map((c) => `  not run: ${c.cell.id}: ${c.reason}`),
    ...results.filter((r) => r.status === 'error').map((r) => `  harness fault: ${r.cellId} ${r.scenario}: ${scenarioMessage(r)}`),
    ...knownBugLines(report).map((l) => `  ${l}`),
    ...unconfirmedLines(report).map((l) => `  ${l}`),
    ...problems.map((p) => `  problem: ${p}`),
    `reports: ${files.join(', ')}`,
  ];
  // A cell whose image cannot be had is "not run"; on its own that fails the run too (a registry outage must not
  // be green) unless --allow-not-run says a partial matrix is fine. Any other failure to start always fails it.
  const unavailable = (c: CellReport) => c.notRunKind === 'image-unavailable';
  const startFailures = notRunCells.filter((c) => !unavailable(c) || !opts.allowNotRun);
  let differs = count('failed') > 0 || problems.length > 0 || startFailures.length > 0;
  if (startFailures.some(unavailable)) lines.push('not-run cells fail the run: pass --allow-not-run to accept a partial matrix');
  if (baseline) {
    // With a baseline only regressions (coverage lost included) fail the job: a known failure stays a known failure.
    const changes = regressions(baseline, report);
    lines.push(
      changes.length ? `${changes.length} regression(s) against ${opts.baseline}:` : `no regression against ${opts.baseline}`,
      ...changes.map((c) => `  ${c.kind === 'coverage-lost' ? 'coverage lost' : 'regression'}: ${c.cellId} ${c.scenario}: ${c.after?.message ?? c.after?.status}`),
    );
    differs = changes.length > 0 || problems.length > 0 || startFailures.some((c) => !unavailable(c));
  }
  if (judged === 0) lines.push('nothing was judged: no case of any scenario ran, so this run says nothing about the products');
  const exitCode = differs || judged === 0 ? EXIT.differs : count('error') > 0 ? EXIT.harnessFault : EXIT.ok;
  const summary = lines.join('\n');
  out.write(`${summary}\n`);
  return { report, exitCode, summary };
}
