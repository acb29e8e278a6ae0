// The scenario DSL. A scenario file reads like the bug report it guards:
//   scenario('auto-register', 'A new OAuth user ...', async ({ stack, check }) => { given / when / then })
// and runs once per cell the run selected. Expected outcomes come from fixtures/expectations.yaml,
// never from the scenario code; `check` compares and records a verdict the reporter turns into reports.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { describe, inject, test } from 'vitest';
import { HarnessFault } from './flows/faults.js';
import type { LoginResult } from './flows/login.js';
import { expectedOutcome, loadExpectations } from './matrix/expectations.js';
import { loadMatrix } from './matrix/matrix.js';
import type { CaseVerdict, Cell, Flow, HarnessFaultInfo, Outcome, ScenarioResult } from './model.js';
import { StackClient } from './stack/client.js';
import type { StackInfo } from './stack/types.js';

export interface RunInfo {
  /** The run's browser (owned by the process that owns the stacks). */
  browserWsEndpoint: string;
  artifactsDir: string;
  expectationsFile?: string;
  matrixFile?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stacks: StackInfo[];
    run: RunInfo;
  }
  interface TaskMeta {
    idpHarness?: Omit<ScenarioResult, 'durationMs' | 'status'> & { skipped?: string };
  }
}

/** Symbolic expected facts ("from-claim", "default"...) resolved to this scenario's concrete values. */
export type FactValues = Record<string, Record<string, unknown>>;

export interface ScenarioContext {
  cell: Cell;
  stack: StackClient;
  /** Compares an observation with the expectation for (scenario, case, cell) and records the verdict. */
  check(caseId: string, observed: LoginResult | (Outcome & { flow: Flow }), values?: FactValues): Promise<Outcome | undefined>;
  /** Whether a case applies to this cell (false when the expectations say skip). */
  applies(caseId: string): boolean;
}

let browser: Promise<Browser> | undefined;
const clients = new Map<string, Promise<StackClient>>();

/** One client per cell in this worker: the cell's browser context and web page live across scenario files. */
function clientFor(info: StackInfo, endpoint: string): Promise<StackClient> {
  let client = clients.get(info.cell.id);
  if (!client) {
    client = sharedBrowser(endpoint).then((b) => new StackClient(info, b));
    clients.set(info.cell.id, client);
  }
  return client;
}
/** One connection per worker process to the run's browser, shared by its scenario files. */
function sharedBrowser(endpoint: string): Promise<Browser> {
  browser ??= chromium.connect(endpoint);
  return browser;
}

export function scenario(id: string, title: string, body: (ctx: ScenarioContext) => Promise<void>): void {
  const stacks = inject('stacks');
  const run = inject('run');
  const expectations = loadExpectations(run.expectationsFile, loadMatrix(run.matrixFile));
  const cells = stacks.filter((s) => s.scenarios.includes(id));

  // Cells are independent stacks, so they run concurrently; the cases of one cell run in order.
  describe.concurrent(title, () => {
    if (cells.length === 0) test.skip(`no selected cell runs "${id}"`, () => {});
    for (const info of cells) {
      test(info.cell.id, async ({ task, skip }) => {
        const cases: CaseVerdict[] = [];
        const screenshots: string[] = [];
        const traces: string[] = [];
        const meta = {
          cellId: info.cell.id,
          scenario: id,
          title,
          cases,
          reason: undefined as string | undefined,
          fault: undefined as HarnessFaultInfo | undefined,
          artifacts: { screenshots, traces },
        };
        task.meta.idpHarness = meta;
        if (info.notRun) {
          meta.reason = info.notRun;
          task.meta.idpHarness = { ...meta, skipped: info.notRun };
          skip(`not run: ${info.notRun}`);
        }
        const stack = await clientFor(info, run.browserWsEndpoint);
        const ctx: ScenarioContext = {
          cell: info.cell,
          stack,
          applies: (caseId) => !('skip' in expectedOutcome(expectations, id, caseId, info.cell)),
          async check(caseId, observed, values = {}) {
            const resolved = expectedOutcome(expectations, id, caseId, info.cell);
            if ('skip' in resolved) return undefined;
            const expected = resolveFacts(resolved.outcome, values);
            let verdict = compare(caseId, expected, observed, resolved.because);
            if (resolved.knownBug) {
              const asBug = compare(caseId, resolveFacts(resolved.knownBug.observed, values), observed, resolved.because);
              const reproduces = !verdict.pass && asBug.pass;
              if (reproduces) verdict = { ...verdict, pass: true };
              // An answer that is neither the expected one nor the bug's stays a failure.
              verdict.knownBug = { link: resolved.knownBug.link, reproduces };
            }
            if (resolved.unconfirmed) verdict.unconfirmed = resolved.unconfirmed;
            if ('retries' in observed && observed.retries?.length) verdict.retries = observed.retries;
            if (!verdict.pass && 'screenshot' in observed && observed.screenshot) {
              const png = await observed.screenshot().catch(() => undefined);
              if (png) {
                const saved = saveScreenshot(run.artifactsDir, info.cell.id, id, caseId, observed.flow, png);
                screenshots.push(saved);
                verdict.detail = [verdict.detail, `screenshot: ${saved}`].filter(Boolean).join('; ');
              }
            }
            if (!verdict.pass && 'trace' in observed && observed.trace) {
              const zip = await observed.trace().catch(() => undefined);
              if (zip) traces.push(saveArtifact(run.artifactsDir, info.cell.id, `${id}-${caseId}-${observed.flow}-trace.zip`, zip));
            }
            cases.push(verdict);
            return expected;
          },
        };
        try {
          await body(ctx);
        } catch (err) {
          // Cases judged so far stay recorded; the rest of the scenario is a harness fault, not a verdict.
          meta.fault = faultOf(err);
          if (err instanceof HarnessFault && err.screenshot) {
            screenshots.push(saveScreenshot(run.artifactsDir, info.cell.id, id, 'harness-fault', 'web', err.screenshot));
          }
          if (err instanceof HarnessFault && err.trace) traces.push(saveArtifact(run.artifactsDir, info.cell.id, `${id}-harness-fault-trace.zip`, err.trace));
          throw err;
        } finally {
          await stack.settle();
        }
        const failed = cases.filter((c) => !c.pass);
        if (failed.length) {
          throw new Error(
            failed
              .map((c) => `${c.case} (${c.flow}): expected ${show(c.expected)}, observed ${show(c.observed)}`)
              .join('\n'),
          );
        }
        if (cases.length === 0) throw new Error(`scenario "${id}" checked nothing on ${info.cell.id}`);
      });
    }
  });
}

function faultOf(err: unknown): HarnessFaultInfo {
  if (err instanceof HarnessFault) return { ...err.info, ...(err.retries.length ? { retries: err.retries } : {}) };
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'harness', step: 'scenario code', waitedMs: 0, cause: message.split('\n')[0]!.trim() };
}

function resolveFacts(outcome: Outcome, values: FactValues): Outcome {
  if (!outcome.facts) return outcome;
  const facts: Record<string, unknown> = {};
  for (const [key, symbol] of Object.entries(outcome.facts)) {
    const table = values[key];
    facts[key] = table && typeof symbol === 'string' && symbol in table ? table[symbol] : symbol;
  }
  return { ...outcome, facts };
}

function compare(caseId: string, expected: Outcome, observed: LoginResult | (Outcome & { flow: Flow }), because?: string): CaseVerdict {
  const facts = 'facts' in observed ? observed.facts : undefined;
  const obs: Outcome = { status: observed.status, ...(observed.message ? { message: observed.message } : {}), ...(facts ? { facts } : {}) };
  let pass = obs.status === expected.status;
  if (expected.message !== undefined) pass &&= obs.message === expected.message;
  for (const [key, value] of Object.entries(expected.facts ?? {})) {
    pass &&= JSON.stringify(facts?.[key]) === JSON.stringify(value);
  }
  const detail = [because && `expected because: ${because}`, 'detail' in observed ? observed.detail : undefined].filter(Boolean).join('; ');
  return { case: caseId, flow: observed.flow, expected, observed: obs, pass, ...(detail ? { detail } : {}) };
}

function show(o: Outcome): string {
  return `${o.status}${o.message ? ` "${o.message}"` : ''}${o.facts ? ` ${JSON.stringify(o.facts)}` : ''}`;
}

function saveScreenshot(dir: string, cellId: string, scenarioId: string, caseId: string, flow: Flow, png: Buffer): string {
  return saveArtifact(dir, cellId, `${scenarioId}-${caseId}-${flow}.png`, png);
}

/** Writes evidence under artifacts/<cell>/ of the report directory; answers its path relative to it. */
function saveArtifact(dir: string, cellId: string, name: string, bytes: Buffer): string {
  const rel = join('artifacts', cellId, name);
  mkdirSync(join(dir, 'artifacts', cellId), { recursive: true });
  writeFileSync(join(dir, rel), bytes);
  return rel;
}
