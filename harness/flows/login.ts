// Login flows, the way a person (web) and the mobile app (mobile, mobile-override) do them.
// Each returns what the photo server answered to the OAuth callback; none of them judges it. Every browser
// wait is a named step with a deadline (pacing.ts); a step the harness could not finish throws a
// HarnessFault (faults.ts), never a made-up answer.
import { createHash, randomBytes } from 'node:crypto';
import type { BrowserContext, Page, Request, Response } from 'playwright-core';
import type { Credentials, IdpPageDriver } from '../drivers/types.js';
import type { Flow } from '../model.js';
import type { ImmichApi } from '../../products/immich/api.js';
import { FRONT_FAULT_HEADER, HarnessFault, step } from './faults.js';
import { MOBILE_REDIRECT_PATH, mobileRedirectUriFor } from './mobile-uri.js';
import { stepDeadlineMs } from './pacing.js';

export interface LoginResult {
  flow: Flow;
  status: number;
  message?: string;
  /** The login response body on success (accessToken, userId, userEmail, name, isAdmin...). */
  body?: Record<string, unknown>;
  /** Extra evidence: the app-scheme URL the IdP returned to, the override's Location... */
  detail?: string;
  /** The page as the user sees it after the login (taken only when asked: a verdict that failed). */
  screenshot?: () => Promise<Buffer>;
  /** The Playwright trace of this login (zip), when it was recorded; taken only for a verdict that failed. */
  trace?: () => Promise<Buffer | undefined>;
  /** Facts the scenario read afterwards (user fields...). */
  facts?: Record<string, unknown>;
  /** Harness faults that made the harness start this login again from a clean browser state. */
  retries?: string[];
}

export interface LoginTarget {
  photosUrl: string;
  idpOrigin: string;
  version: string;
  api: ImmichApi;
  driver: IdpPageDriver;
  /** A browser context of this login alone: nothing of an earlier login can reach it. */
  context: BrowserContext;
  /** Text of the OAuth button on the login page (buttonText in the OAuth settings). */
  buttonText?: string;
}

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await step('open a browser page', () => context.newPage());
  page.setDefaultTimeout(stepDeadlineMs());
  page.setDefaultNavigationTimeout(stepDeadlineMs());
  return page;
}

/** Web: the photo server's login page, its OAuth button (or auto launch), the IdP's pages, back to the callback. */
export async function webLogin(target: LoginTarget, user: Credentials, opts: { autoLaunch?: boolean; callback?: CallbackChange } = {}): Promise<LoginResult> {
  const page = await newPage(target.context);
  const callback = page.waitForResponse(isCallbackResponse);
  callback.catch(() => undefined);
  const authorize = page.waitForResponse((r) => isPost(r, '/api/oauth/authorize'));
  authorize.catch(() => undefined); // awaited below; a failed click must not leave it unhandled
  await step('web: open the photo server login page', () => page.goto(`${target.photosUrl}/auth/login`));
  if (!opts.autoLaunch) {
    await step('web: press the OAuth button', () => page.getByRole('button', { name: target.buttonText ?? 'Login with OAuth' }).click());
  }
  const authorized = await step("web: wait for the photo server's authorize answer", () => authorize);
  // A refused authorize (OAuth disabled, discovery failed) ends the flow at the photo server.
  let response = authorized;
  if (authorized.status() < 300 && opts.callback) await changeAuthorizeCookies(target, opts.callback);
  if (authorized.status() < 300) {
    // An IdP that refuses the request outright (invalid scope, unknown redirect URI) may send the browser
    // straight back to the callback: that answer is the product's, not a page the harness failed to reach.
    const bounced = await step("web: reach the IdP's pages", () =>
      Promise.race([page.waitForURL((url) => url.origin === target.idpOrigin).then(() => undefined), callback]),
    );
    response = bounced ?? (await step("web: complete the IdP's pages", () => completeAtIdp(page, target.driver, user, callback)));
  }
  const result = await step("web: read the photo server's callback answer", () => fromResponse('web', response));
  result.screenshot = async () => {
    // Let the page show its error or its signed-in user before the picture is taken.
    await page.locator('[role=alert]:visible, #signed-in-user').first().waitFor({ timeout: 2_000 }).catch(() => undefined);
    return page.screenshot();
  };
  return result;
}

/**
 * The web flow's form of a changed callback: the browser loses, or holds another value of, the state or verifier
 * cookie authorize set (1.132+), before it comes back with the code. Where authorize set no such cookie, nothing
 * changes.
 */
async function changeAuthorizeCookies(target: LoginTarget, change: CallbackChange): Promise<void> {
  const name = change.endsWith('state') ? 'immich_oauth_state' : 'immich_oauth_code_verifier';
  const cookie = (await target.context.cookies(target.photosUrl)).find((c) => c.name === name);
  if (!cookie) return;
  await target.context.clearCookies({ name });
  if (change.startsWith('wrong')) await target.context.addCookies([{ ...cookie, value: randomBytes(32).toString('base64url') }]);
}

/** What the login page did on its own, without a login: see `visitLoginPage`. */
export interface LoginPageVisit {
  flow: 'web';
  status: number;
  facts: { authorizeRequests: number; leftForIdp: boolean; buttonShown: boolean };
  screenshot?: () => Promise<Buffer>;
  retries?: string[];
  trace?: () => Promise<Buffer | undefined>;
}

/** More authorize requests than this from one page load is a redirect storm: counting stops there. */
export const STORM = 5;

/**
 * Web, the login page alone (`query` e.g. "?autoLaunch=0"): how many authorize requests it made before it
 * settled (left for the IdP, or idle on the photo server), whether it left, and whether it shows the OAuth button.
 */
export async function visitLoginPage(target: LoginTarget, query = ''): Promise<LoginPageVisit> {
  const page = await newPage(target.context);
  let authorizeRequests = 0;
  let storm: () => void = () => {};
  const stormed = new Promise<void>((resolve) => (storm = resolve));
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/oauth/authorize' && ++authorizeRequests >= STORM) storm();
  });
  const landed = await step('web: open the photo server login page', () => page.goto(`${target.photosUrl}/auth/login${query}`));
  const leftForIdp = () => new URL(page.url()).origin === target.idpOrigin;
  // Settled: at the IdP's pages, or no request for a while on the photo server's page, or a storm.
  await step('web: wait for the login page to settle', () =>
    Promise.race([page.waitForURL((url) => url.origin === target.idpOrigin), page.waitForLoadState('networkidle'), stormed]),
  );
  const buttonShown = !leftForIdp() && (await page.getByRole('button', { name: target.buttonText ?? 'Login with OAuth' }).isVisible().catch(() => false));
  return {
    flow: 'web',
    status: landed?.status() ?? 0,
    facts: { authorizeRequests: Math.min(authorizeRequests, STORM), leftForIdp: leftForIdp(), buttonShown },
    screenshot: () => page.screenshot(),
  };
}

/**
 * Mobile: the harness plays the app. It asks the photo server to authorize with the app's redirect URI, lets the
 * browser complete the IdP's pages, catches the navigation to the app scheme (directly, or through the
 * override's 307 from /api/oauth/mobile-redirect), then posts the callback with state and verifier as the app does.
 */
/** How the app's callback may differ from a correct one: the state or PKCE verifier left out, or not the one sent. */
export type CallbackChange = 'no-state' | 'no-verifier' | 'wrong-state' | 'wrong-verifier';

export async function mobileLogin(target: LoginTarget, user: Credentials, opts: { override?: boolean; callback?: CallbackChange } = {}): Promise<LoginResult> {
  const flow: Flow = opts.override ? 'mobile-override' : 'mobile';
  const appUri = mobileRedirectUriFor(target.version);
  const state = randomBytes(16).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');

  const authorize = await step('mobile: authorize at the photo server', () =>
    target.api.oauthAuthorize({ redirectUri: appUri, state, codeChallenge }),
  );
  if (authorize.status >= 300) return { flow, status: authorize.status, message: authorize.message, detail: 'authorize refused' };
  const authorizeUrl = String(authorize.body?.url ?? '');

  const page = await newPage(target.context);
  const appRequest = page.waitForRequest((r: Request) => r.url().startsWith('app.immich:'));
  appRequest.catch(() => undefined);
  const overrideResponse = opts.override
    ? page.waitForResponse((r) => r.url().startsWith(`${target.photosUrl}${MOBILE_REDIRECT_PATH}`))
    : undefined;
  overrideResponse?.catch(() => undefined);
  const refused = idpRefusal(page, target.idpOrigin);
  await step("mobile: open the IdP's authorize URL", () => page.goto(authorizeUrl).catch(ignoreAbort));
  const left = await step("mobile: complete the IdP's pages", () =>
    completeAtIdp(page, target.driver, user, Promise.race([appRequest.then((request) => ({ request })), refused.then((refusal) => ({ refusal }))])),
  );
  if ('refusal' in left) {
    // The IdP stopped the login on its own error page: the app never hears back. The photo server's last answer
    // was authorize's; what the IdP said is evidence, not the photo server's message.
    return { flow, status: authorize.status, facts: { stoppedAt: 'idp' }, detail: `the IdP refused the authorization request: ${left.refusal}` };
  }
  const appUrl = left.request.url();
  let detail = `app received ${redact(appUrl)}`;
  if (overrideResponse) {
    const r = await step('mobile: wait for the mobile-redirect answer', () => overrideResponse);
    detail += `; override answered ${r.status()} Location ${redact(r.headers()['location'] ?? '')}`;
    // The photo server's own answer: its status is the observation, no message is made up for it.
    if (r.status() !== 307) return { flow, status: r.status(), detail: `${detail}; mobile-redirect did not answer 307` };
  }
  const other = randomBytes(32).toString('base64url');
  const sent = {
    url: appUrl,
    ...(opts.callback === 'no-state' ? {} : { state: opts.callback === 'wrong-state' ? other : state }),
    ...(opts.callback === 'no-verifier' ? {} : { codeVerifier: opts.callback === 'wrong-verifier' ? other : codeVerifier }),
  };
  if (opts.callback) detail += `; callback sent with ${opts.callback}`;
  const callback = await step('mobile: post the callback to the photo server', () => target.api.oauthCallback(sent));
  return { flow, status: callback.status, message: callback.message, body: callback.body, detail };
}

/**
 * Linking from the user settings page, as the web app does it: authorize with the settings page as the redirect,
 * the IdP's pages, then POST /api/oauth/link with the user's session and the cookies authorize set.
 */
export async function linkFromSettings(target: LoginTarget, user: Credentials, sessionToken: string): Promise<LoginResult> {
  const settingsUrl = `${target.photosUrl}/user-settings`;
  const authorize = await step('link: authorize at the photo server', () => target.api.oauthAuthorize({ redirectUri: settingsUrl }));
  if (authorize.status >= 300) return { flow: 'web', status: authorize.status, message: authorize.message, detail: 'authorize refused' };
  const page = await newPage(target.context);
  // The harness posts the link as the settings page would; the page itself is answered empty, so it cannot.
  await page.route(`${settingsUrl}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '' }));
  const back = page.waitForRequest((r: Request) => r.url().startsWith(`${settingsUrl}?`));
  back.catch(() => undefined);
  await step("link: open the IdP's authorize URL", () => page.goto(String(authorize.body?.url ?? '')).catch(ignoreAbort));
  const request = await step("link: complete the IdP's pages", () => completeAtIdp(page, target.driver, user, back));
  const linked = await step('link: post the link to the photo server', () =>
    target.api.oauthLink(sessionToken, { url: request.url() }, { cookies: authorize.cookies }),
  );
  return { flow: 'web', status: linked.status, message: linked.message, body: linked.body, detail: `settings page received ${redact(request.url())}` };
}

/**
 * The IdP refusing an authorization request outright (an unknown redirect URI, say): a page of its own that answers
 * 4xx, or one whose URL carries an OAuth `error` (Authelia sends the browser to its portal with one). Never a sign-in
 * form that says the password was wrong: that answers 200 without an `error` parameter.
 */
function idpRefusal(page: Page, idpOrigin: string): Promise<string> {
  const refusal = page
    .waitForResponse(
      (r) => {
        const url = new URL(r.url());
        return r.request().isNavigationRequest() && url.origin === idpOrigin && (r.status() >= 400 || url.searchParams.has('error'));
      },
      { timeout: 0 },
    )
    .then(async (r) => {
      const url = new URL(r.url());
      const error = url.searchParams.get('error');
      const shown = () => page.locator('body').innerText({ timeout: 2_000 }).catch(() => '');
      const said = error ? [error, url.searchParams.get('error_description')].filter(Boolean).join(': ') : await shown();
      return `${r.status()} ${said.replace(/\s+/g, ' ').trim().slice(0, 200)}`;
    });
  refusal.catch(() => undefined); // the page closes with the login's context
  return refusal;
}

/** Runs the IdP driver until `exit` (the signal that the browser left the IdP) fires; a driver error wins. */
async function completeAtIdp<T>(page: Page, driver: IdpPageDriver, user: Credentials, exit: Promise<T>): Promise<T> {
  // Whichever loses the race may settle later (e.g. when the context closes): never leave it unhandled.
  exit.catch(() => undefined);
  const driving = driver.complete(page, user);
  driving.catch(() => undefined);
  const first = await Promise.race([exit.then((value) => ({ value })), driving.then(() => undefined)]);
  return first ? first.value : exit;
}

function isPost(r: Response, path: string): boolean {
  return r.request().method() === 'POST' && new URL(r.url()).pathname === path;
}

function isCallbackResponse(r: Response): boolean {
  return isPost(r, '/api/oauth/callback');
}

async function fromResponse(flow: Flow, response: Response): Promise<LoginResult> {
  const status = response.status();
  if (response.headers()[FRONT_FAULT_HEADER]) {
    throw new HarnessFault({ kind: 'stack-unreachable', step: `${flow}: the photo server's callback answer`, waitedMs: 0, cause: (await response.text().catch(() => '')).slice(0, 200) });
  }
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  const message = status >= 300 ? messageOf(body) : undefined;
  return { flow, status, message, body: status < 300 ? body : undefined };
}

export function messageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const m = (body as { message?: unknown }).message;
  return Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : undefined;
}

function ignoreAbort(err: Error): void {
  // The final navigation to the app scheme aborts the page load; that is the expected end of the flow.
  if (!/ERR_ABORTED|ERR_UNKNOWN_URL_SCHEME|interrupted by another navigation/.test(err.message)) throw err;
}

/** Codes, states and session ids are not for reports: keep only the shape of the URL. */
function redact(url: string): string {
  return url.replace(/([?&](code|state|session_state)=)[^&]+/g, '$1…');
}
