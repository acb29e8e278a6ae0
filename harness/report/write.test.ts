import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cell, failCase, ran, report, scenario } from './sample-reports.js';
import { totalsLine } from './view.js';
import { writeAllReports } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'idp-harness-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the written reports', () => {
  it('carry no terminal escape codes, wherever the text came from', () => {
    const c = cell('docker', 'v3.1.0', 'authelia', '4.39.0');
    const coloured = '\u001b[2mcall log:\u001b[22m\n  - \u001b[32mwaiting for locator\u001b[39m';
    const r = report('docker', [
      ran(c, [
        scenario(c, 'auto-register', 'failed', [failCase('on', { status: 201 }, { status: 400, message: `\u001b[31mOAuth authentication failed\u001b[39m` })], {
          artifacts: { logs: { photos: `\u001b[32m[Nest] 27  - \u001b[39m LOG ${coloured}` } },
        }),
      ]),
    ]);
    for (const file of writeAllReports(dir, r)) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\u001b|\\u001b|\[2m|\[39m/);
    }
    expect(readdirSync(dir).sort()).toEqual(['junit.xml', 'report.html', 'report.md', 'results.json']);
  });

  it('give the same totals, in the same words as the terminal, in report.md, report.html and junit.xml', () => {
    const c = cell('docker', 'v3.1.0', 'authelia', '4.39.0');
    const r = report('docker', [ran(c, [scenario(c, 'auto-register', 'failed', [failCase('on', { status: 201 }, { status: 400 })])])]);
    const line = totalsLine(r);
    expect(line).toBe('0 passed, 1 failed, 0 harness faults, 0 not run (1 cases judged, 1 cells, docker backend)');
    for (const file of writeAllReports(dir, r).filter((f) => !f.endsWith('.json'))) expect(readFileSync(file, 'utf8'), file).toContain(line);
  });

  it('list failures before the table, regressions first, with expected, observed and links to the screenshot and the trace', () => {
    const a = cell('docker', 'v3.1.0', 'keycloak', '26.7.3');
    const b = cell('docker', 'v2.7.5', 'keycloak', '26.7.3');
    const fail = (c: typeof a, observed: number) =>
      scenario(c, 'auto-register', 'failed', [failCase('on', { status: 201 }, { status: observed })], {
        artifacts: { screenshots: [`artifacts/${c.id}/auto-register-on-mobile.png`], traces: [`artifacts/${c.id}/auto-register-on-mobile-trace.zip`] },
      });
    const r = report('docker', [ran(b, [fail(b, 500)]), ran(a, [fail(a, 400)])]);
    writeAllReports(dir, r, { regressions: [{ kind: 'regression', cellId: a.id, scenario: 'auto-register', label: '' }] });
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    const first = md.indexOf('## Failures first');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(md.indexOf('## Compatibility'));
    const items = md.slice(first).split('\n').filter((l) => l.startsWith('- '));
    expect(items[0]).toMatch(/^- \*\*regression\*\* · .*v3\.1\.0.* · auto-register: on \(mobile\): expected 201, observed 400 · \[screenshot\]\(artifacts\/.*\.png\) · \[trace\]\(artifacts\/.*-trace\.zip\)$/);
    expect(items[1]).toMatch(/^- .*v2\.7\.5.*observed 500/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.indexOf('id="failures"')).toBeLessThan(html.indexOf('id="compatibility"'));
    expect(html).toMatch(/<strong>regression<\/strong>[^<]*<a href="#cell-[^"]+">[^<]*v3\.1\.0/);
  });
});
