// The JSON report (results.json) is the one source every other format is derived from, and the file that
// crosses machines (CI shards -> merge, old run -> baseline). So it is validated on every read and write.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import {
  REPORT_SCHEMA_VERSION,
  type CaseVerdict,
  type HarnessFaultInfo,
  type Cell,
  type CellProvenance,
  type CellReport,
  type IdpSettings,
  type Outcome,
  type RunReport,
  type ScenarioResult,
} from '../model.js';

/** The schemaVersion values this harness can read. */
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [REPORT_SCHEMA_VERSION];

export const REPORT_FILE = 'results.json';

const nonEmpty = { type: 'string', minLength: 1 } as const;
const text = { type: 'string' } as const;
const ms = { type: 'number', minimum: 0 } as const;

// Property lists are kept in consts so the compile-time checks at the bottom can compare them with model.ts:
// adding a field to the model without adding it here (or the reverse) fails `tsc`.
const outcomeProps = {
  status: { type: 'integer', minimum: 0, maximum: 999 },
  message: text,
  facts: { type: 'object' },
} as const;

const caseProps = {
  case: nonEmpty,
  flow: { enum: ['web', 'mobile', 'mobile-override', 'api'] },
  expected: { $ref: '#/$defs/outcome' },
  observed: { $ref: '#/$defs/outcome' },
  pass: { type: 'boolean' },
  detail: text,
  retries: { type: 'array', items: nonEmpty },
  knownBug: {
    type: 'object',
    additionalProperties: false,
    required: ['link', 'reproduces'],
    properties: { link: nonEmpty, reproduces: { type: 'boolean' } },
  },
  unconfirmed: nonEmpty,
} as const;

const faultProps = {
  kind: { enum: ['timeout', 'network-change', 'stack-unreachable', 'browser', 'harness'] },
  step: nonEmpty,
  waitedMs: ms,
  cause: text,
  retries: { type: 'array', items: nonEmpty },
} as const;

const artifactsProps = {
  screenshots: { type: 'array', items: nonEmpty },
  traces: { type: 'array', items: nonEmpty },
  logs: { type: 'object', additionalProperties: text },
} as const;

const scenarioProps = {
  cellId: nonEmpty,
  scenario: nonEmpty,
  title: text,
  status: { enum: ['passed', 'failed', 'not-run', 'error'] },
  reason: text,
  fault: { type: 'object', additionalProperties: false, required: ['kind', 'step', 'waitedMs', 'cause'], properties: faultProps },
  cases: { type: 'array', items: { $ref: '#/$defs/case' } },
  durationMs: ms,
  artifacts: { type: 'object', additionalProperties: false, properties: artifactsProps },
} as const;

const settingsProps = {
  signingKey: { type: 'boolean' },
  encryptionKey: { type: 'boolean' },
  claimsInIdToken: { type: 'boolean' },
  tokenEndpointAuthMethod: { enum: ['client_secret_basic', 'client_secret_post'] },
  forgesTokens: { type: 'boolean' },
} as const;

const idpProps = {
  // A product's folder name (products/<id>/), or oidc-provider for the plain embedded provider.
  product: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
  version: nonEmpty,
  variant: nonEmpty,
  settings: { type: 'object', additionalProperties: false, properties: settingsProps },
} as const;

const cellProps = {
  id: nonEmpty,
  backend: { enum: ['embedded', 'docker'] },
  immich: nonEmpty,
  idp: { type: 'object', additionalProperties: false, required: ['product', 'version', 'variant', 'settings'], properties: idpProps },
  images: { enum: ['upstream', 'local'] },
} as const;

const provenanceProps = { photos: nonEmpty, idp: nonEmpty } as const;

const cellReportProps = {
  cell: { $ref: '#/$defs/cell' },
  provenance: { type: 'object', additionalProperties: false, required: ['photos', 'idp'], properties: provenanceProps },
  status: { enum: ['ran', 'not-run'] },
  reason: text,
  notRunKind: { enum: ['image-unavailable', 'start-failed'] },
  readyMs: ms,
  results: { type: 'array', items: { $ref: '#/$defs/scenario' } },
} as const;

const imageProps = {
  name: nonEmpty,
  digest: { type: 'string', pattern: '^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$' },
  id: { type: 'string', pattern: '^[a-z0-9]+:[a-fA-F0-9]{32,}$' },
} as const;

const runReportProps = {
  schemaVersion: { const: REPORT_SCHEMA_VERSION },
  harnessVersion: nonEmpty,
  startedAt: { type: 'string', format: 'date-time' },
  finishedAt: { type: 'string', format: 'date-time' },
  backend: { enum: ['embedded', 'docker'] },
  shard: {
    type: 'object',
    additionalProperties: false,
    required: ['index', 'count'],
    properties: {
      index: { type: 'integer', minimum: 0 },
      count: { type: 'integer', minimum: 1 },
      planCells: { type: 'array', items: nonEmpty },
    },
  },
  interrupted: { type: 'boolean' },
  images: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['name'], properties: imageProps } },
  cells: { type: 'array', items: { $ref: '#/$defs/cellReport' } },
} as const;

/** JSON Schema (draft 2020-12) of results.json, schemaVersion 1. */
export const runReportSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://idp-harness.invalid/schemas/run-report-1.json',
  title: 'idp-harness run report',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'harnessVersion', 'startedAt', 'finishedAt', 'backend', 'images', 'cells'],
  properties: runReportProps,
  $defs: {
    outcome: { type: 'object', additionalProperties: false, required: ['status'], properties: outcomeProps },
    case: {
      type: 'object',
      additionalProperties: false,
      required: ['case', 'flow', 'expected', 'observed', 'pass'],
      properties: caseProps,
    },
    scenario: {
      type: 'object',
      additionalProperties: false,
      required: ['cellId', 'scenario', 'title', 'status', 'cases', 'durationMs'],
      properties: scenarioProps,
    },
    cell: { type: 'object', additionalProperties: false, required: ['id', 'backend', 'immich', 'idp'], properties: cellProps },
    cellReport: {
      type: 'object',
      additionalProperties: false,
      required: ['cell', 'provenance', 'status', 'results'],
      properties: cellReportProps,
    },
  },
} as const;

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ allErrors: false, strict: true });
addFormats(ajv, ['date-time']);
const validate = ajv.compile(runReportSchema);

/** Thrown for a report that cannot be read; the message names the file and the first problem. */
export class ReportError extends Error {
  override name = 'ReportError';
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the report' : error.instancePath;
  const p = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${where} has unknown property "${String(p.additionalProperty)}"`;
  if (error.keyword === 'required') return `${where} lacks required property "${String(p.missingProperty)}"`;
  if (error.keyword === 'enum') return `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Checks the schema plus what a schema cannot say; returns the first problem, or undefined. */
export function reportProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the file does not hold a JSON object';
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(version as number)) {
    const found = version === undefined ? 'no schemaVersion' : `schemaVersion ${JSON.stringify(version)}`;
    return (
      `it has ${found}, but this harness reads schemaVersion ${SUPPORTED_SCHEMA_VERSIONS.join(', ')} only; ` +
      'read it with the idp-harness version that wrote it, or re-run to produce a current report'
    );
  }
  if (!validate(value)) return describe(validate.errors![0]!);
  const report = value as RunReport;
  const seen = new Set<string>();
  for (const [i, cr] of report.cells.entries()) {
    if (seen.has(cr.cell.id)) return `/cells/${i} repeats cell id "${cr.cell.id}"`;
    seen.add(cr.cell.id);
    if (cr.cell.backend !== report.backend) {
      return `/cells/${i} (${cr.cell.id}) ran on the ${cr.cell.backend} backend inside a ${report.backend} report`;
    }
    const scenarios = new Set<string>();
    for (const [j, r] of cr.results.entries()) {
      if (r.cellId !== cr.cell.id) return `/cells/${i}/results/${j} has cellId "${r.cellId}" inside cell "${cr.cell.id}"`;
      if (scenarios.has(r.scenario)) return `/cells/${i}/results/${j} repeats scenario "${r.scenario}"`;
      scenarios.add(r.scenario);
    }
  }
  if (Date.parse(report.finishedAt) < Date.parse(report.startedAt)) return '/finishedAt is before /startedAt';
  return undefined;
}

/** Validates an in-memory value; throws a ReportError naming `source`. */
export function assertReport(value: unknown, source: string): asserts value is RunReport {
  const problem = reportProblem(value);
  if (problem !== undefined) throw new ReportError(`${source} is not a usable idp-harness report: ${problem}`);
}

/** Reads and validates a results.json (or a directory holding one). */
export function readReport(path: string): RunReport {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return readReport(join(path, REPORT_FILE));
    if (code === 'ENOENT') throw new ReportError(`${path}: no such file; pass a results.json or the directory holding one`);
    throw new ReportError(`${path}: cannot be read (${(e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new ReportError(`${path} is not a usable idp-harness report: not valid JSON (${(e as Error).message})`);
  }
  assertReport(value, path);
  return value;
}

/** Validates and writes `dir/results.json` (atomically, so a reader never sees half a report); returns its path. */
export function writeReport(dir: string, report: RunReport): string {
  const path = join(dir, REPORT_FILE);
  assertReport(report, `the report to be written to ${path}`);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
  renameSync(tmp, path);
  return path;
}

// Compile-time checks: the schema's property lists match model.ts exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesModel: [
  Same<keyof typeof runReportProps, keyof RunReport>,
  Same<keyof typeof cellReportProps, keyof CellReport>,
  Same<keyof typeof provenanceProps, keyof CellProvenance>,
  Same<keyof typeof cellProps, keyof Cell>,
  Same<keyof typeof idpProps, keyof Cell['idp']>,
  Same<keyof typeof settingsProps, keyof IdpSettings>,
  Same<keyof typeof scenarioProps, keyof ScenarioResult>,
  Same<keyof typeof artifactsProps, keyof NonNullable<ScenarioResult['artifacts']>>,
  Same<keyof typeof caseProps, keyof CaseVerdict>,
  Same<keyof typeof faultProps, keyof HarnessFaultInfo>,
  Same<keyof typeof outcomeProps, keyof Outcome>,
  Same<keyof typeof imageProps, keyof RunReport['images'][number]>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];
void schemaMatchesModel;
