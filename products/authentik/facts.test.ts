import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthentikApi, AuthentikApiError } from './api.js';
import { Find, KeyOf, parseBlueprint } from './blueprint-yaml.js';
import {
  AUTHENTIK_BLUEPRINT_PATH,
  AUTHENTIK_VERSIONS,
  AuthentikContainer,
  authentikFacts,
  renderAuthentik,
  type AuthentikOptions,
} from './facts.js';

const kp = (n: string) => ({ certPem: `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----\n`, keyPem: `KEY-${n}` });
const db = { host: 'ak-db', user: 'authentik', password: 'dbpw', database: 'authentik' };

function options(version: string, extra: Partial<AuthentikOptions> = {}): AuthentikOptions {
  return {
    version,
    port: 9443,
    db,
    redisHost: 'ak-redis',
    webCertificate: kp('web'),
    signingKeypair: kp('sign'),
    encryptionKeypair: kp('enc'),
    providers: [
      {
        slug: 'immich',
        clientId: 'immichclient',
        clientSecret: 'secret1',
        redirectUris: ['https://photos.harness.test:8443/auth/login', 'app.immich:///oauth-callback'],
        signingKey: true,
        customClaims: true,
      },
    ],
    users: [
      { username: 'alice', name: 'Alice', password: 'pw', email: 'alice@harness.test', immichQuota: 5, immichRole: 'admin' },
      { username: 'nomail', name: 'No Mail', password: 'pw' },
    ],
    ...extra,
  };
}

function blueprintOf(version: string, extra: Partial<AuthentikOptions> = {}) {
  const spec = renderAuthentik(options(version, extra));
  return parseBlueprint(spec.worker.files.find((f) => f.target === AUTHENTIK_BLUEPRINT_PATH)!.content);
}
const entry = (bp: any, model: string) => bp.entries.filter((e: any) => e.model === model);

describe('authentik blueprint', () => {
  for (const version of AUTHENTIK_VERSIONS) {
    it(`writes the provider of ${version} with strict redirect URIs in the list form, user_username and per-provider issuer`, () => {
      const [provider] = entry(blueprintOf(version), 'authentik_providers_oauth2.oauth2provider');
      expect(provider.attrs.redirect_uris).toEqual([
        { matching_mode: 'strict', url: 'https://photos.harness.test:8443/auth/login' },
        { matching_mode: 'strict', url: 'app.immich:///oauth-callback' },
      ]);
      expect(provider.attrs).toMatchObject({ sub_mode: 'user_username', issuer_mode: 'per_provider', client_type: 'confidential' });
      expect(provider.attrs.signing_key).toEqual(new KeyOf('harness-signing'));
      expect(provider.attrs.invalidation_flow).toEqual(new Find('authentik_flows.flow', [['slug', 'default-provider-invalidation-flow']]));
      expect(provider.attrs.property_mappings).toContainEqual(new KeyOf('harness-immich-scope'));
    });
  }

  it('writes the regex-string form, escaped to match exactly, before 2024.10.3', () => {
    const [provider] = entry(blueprintOf('2024.10.2'), 'authentik_providers_oauth2.oauth2provider');
    expect(provider.attrs.redirect_uris).toBe('https://photos\\.harness\\.test:8443/auth/login\napp\\.immich:///oauth-callback');
    const pattern = new RegExp(`^(?:${provider.attrs.redirect_uris.split('\n')[0]})$`);
    expect(pattern.test('https://photos.harness.test:8443/auth/login')).toBe(true);
    expect(pattern.test('https://photosXharness.test:8443/auth/login')).toBe(false);
  });

  it('creates users with and without email, never updating them, with the immich attributes', () => {
    const users = entry(blueprintOf('2025.10.4'), 'authentik_core.user');
    expect(users.map((u: any) => u.state)).toEqual(['created', 'created']);
    expect(users[0].attrs).toMatchObject({ email: 'alice@harness.test', attributes: { immich_quota: 5, immich_role: 'admin' } });
    expect(users[1].attrs).not.toHaveProperty('email');
  });

  it('sets the leaf as the default brand web certificate and adds keypairs from the given PEMs', () => {
    const bp = blueprintOf('2026.8.3');
    expect(entry(bp, 'authentik_brands.brand')).toEqual([
      { model: 'authentik_brands.brand', identifiers: { domain: 'authentik-default' }, attrs: { web_certificate: new KeyOf('harness-web') } },
    ]);
    const keypairs = entry(bp, 'authentik_crypto.certificatekeypair');
    expect(keypairs.map((k: any) => k.id)).toEqual(['harness-web', 'harness-signing', 'harness-encryption']);
    expect(keypairs[1].attrs.certificate_data).toBe(kp('sign').certPem);
  });

  it('leaves out the signing key (HS256) and the encryption keypair when not asked for', () => {
    const bp = blueprintOf('2025.4.4', {
      encryptionKeypair: undefined,
      signingKeypair: undefined,
      providers: [{ slug: 'hs', clientId: 'hsclient', clientSecret: 's', redirectUris: ['https://x.harness.test/cb'] }],
    });
    const [provider] = entry(bp, 'authentik_providers_oauth2.oauth2provider');
    expect(provider.attrs).not.toHaveProperty('signing_key');
    expect(provider.attrs).not.toHaveProperty('encryption_key');
    expect(entry(bp, 'authentik_providers_oauth2.scopemapping')).toEqual([]);
  });

  it('refuses a provider that wants an encryption key without one', () => {
    expect(() =>
      renderAuthentik(options('2025.4.4', { encryptionKeypair: undefined, providers: [{ slug: 'a', clientId: 'a', clientSecret: 's', redirectUris: [], encryptionKey: true }] })),
    ).toThrow(/encryptionKeypair/);
  });

  it('adds a custom scope mapping returning only the immich attributes a user has', () => {
    const [mapping] = entry(blueprintOf('2024.12.5'), 'authentik_providers_oauth2.scopemapping');
    expect(mapping.attrs.scope_name).toBe('immich');
    expect(mapping.attrs.expression).toContain('("immich_quota", "immich_role")');
  });
});

describe('authentik containers', () => {
  it('runs server and worker from the same image with the same environment', () => {
    const specs = renderAuthentik(options('2025.4.4'));
    expect(specs.server.image).toBe('ghcr.io/goauthentik/server:2025.4.4');
    expect(specs.worker.image).toBe(specs.server.image);
    expect([specs.server.command, specs.worker.command]).toEqual([['server'], ['worker']]);
    expect(specs.worker.env).toEqual(specs.server.env);
  });

  it('listens for https on the published port and waits for the discovery document', () => {
    const specs = renderAuthentik(options('2026.8.3', { port: 40555 }));
    expect(specs.server.env.AUTHENTIK_LISTEN__HTTPS).toBe('0.0.0.0:40555');
    expect(specs.server.ports).toEqual([{ container: 40555, host: 40555 }]);
    expect(specs.server.networkAliases).toEqual(['auth.harness.test']);
    expect(specs.server.wait).toEqual({
      kind: 'http',
      path: '/application/o/immich/.well-known/openid-configuration',
      port: 40555,
      tls: true,
      status: 200,
    });
    expect(specs.worker.wait).toEqual({ kind: 'command', command: 'ak apply_blueprint harness/harness.yaml' });
    expect(specs.issuers).toEqual({ immich: 'https://auth.harness.test:40555/application/o/immich/' });
  });

  it('uses Redis before 2025.10 only and binds IPv4 listeners from 2026.5', () => {
    expect(renderAuthentik(options('2025.4.4')).server.env.AUTHENTIK_REDIS__HOST).toBe('ak-redis');
    expect(renderAuthentik(options('2025.10.4')).server.env).not.toHaveProperty('AUTHENTIK_REDIS__HOST');
    expect(() => renderAuthentik(options('2024.12.5', { redisHost: undefined }))).toThrow(/needs Redis/);
    expect(renderAuthentik(options('2025.10.4')).server.env).not.toHaveProperty('AUTHENTIK_LISTEN__HTTP');
    expect(renderAuthentik(options('2026.8.3')).server.env).toMatchObject({ AUTHENTIK_LISTEN__HTTP: '0.0.0.0:9000' });
  });

  it('knows the storage path and email_verified default per version', () => {
    expect(AUTHENTIK_VERSIONS.map((v) => authentikFacts(v).storagePath)).toEqual(['/media', '/media', '/media', '/data']);
    expect(AUTHENTIK_VERSIONS.map((v) => authentikFacts(v).emailVerified)).toEqual([true, true, false, false]);
  });

  it('makes fresh bootstrap secrets per render and hands them to both containers', () => {
    const a = new AuthentikContainer(options('2025.10.4'));
    const b = new AuthentikContainer(options('2025.10.4'));
    expect(a.bootstrapToken).not.toBe(b.bootstrapToken);
    expect(a.server.renderedCreateOptions().env).toContain(`AUTHENTIK_BOOTSTRAP_TOKEN=${a.bootstrapToken}`);
    expect(a.worker.renderedCreateOptions().cmd).toEqual(['worker']);
  });
});

describe('authentik REST client', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function recordingServer(answer: (req: IncomingMessage, body: string) => [number, unknown]) {
    const seen: { method: string; url: string; auth?: string; body: string }[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
        const [status, payload] = answer(req, body);
        res.writeHead(status, { 'content-type': 'application/json' }).end(payload === undefined ? '' : JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('creates a user, then sets its password, with the bearer token', async () => {
    const { seen, url } = await recordingServer((req) =>
      req.url === '/api/v3/core/users/' ? [201, { pk: 7, username: 'bob', name: 'Bob', email: '', is_active: true, attributes: {} }] : [204, undefined],
    );
    const dispatcher = new Agent();
    const api = new AuthentikApi({ baseUrl: `${url}/`, token: 'tok', dispatcher });
    const user = await api.createUser({ username: 'bob', name: 'Bob', password: 'pw', attributes: { immich_quota: 1 } });
    await dispatcher.close();
    expect(user.pk).toBe(7);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /api/v3/core/users/', 'POST /api/v3/core/users/7/set_password/']);
    expect(seen.every((s) => s.auth === 'Bearer tok')).toBe(true);
    expect(JSON.parse(seen[0]!.body)).toEqual({ username: 'bob', name: 'Bob', is_active: true, attributes: { immich_quota: 1 } });
    expect(JSON.parse(seen[1]!.body)).toEqual({ password: 'pw' });
  });

  it('patches a user and reports a refused call with its status and path', async () => {
    const { seen, url } = await recordingServer((req) =>
      req.method === 'PATCH' ? [400, { email: ['Enter a valid email address.'] }] : [200, { results: [] }],
    );
    const api = new AuthentikApi({ baseUrl: url, token: 'tok' });
    const error = await api.patchUser(3, { email: 'bad' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthentikApiError);
    expect((error as Error).message).toMatch(/PATCH \/core\/users\/3\/ answered 400: .*valid email/);
    expect(await api.findUser('nobody')).toBeUndefined();
    expect(seen[1]!.url).toBe('/api/v3/core/users/?username=nobody');
  });
});
