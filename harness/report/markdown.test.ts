import { describe, expect, it } from 'vitest';
import { mdText, toMarkdown } from './markdown.js';
import { cell, embeddedSample, failCase, passCase, ran, report, scenario } from './sample-reports.js';

/** Table rows of the compatibility table, split on unescaped pipes. */
function compatibilityRows(md: string): string[][] {
  const start = md.indexOf('## Compatibility');
  const lines = md.slice(start).split('\n');
  const table = lines.slice(lines.findIndex((l) => l.startsWith('|')));
  const rows = table.slice(0, table.findIndex((l) => !l.startsWith('|')));
  return rows.map((r) => r.slice(2, -2).split(/(?<!\\) \| /));
}

describe('toMarkdown', () => {
  it('titles the report with its date, harness version and backend', () => {
    expect(toMarkdown(embeddedSample()).split('\n')[0]).toBe('# idp-harness report, 2025-11-23: harness 0.1.0, embedded backend');
  });

  it('lays out Immich versions as rows and IdP product, version and variant as columns, with ✓, ✗, not run and –', () => {
    const rows = compatibilityRows(toMarkdown(embeddedSample()));
    expect(rows[0]).toEqual([
      'reference model ↓ · embedded IdP profile →',
      'embedded Authelia 4.39 profile \\[4.39.0\\], variant default',
      'embedded authentik 2025.10 profile \\[2025.10.4\\], variant no-signing-key',
    ]);
    expect(rows.slice(2).map((r) => r[0])).toEqual(['**reference model of Immich v1.132.3**', '**reference model of Immich v3.1.0**']);
    const [old, current] = rows.slice(2);
    expect(old![1]).toMatch(/^\[✗ mobile-redirect: override=on \(mobile\): expected 307, observed 500 "Invalid \\\| redirect\\\\nURI"\]\(#cell-embedded-immich-v1\.132\.3-authelia-4\.39\.0-default\)$/);
    expect(old![2]).toBe('–');
    expect(current![1]).toMatch(/^\[✓ \(2\)\]/);
    // A not-run cell points at its reason, which is written once below the table.
    expect(current![2]).toMatch(/^\[not run \\\[1\\\]\]/);
    expect(toMarkdown(embeddedSample())).toContain('\\[1\\] not run, 1 cell: embedded profile for authentik 2025.10.4 not written yet');
    // Every row has as many cells as the header: no message broke the table.
    for (const r of rows) expect(r).toHaveLength(3);
  });

  it('writes a reason that kept many cells from running once, with the number of cells, and keeps every table cell one line', () => {
    const r = embeddedSample();
    const template = r.cells.find((c) => c.status === 'not-run')!;
    const reason = 'image ghcr.io/immich-app/immich-server:v3.1.0 unavailable (pull failed: registry unreachable)\n  at pull (engine)';
    r.cells = Array.from({ length: 31 }, (_, i) => ({ ...template, reason, cell: { ...template.cell, id: `${template.cell.id}-${i}`, idp: { ...template.cell.idp, version: `2025.10.${i}` } } }));
    const md = toMarkdown(r);
    expect(md.match(/registry unreachable/g)?.length).toBe(1); // under the table; tables and details point at it
    expect(md.match(/Verdict: not run \\\[1\\\]/g)?.length).toBe(31);
    expect(md).toContain('\\[1\\] not run, 31 cells: image ghcr.io/immich-app/immich-server:v3.1.0 unavailable');
    for (const row of compatibilityRows(md)) for (const cellText of row) expect(cellText).not.toContain('<br>');
  });

  it('never presents an embedded verdict as one about the real product, even when the provenance forgot to say so', () => {
    const r = embeddedSample();
    r.cells[0]!.provenance = { photos: 'Immich v3.1.0', idp: 'Authelia 4.39.0' };
    const md = toMarkdown(r);
    expect(md).toContain('**reference model of Immich v3.1.0**');
    expect(md).toContain('embedded Authelia 4.39.0 profile, variant default');
    expect(md).not.toMatch(/\*\*Immich v3\.1\.0\*\*/);
    expect(md).toMatch(/_embedded backend: verdicts are about the reference models of Immich/);
  });

  it('names the backend in every heading', () => {
    for (const backend of ['embedded', 'docker'] as const) {
      const c = cell(backend, 'v3.1.0', 'authelia', '4.39.0');
      const md = toMarkdown(report(backend, [ran(c, [scenario(c, 'auto-register', 'passed', [passCase('on')])])]));
      const headings = md.split('\n').filter((l) => /^#{1,3} /.test(l));
      expect(headings.length).toBeGreaterThanOrEqual(5);
      for (const h of headings) expect(h).toMatch(new RegExp(`${backend} backend`));
      expect(md).toContain(`| Scenario (${backend} backend) | Case |`);
    }
  });

  it('details each scenario and case with expected, observed, message and flow, failing cells unfolded', () => {
    const md = toMarkdown(embeddedSample());
    expect(md).toContain(
      '| mobile-redirect (failed) | override=on | mobile | ✗ | 307 | 500 | Invalid \\| redirect<br>URI |',
    );
    expect(md).toContain('| auto-register (passed) | autoRegister=on | web | ✓ | 201 {"name":"Alice"} | 201 {"name":"Alice"} |  |');
    expect(md.match(/<details open>/g)).toHaveLength(1);
  });

  it('lists the images with their digests at the end', () => {
    const c = cell('docker', 'v3.1.0', 'authelia', '4.39.0');
    const r = report('docker', [ran(c, [])]);
    r.images.push({ name: 'docker.io/authelia/authelia:4.39.0' });
    const md = toMarkdown(r).trimEnd().split('\n');
    expect(md.slice(-4)).toEqual([
      '## Images (docker backend)',
      '',
      `- \`ghcr.io/immich-app/immich-server:v3.1.0\` \`sha256:${'a'.repeat(64)}\``,
      '- `docker.io/authelia/authelia:4.39.0` (digest unknown)',
    ]);
  });

  it('leaves out passing cells\' details to fit the job-summary limit, but keeps the table and failures', () => {
    const r = embeddedSample();
    const big = cell('embedded', 'v2.7.5', 'authelia', '4.39.0');
    r.cells.push(ran(big, Array.from({ length: 400 }, (_, i) => scenario(big, `s${i}`, 'passed', [passCase(`case ${'x'.repeat(50)} ${i}`)]))));
    const full = toMarkdown(r, { maxBytes: 10_000_000 });
    const fitted = toMarkdown(r, { maxBytes: 20_000 });
    expect(Buffer.byteLength(full)).toBeGreaterThan(20_000);
    expect(Buffer.byteLength(fitted)).toBeLessThanOrEqual(20_000);
    expect(fitted).toContain('## Compatibility (embedded backend)');
    expect(fitted).toContain('| mobile-redirect (failed) | override=on |');
    expect(fitted).toContain('Details of 2 passing cells left out to fit the size limit');
  });
});

describe('mdText', () => {
  it('keeps pipes, newlines and markup in a message from acting as Markdown', () => {
    expect(mdText('a | b\r\nc <script> *x* [l](u) `c`')).toBe('a \\| b<br>c \\<script\\> \\*x\\* \\[l\\](u) \\`c\\`');
  });
});

it('marks a cell as failing when one scenario fails even if others passed', () => {
  const c = cell('docker', 'v3.1.0', 'authentik', '2025.10.4');
  const r = report('docker', [ran(c, [
    scenario(c, 'a', 'passed', [passCase('x')]),
    scenario(c, 'b', 'error', [], { reason: 'stack died' }),
    scenario(c, 'c', 'failed', [failCase('y', { status: 200 }, { status: 401 })]),
  ])]);
  expect(compatibilityRows(toMarkdown(r))[2]![1]).toMatch(/^\[✗ b: stack died\]/);
});

it('labels docker cells built from local images as the reference model and embedded profiles, not the products', () => {
  const local = { ...cell('docker', 'v3.1.0', 'authelia', '4.39.0'), images: 'local' as const };
  const real = cell('docker', 'v2.7.5', 'authelia', '4.39.0');
  const r = report('docker', [
    { ...ran(local, [scenario(local, 'auto-register', 'passed', [passCase('on')])]), provenance: { photos: 'Immich v3.1.0 (idp-harness/local:dev)', idp: 'Authelia 4.39.0 (idp-harness/local:dev)' } },
    ran(real, [scenario(real, 'auto-register', 'passed', [passCase('on')])]),
  ]);
  const md = toMarkdown(r);
  const rows = compatibilityRows(md);
  expect(rows[0]![0]).toBe('photo server in Docker ↓ · IdP in Docker →');
  expect(rows.slice(2).map((x) => x[0])).toEqual([
    '**Immich v2.7.5 (ghcr.io/immich-app/immich-server:v2.7.5)**',
    '**reference model of Immich v3.1.0 (idp-harness/local:dev)**',
  ]);
  expect(md).toContain('_docker backend with locally built images: 1 of 2 cells ran the reference model of Immich');
  expect(md).toContain('(docker backend, locally built images)');
});

describe('the compatibility answer', () => {
  it('states what a user of each combination sees: works, or fails with the observed answer when that is expected', () => {
    const works = cell('embedded', 'v3.1.0', 'authentik', '2025.10.4', 'signing-key');
    const jwe = cell('embedded', 'v3.1.0', 'authentik', '2025.10.4', 'encryption-key');
    const md = toMarkdown(
      report('embedded', [
        ran(works, [scenario(works, 'auto-register', 'passed', [passCase('on', 201), passCase('off', 400)])]),
        ran(jwe, [
          scenario(jwe, 'jwe-rejected', 'passed', [
            { ...passCase('jwe', 500), observed: { status: 500, message: 'Failed to finish oauth' } },
          ]),
        ]),
      ]),
    );
    const [row] = compatibilityRows(md).slice(2);
    expect(row!.slice(1).map((c) => /^\[(.*?)\]\(/.exec(c)?.[1])).toEqual(['✓ fails with 500 "Failed to finish oauth" (1)', '✓ works (1)']);
  });
});

describe('known upstream bugs and unconfirmed expectations', () => {
  function withMarks() {
    const r = embeddedSample();
    const a = r.cells[0]!;
    const [first, second] = a.results[0]!.cases.length ? [a.results[0]!, a.results[1]!] : [a.results[1]!, a.results[0]!];
    first.cases[0] = { ...first.cases[0]!, knownBug: { link: 'https://example.test/issues/1', reproduces: true } };
    second.cases[0] = { ...second.cases[0]!, knownBug: { link: 'https://example.test/issues/2', reproduces: false } };
    for (const res of a.results) res.cases = res.cases.map((c) => ({ ...c, unconfirmed: 'no source or run of this version' }));
    return r;
  }

  it('lists the known bugs, the one that no longer reproduces first, with their links', () => {
    const md = toMarkdown(withMarks());
    const section = md.slice(md.indexOf('## Known upstream bugs'), md.indexOf('## Compatibility'));
    expect(section).toContain('1 case(s) still answer as the bug makes them, 1 no longer do');
    expect(section.indexOf('https://example.test/issues/2')).toBeLessThan(section.indexOf('https://example.test/issues/1'));
    expect(section).toMatch(/\*\*no longer reproduces\*\* \(the fix may have landed\)/);
    expect(md).toContain('✓ known bug no longer reproduces');
  });

  it('marks a cell judged against unconfirmed expectations in the table and says why in its details', () => {
    const md = toMarkdown(withMarks());
    const rows = compatibilityRows(md);
    expect(rows.slice(2).flat().filter((t) => t.includes('· unconfirmed'))).toHaveLength(1);
    expect(md).toContain('Expectations unconfirmed: no source or run of this version');
    expect(md).toContain('(expectation unconfirmed)');
  });
});
