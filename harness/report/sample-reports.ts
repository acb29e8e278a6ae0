// Hand-built reports for the report module's tests: small, readable, and covering each verdict kind.
import type { Backend, CaseVerdict, Cell, CellReport, RunReport, ScenarioResult } from '../model.js';

export function cell(
  backend: Backend,
  immich: string,
  product: Cell['idp']['product'],
  version: string,
  variant = 'default',
): Cell {
  return {
    id: `${backend}-immich-${immich}-${product}-${version}-${variant}`,
    backend,
    immich,
    idp: { product, version, variant, settings: {} },
  };
}

export function passCase(name: string, status = 200, facts?: Record<string, unknown>): CaseVerdict {
  const o = facts ? { status, facts } : { status };
  return { case: name, flow: 'web', expected: o, observed: o, pass: true };
}

export function failCase(name: string, expected: CaseVerdict['expected'], observed: CaseVerdict['observed']): CaseVerdict {
  return { case: name, flow: 'mobile', expected, observed, pass: false };
}

export function scenario(c: Cell, id: string, status: ScenarioResult['status'], cases: CaseVerdict[], extra: Partial<ScenarioResult> = {}): ScenarioResult {
  return { cellId: c.id, scenario: id, title: `${id} works`, status, cases, durationMs: 1200, ...extra };
}

export function provenance(c: Cell): CellReport['provenance'] {
  const name = c.idp.product === 'authelia' ? 'Authelia' : c.idp.product === 'authentik' ? 'authentik' : 'oidc-provider';
  if (c.backend === 'embedded') {
    const line = c.idp.version.split('.').slice(0, 2).join('.');
    return { photos: `reference model of Immich ${c.immich}`, idp: `embedded ${name} ${line} profile` };
  }
  return {
    photos: `Immich ${c.immich} (ghcr.io/immich-app/immich-server:${c.immich})`,
    idp: `${name} ${c.idp.version} (docker.io/${c.idp.product}/${c.idp.product}:${c.idp.version})`,
  };
}

export function ran(c: Cell, results: ScenarioResult[], readyMs = 3400): CellReport {
  return { cell: c, provenance: provenance(c), status: 'ran', readyMs, results };
}

export function notRun(c: Cell, reason: string): CellReport {
  return { cell: c, provenance: provenance(c), status: 'not-run', reason, results: [] };
}

export function report(backend: Backend, cells: CellReport[], extra: Partial<RunReport> = {}): RunReport {
  return {
    schemaVersion: 1,
    harnessVersion: '0.1.0',
    startedAt: '2025-11-23T10:00:00.000Z',
    finishedAt: '2025-11-23T10:12:30.000Z',
    backend,
    images:
      backend === 'docker'
        ? [{ name: 'ghcr.io/immich-app/immich-server:v3.1.0', digest: 'sha256:' + 'a'.repeat(64) }]
        : [],
    cells,
    ...extra,
  };
}

/** An embedded run: one passing cell, one failing cell, one not-run cell; two Immich versions, two IdP columns. */
export function embeddedSample(): RunReport {
  const a = cell('embedded', 'v3.1.0', 'authelia', '4.39.0');
  const b = cell('embedded', 'v1.132.3', 'authelia', '4.39.0');
  const c = cell('embedded', 'v3.1.0', 'authentik', '2025.10.4', 'no-signing-key');
  return report('embedded', [
    ran(a, [
      scenario(a, 'auto-register', 'passed', [passCase('autoRegister=on', 201, { name: 'Alice' })]),
      scenario(a, 'mobile-redirect', 'passed', [passCase('override=off')]),
    ]),
    ran(b, [
      scenario(b, 'auto-register', 'passed', [passCase('autoRegister=on', 201)]),
      scenario(b, 'mobile-redirect', 'failed', [
        passCase('override=off'),
        failCase('override=on', { status: 307 }, { status: 500, message: 'Invalid | redirect\nURI' }),
      ]),
    ]),
    notRun(c, 'embedded profile for authentik 2025.10.4 not written yet'),
  ]);
}
