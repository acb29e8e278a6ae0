// What every rendering (Markdown, HTML, JUnit, diff) says about a report, decided once: labels that name
// the implementation behind a verdict, the per-cell verdict, and the compatibility matrix layout.
import semver from 'semver';
import { basename } from 'node:path';
import type { CaseVerdict, Cell, CellReport, Outcome, RunReport, ScenarioResult } from '../model.js';

/**
 * Whether a cell's verdicts come from the reference model and embedded profiles rather than the real
 * products: always on the embedded backend, and on docker with locally built images.
 */
export function byModel(cell: Cell): boolean {
  return cell.backend === 'embedded' || cell.images === 'local';
}

/** "embedded backend", "docker backend" or "docker backend, locally built images". */
export function backendOf(cell: Cell): string {
  return cell.backend === 'docker' && cell.images === 'local' ? 'docker backend, locally built images' : `${cell.backend} backend`;
}

/**
 * Label of the photo server that produced a cell's verdicts. On the embedded backend it always says
 * "reference model", even if the recorded provenance forgot to: an embedded verdict is never a verdict
 * about the real Immich.
 */
export function photosLabel(cr: CellReport): string {
  const p = cr.provenance.photos.trim() || `Immich ${cr.cell.immich}`;
  const label = byModel(cr.cell) && !/reference model/i.test(p) ? `reference model of ${p}` : p;
  return label.includes(cr.cell.immich) ? label : `${label} [${cr.cell.immich}]`;
}

/** Label of the IdP that produced a cell's verdicts; "embedded … profile" on the embedded backend. */
export function idpLabel(cr: CellReport): string {
  const p = cr.provenance.idp.trim() || `${cr.cell.idp.product} ${cr.cell.idp.version}`;
  const label = byModel(cr.cell) && !/embedded/i.test(p) ? `embedded ${p} profile` : p;
  // A profile label may name only the minor line ("Authelia 4.39 profile"); the exact version keeps columns distinct.
  return label.includes(cr.cell.idp.version) ? label : `${label} [${cr.cell.idp.version}]`;
}

/** Column label: the IdP plus the settings variant. */
export function idpColumnLabel(cr: CellReport): string {
  return `${idpLabel(cr)}, variant ${cr.cell.idp.variant}`;
}

/** One sentence saying what produced the verdicts of a whole report. */
export function backendSentence(report: RunReport): string {
  if (report.backend === 'embedded') {
    return 'embedded backend: verdicts are about the reference models of Immich and the embedded oidc-provider profiles of the IdPs, not about the real products';
  }
  const local = report.cells.filter((cr) => byModel(cr.cell)).length;
  if (local === 0) return 'docker backend: verdicts are about the real products, run from the container images listed under Images';
  const all = local === report.cells.length;
  return (
    `docker backend with locally built images: ${all ? 'all' : `${local} of ${report.cells.length}`} cells ran the reference model of Immich ` +
    'and embedded IdP profiles in containers, and their verdicts are not about the real products' +
    (all ? '' : '; the other cells ran the real products from the images listed under Images')
  );
}

/** The table's corner names what the rows and columns are, so the table alone says what produced it. */
export function cornerLabel(report: RunReport): string {
  if (report.backend === 'embedded') return 'reference model ↓ · embedded IdP profile →';
  return report.cells.some((cr) => byModel(cr.cell)) ? 'photo server in Docker ↓ · IdP in Docker →' : 'Immich in Docker ↓ · IdP in Docker →';
}

export function formatOutcome(o: Outcome): string {
  const parts = [String(o.status)];
  if (o.message !== undefined) parts.push(JSON.stringify(o.message));
  if (o.facts !== undefined && Object.keys(o.facts).length > 0) parts.push(JSON.stringify(o.facts));
  return parts.join(' ');
}

/** One line about a failing case: what was expected, what came back. */
export function caseFailure(c: CaseVerdict): string {
  return `${c.case} (${c.flow}): expected ${formatOutcome(c.expected)}, observed ${formatOutcome(c.observed)}`;
}

const failing = (s: ScenarioResult['status']): boolean => s === 'failed' || s === 'error';
export const isFailing = failing;

/** Why a scenario has the status it has, in one line (undefined for a plain pass). */
export function scenarioMessage(r: ScenarioResult): string | undefined {
  if (r.status === 'passed') return undefined;
  if (r.status === 'failed') {
    const first = r.cases.find((c) => !c.pass);
    if (first) return caseFailure(first);
  }
  if (r.status === 'error' && r.fault) return faultText(r.fault);
  return r.reason ?? (r.status === 'not-run' ? 'not run (no reason recorded)' : `${r.status} (no reason recorded)`);
}

/** A harness fault in one line: it says the harness could not judge, never what the photo server answered. */
export function faultText(f: NonNullable<ScenarioResult['fault']>): string {
  const retried = f.retries?.length ? ` (after ${f.retries.length} retr${f.retries.length === 1 ? 'y' : 'ies'})` : '';
  if (f.kind === 'harness') return `harness fault: ${f.cause}`;
  return `harness fault (${f.kind}) at "${f.step}" after ${(f.waitedMs / 1000).toFixed(1)} s${retried}: ${f.cause}`;
}

export interface CellCounts {
  passed: number;
  failed: number;
  errors: number;
  notRun: number;
}

export function countCell(cr: CellReport): CellCounts {
  const n: CellCounts = { passed: 0, failed: 0, errors: 0, notRun: 0 };
  for (const r of cr.results) {
    if (r.status === 'passed') n.passed++;
    else if (r.status === 'failed') n.failed++;
    else if (r.status === 'error') n.errors++;
    else n.notRun++;
  }
  return n;
}

/** Cases whose observed answer says whether a user can log in at all on this cell, in order of preference. */
const HEADLINE_CASES = ['auto-register:on', 'claims-at-creation-only:first-login', 'jwe-rejected:jwe'];

/**
 * What a user of this combination sees when logging in: "works", or "fails with <status> <message>" —
 * the answer a compatibility table states, independent of whether it was expected.
 */
export function loginAnswer(cr: CellReport): string | undefined {
  for (const key of HEADLINE_CASES) {
    const [scenario, caseId] = key.split(':');
    const c = cr.results.find((r) => r.scenario === scenario)?.cases.find((v) => v.case === caseId);
    if (!c) continue;
    return c.observed.status < 300 ? 'works' : `fails with ${formatOutcome({ status: c.observed.status, message: c.observed.message })}`;
  }
  return undefined;
}

export type CellVerdict =
  | { kind: 'pass'; counts: CellCounts }
  | { kind: 'fail'; counts: CellCounts; scenario: ScenarioResult; message: string }
  | { kind: 'not-run'; reason: string };

/** ✓ when every scenario that ran passed; ✗ with the first failing scenario; not run when nothing ran. */
export function cellVerdict(cr: CellReport): CellVerdict {
  if (cr.status === 'not-run') return { kind: 'not-run', reason: cr.reason ?? 'no reason recorded' };
  const counts = countCell(cr);
  const first = cr.results.find((r) => failing(r.status));
  if (first) return { kind: 'fail', counts, scenario: first, message: scenarioMessage(first)! };
  if (counts.passed === 0) {
    const reason = cr.results.find((r) => r.reason)?.reason ?? cr.reason ?? 'no scenario ran';
    return { kind: 'not-run', reason };
  }
  return { kind: 'pass', counts };
}

/** The CSS class of a cell's verdict in every HTML view: its kind. */
export const verdictClass = (cr: CellReport): CellVerdict['kind'] => cellVerdict(cr).kind;

export interface Axis {
  key: string;
  label: string;
}

export interface Matrix {
  rows: Axis[];
  columns: Axis[];
  /** Cells at a row x column; usually one, empty where that combination is not in the matrix. */
  at(row: Axis, column: Axis): CellReport[];
}

function version(v: string): string | null {
  return semver.valid(v.replace(/^v/, '')) ?? semver.valid(semver.coerce(v));
}

function byVersion(a: string, b: string): number {
  const va = version(a);
  const vb = version(b);
  if (va && vb) return semver.compare(va, vb);
  if (va) return -1;
  if (vb) return 1;
  return a.localeCompare(b);
}

/** Rows: photo servers by version; columns: IdP product, version, then variant ("default" first). */
export function buildMatrix(report: RunReport): Matrix {
  const rows = new Map<string, { axis: Axis; version: string }>();
  const cols = new Map<string, { axis: Axis; cr: CellReport }>();
  const grid = new Map<string, CellReport[]>();
  for (const cr of report.cells) {
    const row = photosLabel(cr);
    const col = `${cr.cell.idp.product}\u0000${cr.cell.idp.version}\u0000${cr.cell.idp.variant}\u0000${idpLabel(cr)}`;
    if (!rows.has(row)) rows.set(row, { axis: { key: row, label: row }, version: cr.cell.immich });
    if (!cols.has(col)) cols.set(col, { axis: { key: col, label: idpColumnLabel(cr) }, cr });
    const k = `${row}\u0001${col}`;
    grid.set(k, [...(grid.get(k) ?? []), cr]);
  }
  const rowList = [...rows.values()]
    .sort((a, b) => byVersion(a.version, b.version) || a.axis.label.localeCompare(b.axis.label))
    .map((r) => r.axis);
  const colList = [...cols.values()]
    .sort((a, b) => {
      const x = a.cr.cell.idp;
      const y = b.cr.cell.idp;
      return (
        x.product.localeCompare(y.product) ||
        byVersion(x.version, y.version) ||
        Number(y.variant === 'default') - Number(x.variant === 'default') ||
        x.variant.localeCompare(y.variant) ||
        a.axis.label.localeCompare(b.axis.label)
      );
    })
    .map((c) => c.axis);
  return { rows: rowList, columns: colList, at: (r, c) => grid.get(`${r.key}\u0001${c.key}`) ?? [] };
}

export interface RunTotals extends CellCounts {
  cells: number;
  cellsRan: number;
  cellsNotRun: number;
}

export function runTotals(report: RunReport): RunTotals {
  const t: RunTotals = { cells: 0, cellsRan: 0, cellsNotRun: 0, passed: 0, failed: 0, errors: 0, notRun: 0 };
  for (const cr of report.cells) {
    t.cells++;
    if (cr.status === 'ran') t.cellsRan++;
    else t.cellsNotRun++;
    const n = countCell(cr);
    t.passed += n.passed;
    t.failed += n.failed;
    t.errors += n.errors;
    t.notRun += n.notRun;
  }
  return t;
}

/**
 * The run's totals in the one wording every output uses (terminal, report.md, report.html, junit.xml):
 * "18 passed, 0 failed, 0 harness faults, 0 not run (70 cases judged, 6 cells, docker backend)".
 */
export function totalsLine(report: RunReport): string {
  const t = runTotals(report);
  const cases = report.cells.reduce((n, c) => n + c.results.reduce((m, r) => m + r.cases.length, 0), 0);
  return (
    `${t.passed} passed, ${t.failed} failed, ${t.errors} harness faults, ${t.notRun} not run ` +
    `(${cases} cases judged, ${t.cells} cells, ${report.backend} backend)`
  );
}

/** The run date (UTC day of startedAt) used in titles. */
export function runDate(report: RunReport): string {
  return report.startedAt.slice(0, 10);
}

export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Cells that did not run, grouped by reason (most cells first): a registry outage is one line, not 31. */
export function notRunGroups(report: RunReport): { reason: string; cells: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const cr of report.cells) {
    const v = cellVerdict(cr);
    if (v.kind !== 'not-run') continue;
    groups.set(v.reason, [...(groups.get(v.reason) ?? []), cr.cell.id]);
  }
  return [...groups].map(([reason, cells]) => ({ reason, cells })).sort((a, b) => b.cells.length - a.cells.length || a.reason.localeCompare(b.reason));
}

/** The footnote mark ("[2]") of a not-run reason in `groups`, so tables and details name each reason once. */
export const notRunRef =
  (groups: { reason: string }[]) =>
  (reason: string): string =>
    `[${groups.findIndex((g) => g.reason === reason) + 1}]`;

/** Why a cell's expectations are unconfirmed (no source or run of that version), or undefined when they are known. */
export function unconfirmedOf(cr: CellReport): string | undefined {
  for (const r of cr.results) for (const c of r.cases) if (c.unconfirmed) return c.unconfirmed;
  return undefined;
}

/** Cells judged against unconfirmed expectations, one line per reason with their count. */
export function unconfirmedLines(report: RunReport): string[] {
  const byReason = new Map<string, number>();
  for (const cr of report.cells) {
    const why = unconfirmedOf(cr);
    if (why) byReason.set(why, (byReason.get(why) ?? 0) + 1);
  }
  return [...byReason].map(([why, n]) => `${n} cell(s) judged against unconfirmed expectations: ${why}`);
}

/** A case's result mark: ✓ or ✗, and whether a known upstream bug made the answer (or no longer does). */
export function caseMark(c: CaseVerdict): string {
  const mark = !c.pass ? '✗' : !c.knownBug ? '✓' : c.knownBug.reproduces ? '✓ known bug' : '✓ known bug no longer reproduces';
  return c.unconfirmed ? `${mark} (expectation unconfirmed)` : mark;
}

/** Cases with a known upstream bug: the ones that no longer reproduce it first (the fix may have landed). */
export function knownBugs(report: RunReport): { cellId: string; label: string; scenario: string; case: string; flow: string; link: string; reproduces: boolean }[] {
  const out = report.cells.flatMap((cr) =>
    cr.results.flatMap((r) =>
      r.cases
        .filter((c) => c.knownBug && c.pass)
        .map((c) => ({ cellId: cr.cell.id, label: `${photosLabel(cr)} × ${idpColumnLabel(cr)}`, scenario: r.scenario, case: c.case, flow: c.flow, link: c.knownBug!.link, reproduces: c.knownBug!.reproduces })),
    ),
  );
  return out.sort((a, b) => Number(a.reproduces) - Number(b.reproduces));
}

/** The known bugs in plain lines, the same in the terminal and both reports: a count, then each one that no longer reproduces. */
export function knownBugLines(report: RunReport): string[] {
  const bugs = knownBugs(report);
  if (bugs.length === 0) return [];
  const fixed = bugs.filter((b) => !b.reproduces);
  return [
    `known upstream bugs: ${bugs.length - fixed.length} case(s) still answer as the bug makes them, ${fixed.length} no longer do`,
    ...fixed.map((b) => `no longer reproduces (the fix may have landed: check, then drop knownBug): ${b.cellId} ${b.scenario}/${b.case} (${b.flow}): ${b.link}`),
  ];
}

/** One failed case, for the "failures first" list: what was expected, what was observed, and the evidence. */
export interface FailureLine {
  cellId: string;
  scenario: string;
  label: string;
  what: string; // "on (mobile): expected 201, observed 400 "…"" or the harness fault
  regression: boolean;
  screenshots: string[];
  traces: string[];
}

/**
 * Every failed case and harness fault, regressions (pairs a baseline did not record as failing) first. Without
 * a baseline every failure is listed as it is.
 */
export function failuresFirst(report: RunReport, regressionKeys?: Set<string>): FailureLine[] {
  const out: FailureLine[] = [];
  for (const cr of report.cells) {
    for (const r of cr.results) {
      if (r.status !== 'failed' && r.status !== 'error') continue;
      const base = {
        cellId: cr.cell.id,
        scenario: r.scenario,
        label: `${photosLabel(cr)} × ${idpColumnLabel(cr)}`,
        regression: regressionKeys?.has(`${cr.cell.id}\u0000${r.scenario}`) ?? false,
        screenshots: r.artifacts?.screenshots ?? [],
        traces: r.artifacts?.traces ?? [],
      };
      const failed = r.cases.filter((c) => !c.pass);
      if (r.status === 'error' && failed.length === 0) out.push({ ...base, what: `harness fault: ${scenarioMessage(r) ?? r.reason ?? ''}` });
      // A case's own evidence: artifacts are named <scenario>-<case>-<flow>[-trace].<ext> (scenario.ts).
      const own = (paths: string[], c: CaseVerdict) => paths.filter((p) => basename(p).startsWith(`${r.scenario}-${c.case}-${c.flow}`));
      for (const c of failed) out.push({ ...base, screenshots: own(base.screenshots, c), traces: own(base.traces, c), what: caseFailure(c) });
    }
  }
  return out.sort((a, b) => Number(b.regression) - Number(a.regression));
}
