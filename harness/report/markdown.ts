// GitHub-flavoured Markdown: the compatibility table for a CI job summary, then per-cell details.
import type { CellReport, RunReport } from '../model.js';
import {
  loginAnswer,
  backendOf,
  backendSentence,
  cornerLabel,
  buildMatrix,
  cellVerdict,
  caseMark,
  unconfirmedOf,
  failuresFirst,
  knownBugLines,
  knownBugs,
  notRunGroups,
  notRunRef,
  durationText,
  formatOutcome,
  idpColumnLabel,
  photosLabel,
  runDate,
  totalsLine,
} from './view.js';

/** GitHub caps a job summary at 1 MiB; above that, passing cells' details are left out. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

/**
 * Escapes text for a table cell or heading: backslash-escapes Markdown punctuation (so a message can
 * neither break the table with `|` nor turn into markup or raw HTML) and turns newlines into <br>.
 */
export function mdText(s: string): string {
  return s
    .replace(/[\\`*_[\]<>|~#!&]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** One line, at most `max` characters: table cells stay one line high; details below carry the rest. */
function shorten(s: string, max: number): string {
  const line = s.split('\n')[0]!.trim();
  return line.length <= max && line === s.trim() ? line : `${line.slice(0, max - 1)}…`;
}

/** The text of one table cell: ✓, ✗ with the first failing scenario, or not run (with its reason's number). */
export function verdictText(cr: CellReport, max = 200, notRunRef?: (reason: string) => string): string {
  const text = judgedText(cr, max, notRunRef);
  // Never presented as known: a verdict against expectations nobody confirmed says so where it is shown.
  return unconfirmedOf(cr) ? `${text} · unconfirmed` : text;
}

function judgedText(cr: CellReport, max: number, notRunRef?: (reason: string) => string): string {
  const v = cellVerdict(cr);
  if (v.kind === 'pass') {
    const extra = v.counts.notRun ? ` (${v.counts.passed} passed, ${v.counts.notRun} not run)` : ` (${v.counts.passed})`;
    const answer = loginAnswer(cr);
    return `✓${answer ? ` ${shorten(answer, max)}` : ''}${extra}`;
  }
  if (v.kind === 'fail') return `✗ ${v.scenario.scenario}: ${shorten(v.message, max)}`;
  return notRunRef ? `not run ${notRunRef(v.reason)}` : `not run: ${shorten(v.reason, max)}`;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** The compatibility table alone (rows: photo servers, columns: IdP + variant), with a backend heading. */
export function compatibilityTable(report: RunReport, level = '##'): string[] {
  const m = buildMatrix(report);
  const corner = cornerLabel(report);
  const groups = notRunGroups(report);
  const ref = notRunRef(groups);
  const rows = m.rows.map((row) => [
    `**${mdText(row.label)}**`,
    ...m.columns.map((col) => {
      const here = m.at(row, col);
      if (here.length === 0) return '–';
      return here.map((cr) => `[${mdText(verdictText(cr, 80, ref))}](#${anchor(cr)})`).join('<br>');
    }),
  ]);
  return [
    `${level} Compatibility (${report.backend} backend)`,
    '',
    `_${mdText(backendSentence(report))}._`,
    '',
    ...table([corner, ...m.columns.map((c) => mdText(c.label))], rows),
    // Each reason once, with how many cells it kept from running.
    ...(groups.length ? ['', ...groups.map((g, i) => `${mdText(`[${i + 1}]`)} not run, ${g.cells.length} cell${g.cells.length === 1 ? '' : 's'}: ${mdText(g.reason)}`)] : []),
  ];
}

/** Explicit anchor per cell (GitHub prefixes ids with user-content- and still resolves #links to them). */
function anchor(cr: CellReport): string {
  return `cell-${cr.cell.id.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

function cellDetails(cr: CellReport, ref: (reason: string) => string): string[] {
  const v = cellVerdict(cr);
  const out = [
    `<a id="${anchor(cr)}"></a>`,
    '',
    `### ${mdText(photosLabel(cr))} × ${mdText(idpColumnLabel(cr))} (${backendOf(cr.cell)})`,
    '',
    `Cell \`${cr.cell.id}\`. ` +
      (cr.readyMs !== undefined ? `Ready in ${durationText(cr.readyMs)}. ` : '') +
      `Verdict: ${mdText(verdictText(cr, 2000, ref))}` +
      (unconfirmedOf(cr) ? `. Expectations unconfirmed: ${mdText(unconfirmedOf(cr)!)}` : ''),
    '',
  ];
  if (cr.status === 'not-run' || cr.results.length === 0) return out;
  const rows: string[][] = [];
  for (const r of cr.results) {
    const scen = `${mdText(r.scenario)} (${r.status})`;
    if (r.cases.length === 0) {
      rows.push([scen, '', '', '', '', '', mdText(r.reason ?? '')]);
      continue;
    }
    for (const c of r.cases) {
      const notes = [c.observed.message, c.expected.message !== c.observed.message && c.expected.message !== undefined ? `expected message: ${c.expected.message}` : undefined, c.detail, !c.pass ? r.reason : undefined]
        .filter((x): x is string => x !== undefined && x !== '');
      rows.push([
        scen,
        mdText(c.case),
        c.flow,
        caseMark(c),
        mdText(formatOutcome({ ...c.expected, message: undefined })),
        mdText(formatOutcome({ ...c.observed, message: undefined })),
        mdText(notes.join(' — ')),
      ]);
    }
  }
  const body = table([`Scenario (${backendOf(cr.cell)})`, 'Case', 'Flow', 'Result', 'Expected', 'Observed', 'Message'], rows);
  // Passing cells fold away so failures stand out; failing ones are open.
  return [...out, `<details${v.kind === 'fail' ? ' open' : ''}><summary>${cr.results.length} scenarios (${backendOf(cr.cell)})</summary>`, '', ...body, '', '</details>', ''];
}

function images(report: RunReport): string[] {
  const out = [`## Images (${report.backend} backend)`, ''];
  if (report.images.length === 0) {
    out.push(
      report.backend === 'embedded'
        ? 'No container images: the embedded backend runs in-process reference models and profiles.'
        : 'No images recorded.',
    );
    return out;
  }
  for (const i of report.images) out.push(`- \`${i.name}\` ${imageNote(i)}`);
  return out;
}

export interface MarkdownOptions {
  /** Byte budget; default fits $GITHUB_STEP_SUMMARY. */
  maxBytes?: number;
  /** "cellId\0scenario" of the regressions against a baseline: they lead the failures list. */
  regressions?: Set<string>;
}

/** Failures before the table: regressions first, each with expected, observed, screenshot and trace. */
function failuresSection(report: RunReport, regressions?: Set<string>): string[] {
  const lines = failuresFirst(report, regressions);
  if (lines.length === 0) return [];
  return [
    `## Failures first (${report.backend} backend)`,
    '',
    ...lines.slice(0, 50).map(
      (f) =>
        `- ${f.regression ? '**regression** · ' : ''}${mdText(f.label)} · ${mdText(f.scenario)}: ${mdText(f.what.split('\n')[0]!)}` +
        f.screenshots.map((s) => ` · [screenshot](${encodeURI(s)})`).join('') +
        f.traces.map((t) => ` · [trace](${encodeURI(t)})`).join(''),
    ),
    ...(lines.length > 50 ? [`- … and ${lines.length - 50} more (see the details below)`] : []),
    '',
  ];
}

/** Known upstream bugs: how many still reproduce, and which no longer do, with their links. */
function knownBugsSection(report: RunReport): string[] {
  const bugs = knownBugs(report);
  if (bugs.length === 0) return [];
  const [count] = knownBugLines(report);
  return [
    `## Known upstream bugs (${report.backend} backend)`,
    '',
    `${mdText(count!)}.`,
    '',
    ...bugs.map((b) => `- ${b.reproduces ? 'reproduces' : '**no longer reproduces** (the fix may have landed)'} · ${mdText(b.label)} · ${mdText(b.scenario)}/${mdText(b.case)} (${b.flow}): ${b.link}`),
    '',
  ];
}

/** The registry digest, or "locally built" with the engine's image ID: a rebuilt image is not the published one. */
function imageNote(i: RunReport['images'][number]): string {
  if (i.digest) return `\`${i.digest}\``;
  return i.id ? `locally built (no registry digest), image ID \`${i.id}\`` : '(digest unknown)';
}

export function toMarkdown(report: RunReport, opts: MarkdownOptions = {}): string {
  const limit = opts.maxBytes ?? STEP_SUMMARY_LIMIT;
  const render = (allDetails: boolean): string => {
    const head = [
      `# idp-harness report, ${runDate(report)}: harness ${mdText(report.harnessVersion)}, ${report.backend} backend`,
      '',
      `Started ${report.startedAt}, finished ${report.finishedAt}` +
        (report.shard ? `; shard ${report.shard.index} of ${report.shard.count}` : '') +
        `. ${totalsLine(report)}.`,
      ...(report.interrupted ? ['', '**Interrupted (Ctrl-C): a partial report of the scenarios that finished.**'] : []),
      '',
      ...failuresSection(report, opts.regressions),
      ...knownBugsSection(report),
      ...compatibilityTable(report),
      '',
      `## Details (${report.backend} backend)`,
      '',
    ];
    const details: string[] = [];
    const ref = notRunRef(notRunGroups(report));
    let omitted = 0;
    for (const cr of report.cells) {
      if (!allDetails && cellVerdict(cr).kind === 'pass') {
        omitted++;
        continue;
      }
      details.push(...cellDetails(cr, ref));
    }
    if (omitted) details.push(`_Details of ${omitted} passing cells left out to fit the size limit; see results.json._`, '');
    return [...head, ...details, ...images(report), ''].join('\n');
  };
  const full = render(true);
  if (Buffer.byteLength(full) <= limit) return full;
  const short = render(false);
  if (Buffer.byteLength(short) <= limit) return short;
  // Still too big: keep the table and cut at a line boundary, saying so.
  const note = '\n\n_Report cut to fit the size limit; see results.json._\n';
  const budget = limit - Buffer.byteLength(note);
  let cut = Buffer.from(short).subarray(0, budget).toString();
  cut = cut.slice(0, cut.lastIndexOf('\n'));
  return cut + note;
}
