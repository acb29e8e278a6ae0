// JUnit XML for CI test panels: one testsuite per cell, one testcase per scenario.
import type { CellReport, RunReport, ScenarioResult } from '../model.js';
import { caseFailure, countCell, formatOutcome, idpColumnLabel, photosLabel, totalsLine, unconfirmedOf } from './view.js';

/**
 * XML 1.0 cannot carry most control characters at all, not even as character references, and lone
 * surrogates or U+FFFE/U+FFFF are not characters; they are shown as \uXXXX text instead.
 */
function xmlChars(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function xmlText(s: string): string {
  return xmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values: also quotes, and whitespace as references so attribute normalisation keeps it. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function failureBody(r: ScenarioResult): string {
  const lines = [`${r.title}`];
  for (const c of r.cases) {
    lines.push(
      `${c.pass ? 'PASS' : 'FAIL'} ${c.case} (${c.flow})`,
      `  expected: ${formatOutcome(c.expected)}`,
      `  observed: ${formatOutcome(c.observed)}`,
    );
    if (c.detail) lines.push(`  detail: ${c.detail}`);
  }
  if (r.reason) lines.push(`reason: ${r.reason}`);
  return lines.join('\n');
}

function testcase(cr: CellReport, r: ScenarioResult): string {
  const head = `    <testcase${attrs({ name: `${r.scenario}: ${r.title}`, classname: cr.cell.id, time: seconds(r.durationMs) })}`;
  if (r.status === 'passed') return `${head}/>`;
  if (r.status === 'not-run') return `${head}>\n      <skipped${attrs({ message: r.reason ?? 'not run' })}/>\n    </testcase>`;
  if (r.status === 'error') {
    return `${head}>\n      <error${attrs({ message: r.reason ?? 'error', type: 'error' })}>${xmlText(failureBody(r))}</error>\n    </testcase>`;
  }
  const failed = r.cases.filter((c) => !c.pass);
  const message = failed.length ? failed.map(caseFailure).join('; ') : (r.reason ?? 'failed');
  return `${head}>\n      <failure${attrs({ message, type: 'expectation' })}>${xmlText(failureBody(r))}</failure>\n    </testcase>`;
}

function testsuite(report: RunReport, cr: CellReport, id: number): string {
  const n = countCell(cr);
  const cases = cr.results.map((r) => testcase(cr, r));
  let skipped = n.notRun;
  if (cr.results.length === 0) {
    // A cell that never started still shows up in CI, as one skipped test saying why.
    cases.push(
      `    <testcase${attrs({ name: 'cell', classname: cr.cell.id, time: '0.000' })}>\n      <skipped${attrs({ message: cr.reason ?? 'not run' })}/>\n    </testcase>`,
    );
    skipped = 1;
  }
  const time = cr.results.reduce((s, r) => s + r.durationMs, 0);
  const props: [string, string | undefined][] = [
    ['backend', cr.cell.backend],
    ['images', cr.cell.images],
    ['provenance.photos', photosLabel(cr)],
    ['provenance.idp', idpColumnLabel(cr)],
    ['immich', cr.cell.immich],
    ['idp.product', cr.cell.idp.product],
    ['idp.version', cr.cell.idp.version],
    ['idp.variant', cr.cell.idp.variant],
    ['idp.settings', JSON.stringify(cr.cell.idp.settings)],
    ['harnessVersion', report.harnessVersion],
    ['readyMs', cr.readyMs === undefined ? undefined : String(cr.readyMs)],
    ['notRunReason', cr.status === 'not-run' ? (cr.reason ?? 'not run') : undefined],
    ['expectationsUnconfirmed', unconfirmedOf(cr)],
  ];
  return [
    `  <testsuite${attrs({
      name: `${cr.cell.id} (${photosLabel(cr)} × ${idpColumnLabel(cr)})`,
      id,
      tests: cases.length,
      failures: n.failed,
      errors: n.errors,
      skipped,
      time: seconds(time),
      timestamp: report.startedAt.replace(/\.\d+Z$|Z$/, ''),
    })}>`,
    '    <properties>',
    ...props.filter(([, v]) => v !== undefined).map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`),
    '    </properties>',
    ...cases,
    '  </testsuite>',
  ].join('\n');
}

export function toJUnit(report: RunReport): string {
  const suites = report.cells.map((cr, i) => testsuite(report, cr, i));
  const all = report.cells.map(countCell);
  const sum = (f: (n: ReturnType<typeof countCell>) => number): number => all.reduce((s, n) => s + f(n), 0);
  const tests = report.cells.reduce((s, cr) => s + Math.max(cr.results.length, 1), 0);
  const ms = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({
      // The same totals line as the terminal and the other reports.
      name: `idp-harness ${report.harnessVersion}: ${totalsLine(report)}`,
      tests,
      failures: sum((n) => n.failed),
      errors: sum((n) => n.errors),
      skipped: report.cells.reduce((s, cr) => s + (cr.results.length === 0 ? 1 : countCell(cr).notRun), 0),
      time: seconds(Math.max(ms, 0)),
      timestamp: report.startedAt.replace(/\.\d+Z$|Z$/, ''),
    })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
