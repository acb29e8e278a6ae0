// Reports: results.json is the source; Markdown, JUnit and HTML are derived from it.
export {
  readReport,
  writeReport,
  assertReport,
  reportProblem,
  runReportSchema,
  ReportError,
  REPORT_FILE,
  SUPPORTED_SCHEMA_VERSIONS,
} from './schema.js';
export { writeAllReports, REPORT_FILES } from './write.js';
export { readReportFile } from './baseline.js';
export { mergeReports, mergeDirs } from './merge.js';
export { toMarkdown, compatibilityTable, mdText, STEP_SUMMARY_LIMIT } from './markdown.js';
export { toJUnit } from './junit.js';
export { toHtml, type HtmlOptions } from './html.js';
export { diffReports, diffImages, regressions, toMarkdownDiff, type Change, type ChangeKind, type ImageChange } from './diff.js';
export { createProgress, type Progress, type ProgressStream, type ProgressOptions, type PlannedCell } from './progress.js';
export { cellVerdict, photosLabel, idpLabel, idpColumnLabel, type CellCounts, type CellVerdict } from './view.js';
