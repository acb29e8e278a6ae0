import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHtml } from './html.js';
import { embeddedSample } from './sample-reports.js';
import { launchChromium } from './test-browser.js';

let browser: Browser;
let dir: string;
beforeAll(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'report-html-'));
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The sample report with evidence on its failing scenario; the screenshot is a real one taken by Chromium. */
async function reportWithEvidence() {
  const page = await browser.newPage({ viewport: { width: 320, height: 200 } });
  await page.setContent('<body style="background:#c00;color:#fff"><h1>Invalid redirect URI</h1></body>');
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'artifacts/failed login.png'), await page.screenshot());
  await page.close();
  const r = embeddedSample();
  r.cells[1]!.results[1]!.artifacts = {
    screenshots: ['artifacts/failed login.png', '../outside.png', 'artifacts/missing.png'],
    traces: ['artifacts/trace.zip'],
    logs: {
      'immich-server': Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n'),
      'authelia <main>': '<script>alert(1)</script> level=error msg="invalid_client"',
    },
  };
  return r;
}

describe('toHtml', () => {
  it('renders a page that Chromium shows with the table, the failure evidence and the decoded screenshot, making no request', async () => {
    const html = toHtml(await reportWithEvidence(), { embedArtifacts: true, reportDir: dir, logLines: 20 });
    const file = join(dir, 'report.html');
    writeFileSync(file, html);

    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url);
    await page.waitForLoadState('load');

    const table = await page.$$eval('#compatibility tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(table[0]).toEqual([
      'reference model ↓ · embedded IdP profile →',
      'embedded Authelia 4.39 profile [4.39.0], variant default',
      'embedded authentik 2025.10 profile [2025.10.4], variant no-signing-key',
    ]);
    expect(table[1]![0]).toBe('reference model of Immich v1.132.3');
    expect(table[1]![1]).toBe('✗ mobile-redirect: override=on (mobile): expected 307, observed 500 "Invalid | redirect\\nURI"');
    expect(table[1]![2]).toBe('–');
    // A not-run cell points at its reason, written once below the table.
    expect(table[2]![2]).toBe('not run [1]');
    expect(await page.locator('.not-run-reasons li').allTextContents()).toEqual(['not run, 1 cell: embedded profile for authentik 2025.10.4 not written yet']);

    const failure = page.locator('.failure');
    await expect.poll(() => failure.count()).toBe(1);
    const rows = await failure.locator('table tr').allTextContents();
    expect(await failure.locator('caption').textContent()).toBe(
      'Failed cases of mobile-redirect (reference model of Immich v1.132.3 × embedded Authelia 4.39 profile [4.39.0], variant default, embedded backend)',
    );
    expect(rows[1]).toBe('override=onmobile500 "Invalid | redirect\\nURI"307');
    const img = failure.locator('img.shot');
    expect(await img.count()).toBe(1);
    const size = await img.evaluate(async (el: HTMLImageElement) => {
      await el.decode();
      return [el.naturalWidth, el.naturalHeight];
    });
    expect(size).toEqual([320, 200]);
    const text = await failure.innerText();
    expect(text).toContain('screenshot ../outside.png not shown: its path leaves the report directory');
    expect(text).toContain('screenshot artifacts/missing.png missing from the report directory');
    expect(text).toContain('Trace: artifacts/trace.zip');
    const logs = await failure.locator('pre').allTextContents();
    expect(logs[0]!.split('\n')).toEqual(['… 80 earlier lines', ...Array.from({ length: 20 }, (_, i) => `line ${i + 81}`)]);
    expect(logs[1]).toBe('<script>alert(1)</script> level=error msg="invalid_client"');
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);

    // The page itself is the only request: the screenshot is a data: URI and nothing else is fetched.
    expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([url]);
    await page.close();
  });

  it('says in the title and every heading which backend produced the verdicts', () => {
    const html = toHtml(embeddedSample(), { reportDir: dir });
    expect(html).toContain('<title>idp-harness report, 2025-11-23: harness 0.1.0, embedded backend</title>');
    const headings = [...html.matchAll(/<(h[1-4]|caption)[^>]*>(.*?)<\/\1>/g)].map((m) => m[2]!);
    expect(headings.length).toBe(13); // h1, 4 h2 (failures first among them), 3 h3, an h4 for the failure, 4 table captions
    for (const h of headings) expect(h).toContain('embedded backend');
    expect(html).toContain('reference model of Immich v3.1.0 × embedded Authelia 4.39 profile [4.39.0], variant default');
  });

  it('links screenshots by path instead of embedding them when asked', async () => {
    const html = toHtml(await reportWithEvidence(), { embedArtifacts: false, reportDir: dir });
    expect(html).toContain('src="artifacts/failed%20login.png"');
    expect(html).not.toContain('data:image/png');
  });
  it('keeps the docker matrix table within 1400 px when every cell could not run for the same long reason', async () => {
    const r = embeddedSample();
    r.backend = 'docker';
    const template = r.cells.find((c) => c.status === 'not-run')!;
    const reason = `image ghcr.io/immich-app/immich-server:v3.1.0 unavailable (pull failed: ${'Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io: no such host; '.repeat(4)})`;
    r.cells = ['v1.113.0', 'v1.132.3', 'v2.7.5', 'v3.1.0'].flatMap((immich) =>
      ['4.38.9', '4.39.0', '4.39.20', '2024.12.5', '2025.4.4', '2025.10.4', '2026.8.3', '26.7.3'].map((version, i) => ({
        ...template,
        reason,
        cell: { ...template.cell, backend: 'docker' as const, id: `c-${immich}-${version}`, immich, idp: { ...template.cell.idp, product: ['authelia', 'authentik', 'keycloak'][i < 3 ? 0 : i < 7 ? 1 : 2]!, version } },
      })),
    );
    const file = join(dir, 'wide.html');
    writeFileSync(file, toHtml(r, { embedArtifacts: false, reportDir: dir }));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    const width = await page.locator('#compatibility').evaluate((el) => el.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(1400);
    expect(await page.locator('.not-run-reasons li').allTextContents()).toEqual([`not run, 32 cells: ${reason}`]);
    await page.close();
  });
});
