// What changed between two runs, per (cell, scenario); `run --baseline` fails only on regressions.
import type { CellReport, RunReport, ScenarioResult, ScenarioStatus } from '../model.js';
import { mdText } from './markdown.js';
import { idpColumnLabel, isFailing, photosLabel, runDate, scenarioMessage } from './view.js';
import { ReportError } from './schema.js';

/**
 * regression: a product verdict failing now (failed), not failing before;
 * coverage-lost: judged before (passed or failed), not run now (an image that could not be had, a stack that never started);
 * unjudged: a harness fault now where there was a verdict before (the harness could not tell; not a product change);
 * fix: passing now, failing before;
 * new / removed: the (cell, scenario) exists in one report only;
 * changed: same side of pass/fail but a different status or message (e.g. failing for another reason).
 */
export type ChangeKind = 'regression' | 'coverage-lost' | 'unjudged' | 'fix' | 'new' | 'removed' | 'changed';

export interface Change {
  kind: ChangeKind;
  cellId: string;
  scenario: string;
  /** What produced the verdict (photo server × IdP), from the newer report when there is one. */
  label: string;
  before?: { status: ScenarioStatus; message?: string };
  after?: { status: ScenarioStatus; message?: string };
}

/** A cell that never started has no scenario records; it counts as one pseudo-scenario "(cell)". */
const CELL = '(cell)';

function entries(report: RunReport): Map<string, { cr: CellReport; status: ScenarioStatus; message?: string; scenario: string }> {
  const out = new Map<string, { cr: CellReport; status: ScenarioStatus; message?: string; scenario: string }>();
  for (const cr of report.cells) {
    if (cr.results.length === 0) {
      out.set(`${cr.cell.id}\u0000${CELL}`, { cr, scenario: CELL, status: 'not-run', message: cr.reason ?? 'not run' });
    }
    for (const r of cr.results) out.set(`${cr.cell.id}\u0000${r.scenario}`, { cr, scenario: r.scenario, ...state(r) });
  }
  return out;
}

function state(r: ScenarioResult): { status: ScenarioStatus; message?: string } {
  const message = scenarioMessage(r);
  return message === undefined ? { status: r.status } : { status: r.status, message };
}

function label(cr: CellReport): string {
  return `${photosLabel(cr)} × ${idpColumnLabel(cr)}`;
}

function classify(before: ScenarioStatus, after: ScenarioStatus): ChangeKind {
  if (after === 'not-run' && (before === 'passed' || before === 'failed')) return 'coverage-lost';
  if (after === 'error' && before !== 'error') return 'unjudged';
  if (after === 'failed' && before !== 'failed') return 'regression';
  if (after === 'passed' && isFailing(before)) return 'fix';
  return 'changed';
}

export function diffReports(old: RunReport, now: RunReport): Change[] {
  if (old.backend !== now.backend) {
    throw new ReportError(
      `cannot compare a report from the ${old.backend} backend with one from the ${now.backend} backend: their verdicts are about different implementations; use a baseline from the same backend`,
    );
  }
  const a = entries(old);
  const b = entries(now);
  const changes: Change[] = [];
  for (const [key, n] of b) {
    const o = a.get(key);
    const after = n.message === undefined ? { status: n.status } : { status: n.status, message: n.message };
    const base = { cellId: n.cr.cell.id, scenario: n.scenario, label: label(n.cr) };
    if (!o) {
      changes.push({ kind: 'new', ...base, after });
      continue;
    }
    if (o.status === n.status && o.message === n.message) continue;
    const before = o.message === undefined ? { status: o.status } : { status: o.status, message: o.message };
    changes.push({ kind: classify(o.status, n.status), ...base, before, after });
  }
  const notRunNow = new Map(now.cells.filter((c) => c.status === 'not-run').map((c) => [c.cell.id, c]));
  for (const [key, o] of a) {
    if (b.has(key)) continue;
    const before = o.message === undefined ? { status: o.status } : { status: o.status, message: o.message };
    // A cell that is in the new run but could not start lost the verdicts it had: coverage, not a removal.
    const lost = notRunNow.get(o.cr.cell.id);
    if (lost && (o.status === 'passed' || o.status === 'failed')) {
      const after = { status: 'not-run' as const, message: lost.reason ?? 'not run' };
      changes.push({ kind: 'coverage-lost', cellId: o.cr.cell.id, scenario: o.scenario, label: label(lost), before, after });
      continue;
    }
    changes.push({ kind: 'removed', cellId: o.cr.cell.id, scenario: o.scenario, label: label(o.cr), before });
  }
  const order: ChangeKind[] = ['regression', 'coverage-lost', 'unjudged', 'new', 'fix', 'changed', 'removed'];
  return changes.sort(
    (x, y) => order.indexOf(x.kind) - order.indexOf(y.kind) || x.cellId.localeCompare(y.cellId) || x.scenario.localeCompare(y.scenario),
  );
}

/**
 * What the baseline does not account for: regressions, lost coverage, plus product failures of (cell, scenario)
 * pairs the baseline never had. A baseline accepts the failures it records; anything else failing is news.
 * Harness faults are not in it: they are no verdict (the run exits 3 for them).
 */
export function regressions(baseline: RunReport, report: RunReport): Change[] {
  return diffReports(baseline, report).filter(
    (c) => c.kind === 'regression' || c.kind === 'coverage-lost' || (c.kind === 'new' && c.after?.status === 'failed'),
  );
}

export interface ImageChange {
  name: string;
  before?: string;
  after?: string;
}

/** Images whose digest changed, appeared or went away between the runs. */
export function diffImages(old: RunReport, now: RunReport): ImageChange[] {
  const digests = (r: RunReport): Map<string, string> =>
    new Map(r.images.map((i) => [i.name, [...r.images.filter((x) => x.name === i.name).map((x) => x.digest ?? '?')].sort().join(', ')]));
  const a = digests(old);
  const b = digests(now);
  const out: ImageChange[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const before = a.get(name);
    const after = b.get(name);
    if (before === after) continue;
    const change: ImageChange = { name };
    if (before !== undefined) change.before = before;
    if (after !== undefined) change.after = after;
    out.push(change);
  }
  return out.sort((x, y) => x.name.localeCompare(y.name));
}

const TITLES: Record<ChangeKind, string> = {
  regression: 'Regressions',
  'coverage-lost': 'Coverage lost',
  unjudged: 'Not judged (harness faults)',
  new: 'New',
  fix: 'Fixes',
  changed: 'Changed',
  removed: 'Removed',
};

function side(s: Change['before']): string {
  if (!s) return '–';
  return mdText(s.message ? `${s.status}: ${s.message}` : s.status);
}

export function toMarkdownDiff(old: RunReport, now: RunReport): string {
  const changes = diffReports(old, now);
  const out = [
    `# idp-harness changes (${now.backend} backend)`,
    '',
    `From the run of ${runDate(old)} (harness ${mdText(old.harnessVersion)}) to the run of ${runDate(now)} (harness ${mdText(now.harnessVersion)}).` +
      (now.backend === 'embedded' ? ' Verdicts are about the reference models and embedded IdP profiles, not the real products.' : ''),
    '',
  ];
  if (changes.length === 0) out.push('No verdict changed.', '');
  for (const kind of Object.keys(TITLES) as ChangeKind[]) {
    const list = changes.filter((c) => c.kind === kind);
    if (list.length === 0) continue;
    out.push(`## ${TITLES[kind]}: ${list.length} (${now.backend} backend)`, '');
    out.push('| Cell | Produced by | Scenario | Before | After |', '| --- | --- | --- | --- | --- |');
    for (const c of list) {
      out.push(`| ${mdText(c.cellId)} | ${mdText(c.label)} | ${mdText(c.scenario)} | ${side(c.before)} | ${side(c.after)} |`);
    }
    out.push('');
  }
  const imgs = diffImages(old, now);
  if (imgs.length) {
    out.push(`## Images changed (${now.backend} backend)`, '');
    for (const i of imgs) out.push(`- \`${i.name}\`: ${i.before ?? 'absent'} → ${i.after ?? 'absent'}`);
    out.push('');
  }
  return out.join('\n');
}
