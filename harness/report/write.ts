// Every format of one report into its directory; results.json first, since the others derive from it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../model.js';
import { toHtml } from './html.js';
import { toJUnit } from './junit.js';
import { toMarkdown } from './markdown.js';
import { writeReport } from './schema.js';

export const REPORT_FILES = { markdown: 'report.md', junit: 'junit.xml', html: 'report.html' } as const;

/** Writes results.json, report.md, junit.xml and report.html into `dir`; returns their paths. */
export function writeAllReports(dir: string, report: RunReport): string[] {
  const json = writeReport(dir, report); // validates first, so an invalid report writes nothing derived
  const md = join(dir, REPORT_FILES.markdown);
  const junit = join(dir, REPORT_FILES.junit);
  const html = join(dir, REPORT_FILES.html);
  writeFileSync(md, toMarkdown(report));
  writeFileSync(junit, toJUnit(report));
  writeFileSync(html, toHtml(report, { embedArtifacts: true, reportDir: dir }));
  return [json, md, junit, html];
}
