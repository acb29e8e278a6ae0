// Model fidelity (a script, not a test): runs the same cells on the docker backend (the real products) and on
// the embedded backend (the reference model and the embedded IdP profiles), then prints every case whose
// observed answer differs between them. Both runs use the same matrix, whose embedded cells are made the
// docker cells for the occasion, so each real cell has its model twin.
//   npm run compare -- [--immich v3.1.0,v2.7.5] [--idp authelia] [--scenario ID] [--variants basic,post [--versions 4.39.0,4.39.20]] [--keep DIR [--reuse]]
// (--variants runs every docker entry with those variants instead of the matrix's, --versions with those IdP versions.)
// (--reuse compares the reports an earlier --keep run left in DIR, without running again.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import type { CaseVerdict, RunReport } from '../harness/model.js';
import { ROOT } from '../harness/runner/run.js';

const { values } = parseArgs({
  options: { immich: { type: 'string' }, idp: { type: 'string' }, variants: { type: 'string' }, versions: { type: 'string' }, scenario: { type: 'string' }, keep: { type: 'string' }, reuse: { type: 'boolean' } },
});
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'idp-harness-compare-'));
mkdirSync(dir, { recursive: true });
const matrix = parse(readFileSync(join(ROOT, 'fixtures/matrix.yaml'), 'utf8')) as {
  idps: Record<string, { variants: Record<string, unknown> }>;
  backends: Record<string, { idp: string; variants?: string[]; versions?: string | string[] }[]>;
};
if (values.variants) {
  const names = values.variants.split(',');
  for (const entry of matrix.backends.docker!) {
    entry.variants = names.filter((n) => n in (matrix.idps[entry.idp]?.variants ?? {}));
    if (values.versions) entry.versions = values.versions.split(',');
  }
  matrix.backends.docker = matrix.backends.docker!.filter((e) => e.variants!.length > 0);
}
matrix.backends.embedded = matrix.backends.docker!;
const matrixFile = join(dir, 'matrix.yaml');
writeFileSync(matrixFile, stringify(matrix));

const filters = (['immich', 'idp', 'scenario'] as const).flatMap((k) => (values[k] ? [`--${k}`, values[k]!] : []));
function run(backend: 'docker' | 'embedded'): RunReport {
  const out = join(dir, backend);
  if (values.reuse) return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
  const started = performance.now();
  const r = spawnSync(process.execPath, ['bin/idp-harness.mjs', 'run', '--backend', backend, '--matrix', matrixFile, '--out', out, ...filters], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const summary = r.stdout.split('\n').filter((l) => /passed, \d+ failed/.test(l)).pop() ?? r.stderr.trim().split('\n').pop();
  console.log(`${backend.padEnd(8)} ${((performance.now() - started) / 1000).toFixed(0)} s, exit ${r.status}: ${summary}`);
  return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
}

/** (cell without backend, scenario, case, flow) → observed answer. */
function answers(report: RunReport): Map<string, { observed: CaseVerdict['observed']; by: string }> {
  const out = new Map<string, { observed: CaseVerdict['observed']; by: string }>();
  for (const cr of report.cells) {
    const cell = cr.cell.id.replace(/__(docker|embedded)$/, '');
    for (const r of cr.results) {
      for (const c of r.cases) out.set(`${cell}  ${r.scenario}/${c.case} (${c.flow})`, { observed: c.observed, by: `${cr.provenance.photos} × ${cr.provenance.idp}` });
    }
  }
  return out;
}

/** Names the scenarios made up for this run (users are `user` + 8 hex digits) say nothing about the products. */
const normalised = (o: CaseVerdict['observed']) => JSON.stringify(o).replace(/user[0-9a-f]{8}/g, 'user<run>');
const show = (o: CaseVerdict['observed']) => `${o.status}${o.message ? ` "${o.message}"` : ''}${o.facts ? ` ${JSON.stringify(o.facts)}` : ''}`;

try {
  const real = answers(run('docker'));
  const model = answers(run('embedded'));
  let both = 0;
  const differing: string[] = [];
  for (const [key, r] of real) {
    const m = model.get(key);
    if (!m) continue;
    both++;
    if (normalised(r.observed) !== normalised(m.observed)) {
      differing.push(`${key}\n    real:  ${show(r.observed)}   (${r.by})\n    model: ${show(m.observed)}   (${m.by})`);
    }
  }
  console.log(`${both} cases ran on both; ${differing.length} differ${differing.length ? ':' : ''}`);
  for (const d of differing) console.log(`  ${d}`);
  process.exitCode = differing.length || both === 0 ? 1 : 0;
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
