// A scenario that throws part-way (a harness fault at its third login, say) keeps the verdicts it had already
// recorded: they were judged, and the report must show them next to the fault.
import type { TestCase } from 'vitest/node';
import { describe, expect, it } from 'vitest';
import type { CaseVerdict } from '../model.js';
import { ResultCollector } from './collector.js';

const judged: CaseVerdict = { case: 'on', flow: 'web', expected: { status: 201 }, observed: { status: 201 }, pass: true };

function testCase(meta: Record<string, unknown>, state: 'passed' | 'failed', message = ''): TestCase {
  return {
    meta: () => ({ idpHarness: meta }),
    result: () => (state === 'failed' ? { state, errors: [{ message }] } : { state }),
    diagnostic: () => ({ duration: 12 }),
  } as unknown as TestCase;
}

describe('the result collector', () => {
  it('keeps the cases a scenario judged before a harness fault, with the fault beside them', () => {
    const collector = new ResultCollector();
    const fault = { kind: 'timeout', step: "web: complete the IdP's pages", waitedMs: 30_000, cause: 'Timeout 30000ms exceeded', retries: ['earlier'] };
    collector.onTestCaseResult(
      testCase({ cellId: 'c', scenario: 'auto-register', title: 't', cases: [judged], fault, artifacts: { screenshots: [] } }, 'failed', 'harness fault (timeout)'),
    );
    const [result] = collector.results;
    expect(result!.status).toBe('error');
    expect(result!.cases).toEqual([judged]);
    expect(result!.fault).toEqual(fault);
  });

  it('calls a scenario with a case that differs failed, even when it threw afterwards', () => {
    const collector = new ResultCollector();
    const differs = { ...judged, observed: { status: 500, message: 'Failed to finish oauth' }, pass: false };
    collector.onTestCaseResult(testCase({ cellId: 'c', scenario: 's', title: 't', cases: [judged, differs], artifacts: {} }, 'failed', 'boom'));
    expect(collector.results[0]!.status).toBe('failed');
    expect(collector.results[0]!.cases).toHaveLength(2);
  });
});
