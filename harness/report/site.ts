// `idp-harness report site <results.json…> --out DIR`: a static site (files only, no server) that people can
// publish and link to: the current verdict per Immich version × IdP version and variant, each cell linking to
// its history across the dated runs it was given and to the evidence in each run's report. Verdicts about the
// real products and verdicts about the models are never in one table.
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CellReport, RunReport } from '../model.js';
import { esc } from './html.js';
import { verdictText } from './markdown.js';
import { buildMatrix, cornerLabel, idpColumnLabel, photosLabel, verdictClass } from './view.js';

export interface SiteInput {
  report: RunReport;
  /** The directory of its results.json: its report.html and artifacts are copied from there. */
  dir: string;
}

type Kind = 'real' | 'model';

/** Real products on both sides, or a model somewhere (reference model of Immich, embedded IdP profile). */
function kindOf(cr: CellReport): Kind {
  return /^Immich /.test(cr.provenance.photos) && !/^embedded /.test(cr.provenance.idp) ? 'real' : 'model';
}

const KIND_TITLE: Record<Kind, string> = {
  real: 'Real products: Immich and the IdP in their own containers',
  model: 'Models: the reference model of Immich and/or the embedded IdP profiles (not the products)',
};

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;max-width:1400px}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;white-space:nowrap}
td.pass{background:#dafbe1}td.fail{background:#ffebe9}td.not-run{background:#fff8c5}td.absent{color:#8c959f}a{color:inherit}`;

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;

/** A cell across runs: its id without the backend's part of it. */
const keyOf = (cr: CellReport) => `${kindOf(cr)}/${cr.cell.id}`;
const fileOf = (key: string) => `cells/${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.html`;
const runId = (r: RunReport, i: number) => `${r.startedAt.replace(/[:.]/g, '-')}-${i + 1}`;

/** Writes the site into `outDir`; answers the path of its index.html. */
export function buildSite(inputs: SiteInput[], outDir: string): string {
  const runs = inputs.map((x, i) => ({ ...x, id: runId(x.report, i) })).sort((a, b) => a.report.startedAt.localeCompare(b.report.startedAt));
  // Each run's own report, with its evidence, under runs/<id>/: the links from the tables go there.
  for (const run of runs) {
    const to = join(outDir, 'runs', run.id);
    mkdirSync(to, { recursive: true });
    for (const f of ['report.html', 'report.md', 'results.json', 'artifacts']) {
      if (existsSync(join(run.dir, f))) cpSync(join(run.dir, f), join(to, f), { recursive: true });
    }
  }
  // Every cell's verdicts in date order; the newest is the current one.
  const history = new Map<string, { run: (typeof runs)[number]; cr: CellReport }[]>();
  for (const run of runs) for (const cr of run.report.cells) history.set(keyOf(cr), [...(history.get(keyOf(cr)) ?? []), { run, cr }]);
  const link = (run: (typeof runs)[number], cr: CellReport) => `runs/${run.id}/report.html#cell-${encodeURIComponent(cr.cell.id)}`;

  for (const [key, seen] of history) {
    const cr = seen.at(-1)!.cr;
    const rows = seen
      .slice()
      .reverse()
      .map(
        ({ run, cr: c }) =>
          `<tr><td>${esc(run.report.startedAt.slice(0, 10))}</td><td class="${verdictClass(c)}">${esc(verdictText(c, 200))}</td>` +
          `<td>${esc(c.provenance.photos)} × ${esc(c.provenance.idp)}</td><td><a href="../${esc(link(run, c))}">evidence</a></td></tr>`,
      );
    const title = `${photosLabel(cr)} × ${idpColumnLabel(cr)}`;
    const file = join(outDir, fileOf(key));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      page(
        title,
        `<p><a href="../index.html">← compatibility table</a></p><h1>${esc(title)}</h1><p>${esc(KIND_TITLE[kindOf(cr)])}. Cell <code>${esc(cr.cell.id)}</code>.</p>` +
          `<table id="history"><tr><th>Run</th><th>Verdict</th><th>Implementations</th><th>Report</th></tr>${rows.join('')}</table>`,
      ),
    );
  }

  const sections = (['real', 'model'] as const).flatMap((kind) => {
    const current = [...history.values()].map((s) => s.at(-1)!).filter((x) => kindOf(x.cr) === kind);
    if (current.length === 0) return [];
    const byCell = new Map(current.map((x) => [x.cr, x]));
    const m = buildMatrix({ ...current[0]!.run.report, cells: current.map((x) => x.cr) });
    const head = `<tr><th>${esc(cornerLabel(current[0]!.run.report))}</th>${m.columns.map((c) => `<th>${esc(c.label)}</th>`).join('')}</tr>`;
    const rows = m.rows.map(
      (row) =>
        `<tr><th>${esc(row.label)}</th>${m.columns
          .map((col) => {
            const here = m.at(row, col);
            if (here.length === 0) return '<td class="absent">–</td>';
            return `<td class="${verdictClass(here[0]!)}">${here
              .map((cr) => `<a href="${esc(fileOf(keyOf(cr)))}">${esc(verdictText(cr, 80))}</a> <small>(${esc(byCell.get(cr)!.run.report.startedAt.slice(0, 10))})</small>`)
              .join('<br>')}</td>`;
          })
          .join('')}</tr>`,
    );
    return [`<h2>${esc(KIND_TITLE[kind])}</h2>`, `<table class="compatibility" data-kind="${kind}">${head}${rows.join('')}</table>`];
  });
  const runList = runs
    .slice()
    .reverse()
    .map((r) => `<li><a href="runs/${esc(r.id)}/report.html">${esc(r.report.startedAt)}</a>: ${esc(r.report.backend)} backend, harness ${esc(r.report.harnessVersion)}, ${r.report.cells.length} cells</li>`);
  const index = join(outDir, 'index.html');
  writeFileSync(
    index,
    page(
      'Immich OAuth compatibility',
      `<h1>Immich OAuth compatibility</h1><p>The newest verdict of each cell over ${runs.length} run(s), the last on ${esc(runs.at(-1)?.report.startedAt.slice(0, 10) ?? '–')}. ` +
        `A cell's link shows how its verdict changed across the runs, each with its evidence.</p>${sections.join('')}<h2>Runs</h2><ul>${runList.join('')}</ul>`,
    ),
  );
  return index;
}
