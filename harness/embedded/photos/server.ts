// HTTP surface of the reference model: Immich's routes, status codes, cookies and error bodies for one
// modelled release, in front of PhotosService.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { configEndpointFor, oauthDefaultsFor, oauthKeysFor, OPTIONAL_OAUTH_KEYS } from '../../../products/immich/settings.js';
import { HttpError, STATUS_TEXT, requestContext, type Logger } from './errors.js';
import { mapUserAdmin, type PhotosService, type SystemConfig, type User } from './service.js';
import type { Behaviour } from './versions.js';
import { loginPage, photosPage, userSettingsPage } from './web.js';

const COOKIE_MAX_AGE_S = 400 * 24 * 60 * 60; // Immich: 400 days

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Record<string, unknown>;
  cookies: Record<string, string>;
  secure: boolean;
  setCookies: string[];
}

type Handler = (ctx: Ctx) => Promise<unknown> | unknown;

interface Route {
  method: string;
  path: string;
  /** Immich's controller method name: its 500 message is "Failed to <name in words>". */
  handler: string;
  status?: number;
  auth?: 'user' | 'admin';
  run: Handler;
}

/** Immich's routeToErrorMessage: finishOAuth → "Failed to finish oauth". */
export function routeToErrorMessage(methodName: string): string {
  return 'Failed to ' + methodName.replaceAll(/[A-Z]+/g, (letter) => ` ${letter.toLowerCase()}`);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (!name || name in out) continue;
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      out[name] = part.slice(i + 1).trim();
    }
  }
  return out;
}

/** Express res.cookie with Immich's defaults (path /, SameSite=Lax, 400 days, Secure over https). */
function cookie(name: string, value: string, secure: boolean, httpOnly = true): string {
  const expires = new Date(Date.now() + COOKIE_MAX_AGE_S * 1000).toUTCString();
  return `${name}=${encodeURIComponent(value)}; Max-Age=${COOKIE_MAX_AGE_S}; Path=/; Expires=${expires}${httpOnly ? '; HttpOnly' : ''}${
    secure ? '; Secure' : ''
  }; SameSite=Lax`;
}

function clearCookie(name: string): string {
  return `${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

function isUrl(value: string): boolean {
  try {
    const u = new URL(value);
    // class-validator's IsUrl wants http(s) and a host with a dot (a TLD).
    return /^https?:$/.test(u.protocol) && u.hostname.includes('.');
  } catch {
    return false;
  }
}

export class PhotosHttp {
  private readonly routes: Route[];

  constructor(
    private readonly name: string,
    private readonly version: string,
    private readonly b: Behaviour,
    private readonly service: PhotosService,
    private readonly log: Logger,
  ) {
    this.routes = this.buildRoutes();
  }

  // --- validation in the release's own style ---

  private invalid(path: string, problem: 'missing' | 'empty' | 'type', expected: string): HttpError {
    if (this.b.validation === 'zod') {
      const message =
        problem === 'empty'
          ? 'Too small: expected string to have >=1 characters'
          : `Invalid input: expected ${expected}, received ${problem === 'missing' ? 'undefined' : 'other'}`;
      return new HttpError(400, 'Validation failed', { errors: [{ path: path.split('.'), message }] });
    }
    const messages =
      problem === 'empty' ? [`${path} should not be empty`] : [`${path} must be a ${expected}`, `${path} should not be empty`];
    return new HttpError(400, messages);
  }

  private requireString(body: Record<string, unknown>, key: string, opts: { allowEmpty?: boolean } = {}): string {
    const value = body[key];
    if (value === undefined) throw this.invalid(key, 'missing', 'string');
    if (typeof value !== 'string') throw this.invalid(key, 'type', 'string');
    if (!opts.allowEmpty && value === '') throw this.invalid(key, 'empty', 'string');
    return value;
  }

  private optionalString(body: Record<string, unknown>, key: string): string | undefined {
    const value = body[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.invalid(key, 'type', 'string');
    return value;
  }

  private oauthDto(body: Record<string, unknown>) {
    const url = this.requireString(body, 'url');
    if (!this.b.stateAndVerifier) return { url };
    return { url, state: this.optionalString(body, 'state'), codeVerifier: this.optionalString(body, 'codeVerifier') };
  }

  /** PUT system-config: the whole object, typed as that release's DTO; unknown oauth keys are dropped. */
  private validateConfig(body: Record<string, unknown>): SystemConfig {
    const section = (key: string) => {
      const value = body[key];
      if (!value || typeof value !== 'object') throw this.invalid(key, 'missing', 'object');
      return value as Record<string, unknown>;
    };
    const oauthIn = section('oauth');
    const defaults = oauthDefaultsFor(this.version);
    const oauth: Record<string, unknown> = {};
    for (const key of oauthKeysFor(this.version)) {
      const value = oauthIn[key];
      const path = `oauth.${key}`;
      if (OPTIONAL_OAUTH_KEYS.has(key)) {
        if (value === undefined) continue;
        if (typeof value !== 'string') throw this.invalid(path, 'type', 'string');
        oauth[key] = value;
        continue;
      }
      if (key === 'defaultStorageQuota') {
        if (value === null && defaults[key] === null) oauth[key] = null;
        else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) oauth[key] = value;
        else throw this.invalid(path, value === undefined ? 'missing' : 'type', 'number');
        continue;
      }
      if (key === 'tokenEndpointAuthMethod' && value !== 'client_secret_post' && value !== 'client_secret_basic') {
        throw new HttpError(400, [`${path} must be one of the following values: client_secret_post, client_secret_basic`]);
      }
      if (key === 'timeout' && !(typeof value === 'number' && Number.isInteger(value) && value >= 1)) {
        throw this.invalid(path, value === undefined ? 'missing' : 'type', 'number');
      }
      const type = typeof defaults[key];
      if (typeof value !== type) throw this.invalid(path, value === undefined ? 'missing' : 'type', type);
      oauth[key] = value;
    }
    if (oauth.enabled) {
      for (const key of ['issuerUrl', 'clientId'] as const) if (!oauth[key]) throw this.invalid(`oauth.${key}`, 'empty', 'string');
    }
    if (oauth.mobileOverrideEnabled && !isUrl(oauth.mobileRedirectUri as string)) {
      throw new HttpError(400, [
        this.b.validation === 'zod' ? 'Mobile redirect URI must be an empty string or a valid URL' : 'oauth.mobileRedirectUri must be a URL address',
      ]);
    }
    const passwordLogin = section('passwordLogin');
    if (typeof passwordLogin.enabled !== 'boolean') throw this.invalid('passwordLogin.enabled', 'type', 'boolean');
    const server = (body.server ?? this.service.config.server) as Record<string, unknown>;
    return {
      oauth: oauth as SystemConfig['oauth'],
      passwordLogin: { enabled: passwordLogin.enabled },
      server: {
        externalDomain: String(server.externalDomain ?? ''),
        loginPageMessage: String(server.loginPageMessage ?? ''),
      },
    };
  }

  // --- routes ---

  private currentUser(ctx: Ctx): User | undefined {
    const auth = ctx.req.headers.authorization ?? '';
    const [type, token] = auth.split(' ', 2);
    const bearer = type?.toLowerCase() === 'bearer' ? token : undefined;
    const header = ctx.req.headers['x-immich-user-token'];
    return this.service.userForToken(bearer ?? (typeof header === 'string' ? header : undefined) ?? ctx.cookies.immich_access_token);
  }

  private loginCookies(ctx: Ctx, token: string, type: 'password' | 'oauth') {
    ctx.setCookies.push(
      cookie('immich_access_token', token, ctx.secure),
      cookie('immich_auth_type', type, ctx.secure),
      cookie('immich_is_authenticated', 'true', ctx.secure, false),
    );
  }

  private buildRoutes(): Route[] {
    const s = this.service;
    const plain = this.version.replace(/^v/, '').split('.').map(Number);
    return [
      { method: 'GET', path: '/api/server/ping', handler: 'pingServer', run: () => ({ res: 'pong' }) },
      {
        method: 'GET',
        path: '/api/server/version',
        handler: 'getServerVersion',
        run: () => ({ major: plain[0], minor: plain[1], patch: plain[2] }),
      },
      {
        method: 'GET',
        path: '/api/server/features',
        handler: 'getServerFeatures',
        run: () => ({
          oauth: s.config.oauth.enabled,
          oauthAutoLaunch: s.config.oauth.autoLaunch,
          passwordLogin: s.config.passwordLogin.enabled,
          configFile: false,
        }),
      },
      {
        method: 'GET',
        path: '/api/server/config',
        handler: 'getServerConfig',
        run: () => ({
          oauthButtonText: s.config.oauth.buttonText,
          loginPageMessage: s.config.server.loginPageMessage,
          externalDomain: s.config.server.externalDomain,
          isInitialized: s.isInitialized(),
        }),
      },
      { method: 'GET', path: '/.well-known/immich', handler: 'getImmichWellKnown', run: () => ({ api: { endpoint: '/api' } }) },
      {
        method: 'POST',
        path: '/api/auth/admin-sign-up',
        handler: 'signUpAdmin',
        status: 201,
        run: (ctx) =>
          s.adminSignUp({
            email: this.requireString(ctx.body, 'email'),
            password: this.requireString(ctx.body, 'password'),
            name: this.requireString(ctx.body, 'name'),
          }),
      },
      {
        method: 'POST',
        path: '/api/auth/login',
        handler: 'login',
        status: 201,
        run: (ctx) => {
          const r = s.login({ email: this.requireString(ctx.body, 'email'), password: this.requireString(ctx.body, 'password') });
          this.loginCookies(ctx, r.accessToken, 'password');
          return r;
        },
      },
      {
        method: 'POST',
        path: '/api/auth/logout',
        handler: 'logout',
        status: 200,
        auth: 'user',
        run: async (ctx) => {
          const token = ctx.cookies.immich_access_token ?? (ctx.req.headers.authorization ?? '').split(' ')[1];
          // Immich reads how the session logged in from its auth-type cookie (the app sends none).
          const body = await s.logout(token, ctx.cookies.immich_auth_type);
          ctx.setCookies.push(
            clearCookie('immich_access_token'),
            clearCookie('immich_auth_type'),
            clearCookie('immich_is_authenticated'),
          );
          return body;
        },
      },
      { method: 'GET', path: '/api/users/me', handler: 'getMyUser', auth: 'user', run: (ctx) => mapUserAdmin(this.currentUser(ctx)!) },
      {
        method: 'GET',
        path: '/api/admin/users',
        handler: 'searchUsersAdmin',
        auth: 'admin',
        run: () => [...s.users.values()].map(mapUserAdmin),
      },
      {
        method: 'POST',
        path: '/api/admin/users',
        handler: 'createUserAdmin',
        auth: 'admin',
        status: 201,
        run: (ctx) =>
          s.createUserAdmin({
            email: this.requireString(ctx.body, 'email'),
            password: this.requireString(ctx.body, 'password'),
            name: this.requireString(ctx.body, 'name'),
          }),
      },
      // The config API: /api/system-config, and from 3.2 /api/admin/config too (the old path kept, deprecated).
      ...[...new Set(['/api/system-config', configEndpointFor(this.version).path])].flatMap((path) => [
        { method: 'GET', path, handler: 'getConfig', auth: 'admin', run: () => s.config } as const,
        {
          method: 'GET',
          path: `${path}/defaults`,
          handler: 'getConfigDefaults',
          auth: 'admin',
          run: () => ({
            oauth: oauthDefaultsFor(this.version),
            passwordLogin: { enabled: true },
            server: { externalDomain: '', loginPageMessage: '' },
          }),
        } as const,
        {
          method: 'PUT',
          path,
          handler: 'updateConfig',
          auth: 'admin',
          run: (ctx: { body: Record<string, unknown> }) => {
            s.config = this.validateConfig(ctx.body);
            return s.config;
          },
        } as const,
      ]),
      {
        method: 'GET',
        path: '/api/oauth/mobile-redirect',
        handler: 'redirectOAuthToMobile',
        run: (ctx) => {
          ctx.res.statusCode = 307;
          ctx.res.setHeader('location', s.getMobileRedirect(ctx.req.url ?? ''));
          return undefined;
        },
      },
      {
        method: 'POST',
        path: '/api/oauth/authorize',
        handler: 'startOAuth',
        status: 201,
        run: async (ctx) => {
          const dto = {
            redirectUri: this.requireString(ctx.body, 'redirectUri'),
            state: this.b.stateAndVerifier ? this.optionalString(ctx.body, 'state') : undefined,
            codeChallenge: this.b.stateAndVerifier ? this.optionalString(ctx.body, 'codeChallenge') : undefined,
          };
          const { url, state, codeVerifier } = await s.authorize(dto);
          if (this.b.stateAndVerifier) {
            // Express serialises a non-string value as JSON behind "j:": with an app-supplied challenge the server
            // has no verifier, and the cookie reads j%3Anull (seen on real v3.1.0 and v2.7.5).
            const value = (v: unknown) => (typeof v === 'string' ? v : `j:${JSON.stringify(v ?? null)}`);
            ctx.setCookies.push(
              cookie('immich_oauth_state', value(state), ctx.secure),
              cookie('immich_oauth_code_verifier', value(codeVerifier), ctx.secure),
            );
          }
          return { url };
        },
      },
      {
        method: 'POST',
        path: '/api/oauth/callback',
        handler: 'finishOAuth',
        status: 201,
        run: async (ctx) => {
          const r = await s.callback(this.oauthDto(ctx.body), ctx.cookies);
          if (this.b.stateAndVerifier) {
            ctx.setCookies.push(clearCookie('immich_oauth_state'), clearCookie('immich_oauth_code_verifier'));
          }
          this.loginCookies(ctx, r.accessToken, 'oauth');
          return r;
        },
      },
      {
        method: 'POST',
        path: '/api/oauth/link',
        handler: 'linkOAuthAccount',
        status: 200,
        auth: 'user',
        run: (ctx) => s.link(this.currentUser(ctx)!, this.oauthDto(ctx.body), ctx.cookies),
      },
      // 3.0+ (OpenID Connect Back-Channel Logout): a form post from the IdP, no session.
      ...(this.b.backchannelLogout
        ? [{ method: 'POST', path: '/api/oauth/backchannel-logout', handler: 'logoutOAuth', status: 200, run: (ctx: Ctx) => s.backchannelLogout(ctx.body['logout_token']) }]
        : []),
      {
        method: 'POST',
        path: '/api/oauth/unlink',
        handler: 'unlinkOAuthAccount',
        status: 200,
        auth: 'user',
        run: (ctx) => s.unlink(this.currentUser(ctx)!),
      },
    ];
  }

  // --- dispatch ---

  private errorBody(status: number, message: string | string[], correlationId: string, extra?: Record<string, unknown>) {
    if (this.b.errorBody === 'message-only') return { message, ...extra };
    return { message, error: STATUS_TEXT[status] ?? 'Error', statusCode: status, correlationId, ...extra };
  }

  private send(ctx: Ctx, status: number, body: unknown, correlationId: string, isError: boolean) {
    const { res } = ctx;
    if (ctx.setCookies.length) res.setHeader('set-cookie', ctx.setCookies);
    if (isError && this.b.errorBody === 'message-only') res.setHeader('x-correlation-id', correlationId);
    if (body === undefined) {
      if (!res.statusCode || res.statusCode === 200) res.statusCode = status;
      res.end();
      return;
    }
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }

  private html(ctx: Ctx, html: string) {
    ctx.res.statusCode = 200;
    ctx.res.setHeader('content-type', 'text/html; charset=utf-8');
    ctx.res.setHeader('cache-control', 'no-store');
    ctx.res.end(html);
  }

  private redirect(ctx: Ctx, location: string) {
    ctx.res.statusCode = 302;
    ctx.res.setHeader('location', location);
    ctx.res.end();
  }

  private web(ctx: Ctx): boolean {
    const path = ctx.url.pathname;
    const user = this.currentUser(ctx);
    const { oauth, passwordLogin } = this.service.config;
    if (path === '/' || path === '/photos' || path === '/user-settings') {
      if (!user) return this.redirect(ctx, '/auth/login'), true;
      if (path === '/') return this.redirect(ctx, '/photos'), true;
      this.html(ctx, path === '/photos' ? photosPage(this.name, user) : userSettingsPage(this.name, user, oauth.enabled));
      return true;
    }
    if (path === '/auth/login') {
      this.html(
        ctx,
        loginPage({
          name: this.name,
          oauthEnabled: oauth.enabled,
          autoLaunch: Boolean(oauth.autoLaunch),
          buttonText: String(oauth.buttonText),
          passwordLogin: passwordLogin.enabled,
          autoLaunchParamForces: this.b.autoLaunchParamForces,
        }),
      );
      return true;
    }
    return false;
  }

  async handle(req: IncomingMessage, res: ServerResponse, secure: boolean): Promise<void> {
    const correlationId = randomBytes(4).toString('hex');
    await requestContext.run({ correlationId }, async () => {
      const ctx: Ctx = {
        req,
        res,
        url: new URL(req.url ?? '/', 'http://model.invalid'),
        body: {},
        cookies: parseCookies(req.headers.cookie),
        secure,
        setCookies: [],
      };
      const route = this.routes.find((r) => r.method === req.method && r.path === ctx.url.pathname);
      try {
        if (!route) {
          if (req.method === 'GET' && this.web(ctx)) return;
          throw new HttpError(404, `Cannot ${req.method} ${ctx.url.pathname}`);
        }
        ctx.body = await readJson(req);
        if (route.auth) {
          const user = this.currentUser(ctx);
          if (!user) throw new HttpError(401, 'Authentication required');
          if (route.auth === 'admin' && !user.isAdmin) throw new HttpError(403, 'Forbidden');
        }
        const result = await route.run(ctx);
        this.send(ctx, route.status ?? 200, result, correlationId, false);
      } catch (error) {
        if (error instanceof HttpError) {
          this.log.debug('ErrorInterceptor', `HttpException(${error.status}): ${JSON.stringify(error.messages)}`);
          ctx.setCookies = [];
          this.send(ctx, error.status, this.errorBody(error.status, error.messages, correlationId, error.extra), correlationId, true);
          return;
        }
        this.log.error('ErrorInterceptor', `Unknown error: ${error}`, error);
        ctx.setCookies = [];
        const message = routeToErrorMessage(route?.handler ?? 'handleRequest');
        this.send(ctx, 500, this.errorBody(500, message, correlationId), correlationId, true);
      }
    });
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new HttpError(413, 'Payload too large');
    chunks.push(chunk as Buffer);
  }
  if (!chunks.length) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  if (!(req.headers['content-type'] ?? '').includes('json')) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    throw new HttpError(400, 'Unexpected token in JSON body');
  }
}
