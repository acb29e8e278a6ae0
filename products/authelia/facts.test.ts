import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type Leaf } from '../../harness/ca/ca.js';
import {
  AUTHELIA_PATHS,
  AUTHELIA_VERSIONS,
  AutheliaContainer,
  autheliaConfiguration,
  autheliaFeatures,
  autheliaSecrets,
  autheliaUsersDocument,
  renderAuthelia,
  type AutheliaClient,
  type AutheliaOptions,
  type AutheliaSchemaLine,
} from './facts.js';
import { verifyPbkdf2Sha512 } from './pbkdf2.js';

const schemaDir = join(import.meta.dirname, 'schemas');
const loadSchema = (name: string) => JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as Record<string, any>;

function validator(schema: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false }) // Authelia's patterns escape '<' (invalid with the u flag);
  addFormats.default(ajv);
  return ajv.compile(schema);
}

/**
 * The published 4.39 schema enumerates only the standard scopes for clients[].scopes, while Authelia 4.39
 * accepts every custom scope declared under identity_providers.oidc.scopes (validator: validateOIDCScopes adds
 * them to the allowed list). This widens that one enum by the scopes the configuration itself declares.
 */
function withDeclaredScopes(schema: Record<string, any>, config: any): Record<string, any> {
  const declared = Object.keys(config?.identity_providers?.oidc?.scopes ?? {});
  if (declared.length === 0) return schema;
  const copy = structuredClone(schema);
  const items = copy.$defs.IdentityProvidersOpenIDConnectClient.properties.scopes.items;
  items.enum = [...items.enum, ...declared];
  return copy;
}

function configErrors(line: AutheliaSchemaLine, config: unknown, relaxScopes = true) {
  const base = loadSchema(`${line}-configuration.json`);
  const validate = validator(relaxScopes ? withDeclaredScopes(base, config) : base);
  return validate(config) ? [] : (validate.errors ?? []);
}

function usersErrors(line: AutheliaSchemaLine, doc: unknown) {
  const validate = validator(loadSchema(`${line}-user-database.json`));
  return validate(doc) ? [] : (validate.errors ?? []);
}

let dir: string;
let leaf: Leaf;
const jwksKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'authelia-render-'));
  leaf = createCa(dir).issue(['auth.harness.test']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseClient: AutheliaClient = {
  clientId: 'immich',
  clientSecret: 'client-secret-value',
  redirectUris: ['https://photos.harness.test:8443/auth/login', 'app.immich:///oauth-callback'],
};

function options(version: string, clients: AutheliaClient[], extra: Partial<AutheliaOptions> = {}): AutheliaOptions {
  return { version, port: 9443, tls: { certPem: leaf.certPem, keyPem: leaf.keyPem }, jwksKeyPem, clients, ...extra };
}

const fullClient = (version: string): AutheliaClient => ({
  ...baseClient,
  clientId: 'full',
  tokenEndpointAuthMethod: 'client_secret_post',
  consentMode: 'explicit',
  authorizationPolicy: 'two_factor',
  requirePkce: true,
  pkceChallengeMethod: 'S256',
  claimsInIdToken: true,
  customClaims: autheliaFeatures(version).customClaims,
});

describe('Authelia configuration', () => {
  for (const version of AUTHELIA_VERSIONS) {
    const line = autheliaFeatures(version).schema;

    it(`validates against the ${line} schema for ${version} with a minimal client`, () => {
      const config = autheliaConfiguration(options(version, [baseClient]), autheliaSecrets());
      expect(configErrors(line, config)).toEqual([]);
    });

    it(`validates against the ${line} schema for ${version} with every client option and several clients`, () => {
      const clients = [baseClient, fullClient(version), { ...baseClient, clientId: 'basic', claimsInIdToken: true }, { ...baseClient, clientId: 'public', public: true }];
      const config = autheliaConfiguration(options(version, clients, { logLevel: 'debug', quotaType: 'string' }), autheliaSecrets());
      expect(configErrors(line, config)).toEqual([]);
    });

    it(`registers a public client for ${version} without a secret, with auth method none and PKCE S256 required`, () => {
      const config = autheliaConfiguration(options(version, [{ ...baseClient, public: true }]), autheliaSecrets()) as any;
      const client = config.identity_providers.oidc.clients[0];
      expect(client).toMatchObject({ public: true, token_endpoint_auth_method: 'none', require_pkce: true, pkce_challenge_method: 'S256' });
      expect(client).not.toHaveProperty('client_secret');
    });
  }

  it('gives 4.38 none of the 4.39-only keys, even when the client asks for claims in the ID token', () => {
    const config = autheliaConfiguration(options('4.38.9', [{ ...baseClient, claimsInIdToken: true }]), autheliaSecrets()) as any;
    const text = JSON.stringify(config);
    for (const key of ['extra_attributes', 'claims_policies', 'claims_policy', '"scopes":{']) expect(text).not.toContain(key);
  });

  it('fails the 4.38 schema when a 4.39-only key is added to a 4.38 render', () => {
    const config = autheliaConfiguration(options('4.38.9', [baseClient]), autheliaSecrets()) as any;
    config.authentication_backend.file.extra_attributes = { immich_role: { value_type: 'string' } };
    const errors = configErrors('v4.38', config);
    expect(errors.map((e) => e.params)).toContainEqual({ additionalProperty: 'extra_attributes' });
  });

  it('fails the 4.38 schema when a 4.39 render is given to it', () => {
    const config = autheliaConfiguration(options('4.39.0', [fullClient('4.39.0')]), autheliaSecrets());
    expect(configErrors('v4.38', config).length).toBeGreaterThan(0);
  });

  it('needs the scope relaxation only for the declared custom scope (a known gap of the published 4.39 schema)', () => {
    const config = autheliaConfiguration(options('4.39.20', [fullClient('4.39.20')]), autheliaSecrets());
    const strict = configErrors('v4.39', config, false);
    expect(strict.length).toBeGreaterThan(0);
    expect(strict.every((e) => e.instancePath.includes('/scopes/') && e.keyword === 'enum')).toBe(true);
  });

  it('refuses custom claims on 4.38 with a message naming the version that has them', () => {
    expect(() => autheliaConfiguration(options('4.38.9', [{ ...baseClient, customClaims: true }]), autheliaSecrets())).toThrow(
      /Authelia 4\.38\.9 has no custom claims.*4\.39/,
    );
  });

  it('renders the same-port topology: listen address, cookie URL, published port and alias agree', () => {
    const spec = renderAuthelia(options('4.39.20', [baseClient], { port: 40123 }));
    const config = parse(spec.files.find((f) => f.target === AUTHELIA_PATHS.config)!.content);
    expect(config.server.address).toBe('tcp://:40123/');
    expect(config.session.cookies).toEqual([{ domain: 'harness.test', authelia_url: 'https://auth.harness.test:40123' }]);
    expect(spec.ports).toEqual([{ container: 40123, host: 40123 }]);
    expect(spec.networkAliases).toEqual(['auth.harness.test']);
    expect(spec.wait).toEqual({ kind: 'http', path: '/api/health', port: 40123, tls: true, status: 200 });
    expect(spec.image).toBe('docker.io/authelia/authelia:4.39.20');
  });

  it('renders TLS from the leaf, the test switches, and hashed client secrets only', () => {
    const spec = renderAuthelia(options('4.38.9', [baseClient]));
    const text = spec.files.find((f) => f.target === AUTHELIA_PATHS.config)!.content;
    const config = parse(text);
    expect(config.server.tls).toEqual({ certificate: AUTHELIA_PATHS.tlsCert, key: AUTHELIA_PATHS.tlsKey });
    expect(spec.files.find((f) => f.target === AUTHELIA_PATHS.tlsCert)!.content).toBe(leaf.certPem);
    expect(config.ntp.disable_startup_check).toBe(true);
    expect(config.regulation.max_retries).toBe(0);
    expect(config.authentication_backend.file.watch).toBe(true);
    expect(config.storage.local.path).toBe(AUTHELIA_PATHS.sqlite);
    expect(config.notifier.filesystem.filename).toBe(AUTHELIA_PATHS.notifications);
    expect(text).not.toContain('client-secret-value');
    expect(verifyPbkdf2Sha512('client-secret-value', config.identity_providers.oidc.clients[0].client_secret)).toBe(true);
    expect(config.identity_providers.oidc.jwks[0]).toMatchObject({ algorithm: 'RS256', key: jwksKeyPem });
  });

  it('wires a 4.39 client with custom claims to its claims policy and the immich scope', () => {
    const config = autheliaConfiguration(options('4.39.0', [fullClient('4.39.0')]), autheliaSecrets()) as any;
    const oidc = config.identity_providers.oidc;
    const client = oidc.clients[0];
    expect(client.scopes).toEqual(['openid', 'profile', 'email', 'immich']);
    expect(oidc.scopes).toEqual({ immich: { claims: ['immich_quota', 'immich_role'] } });
    const policy = oidc.claims_policies[client.claims_policy];
    expect(Object.keys(policy.custom_claims)).toEqual(['immich_quota', 'immich_role']);
    expect(policy.id_token).toEqual(expect.arrayContaining(['email', 'preferred_username', 'immich_quota']));
    expect(config.authentication_backend.file.extra_attributes.immich_quota.value_type).toBe('integer');
  });

  it('hands the rendered files and environment to the testcontainers definition', () => {
    const container = new AutheliaContainer(options('4.39.20', [baseClient], { port: 40124 }));
    const created = container.renderedCreateOptions();
    expect(created.image).toBe('docker.io/authelia/authelia:4.39.20');
    expect(created.env).toContain(`X_AUTHELIA_CONFIG=${AUTHELIA_PATHS.config}`);
    expect(created.portBindings).toEqual({ '40124/tcp': [{ HostIp: '127.0.0.1', HostPort: '40124' }] });
    expect(container.issuer).toBe('https://auth.harness.test:40124');
  });
});

describe('Authelia users file', () => {
  const users = [
    { username: 'alice', password: 'pw-alice', displayname: 'Alice', email: 'alice@harness.test', groups: ['admins'] },
    { username: 'noemail', password: 'pw-none', displayname: 'No Email' },
  ];

  for (const version of AUTHELIA_VERSIONS) {
    const line = autheliaFeatures(version).schema;
    it(`validates against the ${line} user-database schema for ${version}`, () => {
      const doc = autheliaUsersDocument(version, users);
      expect(usersErrors(line, doc)).toEqual([]);
      expect(doc.users.noemail).not.toHaveProperty('email');
      expect(verifyPbkdf2Sha512('pw-alice', doc.users.alice!.password as string)).toBe(true);
    });
  }

  it('carries immich_quota and immich_role as extra attributes on 4.39 and validates', () => {
    const doc = autheliaUsersDocument('4.39.20', [{ ...users[0]!, immichQuota: 10, immichRole: 'admin' }]);
    expect(doc.users.alice!.extra).toEqual({ immich_quota: 10, immich_role: 'admin' });
    expect(usersErrors('v4.39', doc)).toEqual([]);
  });

  it('refuses a quota whose type differs from the declared attribute type', () => {
    expect(() => autheliaUsersDocument('4.39.0', [{ ...users[0]!, immichQuota: 'ten' }])).toThrow(/declared type integer/);
    expect(autheliaUsersDocument('4.39.0', [{ ...users[0]!, immichQuota: 'ten' }], { quotaType: 'string' }).users.alice!.extra).toEqual({
      immich_quota: 'ten',
    });
  });

  it('refuses extra attributes on 4.38, whose users file has no place for them', () => {
    expect(() => autheliaUsersDocument('4.38.9', [{ ...users[0]!, immichRole: 'admin' }])).toThrow(/4\.38\.9 has no custom claims/);
  });

  it('fails the 4.38 user-database schema for a user with extra attributes', () => {
    const doc = autheliaUsersDocument('4.39.0', [{ ...users[0]!, immichRole: 'admin' }]);
    expect(usersErrors('v4.38', doc).map((e) => e.params)).toContainEqual({ additionalProperty: 'extra' });
  });
});
