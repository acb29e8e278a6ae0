// One self-contained HTML page: the compatibility table and, for every failure, the evidence (observed vs
// expected, screenshots, trace file names, log tails). No scripts, no external requests: a CSP forbids them.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CellReport, RunReport, ScenarioResult } from '../model.js';
import {
  notRunGroups,
  notRunRef,
  caseMark,
  unconfirmedOf,
  failuresFirst,
  knownBugLines,
  knownBugs,
  backendOf,
  backendSentence,
  cornerLabel,
  buildMatrix,
  verdictClass,
  durationText,
  formatOutcome,
  idpColumnLabel,
  isFailing,
  photosLabel,
  runDate,
  totalsLine,
} from './view.js';
import { verdictText } from './markdown.js';

export interface HtmlOptions {
  /** Inline screenshots as data: URIs so the page stands alone (default true). */
  embedArtifacts?: boolean;
  /** Directory that artifact paths are relative to (the report directory); default the working directory. */
  reportDir?: string;
  /** Lines of each log tail shown (default 80). */
  logLines?: number;
  /** "cellId\0scenario" of the regressions against a baseline: they lead the failures list. */
  regressions?: Set<string>;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}h3{font-size:1rem;margin-top:1.5rem}
.note{color:#57606a;font-style:italic}
table{border-collapse:collapse;margin:.5rem 0}caption{text-align:left;color:#57606a;padding:.2rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}td.pass{background:#dafbe1}td.fail{background:#ffebe9}td.not-run{background:#fff8c5}td.absent{color:#8c959f;text-align:center}
td a{color:inherit}pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:24rem;white-space:pre-wrap;word-break:break-all}
img.shot{max-width:100%;border:1px solid #d0d7de;display:block;margin:.5rem 0}
.failure{border-left:4px solid #cf222e;padding-left:.75rem;margin:1rem 0}
`;

/** One line per table cell (details are below the table); a not-run cell points at its reason's number. */
function verdictCell(cr: CellReport, ref?: (reason: string) => string, max = 80): { cls: string; text: string } {
  return { cls: verdictClass(cr), text: verdictText(cr, max, ref) };
}

const anchor = (cr: CellReport): string => `cell-${encodeURIComponent(cr.cell.id)}`;

function matrixTable(report: RunReport): string {
  const m = buildMatrix(report);
  const corner = cornerLabel(report);
  const groups = notRunGroups(report);
  const ref = notRunRef(groups);
  const head = `<tr><th>${esc(corner)}</th>${m.columns.map((c) => `<th scope="col">${esc(c.label)}</th>`).join('')}</tr>`;
  const rows = m.rows.map((row) => {
    const tds = m.columns.map((col) => {
      const here = m.at(row, col);
      if (here.length === 0) return '<td class="absent" title="not in the matrix">–</td>';
      const parts = here.map((cr) => verdictCell(cr, ref));
      const cls = parts.find((p) => p.cls === 'fail')?.cls ?? parts[0]!.cls;
      return `<td class="${cls}">${here.map((cr, i) => `<a href="#${anchor(cr)}">${esc(parts[i]!.text)}</a>`).join('<br>')}</td>`;
    });
    return `<tr><th scope="row">${esc(row.label)}</th>${tds.join('')}</tr>`;
  });
  const caption = `Compatibility on the ${report.backend} backend`;
  // Each reason once, with how many cells it kept from running.
  const reasons = groups.length
    ? `<ol class="not-run-reasons">${groups.map((g) => `<li>not run, ${g.cells.length} cell${g.cells.length === 1 ? '' : 's'}: ${esc(g.reason)}</li>`).join('')}</ol>`
    : '';
  return `<table id="compatibility"><caption>${esc(caption)}</caption>${head}${rows.join('')}</table>${reasons}`;
}

/** Resolves an artifact path inside the report directory; refuses paths that leave it. */
function artifactPath(reportDir: string, p: string): string | undefined {
  const full = resolve(reportDir, p);
  const rel = relative(resolve(reportDir), full);
  if (isAbsolute(p) || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return full;
}

function imageMime(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

function screenshot(p: string, opts: Required<HtmlOptions>): string {
  const name = esc(p);
  if (!opts.embedArtifacts) return `<figure><img class="shot" alt="screenshot ${name}" src="${esc(encodeURI(p))}"><figcaption>${name}</figcaption></figure>`;
  const full = artifactPath(opts.reportDir, p);
  if (!full) return `<p class="note">screenshot ${name} not shown: its path leaves the report directory</p>`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(full);
  } catch {
    return `<p class="note">screenshot ${name} missing from the report directory</p>`;
  }
  const mime = imageMime(bytes);
  if (!mime) return `<p class="note">screenshot ${name} is not a PNG, JPEG or WebP image</p>`;
  return `<figure><img class="shot" alt="screenshot ${name}" src="data:${mime};base64,${bytes.toString('base64')}"><figcaption>${name}</figcaption></figure>`;
}

function tail(log: string, lines: number): string {
  const all = log.replace(/\s+$/, '').split(/\r?\n/);
  return (all.length > lines ? [`… ${all.length - lines} earlier lines`, ...all.slice(-lines)] : all).join('\n');
}

function failureBlock(cr: CellReport, r: ScenarioResult, opts: Required<HtmlOptions>): string {
  const by = `${photosLabel(cr)} × ${idpColumnLabel(cr)}, ${backendOf(cr.cell)}`;
  const out = [`<div class="failure" id="${esc(`${r.cellId}/${r.scenario}`)}"><h4>${esc(r.scenario)}: ${esc(r.title)} (${r.status}; ${esc(by)})</h4>`];
  if (r.reason) out.push(`<p>${esc(r.reason)}</p>`);
  const failed = r.cases.filter((c) => !c.pass);
  if (failed.length) {
    out.push(`<table><caption>Failed cases of ${esc(r.scenario)} (${esc(by)})</caption><tr><th>Case</th><th>Flow</th><th>Observed</th><th>Expected</th><th>Detail</th></tr>`);
    for (const c of failed) {
      out.push(
        `<tr><td>${esc(c.case)}</td><td>${esc(c.flow)}</td><td class="fail">${esc(formatOutcome(c.observed))}</td>` +
          `<td class="pass">${esc(formatOutcome(c.expected))}</td><td>${esc(c.detail ?? '')}</td></tr>`,
      );
    }
    out.push('</table>');
  }
  const a = r.artifacts ?? {};
  for (const s of a.screenshots ?? []) out.push(screenshot(s, opts));
  for (const t of a.traces ?? []) {
    // Traces stay files next to the report (they are zips for `npx playwright show-trace`); a relative link is no request.
    out.push(`<p>Trace: <a href="${esc(encodeURI(t))}"><code>${esc(t)}</code></a> (open with <code>npx playwright show-trace ${esc(t)}</code>)</p>`);
  }
  for (const [name, log] of Object.entries(a.logs ?? {})) {
    out.push(`<details open><summary>log tail: ${esc(name)}</summary><pre>${esc(tail(log, opts.logLines))}</pre></details>`);
  }
  out.push('</div>');
  return out.join('\n');
}

function cellSection(cr: CellReport, opts: Required<HtmlOptions>, ref: (reason: string) => string): string {
  // The details say it all: the whole first line of the reason or message.
  const v = verdictCell(cr, ref, 2000);
  const out = [
    `<section id="${esc(anchor(cr))}"><h3>cell ${esc(cr.cell.id)}: ${esc(photosLabel(cr))} × ${esc(idpColumnLabel(cr))} (${backendOf(cr.cell)})</h3>`,
    `<p class="${v.cls}">${esc(v.text)}${cr.readyMs !== undefined ? ` · ready in ${esc(durationText(cr.readyMs))}` : ''}</p>`,
    ...(unconfirmedOf(cr) ? [`<p class="note">Expectations unconfirmed: ${esc(unconfirmedOf(cr)!)}</p>`] : []),
  ];
  if (cr.results.length) {
    out.push(`<table><caption>Scenarios on ${esc(photosLabel(cr))} × ${esc(idpColumnLabel(cr))} (${backendOf(cr.cell)})</caption><tr><th>Scenario</th><th>Case</th><th>Flow</th><th>Result</th><th>Expected</th><th>Observed</th><th>Detail</th></tr>`);
    for (const r of cr.results) {
      if (r.cases.length === 0) {
        out.push(`<tr><td>${esc(r.scenario)}</td><td colspan="5">${esc(r.status)}</td><td>${esc(r.reason ?? '')}</td></tr>`);
      }
      for (const c of r.cases) {
        out.push(
          `<tr><td>${esc(r.scenario)}</td><td>${esc(c.case)}</td><td>${esc(c.flow)}</td><td class="${c.pass ? 'pass' : 'fail'}">${esc(caseMark(c))}</td>` +
            `<td>${esc(formatOutcome(c.expected))}</td><td>${esc(formatOutcome(c.observed))}</td><td>${esc(c.detail ?? '')}</td></tr>`,
        );
      }
    }
    out.push('</table>');
  }
  for (const r of cr.results.filter((x) => isFailing(x.status))) out.push(failureBlock(cr, r, opts));
  out.push('</section>');
  return out.join('\n');
}

export function toHtml(report: RunReport, options: HtmlOptions = {}): string {
  const opts: Required<HtmlOptions> = {
    embedArtifacts: options.embedArtifacts ?? true,
    reportDir: options.reportDir ?? process.cwd(),
    logLines: options.logLines ?? 80,
    regressions: options.regressions ?? new Set(),
  };
  const failures = failuresFirst(report, opts.regressions);
  const failureList = failures.length
    ? `<h2>Failures first (${report.backend} backend)</h2><ul id="failures">${failures
        .map(
          (f) =>
            `<li>${f.regression ? '<strong>regression</strong> · ' : ''}<a href="#${esc(`cell-${encodeURIComponent(f.cellId)}`)}">${esc(f.label)}</a> · ${esc(f.scenario)}: ${esc(f.what.split('\n')[0]!)}` +
            f.screenshots.map((s) => ` · <a href="${esc(encodeURI(s))}">screenshot</a>`).join('') +
            f.traces.map((t) => ` · <a href="${esc(encodeURI(t))}">trace</a>`).join('') +
            '</li>',
        )
        .join('')}</ul>`
    : '';
  // The not-run reasons are numbered once for the whole page, not once per cell.
  const ref = notRunRef(notRunGroups(report));
  const bugs = knownBugs(report);
  const knownBugList = bugs.length
    ? `<h2>Known upstream bugs (${report.backend} backend)</h2><p>${esc(knownBugLines(report)[0]!)}.</p><ul id="known-bugs">${bugs
        .map(
          (b) =>
            `<li>${b.reproduces ? 'reproduces' : '<strong>no longer reproduces</strong> (the fix may have landed)'} · <a href="#${esc(`cell-${encodeURIComponent(b.cellId)}`)}">${esc(b.label)}</a> · ` +
            `${esc(b.scenario)}/${esc(b.case)} (${esc(b.flow)}): <a href="${esc(b.link)}">${esc(b.link)}</a></li>`,
        )
        .join('')}</ul>`
    : '';
  const title = `idp-harness report, ${runDate(report)}: harness ${report.harnessVersion}, ${report.backend} backend`;
  // Embedded pages allow only data: images; linked pages also their own directory's files.
  const img = opts.embedArtifacts ? 'data:' : "data: 'self'";
  const images = report.images.length
    ? `<ul>${report.images.map((i) => `<li><code>${esc(i.name)}</code> ${i.digest ? `<code>${esc(i.digest)}</code>` : i.id ? `locally built (no registry digest), image ID <code>${esc(i.id)}</code>` : '(digest unknown)'}</li>`).join('')}</ul>`
    : `<p>${report.backend === 'embedded' ? 'No container images: the embedded backend runs in-process reference models and profiles.' : 'No images recorded.'}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src ${img}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p>Started ${esc(report.startedAt)}, finished ${esc(report.finishedAt)}${report.shard ? `; shard ${report.shard.index} of ${report.shard.count}` : ''}. ${esc(totalsLine(report))}.</p>
${failureList}
${knownBugList}
<h2>Compatibility (${report.backend} backend)</h2>
<p class="note">${esc(backendSentence(report))}.</p>
${matrixTable(report)}
<h2>Details (${report.backend} backend)</h2>
${report.cells.map((cr) => cellSection(cr, opts, ref)).join('\n')}
<h2>Images (${report.backend} backend)</h2>
${images}
</body></html>
`;
}
