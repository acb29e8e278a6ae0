// A typed client of Immich's HTTP API, the part scenarios need: bootstrap, config, the OAuth endpoints
// and the user views. It speaks the real API, so it drives the real Immich and the reference model alike.
// OAuth calls never throw on an HTTP error: the status and message are what scenarios compare.
import { setTimeout as delay } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { cookieHeader, cookieJar, parseSetCookie, type SetCookie } from './cookies.js';
import { configEndpointFor, pickOAuthKeys, plainVersion } from './settings.js';
import { FRONT_FAULT_HEADER } from '../../harness/flows/faults.js';

export interface OAuthBody {
  url: string;
  state?: string;
  codeVerifier?: string;
}

export interface OAuthResult<T = Record<string, unknown>> {
  status: number;
  /** Parsed JSON body (undefined when the body is not JSON). */
  body: T | undefined;
  /** The error message Immich answered with (body.message; joined when it is a list). */
  message?: string;
  /** Cookies the response set, name → value. */
  cookies: Record<string, string>;
  setCookies: SetCookie[];
  /** X-Correlation-ID header or body.correlationId, when present. */
  correlationId?: string;
}

export interface AuthorizeResult extends OAuthResult<{ url?: string }> {
  /** The IdP URL to visit, when authorize succeeded. */
  url?: string;
}

export interface LoginResponse {
  accessToken: string;
  userId: string;
  userEmail: string;
  name: string;
  isAdmin: boolean;
  profileImagePath: string;
  shouldChangePassword: boolean;
  isOnboarded?: boolean;
}

export interface ImmichUser {
  id: string;
  email: string;
  name: string;
  storageLabel: string | null;
  quotaSizeInBytes: number | null;
  isAdmin: boolean;
  oauthId: string;
  shouldChangePassword: boolean;
  profileImagePath: string;
}

export type ImmichConfig = Record<string, unknown> & { oauth: Record<string, unknown> };

/** An API call that is not part of the contract under test failed: a setup problem, so it throws. */
export class ImmichApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} answered ${status}: ${messageOf(body) ?? JSON.stringify(body)}`);
    this.name = 'ImmichApiError';
  }
}

function messageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const m = (body as { message?: unknown }).message;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.map(String).join('; ');
  return undefined;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export class ImmichApi {
  readonly baseUrl: string;
  readonly version: string;

  constructor(
    baseUrl: string,
    version: string,
    private readonly dispatcher?: Dispatcher,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.version = `v${plainVersion(version)}`;
  }

  // --- plumbing ---

  private async call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    opts: { json?: unknown; form?: Record<string, string>; token?: string; cookies?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    if (opts.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const cookie = opts.cookies ? cookieHeader(opts.cookies) : '';
    if (cookie) headers.cookie = cookie;
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: opts.form !== undefined ? new URLSearchParams(opts.form).toString() : opts.json === undefined ? undefined : JSON.stringify(opts.json),
      dispatcher: this.dispatcher,
      signal: opts.signal,
    });
    const text = await res.body.text();
    // The harness's TLS front answered for a photo server that did not: a harness fault, never the server's answer.
    if (res.headers[FRONT_FAULT_HEADER]) throw new Error(`${method} ${path}: the photo server did not answer (${text.slice(0, 200)})`);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body, text };
  }

  private async ok<T>(method: 'GET' | 'POST' | 'PUT', path: string, opts: Parameters<ImmichApi['call']>[2] = {}) {
    const res = await this.call(method, path, opts);
    if (res.status >= 400) throw new ImmichApiError(method, `${this.baseUrl}${path}`, res.status, res.body ?? res.text);
    return res.body as T;
  }

  private result<T>(res: RawResponse): OAuthResult<T> {
    const raw = res.headers['set-cookie'];
    const setCookies = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map(parseSetCookie);
    const header = res.headers['x-correlation-id'];
    const bodyId = (res.body as { correlationId?: unknown } | undefined)?.correlationId;
    return {
      status: res.status,
      body: res.body as T | undefined,
      message: res.status >= 400 ? messageOf(res.body) : undefined,
      cookies: cookieJar(setCookies),
      setCookies,
      correlationId: typeof header === 'string' ? header : typeof bodyId === 'string' ? bodyId : undefined,
    };
  }

  // --- server ---

  async ping(): Promise<boolean> {
    const body = await this.ok<{ res?: string }>('GET', '/api/server/ping');
    return body?.res === 'pong';
  }

  /** Poll /api/server/ping until it answers pong, for at most `timeoutMs`. */
  async waitReady(timeoutMs: number, intervalMs = 200): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        const res = await this.call('GET', '/api/server/ping', { signal: AbortSignal.timeout(Math.max(1, left)) });
        if (res.status === 200 && (res.body as { res?: string } | undefined)?.res === 'pong') return;
        last = `status ${res.status}`;
      } catch (error) {
        last = String((error as Error).cause ?? error);
      }
      await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
    }
    throw new Error(
      `${this.baseUrl}/api/server/ping did not answer pong within ${timeoutMs} ms (last: ${last}); ` +
        'check that the photo server started and that its URL and TLS trust are right',
    );
  }

  async features(): Promise<Record<string, unknown>> {
    return this.ok('GET', '/api/server/features');
  }

  async serverConfig(): Promise<Record<string, unknown>> {
    return this.ok('GET', '/api/server/config');
  }

  // --- bootstrap ---

  async adminSignUp(dto: { email: string; password: string; name: string }): Promise<ImmichUser> {
    return this.ok('POST', '/api/auth/admin-sign-up', { json: dto });
  }

  async loginResponse(email: string, password: string): Promise<LoginResponse> {
    return this.ok('POST', '/api/auth/login', { json: { email, password } });
  }

  /** Password login → access token. */
  async login(email: string, password: string): Promise<string> {
    return (await this.loginResponse(email, password)).accessToken;
  }

  // --- config ---

  async getConfig(token: string): Promise<ImmichConfig> {
    return this.ok('GET', configEndpointFor(this.version).path, { token });
  }

  /**
   * Read the whole config, merge `partial` into its oauth section, keep only the oauth keys this version
   * has, and write the whole config back (Immich's PUT takes the whole object). Returns what Immich stored.
   */
  async setOAuth(token: string, partial: Record<string, unknown>): Promise<ImmichConfig> {
    const current = await this.getConfig(token);
    const oauth = pickOAuthKeys(this.version, { ...current.oauth, ...partial });
    const { path, method } = configEndpointFor(this.version);
    return this.ok(method, path, { token, json: { ...current, oauth } });
  }

  // --- OAuth ---

  async oauthAuthorize(dto: { redirectUri: string; state?: string; codeChallenge?: string }): Promise<AuthorizeResult> {
    const r = this.result<{ url?: string }>(await this.call('POST', '/api/oauth/authorize', { json: dto }));
    return { ...r, url: r.status < 400 ? r.body?.url : undefined };
  }

  /** Finish a login. Pass the authorize cookies (web flow) or state/codeVerifier in the body (mobile). */
  async oauthCallback(
    dto: OAuthBody,
    opts: { cookies?: Record<string, string>; token?: string } = {},
  ): Promise<OAuthResult<Partial<LoginResponse>>> {
    return this.result(await this.call('POST', '/api/oauth/callback', { json: dto, ...opts }));
  }

  async oauthLink(
    token: string,
    dto: OAuthBody,
    opts: { cookies?: Record<string, string> } = {},
  ): Promise<OAuthResult<Partial<ImmichUser>>> {
    return this.result(await this.call('POST', '/api/oauth/link', { json: dto, token, cookies: opts.cookies }));
  }

  async oauthUnlink(token: string): Promise<OAuthResult<Partial<ImmichUser>>> {
    return this.result(await this.call('POST', '/api/oauth/unlink', { json: {}, token }));
  }

  /** GET /api/oauth/mobile-redirect with `query` (a string without '?', or params); not followed. */
  async mobileRedirect(query: string | Record<string, string>): Promise<{ status: number; location?: string }> {
    const qs = typeof query === 'string' ? query.replace(/^\?/, '') : new URLSearchParams(query).toString();
    const res = await this.call('GET', `/api/oauth/mobile-redirect${qs ? `?${qs}` : ''}`);
    const location = res.headers.location;
    return { status: res.status, location: typeof location === 'string' ? location : undefined };
  }

  /** POST /api/auth/logout as the web app sends it: the session's cookies, including how it logged in. */
  async logout(token: string, authType: 'oauth' | 'password'): Promise<OAuthResult<{ successful?: boolean; redirectUri?: string }>> {
    const cookies = { immich_access_token: token, immich_auth_type: authType, immich_is_authenticated: 'true' };
    return this.result(await this.call('POST', '/api/auth/logout', { cookies }));
  }

  /** POST /api/oauth/backchannel-logout as an IdP sends it: a form with the logout token, no session. */
  async backchannelLogout(logoutToken: string): Promise<OAuthResult<unknown>> {
    return this.result(await this.call('POST', '/api/oauth/backchannel-logout', { form: { logout_token: logoutToken } }));
  }

  /** The status GET /api/users/me answers for `token` (401 once its session has ended). */
  async meStatus(token: string): Promise<number> {
    return (await this.call('GET', '/api/users/me', { token })).status;
  }

  // --- users ---

  async me(token: string): Promise<ImmichUser> {
    return this.ok('GET', '/api/users/me', { token });
  }

  async adminUsers(token: string): Promise<ImmichUser[]> {
    return this.ok('GET', '/api/admin/users', { token });
  }

  /** A local (password) user, made by the admin. */
  async adminCreateUser(token: string, dto: { email: string; name: string; password: string }): Promise<ImmichUser> {
    return this.ok('POST', '/api/admin/users', { token, json: dto });
  }
}
