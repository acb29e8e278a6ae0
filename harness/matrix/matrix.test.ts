import { afterAll, describe, expect, it } from 'vitest';
import { catalog } from '../../containers/catalog.js';
import { MatrixError } from './errors.js';
import { expandCells, loadMatrix, scenariosFor } from './matrix.js';
import { edit, positionOf, realMatrix, Scratch } from './testing.js';

const scratch = new Scratch();
afterAll(() => scratch.remove());

function mistake(text: string): { error: MatrixError; file: string } {
  const file = scratch.write(text, 'matrix.yaml');
  try {
    loadMatrix(file);
  } catch (error) {
    if (error instanceof MatrixError) return { error, file };
    throw error;
  }
  throw new Error('the matrix loaded without complaint');
}

/** Puts `after` in place of `before`, loads, and checks the message starts at the position of `at`. */
/** Authelia's basic variant, as the real matrix writes it (Keycloak has a variant of that name too). */
const AUTHELIA_BASIC = "default method, client_secret_basic\n        settings: { tokenEndpointAuthMethod: client_secret_basic }";

function expectMistake(before: string, after: string, at: string, shift = 0): string {
  const text = edit(realMatrix, before, after);
  const { error, file } = mistake(text);
  const { line, col } = positionOf(text, at, shift);
  expect(error.message.startsWith(`${file}:${line}:${col}: `), error.message).toBe(true);
  expect(error).toMatchObject({ file, line, col });
  return error.message;
}

describe('the real matrix', () => {
  const matrix = loadMatrix();

  it('lists only versions that have a container definition', () => {
    for (const v of matrix.immich) expect(catalog.immich).toContain(v);
    for (const [product, idp] of Object.entries(matrix.idps)) {
      for (const v of idp!.versions) expect(catalog[product]).toContain(v);
    }
  });

  it('expands the embedded backend to the 5 modelled Immich versions × 6 IdP settings', () => {
    const ids = expandCells(matrix, 'embedded').map((c) => c.id);
    expect(ids).toHaveLength(30);
    expect(ids).toContain('immich-v3.2.2__oidc-provider-9.13.3__forging__embedded');
    expect(ids.some((id) => id.startsWith('immich-v3.3.1'))).toBe(false); // not modelled: docker only
    expect(ids).toContain('immich-v1.113.0__oidc-provider-9.13.3__forging__embedded');
    expect(ids).toContain('immich-v3.1.0__keycloak-26.7.3__post__embedded');
    expect(ids).toContain('immich-v3.1.0__authelia-4.39.0__post__embedded');
    expect(ids).toContain('immich-v1.113.0__authelia-4.38.9__post__embedded');
    expect(ids).toContain('immich-v2.7.5__authentik-2025.10.4__signing-key__embedded');
    expect(ids).toContain('immich-v1.132.3__authentik-2025.10.4__encryption-key__embedded');
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('expands docker to every Immich × every IdP version, plus JWE on the newest authentik, both auth methods on Keycloak, and the forging oidc-provider', () => {
    const cells = expandCells(matrix, 'docker');
    const idps =
      matrix.idps.authelia!.versions.length + matrix.idps.authentik!.versions.length + 2 * matrix.idps.keycloak!.versions.length + matrix.idps['oidc-provider']!.versions.length;
    expect(cells).toHaveLength(matrix.immich.length * (idps + 1));
    const jwe = cells.filter((c) => c.idp.settings.encryptionKey);
    expect(new Set(jwe.map((c) => c.idp.version))).toEqual(new Set(['2026.8.3']));
    expect(jwe.map((c) => c.immich)).toEqual(matrix.immich);
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
  });

  it('gives each cell the settings of its variant', () => {
    const cell = expandCells(matrix, 'embedded').find((c) => c.id === 'immich-v3.1.0__authelia-4.38.9__post__embedded')!;
    expect(cell).toEqual({
      id: 'immich-v3.1.0__authelia-4.38.9__post__embedded',
      backend: 'embedded',
      immich: 'v3.1.0',
      idp: { product: 'authelia', version: '4.38.9', variant: 'post', settings: { tokenEndpointAuthMethod: 'client_secret_post' } },
    });
  });

  it('returns copies, so a caller cannot change the matrix through a cell', () => {
    expandCells(matrix, 'embedded')[0]!.idp.settings.signingKey = true;
    expect(expandCells(matrix, 'embedded')[0]!.idp.settings.signingKey).toBeUndefined();
  });

  it('runs the JWE and forged-token scenarios only where the variant names them or the IdP can serve them, and nothing else there', () => {
    for (const cell of expandCells(matrix, 'docker')) {
      const scenarios = scenariosFor(cell, matrix);
      if (cell.idp.variant === 'encryption-key') expect(scenarios).toEqual(['jwe-rejected']);
      else if (cell.idp.product === 'oidc-provider') expect(scenarios).toEqual(['issuer-url', 'callback-checks', 'logout', 'settings-linking', 'mobile-redirect-uri', 'id-token-checks', 'signing-algorithm', 'public-client', 'idp-timeout', 'pkce-support', 'private-ca', 'no-userinfo', 'backchannel-logout', 'issuer-change', 'claims-mapping']);
      else {
        const everywhere = ['auto-register', 'email-required', 'claims-at-creation-only', 'wrong-client-secret', 'issuer-url', 'callback-checks', 'account-linking', 'auto-launch', 'logout', 'settings-linking', 'mobile-redirect-uri'];
        // Keycloak's and Authelia's controls register public clients, so their cells run public-client too.
        expect(scenarios).toEqual(['keycloak', 'authelia'].includes(cell.idp.product) ? [...everywhere, 'public-client'] : everywhere);
      }
    }
  });
});

describe('mistakes in a matrix file', () => {
  it('names a mistyped key and the key it probably meant', () => {
    const message = expectMistake('    versions: [4.38.9, 4.38.21, 4.39.0, 4.39.20, 4.39.28]', '    verisons: [4.38.9, 4.38.21, 4.39.0, 4.39.20, 4.39.28]', 'verisons');
    expect(message).toContain('unknown key "verisons" in idps.authelia — did you mean "versions"?');
  });

  it('refuses an unknown IdP product', () => {
    const message = expectMistake('  authentik:\n', '  authentic:\n', 'authentic:');
    expect(message).toContain('unknown IdP product "authentic" in idps — did you mean "authentik"?');
  });

  it("refuses an unknown IdP in a scenario's idps", () => {
    const message = expectMistake('    idps: [keycloak, authelia]', '    idps: [keycloack, authelia]', 'keycloack');
    expect(message).toContain('unknown IdP product "keycloack" in scenarios.public-client.idps — did you mean "keycloak"?');
  });

  it('refuses a version that has no container definition', () => {
    const message = expectMistake('[4.38.9, 4.38.21, 4.39.0, 4.39.20, 4.39.28]', '[4.38.9, 4.38.21, 4.39.0, 4.39.20, 4.39.21]', '4.39.21');
    expect(message).toContain('authelia 4.39.21 has no container definition in products/authelia/');
    expect(message).toContain("add it to the product's versions first, or use one of 4.38.9, 4.38.21, 4.39.0, 4.39.20, 4.39.28");
  });

  it('refuses an Immich version that is not a version at all', () => {
    const message = expectMistake('\nimmich: [v1.113.0,', '\nimmich: [v1.113,', 'v1.113,');
    expect(message).toContain('"v1.113" in immich is not a version — write a full version such as "v1.113.0"');
  });

  it('refuses a cell entry version that is not tested, naming the keywords', () => {
    const message = expectMistake('idp: authentik, versions: newest', 'idp: authentik, versions: latest', 'latest');
    expect(message).toContain('authentik latest in backends.docker[2].versions is not a tested version');
    expect(message).toContain('all, newest, 2024.12.5');
  });

  it('refuses an unknown variant and suggests the nearest', () => {
    const message = expectMistake('versions: [4.38.9, 4.39.0], variants: [post] }', 'versions: [4.38.9, 4.39.0], variants: [posts] }', 'posts');
    expect(message).toContain('unknown authelia variant "posts" in backends.embedded[0].variants — did you mean "post"?');
  });

  it('refuses an unknown default variant', () => {
    const message = expectMistake('default: signing-key', 'default: signingkey', 'signingkey');
    expect(message).toContain('did you mean "signing-key"?');
  });

  it('refuses an unknown scenario in a variant', () => {
    const message = expectMistake('scenarios: [jwe-rejected]', 'scenarios: [jwe-reject]', 'jwe-reject]');
    expect(message).toContain('unknown scenario "jwe-reject" in idps.authentik.variants.encryption-key.scenarios — did you mean "jwe-rejected"?');
  });

  it('refuses a variant naming a scenario whose requirements it does not meet', () => {
    const text = edit(realMatrix, '        settings: { signingKey: true }\n', '        settings: { signingKey: true }\n        scenarios: [jwe-rejected]\n');
    const { error, file } = mistake(text);
    const { line, col } = positionOf(text, 'jwe-rejected]');
    expect(error.message).toBe(
      `${file}:${line}:${col}: variant signing-key names scenario jwe-rejected, which requires {"encryptionKey":true} — ` +
        'set those settings in the variant, or drop jwe-rejected from its scenarios',
    );
  });

  it('refuses a setting that belongs to another product', () => {
    const message = expectMistake(AUTHELIA_BASIC, AUTHELIA_BASIC.replace(' }', ', encryptionKey: true }'), 'encryptionKey: true');
    expect(message).toContain('"encryptionKey" in idps.authelia.variants.basic.settings is not a setting of authelia');
    expect(message).toContain('remove it from idps.authelia.variants.basic.settings');
  });

  it('refuses an Authelia variant that leaves the auth method unsaid', () => {
    const message = expectMistake(AUTHELIA_BASIC, AUTHELIA_BASIC.replace(/settings: .*$/, 'settings: {}'), 'settings: {}', 'settings: '.length);
    expect(message).toContain('does not set tokenEndpointAuthMethod');
    expect(message).toContain('add `tokenEndpointAuthMethod:` to idps.authelia.variants.basic.settings');
  });

  it('refuses an unknown auth method', () => {
    const message = expectMistake(AUTHELIA_BASIC, AUTHELIA_BASIC.replace(/client_secret_basic }$/, 'client_secret_jwt }'), 'client_secret_jwt');
    expect(message).toContain('did you mean "client_secret_post"?');
  });

  it('refuses a variant on an IdP version that lacks its settings', () => {
    const message = expectMistake('versions: [4.38.9, 4.39.0], variants: [post]', 'versions: [4.38.9, 4.39.0], variants: [claims-in-id-token]', 'claims-in-id-token]');
    expect(message).toContain('variant claims-in-id-token cannot run on authelia 4.38.9: claimsInIdToken needs authelia >=4.39.0');
    expect(message).toContain('list only versions that have it in backends.embedded[0].versions');
  });

  it('refuses two entries that produce the same cell, naming both', () => {
    const text = edit(realMatrix, '    - { immich: all, idp: authentik, versions: newest,', '    - { immich: [v3.1.0], idp: authelia, versions: [4.39.0] }\n    - { immich: all, idp: authentik, versions: newest,');
    const { error, file } = mistake(text);
    const { line, col } = positionOf(text, '{ immich: [v3.1.0], idp: authelia');
    const first = positionOf(text, '    - { immich: all, idp: authelia, versions: all }').line;
    expect(error.message).toBe(
      `${file}:${line}:${col}: duplicate cell immich-v3.1.0__authelia-4.39.0__post__docker (also produced by the entry at ${file}:${first}) — ` +
        'remove the overlap from one of the two entries',
    );
  });

  it('refuses an unknown backend', () => {
    const message = expectMistake('  docker:\n', '  dokcer:\n', 'dokcer');
    expect(message).toContain('unknown backend "dokcer" in backends — did you mean "docker"?');
  });

  it('reports a repeated key where YAML finds it', () => {
    const text = edit(realMatrix, '\nimmich: [v1.113.0,', '\nimmich: [v1.113.0]\nimmich: [v1.113.0,');
    const { error, file } = mistake(text);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: Map keys must be unique — remove or rename the repeated key$`));
  });

  it('reports a missing file with its path', () => {
    expect(() => loadMatrix(`${scratch.dir}/nothing.yaml`)).toThrow(/nothing\.yaml:1:1: cannot read the file \(ENOENT\) — check the path/);
  });
});
