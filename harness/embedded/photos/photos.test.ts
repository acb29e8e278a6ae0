// The reference photo server per modelled version, driven through the Immich API client against a real
// oidc-provider over TLS from a run CA, with the real openid-client majors underneath.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type Ca, type Leaf } from '../../ca/ca.js';
import { caAgent } from '../../ca/dispatcher.js';
import { ImmichApi, type OAuthResult } from '../../../products/immich/api.js';
import { startReferencePhotos, type ReferencePhotos } from './index.js';
import { startTestIdp, type TestIdp } from './test-idp.js';
import { MODELLED_VERSIONS, type ModelledVersion } from './versions.js';

const ADMIN = { email: 'admin@example.test', password: `pw-${Math.random().toString(36).slice(2)}`, name: 'Admin' };
const SECRET = `secret-${Math.random().toString(36).slice(2)}`;
const RESOLVE = { 'auth.harness.test': '127.0.0.1' };

interface Stack {
  version: ModelledVersion;
  photos: ReferencePhotos;
  api: ImmichApi;
  token: string;
  clientId: string;
}

let dir: string;
let ca: Ca;
let photosLeaf: Leaf;
let agent: Agent;
let idp: TestIdp;
const stacks = new Map<ModelledVersion, Stack>();
const extra: ReferencePhotos[] = [];
let seq = 0;

/** A fresh account at the IdP; unique per test so stacks can be shared. */
function account(claims: Record<string, unknown>): string {
  const sub = `user-${++seq}`;
  idp.accounts.set(sub, claims);
  return sub;
}

async function startStack(version: ModelledVersion): Promise<Stack> {
  const photos = await startReferencePhotos({ version, tls: photosLeaf, ca: ca.certPem, resolve: RESOLVE });
  const api = new ImmichApi(photos.url, version, agent);
  await api.waitReady(5_000);
  await api.adminSignUp(ADMIN);
  const token = await api.login(ADMIN.email, ADMIN.password);
  const clientId = `photos-${version}`;
  idp.addClient({
    client_id: clientId,
    client_secret: SECRET,
    application_type: 'native', // one client for the web page and the app scheme, as Immich uses one
    redirect_uris: [
      `${photos.url}/auth/login`,
      `${photos.url}/user-settings`,
      `${photos.url}/api/oauth/mobile-redirect`,
      'app.immich:///oauth-callback',
    ],
  });
  await api.setOAuth(token, { enabled: true, issuerUrl: idp.issuer, clientId, clientSecret: SECRET });
  return { version, photos, api, token, clientId };
}

/** The web flow at API level: authorize with the page URL, log in at the IdP, callback with the cookies. */
async function webLogin(s: Stack, sub: string): Promise<OAuthResult> {
  const start = await s.api.oauthAuthorize({ redirectUri: `${s.photos.url}/auth/login` });
  expect(start.status, start.message).toBe(201);
  const back = await idp.login(start.url!, sub);
  return s.api.oauthCallback({ url: back }, { cookies: start.cookies });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'photos-test-'));
  ca = createCa(dir);
  photosLeaf = ca.issue(['photos.harness.test']);
  agent = caAgent(ca.certPem);
  idp = await startTestIdp({ tls: ca.issue(['auth.harness.test']), dispatcher: agent });
  for (const version of MODELLED_VERSIONS) stacks.set(version, await startStack(version));
});

afterAll(async () => {
  await Promise.all([...stacks.values()].map((s) => s.photos.close()));
  await Promise.all(extra.map((p) => p.close()));
  await idp?.close();
  await agent?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Expected answers per version (immich.md; upstream sources at the release commits).
const EXPECT: Record<
  ModelledVersion,
  { autoRegisterOff: string; roleOnLogin: boolean; roleAtCreation: boolean; stateRequired: boolean; disabledCallback: [number, string] }
> = {
  'v1.113.0': {
    autoRegisterOff: 'User does not exist and auto registering is disabled.',
    roleAtCreation: false,
    roleOnLogin: false,
    stateRequired: false,
    disabledCallback: [400, 'OAuth2 is not enabled'],
  },
  'v1.132.3': {
    autoRegisterOff: 'User does not exist and auto registering is disabled.',
    roleAtCreation: false,
    roleOnLogin: false,
    stateRequired: true,
    // 1.132 to 2.6.0 do not check `enabled` in the callback: it goes on to the IdP with the stored settings.
    disabledCallback: [500, 'Failed to finish oauth'],
  },
  'v2.7.5': {
    autoRegisterOff: 'User does not exist and auto registering is disabled.',
    roleAtCreation: true,
    roleOnLogin: false,
    stateRequired: true,
    disabledCallback: [400, 'OAuth is not enabled'],
  },
  'v3.1.0': {
    autoRegisterOff: 'OAuth authentication failed',
    roleAtCreation: true,
    roleOnLogin: true,
    stateRequired: true,
    disabledCallback: [400, 'OAuth is not enabled'],
  },
  // Modelled as 3.1.0 (only its API types are known): unconfirmed.
  'v3.2.2': {
    autoRegisterOff: 'OAuth authentication failed',
    roleAtCreation: true,
    roleOnLogin: true,
    stateRequired: true,
    disabledCallback: [400, 'OAuth is not enabled'],
  },
};

describe.each(MODELLED_VERSIONS)('reference model of Immich %s', (version) => {
  const s = () => stacks.get(version)!;
  const e = EXPECT[version];

  it('creates a user from the claims on first login and changes nothing on later logins', async () => {
    const sub = account({ email: `c${seq}@example.test`, name: 'Carol', preferred_username: 'carol.s', immich_quota: 5 });
    const first = await webLogin(s(), sub);
    expect(first.status, first.message).toBe(201);
    expect(first.cookies).toMatchObject({ immich_auth_type: 'oauth', immich_is_authenticated: 'true' });
    const token = first.body!.accessToken as string;
    const me = await s().api.me(token);
    expect(me).toMatchObject({ name: 'Carol', storageLabel: 'carols', quotaSizeInBytes: 5 * 1024 ** 3, oauthId: sub });

    idp.accounts.set(sub, { email: me.email, name: 'Caroline', preferred_username: 'other', immich_quota: 9 });
    const again = await webLogin(s(), sub);
    expect(again.status, again.message).toBe(201);
    const after = (await s().api.adminUsers(s().token)).find((u) => u.id === me.id);
    expect(after).toMatchObject({ name: 'Carol', storageLabel: 'carols', quotaSizeInBytes: 5 * 1024 ** 3 });
  });

  it('answers a login with isOnboarded false from 1.135 on (server/src/dtos/auth.dto.ts), and without it before', async () => {
    const sub = account({ email: `o${seq}@example.test`, name: 'Olive' });
    const r = await webLogin(s(), sub);
    expect(r.status, r.message).toBe(201);
    if (['v1.113.0', 'v1.132.3'].includes(version)) expect(r.body).not.toHaveProperty('isOnboarded');
    else expect(r.body!.isOnboarded).toBe(false);
  });

  it("refuses a new user while auto-register is off, with this version's message", async () => {
    await s().api.setOAuth(s().token, { autoRegister: false });
    try {
      const r = await webLogin(s(), account({ email: `n${seq}@example.test`, name: 'New' }));
      expect([r.status, r.message]).toEqual([400, e.autoRegisterOff]);
    } finally {
      await s().api.setOAuth(s().token, { autoRegister: true });
    }
  });

  it('refuses a profile without an email address', async () => {
    const r = await webLogin(s(), account({ name: 'No Mail' }));
    expect([r.status, r.message]).toEqual([400, 'OAuth profile does not have an email address']);
  });

  it('applies the role claim as this version does', async () => {
    const sub = account({ email: `r${seq}@example.test`, name: 'Rita', immich_role: 'admin' });
    const first = await webLogin(s(), sub);
    expect(first.status, first.message).toBe(201);
    expect(first.body!.isAdmin).toBe(e.roleAtCreation);
    if (!e.roleAtCreation) return;
    idp.accounts.set(sub, { ...idp.accounts.get(sub), immich_role: 'user' });
    const second = await webLogin(s(), sub);
    expect(second.body!.isAdmin).toBe(!e.roleOnLogin);
  });

  it('checks state and code verifier from 1.132 on', async () => {
    const sub = account({ email: `s${seq}@example.test`, name: 'Sam' });
    const start = await s().api.oauthAuthorize({ redirectUri: `${s().photos.url}/auth/login` });
    const back = await idp.login(start.url!, sub);
    const noCookies = await s().api.oauthCallback({ url: back });
    if (!e.stateRequired) {
      expect(start.cookies).toEqual({});
      expect(noCookies.status, noCookies.message).toBe(201);
      return;
    }
    expect([noCookies.status, noCookies.message]).toEqual([400, 'OAuth state is missing']);
    const noVerifier = await s().api.oauthCallback({ url: back, state: start.cookies.immich_oauth_state });
    expect([noVerifier.status, noVerifier.message]).toEqual([400, 'OAuth code verifier is missing']);
    const wrongVerifier = await s().api.oauthCallback({ url: back, state: start.cookies.immich_oauth_state, codeVerifier: 'x'.repeat(43) });
    expect([wrongVerifier.status, wrongVerifier.message]).toEqual([500, 'Failed to finish oauth']);
    const state = start.setCookies.find((c) => c.name === 'immich_oauth_state')!;
    expect(state.attributes).toMatchObject({ httponly: '', samesite: 'Lax', 'max-age': '34560000', secure: '' });
  });

  it('redirects /api/oauth/mobile-redirect to the app with the query unchanged (307)', async () => {
    const r = await s().api.mobileRedirect('code=abc&state=x%2By&iss=https%3A%2F%2Fauth.harness.test');
    expect(r).toEqual({ status: 307, location: 'app.immich:///oauth-callback?code=abc&state=x%2By&iss=https%3A%2F%2Fauth.harness.test' });
  });

  it('sends the mobile override to the IdP and completes the app login through the 307', async () => {
    const override = `${s().photos.url}/api/oauth/mobile-redirect`;
    await s().api.setOAuth(s().token, { mobileOverrideEnabled: true, mobileRedirectUri: override });
    try {
      const start = await s().api.oauthAuthorize({ redirectUri: 'app.immich:///oauth-callback' });
      expect(new URL(start.url!).searchParams.get('redirect_uri')).toBe(override);
      const back = await idp.login(start.url!, account({ email: `m${seq}@example.test`, name: 'Mo' }));
      expect(back.startsWith(`${override}?`)).toBe(true);
      const hop = await s().api.mobileRedirect(new URL(back).search);
      expect(hop.status).toBe(307);
      expect(hop.location!.startsWith('app.immich:///oauth-callback?code=')).toBe(true);
      // The app sends state and verifier in the body (it has no cookies).
      const r = await s().api.oauthCallback({
        url: hop.location!,
        state: start.cookies.immich_oauth_state,
        codeVerifier: start.cookies.immich_oauth_code_verifier,
      });
      expect(r.status, r.message).toBe(201);
    } finally {
      await s().api.setOAuth(s().token, { mobileOverrideEnabled: false, mobileRedirectUri: '' });
    }
  });

  it('answers disabled OAuth with this version\'s messages', async () => {
    const sub = account({ email: `d${seq}@example.test`, name: 'Dee' });
    const start = await s().api.oauthAuthorize({ redirectUri: `${s().photos.url}/auth/login` });
    const back = await idp.login(start.url!, sub);
    await s().api.setOAuth(s().token, { enabled: false });
    try {
      const authorize = await s().api.oauthAuthorize({ redirectUri: `${s().photos.url}/auth/login` });
      expect([authorize.status, authorize.message]).toEqual([400, 'OAuth is not enabled']);
      // A code already used by nobody, but a wrong verifier makes 1.132's unchecked path fail at the IdP.
      const r = await s().api.oauthCallback({ url: back, state: start.cookies.immich_oauth_state, codeVerifier: 'y'.repeat(43) });
      expect([r.status, r.message]).toEqual(e.disabledCallback);
    } finally {
      await s().api.setOAuth(s().token, { enabled: true });
    }
  });

  it('refuses discovery from an IdP whose CA it does not trust, naming the library cause', async () => {
    const untrusting = await startReferencePhotos({ version, tls: photosLeaf, resolve: RESOLVE });
    extra.push(untrusting);
    const api = new ImmichApi(untrusting.url, version, agent);
    await api.adminSignUp(ADMIN);
    const token = await api.login(ADMIN.email, ADMIN.password);
    await api.setOAuth(token, { enabled: true, issuerUrl: idp.issuer, clientId: s().clientId, clientSecret: SECRET });
    const r = await api.oauthAuthorize({ redirectUri: `${untrusting.url}/auth/login` });
    expect(r.status).toBe(500);
    if (version === 'v1.113.0') {
      // openid-client 5 uses node:https, which names the certificate problem itself.
      expect(r.message).toMatch(/^Error in OAuth discovery: (RPError|Error): .*(certificate|issuer)/);
    } else {
      expect(r.message).toBe('Error in OAuth discovery: TypeError: fetch failed');
    }
    expect(untrusting.logs()).toContain('Error in OAuth discovery');
    expect(untrusting.logs()).toMatch(/cause|certificate/i);
    expect(untrusting.logs()).toContain(`reference model of Immich ${version}`);
  });

  it("keeps this version's config shape and drops keys it does not have", async () => {
    const config = await s().api.setOAuth(s().token, { allowInsecureRequests: false, roleClaim: 'immich_role', accountManagementUrl: 'https://auth.harness.test/account' });
    const keys = Object.keys(config.oauth);
    const v3 = version.startsWith('v3.');
    expect(keys.includes('allowInsecureRequests')).toBe(v3);
    expect(keys.includes('accountManagementUrl')).toBe(version === 'v3.2.2');
    expect(keys.includes('roleClaim')).toBe(version === 'v2.7.5' || v3);
    expect(keys.includes('tokenEndpointAuthMethod')).toBe(version !== 'v1.113.0' && version !== 'v1.132.3');
    expect(config.oauth.defaultStorageQuota).toBe(version === 'v1.113.0' || version === 'v1.132.3' ? 0 : null);
  });

  it('answers errors in the body shape of its major version', async () => {
    const r = await s().api.oauthCallback({ url: '' });
    expect(r.status).toBe(400);
    if (version.startsWith('v3.')) {
      expect(r.body).toEqual({ message: 'Validation failed', errors: [expect.objectContaining({ path: ['url'] })] });
      expect(r.correlationId).toMatch(/^[0-9a-f]+$/);
    } else {
      expect(r.body).toMatchObject({ error: 'Bad Request', statusCode: 400, correlationId: expect.any(String) });
    }
    const again = await s().api.adminSignUp(ADMIN).catch((error: Error) => error.message);
    expect(again).toContain('The server already has an admin');
  });
});

describe('differences between 2.7.5 and 3.1.0 in matching users', () => {
  it('links a local user by email exactly on 2.7.5 and case-insensitively on 3.1.0', async () => {
    for (const version of ['v2.7.5', 'v3.1.0'] as const) {
      const s = stacks.get(version)!;
      const local = `dave${seq}@example.test`;
      const r = await webLogin(s, account({ email: local.toUpperCase(), name: 'Dave' }));
      expect(r.status, r.message).toBe(201);
      expect(r.body!.userEmail).toBe(version === 'v3.1.0' ? local : local.toUpperCase());
      // A second sub with the same email: a conflict, named differently by each version.
      const other = await webLogin(s, account({ email: r.body!.userEmail, name: 'Dave 2' }));
      expect([other.status, other.message]).toEqual([
        400,
        version === 'v3.1.0' ? 'OAuth authentication failed' : 'User already exists, but is linked to another account.',
      ]);
    }
  });

  it('sets the verifier cookie to j%3Anull when the app brings its own PKCE challenge (express serialises null so)', async () => {
    for (const version of ['v2.7.5', 'v3.1.0'] as const) {
      const st = stacks.get(version)!;
      const start = await st.api.oauthAuthorize({ redirectUri: 'app.immich:///oauth-callback', state: 'app-state', codeChallenge: 'x'.repeat(43) });
      expect(start.status, start.message).toBe(201);
      expect(start.cookies.immich_oauth_code_verifier).toBe('j:null'); // decoded; on the wire: j%3Anull
    }
  });

  it('links and unlinks a signed-in user, after which the OAuth login reaches that user', async () => {
    const s = stacks.get('v3.1.0')!;
    const sub = account({ email: 'someone-else@example.test', name: 'Admin at IdP' });
    const start = await s.api.oauthAuthorize({ redirectUri: `${s.photos.url}/user-settings` });
    const back = await idp.login(start.url!, sub);
    const linked = await s.api.oauthLink(s.token, { url: back }, { cookies: start.cookies });
    expect([linked.status, linked.body?.oauthId]).toEqual([200, sub]);
    const login = await webLogin(s, sub);
    expect([login.body!.userEmail, login.body!.isAdmin]).toEqual([ADMIN.email, true]);
    const unlinked = await s.api.oauthUnlink(s.token);
    expect([unlinked.status, unlinked.body?.oauthId]).toEqual([200, '']);
  });

  it("sends an OAuth session's logout to the IdP's end_session_endpoint, with id_token_hint on 3.1.0 only, and a password session's to the login page", async () => {
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`, { dispatcher: agent } as RequestInit)).json()) as { end_session_endpoint: string };
    for (const [version, hint] of [['v2.7.5', false], ['v3.1.0', true]] as const) {
      const s = stacks.get(version)!;
      const login = await webLogin(s, account({ email: `logout-${version}@example.test`, name: 'Logout' }));
      const token = String(login.body!.accessToken);
      const out = await s.api.logout(token, 'oauth');
      const target = new URL(out.body!.redirectUri!);
      expect(`${target.origin}${target.pathname}`, version).toBe(discovery.end_session_endpoint);
      expect(target.searchParams.has('id_token_hint'), version).toBe(hint);
      expect(await s.api.meStatus(token)).toBe(401);
      const password = await s.api.login(ADMIN.email, ADMIN.password);
      expect((await s.api.logout(password, 'password')).body?.redirectUri).toBe('/auth/login?autoLaunch=0');
    }
  });

  it('refuses an http issuer on 3.1.0 unless allowInsecureRequests', async () => {
    const s = stacks.get('v3.1.0')!;
    await s.api.setOAuth(s.token, { issuerUrl: idp.issuer.replace('https:', 'http:') });
    try {
      const r = await s.api.oauthAuthorize({ redirectUri: `${s.photos.url}/auth/login` });
      expect([r.status, r.message]).toEqual([500, 'Error in OAuth discovery: ClientError: only requests to HTTPS are allowed']);
    } finally {
      await s.api.setOAuth(s.token, { issuerUrl: idp.issuer });
    }
  });
});

describe('web pages', () => {
  it('names the model, shows the button text and auto-launch rules on /auth/login', async () => {
    const s = stacks.get('v1.132.3')!;
    await s.api.setOAuth(s.token, { buttonText: 'Sign in with the test IdP', autoLaunch: true });
    try {
      const res = await fetchText(`${s.photos.url}/auth/login`);
      expect(res).toContain('reference model of Immich v1.132.3');
      expect(res).toContain('Sign in with the test IdP');
      expect(res).toContain('"autoLaunch":true');
      expect(res).toContain('"autoLaunchParamForces":false');
      expect(res).not.toMatch(/<title>[^<]*Immich v1\.132\.3<\/title>(?![\s\S]*reference)/);
    } finally {
      await s.api.setOAuth(s.token, { buttonText: 'Login with OAuth', autoLaunch: false });
    }
  });

  it('shows the signed-in user on /photos and sends visitors without a session to /auth/login', async () => {
    const s = stacks.get('v3.1.0')!;
    const { request } = await import('undici');
    const anon = await request(`${s.photos.url}/photos`, { dispatcher: agent });
    await anon.body.dump();
    expect([anon.statusCode, anon.headers.location]).toEqual([302, '/auth/login']);
    const page = await fetchText(`${s.photos.url}/photos`, `immich_access_token=${s.token}`);
    expect(page).toContain(`<span id="signed-in-user">${ADMIN.email}</span>`);
  });
});

async function fetchText(url: string, cookie?: string): Promise<string> {
  const { request } = await import('undici');
  const res = await request(url, { dispatcher: agent, headers: cookie ? { cookie } : {} });
  expect(res.statusCode).toBe(200);
  return res.body.text();
}
