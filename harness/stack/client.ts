// What a scenario holds of a stack: the photo server's API, the IdP's control, the browser, and the
// small reusable actions scenarios are composed from.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { caAgent, caFetch } from '../ca/dispatcher.js';
import { driverFor } from '../drivers/registry.js';
import type { IdpPageDriver } from '../drivers/types.js';
import { HarnessFault, faultKindOf, step, type FaultKind } from '../flows/faults.js';
import { oauthDefaultsFor } from '../../products/immich/settings.js';
import { linkFromSettings, mobileLogin, visitLoginPage, webLogin, type CallbackChange, type LoginPageVisit, type LoginResult, type LoginTarget } from '../flows/login.js';
import { sharedLoginSlots } from '../flows/pacing.js';
import { immichRedirectUris, MOBILE_REDIRECT_PATH, webRedirectUris } from '../flows/mobile-uri.js';
import { controlFor } from '../idp/connect.js';
import type { IdpClient, IdpControl, IdpUser, NewIdpClient, NewIdpUser } from '../idp/control.js';
import { ImmichApi } from '../../products/immich/api.js';
import type { Flow } from '../model.js';
import type { StackInfo } from './types.js';

const GiB = 1024 ** 3;

/** Attempts per login by the kind of harness fault that ended the last one. */
const MAX_ATTEMPTS: Record<FaultKind, number> = { 'network-change': 4, timeout: 2, 'stack-unreachable': 2, browser: 2 };

export interface LogoutFacts {
  /** 'login-page', 'end-session-endpoint' (the IdP's, from discovery), or the URL itself. */
  redirect: string;
  idTokenHint: boolean;
  sessionEnded: boolean;
}

export interface UserFacts {
  id: string;
  name: string;
  email: string;
  storageLabel: string | null;
  quotaGiB: number | null;
  isAdmin: boolean;
  oauthId: string;
}

export class StackClient {
  readonly api: ImmichApi;
  readonly idp: IdpControl;
  readonly driver: IdpPageDriver;
  private buttonText = 'Login with OAuth';
  /** The last login's browser context, kept for its screenshot until the next step of the scenario. */
  private lastContext?: BrowserContext;

  constructor(
    readonly info: StackInfo,
    /** Needed by `login` only: a stack set up for logging in by hand has none. */
    private readonly browser?: Browser,
  ) {
    this.api = new ImmichApi(info.photos.url, info.photos.version, caAgent(info.caPem));
    this.idp = controlFor(info.idp, info.caPem);
    this.driver = driverFor(info.idp.driver, info.idp.version);
  }

  get adminToken(): string {
    return this.info.photos.admin.token;
  }

  /** A name unique to this run and scenario, for users and clients (scenarios share a stack). */
  unique(prefix: string): string {
    return `${prefix}${randomBytes(4).toString('hex')}`;
  }

  /** Creates an IdP user with a full profile; `overrides` may drop or change any claim. */
  async createUser(overrides: Partial<NewIdpUser> = {}): Promise<IdpUser & { profile: NewIdpUser }> {
    const username = overrides.username ?? this.unique('user');
    const profile: NewIdpUser = {
      username,
      name: `Test ${username}`,
      email: `${username}@example.test`,
      preferredUsername: username,
      ...overrides,
    };
    return { ...(await this.idp.createUser(profile)), profile };
  }

  /**
   * Registers a new OAuth client at the IdP and configures the photo server for it, the way the IdP's
   * integration guide does: registered auth method, and the custom-claims scope when the IdP has one.
   * `settings` override the photo server's OAuth settings; as a function they may use the registered client
   * (its issuer, say).
   */
  async useOAuth(
    settings: Record<string, unknown> | ((client: IdpClient) => Record<string, unknown>) = {},
    client: Partial<NewIdpClient> = {},
  ): Promise<IdpClient> {
    await this.settle();
    const registered = await this.idp.createClient({
      redirectUris: immichRedirectUris(this.info.photos.url, this.info.photos.version),
      tokenEndpointAuthMethod: this.info.cell.idp.settings.tokenEndpointAuthMethod,
      ...client,
    });
    // Capabilities are known once a call has answered; a real IdP's control would register the client as is.
    if (client.public && !this.idp.capabilities.publicClients) {
      throw new Error('useOAuth: this IdP control registers no public clients; run the scenario where capabilities.publicClients is set');
    }
    if ((client.forge || client.signedUserinfo || client.pkce) && !this.idp.capabilities.forges) {
      throw new Error(`useOAuth: this IdP cannot forge tokens (${client.forge}); only the embedded provider can: run the scenario on oidc-provider cells`);
    }
    const scope = ['openid', 'email', 'profile', this.idp.capabilities.customClaimsScope].filter(Boolean).join(' ');
    // From the version's defaults up: nothing an earlier scenario set (signingAlgorithm, say) carries over.
    const oauth = {
      ...oauthDefaultsFor(this.info.photos.version),
      enabled: true,
      issuerUrl: registered.issuer,
      clientId: registered.clientId,
      clientSecret: registered.clientSecret,
      scope,
      tokenEndpointAuthMethod: registered.tokenEndpointAuthMethod,
      autoRegister: true,
      autoLaunch: false,
      mobileOverrideEnabled: false,
      mobileRedirectUri: '',
      ...(typeof settings === 'function' ? settings(registered) : settings),
    };
    this.buttonText = String((oauth as Record<string, unknown>)["buttonText"] ?? this.buttonText);
    await this.api.setOAuth(this.adminToken, oauth);
    return registered;
  }

  /** The photo server's redirect URIs without the app's: for a client registered as if the app did not exist. */
  redirectUrisWithoutApp(): string[] {
    return webRedirectUris(this.info.photos.url);
  }

  /** Turns the mobile redirect override on, pointing at the photo server's own /api/oauth/mobile-redirect. */
  mobileOverride(): Record<string, unknown> {
    return { mobileOverrideEnabled: true, mobileRedirectUri: `${this.info.photos.url}${MOBILE_REDIRECT_PATH}` };
  }

  /**
   * One login, in a browser context of its own (closed before the next login or OAuth change, so nothing of
   * it can reach a later case). It waits for one of the run's login slots first. A harness fault (a network
   * change, a step past its deadline, a stack that stopped answering) starts the login again from a new
   * context, a bounded number of times, and the retries travel with the result; a photo server's answer is
   * never retried.
   */
  async login(flow: Flow, user: { username: string; password: string }, opts: { autoLaunch?: boolean; callback?: CallbackChange } = {}): Promise<LoginResult> {
    if (flow !== 'web' && flow !== 'mobile' && flow !== 'mobile-override') {
      throw new Error(`login: flow "${flow}" is not a login flow (web, mobile, mobile-override)`);
    }
    return this.inFreshContext('login', (target) =>
      flow === 'web'
        ? webLogin(target, user, opts)
        : mobileLogin(target, user, { override: flow === 'mobile-override', ...(opts.callback ? { callback: opts.callback } : {}) }),
    );
  }

  /** Links the IdP user to the photo server account of `sessionToken` from its settings page (linkFromSettings). */
  link(user: { username: string; password: string }, sessionToken: string): Promise<LoginResult> {
    return this.inFreshContext('link', (target) => linkFromSettings(target, user, sessionToken));
  }

  /** The login page alone (see visitLoginPage): what it does on its own, with no login made. */
  visitLoginPage(query = ''): Promise<LoginPageVisit> {
    return this.inFreshContext('visitLoginPage', (target) => visitLoginPage(target, query));
  }

  /**
   * Runs a browser flow in a context of its own, after one of the run's login slots, started again from a new
   * context after a harness fault (a bounded number of times, the retries travel with the result).
   */
  private async inFreshContext<R extends { retries?: string[]; trace?: () => Promise<Buffer | undefined> }>(
    what: string,
    run: (target: LoginTarget) => Promise<R>,
  ): Promise<R> {
    const browser = this.browser;
    if (!browser) throw new Error(`${what}: this stack client was made without a browser`);
    await this.settle();
    const retries: string[] = [];
    return sharedLoginSlots().run(async () => {
      for (let attempt = 1; ; attempt++) {
        const context = await browser.newContext();
        // Every flow is traced; a trace is kept only for a verdict that failed or a harness fault.
        const tracing = tracesOn() && (await context.tracing.start({ snapshots: true, screenshots: false }).then(() => true, () => false));
        const target: LoginTarget = {
          photosUrl: this.info.photos.url,
          idpOrigin: this.info.idp.origin,
          version: this.info.photos.version,
          api: this.api,
          driver: this.driver,
          context,
          buttonText: this.buttonText,
        };
        try {
          const result = await run(target);
          this.lastContext = context;
          if (retries.length) result.retries = retries;
          if (tracing) result.trace = () => traceOf(context);
          return result;
        } catch (err) {
          const kind = faultKindOf(err);
          const last = !kind || attempt >= MAX_ATTEMPTS[kind];
          if (last && err instanceof HarnessFault) {
            err.retries = retries;
            // The page as it stood when the harness gave up: evidence for the report, not a verdict.
            err.screenshot = await context.pages().at(-1)?.screenshot({ timeout: 3_000 }).catch(() => undefined);
            if (tracing) err.trace = await traceOf(context);
          }
          await closeContext(context);
          if (last) throw err;
          retries.push((err as Error).message.split('\n')[0]!);
        }
      }
    });
  }

  /** Closes the last login's browser context: its page, pending navigations and cookies go with it. */
  async settle(): Promise<void> {
    const context = this.lastContext;
    this.lastContext = undefined;
    if (context) await closeContext(context);
  }

  /** Closes what the logins left open. */
  async close(): Promise<void> {
    await this.settle();
  }

  /**
   * Logs the last web login's session out with the cookies its browser holds, as the web app does, and says where
   * the photo server sent the browser: its login page, `typedUrl` (the endSessionEndpoint setting), the IdP's
   * end_session_endpoint (from the issuer's discovery) or elsewhere (its origin and path only: the query may
   * carry the ID token), whether that carried an id_token_hint, and whether the session works afterwards.
   */
  async logout(issuer: string, typedUrl?: string): Promise<LogoutFacts & { status: number; message?: string }> {
    const { token, authType } = await this.lastSession();
    const out = await this.api.logout(token, authType);
    const redirectUri = out.body?.redirectUri ?? '';
    const discovery = await caFetch(this.info.caPem)(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    const endSession = ((await discovery.json()) as { end_session_endpoint?: string }).end_session_endpoint;
    const target = redirectUri.split('?')[0] ?? '';
    return {
      status: out.status,
      ...(out.message ? { message: out.message } : {}),
      redirect:
        target === '/auth/login' ? 'login-page'
        : typedUrl && target === typedUrl ? 'typed-url'
        : endSession && target === endSession ? 'end-session-endpoint'
        : target,
      idTokenHint: new URL(redirectUri, this.info.photos.url).searchParams.has('id_token_hint'),
      sessionEnded: (await this.api.meStatus(token)) === 401,
    };
  }

  /** The session the last web login left in its browser: its token and how it logged in (cookies). */
  private async lastSession(): Promise<{ token: string; authType: 'oauth' | 'password' }> {
    const cookies = await step('read the session cookies of the last login', async () => {
      if (!this.lastContext) throw new Error('no login to read a session of (log in first, and read it before the next step)');
      return this.lastContext.cookies(this.info.photos.url);
    });
    const token = cookies.find((c) => c.name === 'immich_access_token')?.value;
    if (!token) throw new Error('the browser holds no immich_access_token cookie after the login');
    return { token, authType: cookies.find((c) => c.name === 'immich_auth_type')?.value === 'password' ? 'password' : 'oauth' };
  }

  /**
   * Sends the photo server a back-channel logout for `sub`, signed by the IdP for `clientId`, the way the IdP
   * would (the IdP makes the token; the harness posts it), and says whether the last login's session survived.
   */
  async backchannelLogout(clientId: string, sub: string, fault?: 'no-event'): Promise<{ status: number; message?: string; sessionEnded: boolean }> {
    if (!this.idp.logoutToken) throw new Error('backchannelLogout: this IdP control makes no logout tokens; run the scenario where capabilities.forges is set');
    const { token } = await this.lastSession();
    const logoutToken = await this.idp.logoutToken({ clientId, sub, ...(fault ? { fault } : {}) });
    const r = await this.api.backchannelLogout(logoutToken);
    return { status: r.status, ...(r.message ? { message: r.message } : {}), sessionEnded: (await this.api.meStatus(token)) === 401 };
  }

  /** The account the last web login signed the browser into. */
  async lastLoginUserId(): Promise<string> {
    return (await this.api.me((await this.lastSession()).token)).id;
  }

  /** The photo server's record of the user with this email (exact or case-insensitive match), or undefined. */
  async userByEmail(email: string): Promise<UserFacts | undefined> {
    const users = await this.api.adminUsers(this.adminToken);
    const wanted = email.trim().toLowerCase();
    const found = users.find((u) => u.email === email) ?? users.find((u) => u.email.toLowerCase() === wanted);
    return found && toFacts(found);
  }

  /** A local (password) user of the photo server, as an admin makes one: its email is unique to this call. */
  async createLocalUser(overrides: { name?: string; email?: string } = {}): Promise<UserFacts> {
    return toFacts(await this.api.adminCreateUser(this.adminToken, this.newLocalUser(overrides)));
  }

  /** A local (password) user, and a session of theirs, as after signing in with the password. */
  async createLocalSession(overrides: { name?: string; email?: string } = {}): Promise<{ user: UserFacts; token: string }> {
    const input = this.newLocalUser(overrides);
    const made = await this.api.adminCreateUser(this.adminToken, input);
    return { user: toFacts(made), token: await this.api.login(input.email, input.password) };
  }

  private newLocalUser(overrides: { name?: string; email?: string }): { email: string; name: string; password: string } {
    return {
      email: overrides.email ?? `${this.unique('local')}@example.test`,
      name: overrides.name ?? 'Local User',
      password: randomBytes(18).toString('base64url'),
    };
  }

  /** Unlinks the OAuth account of the session's user, as its settings page does. */
  async unlink(sessionToken: string): Promise<{ status: number; message?: string }> {
    const r = await this.api.oauthUnlink(sessionToken);
    return { status: r.status, ...(r.message ? { message: r.message } : {}) };
  }

  /** How many of the photo server's users have this email (any case). */
  async usersWithEmail(email: string): Promise<number> {
    const users = await this.api.adminUsers(this.adminToken);
    return users.filter((u) => u.email.toLowerCase() === email.trim().toLowerCase()).length;
  }

  async userById(id: string): Promise<UserFacts | undefined> {
    const users = await this.api.adminUsers(this.adminToken);
    const found = users.find((u) => u.id === id);
    return found && toFacts(found);
  }
}

function toFacts(u: {
  id: string;
  name: string;
  email: string;
  storageLabel?: string | null;
  quotaSizeInBytes?: number | null;
  isAdmin: boolean;
  oauthId?: string;
}): UserFacts {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    storageLabel: u.storageLabel ?? null,
    quotaGiB: u.quotaSizeInBytes == null ? null : u.quotaSizeInBytes / GiB,
    isAdmin: u.isAdmin,
    oauthId: u.oauthId ?? '',
  };
}

/** IDP_HARNESS_TRACES=0 turns the login traces off (they cost a little CPU per login). */
const tracesOn = (): boolean => process.env.IDP_HARNESS_TRACES !== '0';

/** Stops the context's tracing into a file of the (private) TMPDIR and reads it back. */
async function traceOf(context: BrowserContext): Promise<Buffer | undefined> {
  const file = join(tmpdir(), `trace-${randomBytes(6).toString('hex')}.zip`);
  try {
    await context.tracing.stop({ path: file });
    return readFileSync(file);
  } catch {
    return undefined; // the context went away first: no trace, the screenshot still tells
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Closes a login's context. Its trace, if one is still being recorded, is discarded first: a browser reached
 * over a connection keeps each trace's stack file in a TMPDIR directory that only stopping removes.
 */
async function closeContext(context: BrowserContext): Promise<void> {
  await context.tracing.stop().catch(() => undefined);
  await context.close().catch(() => undefined);
}
