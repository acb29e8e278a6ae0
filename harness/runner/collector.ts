// A vitest reporter that turns each scenario test into a ScenarioResult (from the verdicts the scenario
// recorded in its task meta) and tells the progress printer as results arrive.
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { stripAnsi } from '../flows/faults.js';
import type { ScenarioResult } from '../model.js';

export interface CollectorEvents {
  scenarioDone?(result: ScenarioResult): void;
}

export class ResultCollector implements Reporter {
  readonly results: ScenarioResult[] = [];
  readonly problems: string[] = [];

  constructor(private readonly events: CollectorEvents = {}) {}

  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta().idpHarness;
    if (!meta) return; // not a scenario test (e.g. the "no selected cell" placeholder)
    const outcome = testCase.result();
    // Browser call logs carry terminal colour codes: reports get plain text.
    const errors = outcome.state === 'failed' ? (outcome.errors ?? []).map((e) => stripAnsi(e.message)) : [];
    const status: ScenarioResult['status'] = meta.skipped
      ? 'not-run'
      : outcome.state === 'passed'
        ? 'passed'
        : meta.cases.some((c) => !c.pass)
          ? 'failed'
          : 'error';
    // status "error" is a harness fault; a case judged before it stays in `cases`.
    const result: ScenarioResult = {
      cellId: meta.cellId,
      scenario: meta.scenario,
      title: meta.title,
      status,
      cases: meta.cases,
      durationMs: Math.round(testCase.diagnostic()?.duration ?? 0),
      ...(meta.skipped ? { reason: meta.skipped } : status === 'error' ? { reason: errors.join('\n') || 'scenario failed' } : {}),
      ...(status === 'error' && meta.fault ? { fault: meta.fault } : {}),
    };
    const screenshots = meta.artifacts?.screenshots ?? [];
    const traces = meta.artifacts?.traces ?? [];
    if (screenshots.length || traces.length) result.artifacts = { ...(screenshots.length ? { screenshots } : {}), ...(traces.length ? { traces } : {}) };
    this.results.push(result);
    this.events.scenarioDone?.(result);
  }

  onTestModuleCollected(): void {}

  /** A scenario file that failed outside its tests (it did not load, say) is a problem of the run. */
  onTestModuleEnd(mod: TestModule): void {
    for (const e of mod.errors()) this.problems.push(`${relative(process.cwd(), mod.moduleId)}: ${stripAnsi(e.message ?? String(e)).split('\n')[0]}`);
  }

  onTestRunEnd(_modules: unknown, errors: readonly { message?: string }[]): void {
    for (const e of errors) this.problems.push(e.message ?? String(e));
  }
}
