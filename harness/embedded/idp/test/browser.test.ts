import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../browser/launch.js';
import { embeddedIdpDriver } from '../../../../products/embedded-idp/driver.js';
import type { IdpClient, IdpUser } from '../../../idp/control.js';
import type { EmbeddedIdp } from '../index.js';
import { relyingParty, startIdp, testCa, unique, type TestCa } from './helpers.js';

let t: TestCa;
let idp: EmbeddedIdp;
let browser: Browser;
let photos: Server;
let callback: string;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  t = testCa();
  idp = await startIdp(t.ca, 'authentik', '2025.10.4');
  // The relying party's landing page: where the provider sends the browser back.
  const leaf = t.ca.issue(['photos.harness.test']);
  photos = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>back</title><p id="back">back</p>');
  });
  await new Promise<void>((resolve) => photos.listen(0, '127.0.0.1', resolve));
  callback = `https://photos.harness.test:${(photos.address() as AddressInfo).port}/auth/login`;
  browser = await launchBrowser({ spkiHashes: t.ca.spkiHashes() });
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (photos ? photos.close(() => resolve()) : resolve()));
  await idp?.close();
  t?.dispose();
});
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

async function start(client: IdpClient, redirectUri = callback) {
  const config = await relyingParty(t.ca, client);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  await page.goto(url.href);
  return { config, verifier, state };
}

describe('the embedded provider in Chromium, through the page driver', () => {
  let user: IdpUser;
  beforeEach(async () => {
    user = await idp.control.createUser({ username: unique('web'), name: 'Web User', email: 'web@example.test' });
  });

  it('signs in on the login page and lands back at the client with a code that redeems', async () => {
    const client = await idp.control.createClient({ redirectUris: [callback] });
    const { config, verifier, state } = await start(client);
    await page.locator('#username').waitFor();
    expect(await page.locator('main').getAttribute('data-idp')).toBe('authentik 2025.10+');
    await embeddedIdpDriver.complete(page, user);
    await page.locator('#back').waitFor();
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()).toMatchObject({ sub: user.username, email: 'web@example.test' });
  });

  it('stays on the login page with an error when the password is wrong', async () => {
    const client = await idp.control.createClient({ redirectUris: [callback] });
    await start(client);
    await expect(embeddedIdpDriver.complete(page, { username: user.username, password: 'wrong' })).rejects.toThrow(
      /refused the login .*Incorrect username or password/,
    );
    expect(new URL(page.url()).origin).toBe(idp.origin);
    expect(await page.locator('#username').inputValue()).toBe(user.username);
    expect(idp.logs()).toContain(`login failed for user "${user.username}"`);
  });

  it('shows the consent page to an explicit-consent client and continues after accept', async () => {
    const client = await idp.control.createClient({ redirectUris: [callback], consent: 'explicit' });
    await start(client);
    await embeddedIdpDriver.complete(page, user);
    await page.locator('#back').waitFor();
    expect(idp.logs()).toContain(`consent given for client ${client.clientId}`);
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
  });

  it('hands a custom-scheme redirect to the browser, which requests it', async () => {
    const app = 'app.immich:///oauth-callback';
    const client = await idp.control.createClient({ redirectUris: [callback, app] });
    await start(client, app);
    const request = page.waitForRequest((r) => r.url().startsWith('app.immich:'));
    await embeddedIdpDriver.complete(page, user);
    expect(new URL((await request).url()).searchParams.get('code')).toBeTruthy();
  });

  it('throws the error page message for a redirect URI the client did not register', async () => {
    const client = await idp.control.createClient({ redirectUris: [callback] });
    await start(client, `${callback}/other`);
    await expect(embeddedIdpDriver.complete(page, user)).rejects.toThrow(/embedded IdP error page: invalid_redirect_uri/);
  });
});
