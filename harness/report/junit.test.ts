import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJUnit, xmlAttr } from './junit.js';
import { cell, embeddedSample, failCase, passCase, ran, report, scenario } from './sample-reports.js';
import { launchChromium } from './test-browser.js';

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
});

interface Parsed {
  error: string | null;
  suites: {
    name: string;
    tests: string;
    failures: string;
    skipped: string;
    properties: Record<string, string>;
    cases: { name: string; classname: string; failure?: { message: string; body: string }; skipped?: string; error?: string }[];
  }[];
}

/** Parses with Chromium's XML parser, which rejects anything not well-formed. */
function parse(xml: string): Promise<Parsed> {
  return page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    const err = doc.querySelector('parsererror');
    return {
      error: err ? err.textContent : null,
      suites: [...doc.querySelectorAll('testsuite')].map((s) => ({
        name: s.getAttribute('name')!,
        tests: s.getAttribute('tests')!,
        failures: s.getAttribute('failures')!,
        skipped: s.getAttribute('skipped')!,
        properties: Object.fromEntries([...s.querySelectorAll('property')].map((p) => [p.getAttribute('name')!, p.getAttribute('value')!])),
        cases: [...s.querySelectorAll('testcase')].map((c) => {
          const f = c.querySelector('failure');
          const sk = c.querySelector('skipped');
          const er = c.querySelector('error');
          return {
            name: c.getAttribute('name')!,
            classname: c.getAttribute('classname')!,
            ...(f ? { failure: { message: f.getAttribute('message')!, body: f.textContent! } } : {}),
            ...(sk ? { skipped: sk.getAttribute('message')! } : {}),
            ...(er ? { error: er.getAttribute('message')! } : {}),
          };
        }),
      })),
    };
  }, xml);
}

describe('toJUnit', () => {
  it('writes one testsuite per cell and one testcase per scenario, classname the cell id', async () => {
    const r = embeddedSample();
    const p = await parse(toJUnit(r));
    expect(p.error).toBeNull();
    expect(p.suites.map((s) => s.cases.length)).toEqual([2, 2, 1]);
    expect(p.suites[0]!.cases.map((c) => c.classname)).toEqual([r.cells[0]!.cell.id, r.cells[0]!.cell.id]);
    expect(p.suites[0]!.cases[0]!.name).toBe('auto-register: auto-register works');
  });

  it('puts expected and observed into the failure message and body', async () => {
    const p = await parse(toJUnit(embeddedSample()));
    const failure = p.suites[1]!.cases[1]!.failure!;
    expect(failure.message).toBe('override=on (mobile): expected 307, observed 500 "Invalid | redirect\\nURI"');
    expect(failure.body).toContain('FAIL override=on (mobile)\n  expected: 307\n  observed: 500 "Invalid | redirect\\nURI"');
    expect(p.suites[1]).toMatchObject({ tests: '2', failures: '1', skipped: '0' });
  });

  it('skips a cell that did not run, with the reason, and records backend and provenance', async () => {
    const p = await parse(toJUnit(embeddedSample()));
    const s = p.suites[2]!;
    expect(s).toMatchObject({ tests: '1', failures: '0', skipped: '1' });
    expect(s.cases[0]!.skipped).toBe('embedded profile for authentik 2025.10.4 not written yet');
    expect(s.properties).toMatchObject({
      backend: 'embedded',
      'provenance.photos': 'reference model of Immich v3.1.0',
      'provenance.idp': 'embedded authentik 2025.10 profile [2025.10.4], variant no-signing-key',
    });
    expect(s.name).toContain('reference model of Immich v3.1.0 × embedded authentik');
  });

  it('stays well-formed with control characters, ]]>, quotes and markup in messages', async () => {
    const c = cell('docker', 'v3.1.0', 'authelia', '4.39.0');
    const nasty = 'bell\u0007 nul\u0000 esc\u001b ]]> "dq" \'sq\' <b>&amp; tab\there\r\nline2 lone\ud800 ok😀';
    const r = report('docker', [ran(c, [
      scenario(c, 'nasty ]]> "name"', 'failed', [failCase('case <&>', { status: 200 }, { status: 500, message: nasty })], {
        reason: nasty,
      }),
      scenario(c, 'skipped', 'not-run', [], { reason: nasty }),
      scenario(c, 'broken', 'error', [], { reason: nasty }),
      scenario(c, 'fine', 'passed', [passCase('x')]),
    ])]);
    const xml = toJUnit(r);
    expect(xml).not.toContain(']]>');
    const p = await parse(xml);
    expect(p.error).toBeNull();
    const shown = 'bell\\u0007 nul\\u0000 esc\\u001b ]]> "dq" \'sq\' <b>&amp; tab\there\r\nline2 lone\\ud800 ok😀';
    const [failed, skipped, errored] = p.suites[0]!.cases;
    expect(failed!.name).toBe('nasty ]]> "name": nasty ]]> "name" works');
    // JSON-quoted in the message, so control characters arrive as escapes, not as (unrepresentable) characters.
    expect(failed!.failure!.message).toBe(`case <&> (mobile): expected 200, observed 500 ${JSON.stringify(nasty)}`);
    expect(failed!.failure!.body).toContain(`reason: ${shown.replace('\r\n', '\n')}`);
    expect(skipped!.skipped).toBe(shown);
    expect(errored!.error).toBe(shown);
  });
});

it('escapes attribute whitespace as references so a parser keeps newlines and tabs', () => {
  expect(xmlAttr('a\nb\tc"d\'e<f>&')).toBe('a&#10;b&#9;c&quot;d&apos;e&lt;f&gt;&amp;');
});
