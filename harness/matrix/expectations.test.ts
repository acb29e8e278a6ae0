import { afterAll, describe, expect, it } from 'vitest';
import type { Cell, IdpSettings } from '../model.js';
import { MatrixError } from './errors.js';
import { casesOf, expectedOutcome, loadExpectations } from './expectations.js';
import { cellId, expandCells, loadMatrix, scenariosFor } from './matrix.js';
import { edit, positionOf, realExpectations, Scratch } from './testing.js';

const scratch = new Scratch();
afterAll(() => scratch.remove());
const matrix = loadMatrix();
const expectations = loadExpectations(undefined, matrix);

function cell(immich: string, product: 'authelia' | 'authentik', version: string, variant: string, settings: IdpSettings): Cell {
  return { id: cellId(immich, product, version, variant, 'embedded'), backend: 'embedded', immich, idp: { product, version, variant, settings } };
}
const post = { tokenEndpointAuthMethod: 'client_secret_post' } as const;
const basic = { tokenEndpointAuthMethod: 'client_secret_basic' } as const;
const autheliaPost = (immich: string, version = '4.39.0') => cell(immich, 'authelia', version, 'post', post);
const authentik = (immich: string, version = '2025.10.4') => cell(immich, 'authentik', version, 'signing-key', { signingKey: true });

const created = (quota: string, isAdmin: string | boolean) => ({
  status: 201,
  facts: { name: 'from-claim', email: 'from-claim', storageLabel: 'from-claim', quota, isAdmin },
});

describe('expected outcomes by version', () => {
  it('fails every login of Immich 1.113 against an Authelia client registered for client_secret_post that reaches the token request', () => {
    const c = autheliaPost('v1.113.0');
    for (const scenario of scenariosFor(c, matrix)) {
      for (const caseId of casesOf(expectations, scenario)) {
        const found = expectedOutcome(expectations, scenario, caseId, c);
        if ('skip' in found || found.beforeToken) continue;
        expect(found.outcome).toEqual({ status: 500, message: 'Failed to finish oauth' });
        expect(found.because).toContain('client_secret_basic');
      }
    }
  });

  it('lets Immich 1.113 sign in through authentik, which accepts client_secret_basic', () => {
    expect(expectedOutcome(expectations, 'auto-register', 'on', authentik('v1.113.0'))).toMatchObject({ outcome: created('from-claim', false) });
  });

  it('fails Immich 1.132.3 against a client_secret_basic registration, and not 1.133 and later', () => {
    const at = (immich: string) => expectedOutcome(expectations, 'auto-register', 'on', cell(immich, 'authelia', '4.39.0', 'basic', basic));
    expect(at('v1.132.3')).toMatchObject({ outcome: { status: 500, message: 'Failed to finish oauth' } });
    expect(at('v2.7.5')).toMatchObject({ outcome: created('from-claim', 'from-claim') });
  });

  it('reads quota and role only where the IdP can send custom claims and Immich reads them', () => {
    const on = (c: Cell) => expectedOutcome(expectations, 'auto-register', 'on', c);
    expect(on(autheliaPost('v1.132.3', '4.38.9'))).toMatchObject({ outcome: created('default', false) });
    expect(on(autheliaPost('v3.1.0', '4.38.9'))).toMatchObject({ outcome: created('default', false), because: expect.stringContaining('4.38') });
    expect(on(autheliaPost('v1.132.3'))).toMatchObject({ outcome: created('from-claim', false), because: expect.stringContaining('1.136') });
    expect(on(autheliaPost('v2.7.5'))).toMatchObject({ outcome: created('from-claim', 'from-claim') });
    expect(on(authentik('v3.1.0', '2026.8.3'))).toMatchObject({ outcome: created('from-claim', 'from-claim') });
  });

  it('changes the autoRegister-off message at 3.0', () => {
    const off = (immich: string) => expectedOutcome(expectations, 'auto-register', 'off', authentik(immich));
    expect(off('v2.7.5')).toMatchObject({ outcome: { status: 400, message: 'User does not exist and auto registering is disabled.' } });
    expect(off('v3.1.0')).toMatchObject({ outcome: { status: 400, message: 'OAuth authentication failed' } });
  });

  it('refuses a user without email on every version that signs in at all', () => {
    for (const immich of ['v1.132.3', 'v2.7.5', 'v3.1.0']) {
      for (const caseId of ['omitted', 'empty']) {
        expect(expectedOutcome(expectations, 'email-required', caseId, authentik(immich))).toMatchObject({
          outcome: { status: 400, message: 'OAuth profile does not have an email address' },
        });
      }
    }
  });

  it('keeps the admin role until 3.1.0 and re-applies it from 3.1.0', () => {
    const downgrade = (c: Cell) => expectedOutcome(expectations, 'claims-at-creation-only', 'role-downgrade', c);
    expect(downgrade(authentik('v2.7.5'))).toMatchObject({ outcome: { status: 201, facts: { isAdmin: true } } });
    expect(downgrade(autheliaPost('v2.7.5'))).toMatchObject({ outcome: { status: 201, facts: { isAdmin: true } } });
    expect(downgrade(authentik('v3.1.0'))).toMatchObject({ outcome: { status: 201, facts: { isAdmin: false } } });
  });

  it('skips the role downgrade where the role claim cannot be sent, even when every login fails', () => {
    const downgrade = (c: Cell) => expectedOutcome(expectations, 'claims-at-creation-only', 'role-downgrade', c);
    expect(downgrade(autheliaPost('v3.1.0', '4.38.9'))).toEqual({ skip: expect.stringContaining('Authelia 4.38'), rule: expect.any(String) });
    expect(downgrade(authentik('v1.132.3'))).toMatchObject({ skip: expect.stringContaining('1.136') });
    expect(downgrade(autheliaPost('v1.113.0'))).toMatchObject({ skip: expect.stringContaining('1.136') });
  });

  it('expects a JWE ID token to fail on every version, with the reason from the login rule', () => {
    for (const c of expandCells(matrix, 'embedded').filter((c) => c.idp.settings.encryptionKey)) {
      const found = expectedOutcome(expectations, 'jwe-rejected', 'jwe', c);
      expect(found).toMatchObject({ outcome: { status: 500, message: 'Failed to finish oauth' }, because: expect.stringContaining('JWE') });
    }
  });

  it('lets a case answered before the token request win over the login rules, which are about the token exchange', () => {
    expect(expectedOutcome(expectations, 'issuer-url', 'http-scheme', autheliaPost('v1.113.0'))).toMatchObject({
      outcome: { status: 500, message: 'Error in OAuth discovery: Error: socket hang up' },
      beforeToken: true,
    });
    // The same cell's callback reaches the token request, where the login rule decides.
    expect(expectedOutcome(expectations, 'callback-checks', 'no-state', autheliaPost('v1.113.0'))).toMatchObject({
      outcome: { status: 500, message: 'Failed to finish oauth' },
      because: expect.stringContaining('client_secret_basic'),
    });
  });

  it('carries a known upstream bug: what should happen, what happens instead, and the link', () => {
    const plain = expandCells(matrix, 'embedded').find((c) => c.idp.product === 'oidc-provider')!;
    expect(expectedOutcome(expectations, 'id-token-checks', 'userinfo-other-sub', plain)).toMatchObject({
      outcome: { status: 500, message: 'Failed to finish oauth', facts: { created: false } },
      knownBug: { link: expect.stringMatching(/^https:\/\//), observed: { status: 201, facts: { created: true } } },
    });
  });

  it('says which rule decided, as file:line', () => {
    const found = expectedOutcome(expectations, 'auto-register', 'off', authentik('v3.1.0'));
    const line = positionOf(realExpectations, '      - when: { immich: ">=3.0.0" }').line;
    expect(found.rule).toBe(`fixtures/expectations.yaml:${line}`);
  });

  it('names the known cases when asked for an unknown one', () => {
    expect(() => expectedOutcome(expectations, 'auto-register', 'offf', authentik('v3.1.0'))).toThrow(/no case "offf" in scenario auto-register .* did you mean "off"\?/);
    expect(() => expectedOutcome(expectations, 'auto-registr', 'on', authentik('v3.1.0'))).toThrow(/did you mean "auto-register"\?/);
  });
});

describe('mistakes in an expectations file', () => {
  function expectMistake(before: string, after: string, at: string, fix: string, shift = 0): void {
    const text = edit(realExpectations, before, after);
    const file = scratch.write(text, 'expectations.yaml');
    let caught: unknown;
    try {
      loadExpectations(file, matrix);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MatrixError);
    const { line, col } = positionOf(text, at, shift);
    const message = (caught as MatrixError).message;
    expect(message.startsWith(`${file}:${line}:${col}: `), message).toBe(true);
    expect(message).toContain(fix);
  }

  it('refuses a bad semver range', () => {
    expectMistake('- when: { immich: ">=3.1.0" }', '- when: { immich: ">=3.1.O" }', '">=3.1.O"', 'bad semver range ">=3.1.O" in scenarios.claims-at-creation-only.role-downgrade[3].when.immich — write a range such as');
  });

  it('names a mistyped condition key and the key it probably meant', () => {
    expectMistake('"off":\n      - when: { immich: "<3.0.0" }', '"off":\n      - when: { imich: "<3.0.0" }', 'imich', 'unknown key "imich" in scenarios.auto-register.off[0].when — did you mean "immich"?');
  });

  it('refuses a known bug without an https link', () => {
    expectMistake(
      'link: https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse',
      'link: see the spec',
      'see the spec',
      'knownBug.link is not an https link: "see the spec" — link the upstream issue',
    );
  });

  it('names a mistyped rule key', () => {
    expectMistake('        because: Immich 3.x refuses', '        becuase: Immich 3.x refuses', 'becuase', 'did you mean "because"?');
  });

  it('refuses a scenario the matrix does not declare', () => {
    expectMistake('  email-required:\n', '  email-requried:\n', 'email-requried', 'unknown scenario "email-requried" (not in fixtures/matrix.yaml) — did you mean "email-required"?');
  });

  it('refuses an unknown variant in a condition', () => {
    expectMistake('settings: { signingKey: false } }', 'variant: no-signingkey }', 'no-signingkey', 'unknown variant "no-signingkey" in login[1].when.variant — did you mean "no-signing-key"?');
  });

  it('refuses an unknown IdP product in a condition', () => {
    expectMistake('- when: { idp: authentik, settings', '- when: { idp: authentic, settings', 'authentic,', 'did you mean "authentik"?');
  });

  it('refuses an IdP version range that does not say which IdP', () => {
    expectMistake('- when: { idp: authelia, idpVersion: "<4.39.0" }\n        expect', '- when: { idpVersion: "<4.39.0" }\n        expect', '{ idpVersion: "<4.39.0" }', 'add `idp: <product>`', 2);
  });

  it('refuses a rule that says neither expect nor skip', () => {
    expectMistake('    first-login:\n      - expect: { status: 201 }\n', '    first-login:\n      - because: nothing\n', 'because: nothing', 'scenarios.claims-at-creation-only.first-login[0] says neither expect nor skip — add `expect: { status: ... }` or `skip: <reason>`');
  });

  it('refuses a status that is not an HTTP status', () => {
    expectMistake('    first-login:\n      - expect: { status: 201 }\n', '    first-login:\n      - expect: { status: 2010 }\n', '2010', 'write a status between 100 and 599');
  });

  it('refuses a case whose rules leave some cell without an outcome', () => {
    expectMistake(
      '      - when: { immich: ">=3.1.0" }\n        expect: { status: 201, facts: { isAdmin: false } }',
      '      - when: { immich: ">=3.2.0" }\n        expect: { status: 201, facts: { isAdmin: false } }',
      'role-downgrade:',
      'no rule of claims-at-creation-only/role-downgrade matches Immich v3.1.0 with authelia 4.39.0 (post) — add a rule for it, or end the list with a rule without `when`',
    );
  });

  it('refuses a file that leaves a declared scenario without expectations', () => {
    const start = realExpectations.indexOf('  jwe-rejected:\n');
    const end = realExpectations.indexOf('  wrong-client-secret:\n');
    const text = realExpectations.slice(0, start) + realExpectations.slice(end);
    const file = scratch.write(text, 'expectations.yaml');
    const { line } = positionOf(text, '  auto-register:');
    expect(() => loadExpectations(file, matrix)).toThrow(
      `${file}:${line}:3: scenario jwe-rejected (declared in fixtures/matrix.yaml) has no expectations — add scenarios.jwe-rejected with its cases`,
    );
  });
});
