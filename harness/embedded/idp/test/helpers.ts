// Shared pieces of the embedded provider's tests: a run CA, the provider over TLS, a real openid-client 6
// relying party, and a form walker that signs in through the provider's own HTML pages without a browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import { createCa, type Ca } from '../../../ca/ca.js';
import { caAgent, caFetch } from '../../../ca/dispatcher.js';
import type { IdpClient } from '../../../idp/control.js';
import type { IdpSettings } from '../../../model.js';
import { startEmbeddedIdp, type EmbeddedIdp } from '../index.js';
import type { EmbeddedProduct } from '../profiles.js';

export const REDIRECT = 'https://photos.harness.test:8443/auth/login';

export interface TestCa {
  ca: Ca;
  dispose(): void;
}

export function testCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'idp-test-ca-'));
  return { ca: createCa(dir, { validityDays: 1 }), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startIdp(ca: Ca, product: EmbeddedProduct, version: string, settings: IdpSettings = {}): Promise<EmbeddedIdp> {
  return startEmbeddedIdp({ product, version, settings, tls: ca.issue(['auth.harness.test']) });
}

let counter = 0;
/**
 * Providers of one product for a test file, one per (version, settings), shared by the file's tests (each test
 * makes its own users and clients); the CA and every provider are closed after the file.
 */
export function sharedProviders(product: EmbeddedProduct) {
  let t: TestCa | undefined;
  const instances = new Map<string, Promise<EmbeddedIdp>>();
  afterAll(async () => {
    await Promise.allSettled([...instances.values()].map(async (i) => (await i).close()));
    t?.dispose();
  });
  const testCaOnce = () => (t ??= testCa());
  const start = (version: string, settings: IdpSettings = {}): Promise<EmbeddedIdp> => {
    const key = `${version} ${JSON.stringify(settings)}`;
    let idp = instances.get(key);
    if (!idp) {
      idp = startIdp(testCaOnce().ca, product, version, settings);
      instances.set(key, idp);
    }
    return idp;
  };
  /** The run CA the providers' leaves come from. */
  return Object.assign(start, {
    get ca(): Ca {
      return testCaOnce().ca;
    },
  });
}

export const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

export interface RpOptions {
  method?: 'client_secret_basic' | 'client_secret_post';
  idTokenAlg?: string;
}

/** openid-client 6 configured for the client, trusting only the run CA. */
export async function relyingParty(ca: Ca, client: IdpClient, opts: RpOptions = {}): Promise<oidc.Configuration> {
  const method = opts.method ?? client.tokenEndpointAuthMethod;
  const auth = method === 'client_secret_post' ? oidc.ClientSecretPost(client.clientSecret) : oidc.ClientSecretBasic(client.clientSecret);
  const customFetch = caFetch(ca.certPem) as unknown as oidc.CustomFetch;
  const config = await oidc.discovery(
    new URL(client.issuer),
    client.clientId,
    { id_token_signed_response_alg: opts.idTokenAlg ?? client.idTokenAlg },
    auth,
    { [oidc.customFetch]: customFetch },
  );
  config[oidc.customFetch] = customFetch;
  return config;
}

/** Walks the authorization request through the provider's HTML forms; returns the redirect back to the client. */
export async function signInByForm(
  agent: Agent,
  authorizationUrl: URL,
  credentials: { username: string; password: string },
  redirectPrefix: string,
  decision: 'accept' | 'deny' = 'accept',
): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl.href;
  let method = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 12; step++) {
    const res = await undiciFetch(url, {
      method,
      body,
      redirect: 'manual',
      dispatcher: agent,
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    method = 'GET';
    body = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.href.startsWith(redirectPrefix)) return next;
      url = next.href;
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (html.includes('id="login-error"')) throw new Error('the provider refused the login');
    if (res.status !== 200 || !action) throw new Error(`unexpected page (${res.status}) at ${url}: ${html.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    method = 'POST';
    body = html.includes('id="username"')
      ? new URLSearchParams(credentials).toString()
      : new URLSearchParams({ decision }).toString();
  }
  throw new Error('too many steps before the redirect back to the client');
}

export interface LoginResult {
  /** The redirect back to the client, with the authorization response in its query. */
  callback: URL;
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  idToken: string;
  claims: Record<string, unknown>;
  userinfo: () => Promise<Record<string, unknown>>;
}

/** A complete code flow with PKCE, nonce and state, as a relying party does it. */
export async function login(
  ca: Ca,
  config: oidc.Configuration,
  user: { username: string; password: string },
  scope = 'openid email profile',
  redirectUri = REDIRECT,
): Promise<LoginResult> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const agent = caAgent(ca.certPem);
  try {
    const callback = await signInByForm(agent, url, user, redirectUri);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    return {
      callback,
      tokens,
      idToken: tokens.id_token!,
      claims,
      userinfo: async () => (await oidc.fetchUserInfo(config, tokens.access_token, String(claims['sub']))) as Record<string, unknown>,
    };
  } finally {
    await agent.close();
  }
}
