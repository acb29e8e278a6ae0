// A real Keycloak in this project's CI: built here from the server distribution on Maven Central and this
// machine's JDK, started on the docker path, and logged into through the reference model of Immich — web and
// mobile, every scenario that applies. Its answers are Keycloak's own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa } from '../../harness/ca/ca.js';
import { caAgent } from '../../harness/ca/dispatcher.js';
import { controlFor } from '../../harness/idp/connect.js';
import { loadMatrix, scenariosFor } from '../../harness/matrix/matrix.js';
import type { Cell, RunReport } from '../../harness/model.js';
import { anythingOfTheHarness, dockerGate, runCli } from '../../harness/runner/test-cli.js';
import { startDockerStack } from '../../harness/stack/docker.js';
import { KeycloakAdmin } from './admin.js';
import type { KeycloakControlInfo } from './control.js';
import { localKeycloakImage } from './local-image.js';

const work = mkdtempSync(join(tmpdir(), 'idp-harness-keycloak-'));
const matrix = loadMatrix();

const needsDocker = dockerGate('the real Keycloak tests');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a real Keycloak built from Maven Central', () => {
  it('is the same image for the same distribution, JDK and recipe, so a second run builds nothing', async (ctx) => {
    needsDocker(ctx);
    const first = await localKeycloakImage('26.7.3');
    const again = await localKeycloakImage('26.7.3');
    expect(again.name).toBe(first.name);
    expect(first.name).toMatch(/^idp-harness-local\/keycloak:26\.7\.3-[0-9a-f]{12}$/);
    expect(first.origin).toMatch(/^org\.keycloak:keycloak-quarkus-dist:26\.7\.3 \(sha512 [0-9a-f]{16}…\) on Java \d+/);
  });

  it('answers web and mobile logins of every scenario through the reference model of Immich, oldest and newest, with both auth methods', async (ctx) => {
    needsDocker(ctx);
    const out = join(work, 'run');
    const idps = 'keycloak-26.7.3__post,keycloak-26.4.7__basic';
    const r = await runCli(['run', '--backend', 'docker', '--images', 'local', '--idp', idps, '--immich', 'v1.113.0,v3.1.0', '--out', out]);
    // Two Immich versions on each variant, each cell running every scenario the matrix gives it.
    const scenarios = (variant: string) =>
      scenariosFor({ id: variant, backend: 'docker', immich: 'v3.1.0', idp: { product: 'keycloak', version: '26.7.3', variant, settings: {} } }, matrix).length;
    const expected = 2 * (scenarios('post') + scenarios('basic'));
    expect(r.out).toMatch(new RegExp(`${expected} passed, 0 failed, 0 harness faults, 0 not run \\(\\d+ cases judged, 4 cells, docker backend\\)`));
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    for (const cell of report.cells) {
      // The verdicts are about a real Keycloak, and the report says which build.
      expect(cell.provenance.idp).toMatch(new RegExp(`^Keycloak ${cell.cell.idp.version.replace(/\./g, '\\.')} \\(locally built from org\\.keycloak:keycloak-quarkus-dist:`));
      expect(cell.provenance.photos).toMatch(/^reference model of Immich/);
      const flows = new Set(cell.results.flatMap((s) => s.cases.map((c) => c.flow)));
      expect(flows).toEqual(new Set(['web', 'mobile', 'mobile-override']));
      // Every scenario the matrix gives a Keycloak cell, each with a result.
      expect(cell.results.map((s) => s.scenario).sort()).toEqual(scenariosFor(cell.cell, matrix).sort());
    }
    expect(await anythingOfTheHarness()).toEqual({ containers: [], networks: [] });
    // A ceiling against hangs, not a speed target: 4 real-Keycloak cells × 10 scenarios, logins one at a time,
    // took 337 s in one CI run and over 600 s in the next on this 2-core machine (× 11: 379 s).
  }, 1_800_000);

  it("takes the app's redirect URIs, app.immich:///oauth-callback and the older app.immich:/, refuses one it does not know, and sends the claims the embedded profile models", async (ctx) => {
    needsDocker(ctx);
    const cell: Cell = { id: 'kc-redirects', backend: 'docker', images: 'local', immich: 'v3.1.0', idp: { product: 'keycloak', version: '26.7.3', variant: 'post', settings: {} } };
    const runDir = mkdtempSync(join(work, 'run-'));
    const stack = await startDockerStack(cell, createCa(join(runDir, 'ca')), [], runDir);
    const agent = caAgent(stack.info.caPem);
    try {
      const control = controlFor(stack.info.idp, stack.info.caPem);
      const client = await control.createClient({ redirectUris: ['app.immich:///oauth-callback', 'app.immich:/'] });
      const authorize = (redirectUri: string) =>
        fetch(
          `${client.issuer}/protocol/openid-connect/auth?${new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, state: 'st' })}`,
          { dispatcher: agent, redirect: 'manual' },
        );
      for (const uri of ['app.immich:///oauth-callback', 'app.immich:/']) {
        const page = await authorize(uri);
        expect(page.status, uri).toBe(200);
        expect(await page.text(), uri).toContain('kc-form-login');
      }
      const unknown = await authorize('app.immich:///elsewhere');
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toContain('Invalid parameter: redirect_uri');

      // The claims the embedded Keycloak profile models (harness/embedded/idp/claims.ts), read from the real one.
      const info = stack.info.idp.control as unknown as KeycloakControlInfo;
      const admin = new KeycloakAdmin({ origin: stack.info.idp.origin, realm: info.realm, admin: info.admin, dispatcher: agent });
      const reader = { clientId: 'claims-reader', secret: 'reader-secret-0123456789', redirectUris: [], consentRequired: false, directAccessGrants: true };
      await admin.createClient(reader);
      const ada = await control.createUser({ username: 'ada', givenName: 'Ada', familyName: 'Lovelace', email: 'Ada@Example.test', claims: { immich_quota: 7, immich_role: 'admin' } });
      const claims = await admin.passwordGrant(reader, ada, 'openid profile email immich');
      expect(claims).toMatchObject({ sub: ada.sub, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', preferred_username: 'ada' });
      expect(claims).toMatchObject({ email: 'ada@example.test', email_verified: true, immich_quota: 7, immich_role: 'admin' });
      const nomail = await control.createUser({ username: 'nomail', name: 'No Mail' });
      const without = await admin.passwordGrant(reader, nomail, 'openid profile email');
      expect(without).not.toHaveProperty('email');
      expect(without).toMatchObject({ name: 'No Mail', email_verified: false });
    } finally {
      await agent.close();
      await stack.stop();
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
