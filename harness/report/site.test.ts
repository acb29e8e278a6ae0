// The compatibility site as people would open it: in Chromium, from files, following its links.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../model.js';
import { cell, failCase, passCase, ran, report, scenario } from './sample-reports.js';
import { buildSite } from './site.js';
import { launchChromium } from './test-browser.js';
import { writeAllReports } from './write.js';

let browser: Browser;
let dir: string;
beforeAll(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'report-site-'));
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const real = cell('docker', 'v3.1.0', 'keycloak', '26.7.3', 'post');
const model = cell('embedded', 'v3.1.0', 'keycloak', '26.7.3', 'post');
const realProvenance = { photos: 'Immich v3.1.0 (ghcr.io/immich-app/immich-server:v3.1.0@sha256:ab)', idp: 'Keycloak 26.7.3 (quay.io/keycloak/keycloak:26.7.3@sha256:cd)' };

/** One dated run, written as `idp-harness run` writes it. */
function run(name: string, day: string, cells: RunReport['cells'], backend: 'docker' | 'embedded' = 'docker'): string {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  writeAllReports(out, report(backend, cells, { startedAt: `${day}T10:00:00.000Z`, finishedAt: `${day}T10:20:00.000Z` }));
  return out;
}

describe('report site', () => {
  it('shows the newest verdict per cell, real products and models apart, and links each cell to its history and evidence', async () => {
    const withReal = (c: RunReport['cells'][number]) => ({ ...c, provenance: realProvenance });
    const runs = [
      run('old', '2026-11-01', [withReal(ran(real, [scenario(real, 'auto-register', 'passed', [passCase('on', 201)])]))]),
      run('new', '2026-11-29', [withReal(ran(real, [scenario(real, 'auto-register', 'failed', [failCase('on', { status: 201 }, { status: 400, message: 'OAuth authentication failed' })])]))]),
      run('model', '2026-11-29', [ran(model, [scenario(model, 'auto-register', 'passed', [passCase('on', 201)])])], 'embedded'),
    ];
    const { readReport } = await import('./schema.js');
    const site = join(dir, 'site');
    const index = buildSite(runs.map((d) => ({ report: readReport(d), dir: d })), site);

    const page = await browser.newPage();
    await page.goto(pathToFileURL(index).href);
    const tables = page.locator('table.compatibility');
    expect(await tables.count()).toBe(2);
    const realCell = page.locator('table[data-kind="real"] td').first();
    expect(await realCell.textContent()).toBe('✗ auto-register: on (mobile): expected 201, observed 400 "OAuth authentication failed" (2026-11-29)');
    expect(await page.locator('table[data-kind="model"] td').first().textContent()).toMatch(/^✓/);

    // The cell's history: both runs, newest first, each with its evidence.
    await realCell.locator('a').click();
    await page.waitForURL(/cells\//);
    const rows = await page.locator('#history tr').allTextContents();
    expect(rows.slice(1).map((r) => r.slice(0, 12))).toEqual(['2026-11-29✗ ', '2026-11-01✓ ']);
    const evidence = await page.locator('#history a').first().getAttribute('href');
    const target = new URL(evidence!, page.url());
    expect(target.hash).toBe(`#cell-${encodeURIComponent(real.id)}`);
    expect(existsSync(target.pathname)).toBe(true);
    await page.goto(target.href);
    expect(await page.locator(`[id="cell-${encodeURIComponent(real.id)}"]`).count()).toBe(1);
    await page.close();
  });
});
