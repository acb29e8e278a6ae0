// Every format of one report into its directory; results.json first, since the others derive from it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripAnsi } from '../plain-text.js';
import type { RunReport } from '../model.js';
import type { Change } from './diff.js';
import { toHtml } from './html.js';
import { toJUnit } from './junit.js';
import { toMarkdown } from './markdown.js';
import { writeReport } from './schema.js';

export const REPORT_FILES = { markdown: 'report.md', junit: 'junit.xml', html: 'report.html' } as const;

/** Every string of the report without terminal escape codes (container logs, browser call logs, merged shards). */
export function withoutEscapes<T>(value: T): T {
  if (typeof value === 'string') return stripAnsi(value) as T;
  if (Array.isArray(value)) return value.map(withoutEscapes) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutEscapes(v)])) as T;
  return value;
}

/** Writes results.json, report.md, junit.xml and report.html into `dir`; returns their paths. */
export function writeAllReports(dir: string, given: RunReport, opts: { regressions?: Change[] } = {}): string[] {
  const report = withoutEscapes(given);
  const regressions = new Set((opts.regressions ?? []).map((c) => `${c.cellId}\u0000${c.scenario}`));
  const json = writeReport(dir, report); // validates first, so an invalid report writes nothing derived
  const md = join(dir, REPORT_FILES.markdown);
  const junit = join(dir, REPORT_FILES.junit);
  const html = join(dir, REPORT_FILES.html);
  writeFileSync(md, toMarkdown(report, { regressions }));
  writeFileSync(junit, toJUnit(report));
  writeFileSync(html, toHtml(report, { embedArtifacts: true, reportDir: dir, regressions }));
  return [json, md, junit, html];
}
