import { describe, expect, it } from 'vitest';
import type { RunReport } from '../model.js';
import { diffImages, diffReports, regressions, toMarkdownDiff } from './diff.js';
import { cell, failCase, notRun, passCase, ran, report, scenario } from './sample-reports.js';

const a = cell('docker', 'v3.1.0', 'authelia', '4.39.0');
const b = cell('docker', 'v2.7.5', 'authentik', '2025.10.4');
const c = cell('docker', 'v1.132.3', 'authelia', '4.38.9');
const boom = (msg: string) => failCase('on', { status: 201 }, { status: 500, message: msg });

function baseline(): RunReport {
  return report('docker', [
    ran(a, [
      scenario(a, 'auto-register', 'passed', [passCase('on')]),
      scenario(a, 'mobile-redirect', 'failed', [boom('known bug')]),
      scenario(a, 'logout', 'failed', [boom('old reason')]),
      scenario(a, 'gone', 'passed', [passCase('x')]),
    ]),
    ran(b, [scenario(b, 'auto-register', 'not-run', [], { reason: 'image unavailable' })]),
  ]);
}

function current(): RunReport {
  return report('docker', [
    ran(a, [
      scenario(a, 'auto-register', 'failed', [boom('now broken')]),
      scenario(a, 'mobile-redirect', 'passed', [passCase('on')]),
      scenario(a, 'logout', 'failed', [boom('new reason')]),
    ]),
    ran(b, [scenario(b, 'auto-register', 'error', [], { reason: 'stack died' })]),
    ran(c, [scenario(c, 'auto-register', 'failed', [boom('fresh')]), scenario(c, 'logout', 'passed', [passCase('x')])]),
  ], { images: [{ name: 'ghcr.io/immich-app/immich-server:v3.1.0', digest: 'sha256:' + 'b'.repeat(64) }] });
}

describe('diffReports', () => {
  it('classifies each (cell, scenario) as regression, unjudged, fix, new, removed or changed', () => {
    const kinds = diffReports(baseline(), current()).map((ch) => [ch.kind, ch.cellId === a.id ? 'a' : ch.cellId === b.id ? 'b' : 'c', ch.scenario]);
    expect(kinds).toEqual([
      ['regression', 'a', 'auto-register'],
      ['unjudged', 'b', 'auto-register'], // a harness fault now: no verdict, so no regression either
      ['new', 'c', 'auto-register'],
      ['new', 'c', 'logout'],
      ['fix', 'a', 'mobile-redirect'],
      ['changed', 'a', 'logout'],
      ['removed', 'a', 'gone'],
    ]);
  });

  it('records both sides with their messages', () => {
    const changed = diffReports(baseline(), current()).find((ch) => ch.kind === 'changed')!;
    expect(changed.before).toEqual({ status: 'failed', message: 'on (mobile): expected 201, observed 500 "old reason"' });
    expect(changed.after).toEqual({ status: 'failed', message: 'on (mobile): expected 201, observed 500 "new reason"' });
    expect(changed.label).toBe(
      'Immich v3.1.0 (ghcr.io/immich-app/immich-server:v3.1.0) × Authelia 4.39.0 (docker.io/authelia/authelia:4.39.0), variant default',
    );
  });

  it('finds nothing between a report and itself', () => {
    expect(diffReports(current(), current())).toEqual([]);
  });

  it('treats a cell that did not run as one entry, so a cell that now runs shows up', () => {
    const before = report('docker', [notRun(a, 'pull refused')]);
    const after = report('docker', [ran(a, [scenario(a, 'auto-register', 'passed', [passCase('on')])])]);
    expect(diffReports(before, after).map((ch) => [ch.kind, ch.scenario])).toEqual([['new', 'auto-register'], ['removed', '(cell)']]);
  });

  it('counts a verdict that is not run now as coverage lost, whether the cell started or not', () => {
    const before = report('docker', [
      ran(a, [scenario(a, 'auto-register', 'passed', [passCase('on')])]),
      ran(b, [scenario(b, 'auto-register', 'failed', [boom('known')])]),
    ]);
    const after = report('docker', [
      ran(a, [scenario(a, 'auto-register', 'not-run', [], { reason: 'image ghcr.io/x:v1 unavailable (pull failed)' })]),
      notRun(b, 'image ghcr.io/x:v1 unavailable (pull failed)'),
    ]);
    const changes = diffReports(before, after);
    expect(changes.map((ch) => [ch.kind, ch.cellId === a.id ? 'a' : 'b', ch.scenario])).toEqual([
      ['coverage-lost', 'b', 'auto-register'], // sorted by cell id: v2.7.5 before v3.1.0
      ['coverage-lost', 'a', 'auto-register'],
      ['new', 'b', '(cell)'],
    ]);
    expect(regressions(before, after).map((ch) => ch.kind)).toEqual(['coverage-lost', 'coverage-lost']);
  });

  it('refuses to compare verdicts from different backends', () => {
    expect(() => diffReports(report('embedded', []), current())).toThrow('cannot compare a report from the embedded backend with one from the docker backend');
  });
});

describe('regressions', () => {
  it('fails on regressions and on failures the baseline never had, not on known failures nor harness faults', () => {
    const found = regressions(baseline(), current()).map((ch) => `${ch.kind} ${ch.cellId === c.id ? 'c' : ch.cellId === a.id ? 'a' : 'b'}/${ch.scenario}`);
    expect(found).toEqual(['regression a/auto-register', 'new c/auto-register']);
  });

  it('finds none when the only failures are the ones the baseline already had', () => {
    expect(regressions(baseline(), baseline())).toEqual([]);
  });
});

describe('toMarkdownDiff', () => {
  it('groups the changes under headings naming the backend, with both verdicts and changed image digests', () => {
    const md = toMarkdownDiff(baseline(), current());
    expect(md.split('\n')[0]).toBe('# idp-harness changes (docker backend)');
    expect(md).toContain('## Regressions: 1 (docker backend)');
    expect(md).toContain('## Not judged (harness faults): 1 (docker backend)');
    expect(md).toContain('## Fixes: 1 (docker backend)');
    expect(md).toContain(
      `| ${a.id} | Immich v3.1.0 (ghcr.io/immich-app/immich-server:v3.1.0) × Authelia 4.39.0 (docker.io/authelia/authelia:4.39.0), variant default | auto-register | passed | failed: on (mobile): expected 201, observed 500 "now broken" |`,
    );
    expect(md).toContain(`- \`ghcr.io/immich-app/immich-server:v3.1.0\`: sha256:${'a'.repeat(64)} → sha256:${'b'.repeat(64)}`);
  });

  it('says so when nothing changed', () => {
    expect(toMarkdownDiff(baseline(), baseline())).toContain('No verdict changed.');
  });
});

it('reports an image that appeared', () => {
  const before = report('docker', [], { images: [] });
  expect(diffImages(before, current())).toEqual([{ name: 'ghcr.io/immich-app/immich-server:v3.1.0', after: 'sha256:' + 'b'.repeat(64) }]);
});
