// Shards of a CI matrix each write a report; merging makes the one report of the run.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CellReport, RunReport, ScenarioResult } from '../model.js';
import { readReport, ReportError, writeReport } from './schema.js';

/** What makes two records of one scenario the same verdict (durations and artifacts may differ). */
function verdictOf(r: ScenarioResult): string {
  return JSON.stringify([r.status, r.reason ?? null, r.cases.map((c) => [c.case, c.flow, c.pass, c.expected, c.observed])]);
}

function sameCell(a: CellReport, b: CellReport): boolean {
  return JSON.stringify(a.cell) === JSON.stringify(b.cell);
}

interface Entry {
  cr: CellReport;
  cellFrom: string;
  scenarioFrom: Map<string, string>; // scenario -> name of the report it came from
}

function mergeInto(e: Entry, b: CellReport, from: string, where: string): void {
  const id = b.cell.id;
  if (!sameCell(e.cr, b)) {
    throw new ReportError(`${where}: cell "${id}" is defined differently in ${e.cellFrom} and ${from}; merge shards of one matrix only`);
  }
  if (e.cr.status !== b.status) {
    throw new ReportError(`${where}: cell "${id}" has different verdicts: ${e.cr.status} in ${e.cellFrom}, ${b.status} in ${from}`);
  }
  for (const r of b.results) {
    const prev = e.cr.results.find((x) => x.scenario === r.scenario);
    if (!prev) {
      e.cr.results.push(r);
      e.scenarioFrom.set(r.scenario, from);
    } else if (verdictOf(prev) !== verdictOf(r)) {
      throw new ReportError(
        `${where}: cell "${id}" scenario "${r.scenario}" has different verdicts: ` +
          `${prev.status} in ${e.scenarioFrom.get(r.scenario)}, ${r.status} in ${from}`,
      );
    }
  }
}

export interface MergeOptions {
  /** Names of the reports for messages (e.g. their directories); default "shard i of n" or "report k". */
  names?: string[];
  /** Prefix of error messages. */
  where?: string;
  /** Merge what arrived even when shards of the plan are missing (they are listed in `warnings`). */
  allowMissingShards?: boolean;
  /** Problems that did not stop the merge. */
  warnings?: string[];
}

/**
 * Shards of one plan, each once, and all of them: what the shards' own results say the plan was. A missing
 * shard would leave its cells out of the table without a word, and a shard given twice means a mix-up.
 */
function checkShards(named: { r: RunReport; name: string }[], opts: MergeOptions, where: string): void {
  const sharded = named.filter((x) => x.r.shard);
  if (sharded.length === 0) return;
  if (sharded.length !== named.length) {
    const plain = named.find((x) => !x.r.shard)!;
    throw new ReportError(`${where}: ${plain.name} is not a shard while ${sharded[0]!.name} is; merge the shards of one run only`);
  }
  const first = sharded[0]!;
  const plan = (x: { r: RunReport }) => JSON.stringify([x.r.shard!.count, x.r.shard!.planCells ?? null]);
  const other = sharded.find((x) => plan(x) !== plan(first));
  if (other) throw new ReportError(`${where}: ${other.name} and ${first.name} are shards of different plans (count or cells differ); merge the shards of one run only`);
  const seen = new Map<number, string>();
  for (const x of sharded) {
    const prev = seen.get(x.r.shard!.index);
    if (prev) throw new ReportError(`${where}: shard ${x.r.shard!.index} of ${x.r.shard!.count} is given twice (${prev} and ${x.name}); give each shard once`);
    seen.set(x.r.shard!.index, x.name);
  }
  const count = first.r.shard!.count;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length === 0) return;
  const arrived = new Set(sharded.flatMap((x) => x.r.cells.map((c) => c.cell.id)));
  const lost = (first.r.shard!.planCells ?? []).filter((id) => !arrived.has(id));
  const what = `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing${lost.length ? `: no verdict for ${lost.length} planned cell(s) (${lost.slice(0, 3).join(', ')}${lost.length > 3 ? ', …' : ''})` : ''}`;
  if (!opts.allowMissingShards) throw new ReportError(`${where}: ${what}; pass --allow-missing-shards to merge what there is`);
  opts.warnings?.push(what);
}

/** Union of cells (same cell twice only if the verdicts agree), images deduplicated, run times spanned. */
export function mergeReports(reports: RunReport[], opts: MergeOptions = {}): RunReport {
  const where = opts.where ?? 'merge';
  if (reports.length === 0) throw new ReportError(`${where}: no reports to merge`);
  const first = reports[0]!;
  for (const r of reports) {
    if (r.backend !== first.backend) {
      throw new ReportError(`${where}: cannot merge ${r.backend} and ${first.backend} reports; their verdicts are about different implementations`);
    }
    if (r.harnessVersion !== first.harnessVersion) {
      throw new ReportError(`${where}: reports come from harness ${first.harnessVersion} and ${r.harnessVersion}; merge shards of one run only`);
    }
  }
  const named = reports.map((r, k) => ({
    r,
    name: opts.names?.[k] ?? (r.shard ? `shard ${r.shard.index} of ${r.shard.count}` : `report ${k + 1}`),
  }));
  checkShards(named, opts, where);
  // Shard order gives a stable cell order whatever order the directories were listed in.
  const ordered = named.sort((a, b) => (a.r.shard?.index ?? 0) - (b.r.shard?.index ?? 0));
  const cells = new Map<string, Entry>();
  for (const { r, name } of ordered) {
    for (const cr of r.cells) {
      const e = cells.get(cr.cell.id);
      if (e) mergeInto(e, cr, name, where);
      else {
        const scenarioFrom = new Map(cr.results.map((x) => [x.scenario, name]));
        cells.set(cr.cell.id, { cr: { ...cr, results: [...cr.results] }, cellFrom: name, scenarioFrom });
      }
    }
  }
  const images = new Map<string, RunReport['images'][number]>();
  for (const { r } of ordered) {
    for (const i of r.images) {
      // An image without a digest is subsumed by the same name with one.
      if (i.digest) images.delete(`${i.name}\u0000`);
      else if ([...images.values()].some((x) => x.name === i.name)) continue;
      images.set(`${i.name}\u0000${i.digest ?? ''}`, i);
    }
  }
  const times = (f: (r: RunReport) => string): string[] => ordered.map((x) => f(x.r)).sort((a, b) => Date.parse(a) - Date.parse(b));
  return {
    schemaVersion: first.schemaVersion,
    harnessVersion: first.harnessVersion,
    startedAt: times((r) => r.startedAt)[0]!,
    finishedAt: times((r) => r.finishedAt).at(-1)!,
    backend: first.backend,
    images: [...images.values()].sort((a, b) => a.name.localeCompare(b.name) || (a.digest ?? '').localeCompare(b.digest ?? '')),
    cells: [...cells.values()].map((e) => e.cr),
  };
}

function inside(dir: string, p: string): string | undefined {
  if (isAbsolute(p)) return undefined;
  const full = resolve(dir, p);
  const rel = relative(resolve(dir), full);
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : full;
}

/**
 * `idp-harness report merge <dirs…> --out <outDir>`: reads each dir's results.json, merges, copies the
 * artifacts the merged report refers to into outDir (paths in a report are relative to its directory), and
 * writes outDir/results.json. Returns problems that did not stop the merge (missing artifact files).
 */
export function mergeDirs(dirs: string[], outDir: string, opts: { allowMissingShards?: boolean } = {}): { report: RunReport; path: string; warnings: string[] } {
  if (dirs.length === 0) throw new ReportError('report merge: name at least one report directory');
  const reports = dirs.map((d) => readReport(d));
  const where = `report merge of ${dirs.join(', ')}`;
  const warnings: string[] = [];
  const merged = mergeReports(reports, { where, names: dirs, allowMissingShards: opts.allowMissingShards, warnings });
  // Which directory each kept scenario came from, so its artifacts are copied from there.
  const origin = new Map<ScenarioResult, string>();
  reports.forEach((r, i) => r.cells.forEach((cr) => cr.results.forEach((s) => origin.set(s, dirs[i]!))));
  const claimed = new Map<string, Buffer>();
  const copyArtifact = (from: string, p: string, ctx: string): string => {
    const src = inside(from, p);
    if (!src) {
      warnings.push(`${ctx}: artifact path "${p}" leaves its report directory ${from}; not copied`);
      return p;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(src);
    } catch {
      warnings.push(`${ctx}: artifact ${src} is missing; the merged report still names it`);
      return p;
    }
    let target = p;
    // Two shards with different files under one name: the later one moves under shard-<n>/.
    for (let n = 1; claimed.has(target) && !claimed.get(target)!.equals(bytes); n++) target = join(`shard-${n}`, p);
    if (!claimed.has(target)) {
      claimed.set(target, bytes);
      if (resolve(from, p) !== resolve(outDir, target)) {
        mkdirSync(dirname(resolve(outDir, target)), { recursive: true });
        copyFileSync(src, resolve(outDir, target));
      }
    }
    return target;
  };
  for (const cr of merged.cells) {
    for (const [i, s] of cr.results.entries()) {
      const a = s.artifacts;
      const from = origin.get(s);
      if (!a || !from) continue;
      const ctx = `cell "${cr.cell.id}" scenario "${s.scenario}"`;
      const copied = { ...a };
      if (a.screenshots) copied.screenshots = a.screenshots.map((p) => copyArtifact(from, p, ctx));
      if (a.traces) copied.traces = a.traces.map((p) => copyArtifact(from, p, ctx));
      cr.results[i] = { ...s, artifacts: copied };
    }
  }
  const path = writeReport(outDir, merged);
  return { report: merged, path, warnings };
}
