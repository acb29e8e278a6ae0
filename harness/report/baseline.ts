// `run --baseline <results.json>`: a known failure in the baseline stays known; only news fails the run.
import type { RunReport } from '../model.js';
import { readReport } from './schema.js';

export { regressions, diffReports, toMarkdownDiff } from './diff.js';

/** Reads a baseline report (a results.json or the directory holding one), validated like any report. */
export function readReportFile(path: string): RunReport {
  return readReport(path);
}
