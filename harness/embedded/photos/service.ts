// Immich's auth rules for one modelled release, in memory: admin bootstrap, password login, the
// system config, and what an OAuth login does to users (lookup, linking, creation from claims).
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { decodeJwt } from 'jose';
import { oauthDefaultsFor } from '../../../products/immich/settings.js';
import { HttpError, type Logger } from './errors.js';
import { ID_TOKEN, type OAuthConfig, type OAuthProfile, type ProfileWithToken, type RelyingParty } from './oidc.js';
import type { Behaviour } from './versions.js';

/** Where Immich sends a user after logout when there is no IdP logout to go to (constants.ts, 1.113 to 3.1). */
const LOGIN_URL = '/auth/login?autoLaunch=0';

export const MOBILE_REDIRECT = 'app.immich:///oauth-callback';
const GiB = 1024 ** 3;

export interface User {
  id: string;
  email: string;
  name: string;
  password: string | null;
  isAdmin: boolean;
  oauthId: string;
  storageLabel: string | null;
  quotaSizeInBytes: number | null;
  shouldChangePassword: boolean;
  profileImagePath: string;
  createdAt: string;
  updatedAt: string;
}

export interface SystemConfig {
  oauth: OAuthConfig;
  passwordLogin: { enabled: boolean };
  server: { externalDomain: string; loginPageMessage: string };
}

export interface OAuthDto {
  url: string;
  state?: string;
  codeVerifier?: string;
}

/** Sessions are kept by a hash of their token, as Immich keeps them, never by the token. */
const sessionKey = (token: string): string => createHash('sha256').update(token).digest('hex');

function hashPassword(password: string): string {
  const salt = randomBytes(16).toString('hex');
  return `${salt}:${createHash('sha256').update(salt + password).digest('hex')}`;
}

function checkPassword(password: string, stored: string | null): boolean {
  const [salt = '', hash = ''] = (stored ?? ':').split(':');
  const candidate = createHash('sha256').update(salt + password).digest('hex');
  return stored !== null && candidate.length === hash.length && timingSafeEqual(Buffer.from(candidate), Buffer.from(hash));
}

/** What the sanitize-filename package does to a storage label (after Immich removes dots). */
export function sanitizeLabel(label: string): string {
  const cleaned = label
    .replaceAll('.', '')
    .replace(/[/?<>\\:*|"]/g, '')
    .replace(/[\x00-\x1f\x80-\x9f]/g, '')
    .replace(/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i, '')
    .replace(/[. ]+$/, '');
  return Buffer.from(cleaned).subarray(0, 255).toString();
}

export function mapUserAdmin(user: User) {
  const { password: _password, ...rest } = user;
  return {
    ...rest,
    avatarColor: 'primary',
    profileChangedAt: user.updatedAt,
    deletedAt: null,
    quotaUsageInBytes: 0,
    status: 'active',
    license: null,
  };
}

export class PhotosService {
  readonly users = new Map<string, User>();
  // sha256(token) → the session's user, and the ID token of the OAuth login that made it (for the logout hint)
  private readonly sessions = new Map<string, { userId: string; idToken?: string; sid?: string }>();
  config: SystemConfig;

  constructor(
    readonly version: string,
    readonly b: Behaviour,
    private readonly rp: RelyingParty,
    private readonly log: Logger,
    private readonly pictureFetch: typeof fetch,
  ) {
    this.config = {
      oauth: oauthDefaultsFor(version) as OAuthConfig,
      passwordLogin: { enabled: true },
      server: { externalDomain: '', loginPageMessage: '' },
    };
  }

  // --- users and sessions ---

  private byEmail(email: string): User | undefined {
    return [...this.users.values()].find((u) => u.email === email); // exact match, as the database does
  }

  private byOAuthId(sub: string): User | undefined {
    return sub ? [...this.users.values()].find((u) => u.oauthId === sub) : undefined;
  }

  private hasAdmin(): boolean {
    return [...this.users.values()].some((u) => u.isAdmin);
  }

  isInitialized(): boolean {
    return this.hasAdmin();
  }

  private update(user: User, patch: Partial<User>): User {
    Object.assign(user, patch, { updatedAt: new Date().toISOString() });
    return user;
  }

  private createUser(dto: Partial<User> & { email: string; name: string }, password?: string): User {
    if (this.byEmail(dto.email)) throw new HttpError(400, this.b.messages.emailTaken);
    if (!dto.isAdmin && !this.hasAdmin()) throw new HttpError(400, 'The first registered account must the administrator.');
    const storageLabel = dto.storageLabel ? sanitizeLabel(dto.storageLabel) : (dto.storageLabel ?? null);
    if (storageLabel && [...this.users.values()].some((u) => u.storageLabel === storageLabel)) {
      // A unique index in Immich's database: the insert fails and the request ends in a 500.
      throw new Error(`duplicate key value violates unique constraint on user.storageLabel ("${storageLabel}")`);
    }
    const now = new Date().toISOString();
    const user: User = {
      id: randomUUID(),
      email: dto.email,
      name: dto.name,
      password: password ? hashPassword(password) : null,
      isAdmin: dto.isAdmin ?? false,
      oauthId: dto.oauthId ?? '',
      storageLabel: storageLabel || null,
      quotaSizeInBytes: dto.quotaSizeInBytes ?? null,
      shouldChangePassword: dto.shouldChangePassword ?? true,
      profileImagePath: '',
      createdAt: now,
      updatedAt: now,
    };
    this.users.set(user.id, user);
    return user;
  }

  private newSession(user: User, idToken?: string): string {
    const token = randomBytes(32).toString('base64url');
    const sid = idToken ? decodeJwt(idToken)['sid'] : undefined;
    this.sessions.set(sessionKey(token), {
      userId: user.id,
      ...(idToken ? { idToken } : {}),
      ...(typeof sid === 'string' ? { sid } : {}),
    });
    return token;
  }

  userForToken(token: string | undefined): User | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(sessionKey(token));
    return session ? this.users.get(session.userId) : undefined;
  }

  /** Ends the session; an OAuth one is sent on to the IdP's logout (Immich's getLogoutEndpoint). */
  async logout(token: string | undefined, authType: string | undefined): Promise<{ successful: true; redirectUri: string }> {
    const key = token ? sessionKey(token) : '';
    const idToken = this.sessions.get(key)?.idToken;
    this.sessions.delete(key);
    const oauth = this.config.oauth;
    if (authType !== 'oauth' || !oauth.enabled) return { successful: true, redirectUri: LOGIN_URL };
    const override = this.b.logoutTarget === 'setting-or-discovery' ? (oauth.endSessionEndpoint as string | undefined) : undefined;
    const endpoint = override || (await this.rp.logoutEndpoint(oauth));
    if (!endpoint) return { successful: true, redirectUri: LOGIN_URL };
    if (!this.b.idTokenHint) return { successful: true, redirectUri: endpoint };
    const url = new URL(endpoint);
    if (idToken) url.searchParams.set('id_token_hint', idToken);
    return { successful: true, redirectUri: url.href };
  }

  /** 3.0+: ends the sessions a back-channel logout token names (by sid, subject, or both). */
  async backchannelLogout(logoutToken: unknown): Promise<void> {
    const oauth = this.config.oauth;
    if (!oauth.enabled) throw new HttpError(400, 'Received backchannel logout request but OAuth is not enabled');
    let claims: { sub?: string; sid?: string };
    try {
      claims = await this.rp.validateLogoutToken!(oauth, String(logoutToken ?? ''));
    } catch (error) {
      this.log.error('AuthService', `Error backchannel logout: ${(error as Error).message}`, error);
      throw new HttpError(400, 'Error backchannel logout: token validation failed');
    }
    if (!claims.sub && !claims.sid) throw new HttpError(400, 'Invalid logout token: it must contain either a sub or a sid claim');
    for (const [key, session] of this.sessions) {
      const user = this.users.get(session.userId);
      const bySub = claims.sub === undefined || user?.oauthId === claims.sub;
      const bySid = claims.sid === undefined || session.sid === claims.sid;
      if (bySub && bySid) this.sessions.delete(key);
    }
  }

  private loginResponse(user: User, idToken?: string) {
    return {
      accessToken: this.newSession(user, idToken),
      userId: user.id,
      userEmail: user.email,
      name: user.name,
      isAdmin: user.isAdmin,
      profileImagePath: user.profileImagePath,
      shouldChangePassword: user.shouldChangePassword,
      // Onboarding is not modelled: every user is as a new one, not yet onboarded.
      ...(this.b.isOnboarded ? { isOnboarded: false } : {}),
    };
  }

  // --- bootstrap ---

  adminSignUp(dto: { email: string; password: string; name: string }) {
    if (this.hasAdmin()) throw new HttpError(400, 'The server already has an admin');
    const user = this.createUser(
      { isAdmin: true, email: dto.email.toLowerCase(), name: dto.name, storageLabel: 'admin' },
      dto.password,
    );
    return mapUserAdmin(user);
  }

  /** POST /api/admin/users: a local (password) user, made by the admin. */
  createUserAdmin(dto: { email: string; password: string; name: string }) {
    return mapUserAdmin(this.createUser({ email: dto.email.toLowerCase(), name: dto.name }, dto.password));
  }

  login(dto: { email: string; password: string }) {
    if (!this.config.passwordLogin.enabled) throw new HttpError(401, 'Password login has been disabled');
    const user = this.byEmail(dto.email.toLowerCase());
    if (!user || !checkPassword(dto.password, user.password)) {
      this.log.warn('AuthService', `Failed login attempt for user ${dto.email}`);
      throw new HttpError(401, 'Incorrect email or password');
    }
    return this.loginResponse(user);
  }

  // --- OAuth ---

  /** Swap the app's redirect URI for the configured override (mobile override). */
  resolveRedirectUri(uri: string): string {
    const { mobileOverrideEnabled, mobileRedirectUri } = this.config.oauth;
    if (!mobileOverrideEnabled || !mobileRedirectUri) return uri;
    if (this.b.mobileOverride === 'prefix-swap') return uri.startsWith('app.immich:/') ? mobileRedirectUri : uri;
    return uri.replace(/app\.immich:\/+oauth-callback/, () => mobileRedirectUri);
  }

  getMobileRedirect(requestUrl: string): string {
    return `${MOBILE_REDIRECT}?${requestUrl.split('?')[1] || ''}`;
  }

  async authorize(dto: { redirectUri: string; state?: string; codeChallenge?: string }) {
    const oauth = this.config.oauth;
    if (!oauth.enabled) throw new HttpError(400, 'OAuth is not enabled');
    return this.rp.authorize(oauth, this.resolveRedirectUri(dto.redirectUri), dto.state, dto.codeChallenge);
  }

  private stateAndVerifier(dto: OAuthDto, cookies: Record<string, string>) {
    const state = dto.state ?? cookies.immich_oauth_state;
    if (!state?.length) throw new HttpError(400, 'OAuth state is missing');
    const verifier = dto.codeVerifier ?? cookies.immich_oauth_code_verifier;
    if (!verifier?.length) throw new HttpError(400, 'OAuth code verifier is missing');
    return { state, verifier };
  }

  private async profileFor(dto: OAuthDto, cookies: Record<string, string>, swapRedirect: boolean): Promise<ProfileWithToken> {
    const oauth = this.config.oauth;
    if (!this.b.stateAndVerifier) {
      // 1.113: the redirect_uri sent to the token endpoint is the callback URL without its query, swapped.
      return this.rp.getProfile(oauth, dto.url, '', '', this.resolveRedirectUri(dto.url.split('?')[0] ?? ''));
    }
    const { state, verifier } = this.stateAndVerifier(dto, cookies);
    return this.rp.getProfile(oauth, swapRedirect ? this.resolveRedirectUri(dto.url) : dto.url, state, verifier);
  }

  private roleOf(profile: OAuthProfile): 'admin' | 'user' | undefined {
    const value = profile[this.config.oauth.roleClaim as string];
    if (this.b.role === 'every-login') {
      const roles = Array.isArray(value) ? value : [value];
      return roles.includes('admin') ? 'admin' : roles.includes('user') ? 'user' : undefined;
    }
    return typeof value === 'string' && (value === 'admin' || value === 'user') ? value : undefined;
  }

  async callback(dto: OAuthDto, cookies: Record<string, string>) {
    const oauth = this.config.oauth;
    if (this.b.callbackChecksEnabled && !oauth.enabled) throw new HttpError(400, 'OAuth is not enabled');
    const profile = await this.profileFor(dto, cookies, true);
    const raw = typeof profile.email === 'string' ? profile.email : undefined;
    const email = this.b.normaliseEmail ? (raw ? raw.trim().toLowerCase() : undefined) : raw;
    this.log.debug('AuthService', `Logging in with OAuth: ${JSON.stringify(profile)}`);

    let user = this.byOAuthId(profile.sub);
    if (!user && email) {
      const emailUser = this.byEmail(email);
      if (emailUser) {
        if (emailUser.oauthId) throw new HttpError(400, this.b.messages.linkedToAnother);
        user = this.update(emailUser, { oauthId: profile.sub });
      }
    }

    const role = this.b.role === 'ignored' ? undefined : this.roleOf(profile);
    if (this.b.role === 'every-login' && user && role && (role === 'admin') !== user.isAdmin) {
      user = this.update(user, { isAdmin: role === 'admin' });
    }

    if (!user) {
      if (!oauth.autoRegister) {
        this.log.warn('AuthService', `Unable to register ${profile.sub}/${email || '(no email)'}. ${this.b.messages.autoRegisterOff}`);
        throw new HttpError(400, this.b.messages.autoRegisterOff);
      }
      if (!email) throw new HttpError(400, 'OAuth profile does not have an email address');
      this.log.log('AuthService', `Registering new user: ${profile.sub}/${email}`);
      user = this.createUser({
        name: this.nameOf(profile, email),
        email,
        oauthId: profile.sub,
        quotaSizeInBytes: this.quotaOf(profile),
        storageLabel: this.labelOf(profile) || null,
        isAdmin: role === 'admin',
      });
    }

    if (this.b.pictureSync && !user.profileImagePath && typeof profile.picture === 'string' && profile.picture) {
      await this.syncPicture(user, profile.picture);
    }
    return this.loginResponse(user, profile[ID_TOKEN]);
  }

  private nameOf(p: OAuthProfile, email: string): string {
    const given = (p.given_name as string) || '';
    const family = (p.family_name as string) || '';
    if (this.b.name === 'name-or-given-family') return (p.name as string | undefined) ?? `${given} ${family}`;
    return (p.name as string) || `${given} ${family}`.trim() || (p.preferred_username as string) || email;
  }

  private labelOf(p: OAuthProfile): string {
    const value = p[this.config.oauth.storageLabelClaim as string];
    return typeof value === 'string' ? value : '';
  }

  private quotaOf(p: OAuthProfile): number | null {
    const value = p[this.config.oauth.storageQuotaClaim as string];
    const valid = this.b.quotaClaim === 'number-type' ? typeof value === 'number' && value >= 0 : Number(value) >= 0;
    // JavaScript's own coercion, as Immich multiplies whatever the claim holds ("5" → 5 GiB).
    const quota = (valid ? value : this.config.oauth.defaultStorageQuota) as number | null;
    if (this.b.quotaZero === 'null') return (quota as number) * GiB || null;
    return quota === null ? null : (quota as number) * GiB;
  }

  private async syncPicture(user: User, url: string) {
    try {
      const res = await this.pictureFetch(url);
      if (!res.ok) throw new Error(`Failed to fetch picture: ${res.statusText}`);
      await res.arrayBuffer();
      this.update(user, { profileImagePath: `/data/profile/${user.id}/${randomUUID()}.jpg` });
    } catch (error) {
      this.log.warn('AuthService', `Unable to sync oauth profile picture: ${error}`);
    }
  }

  async link(user: User, dto: OAuthDto, cookies: Record<string, string>) {
    const profile = await this.profileFor(dto, cookies, false);
    const duplicate = this.byOAuthId(profile.sub);
    if (duplicate && duplicate.id !== user.id) {
      this.log.warn('AuthService', `OAuth link account failed: sub is already linked to another user (${duplicate.email}).`);
      throw new HttpError(400, 'This OAuth account has already been linked to another user.');
    }
    return mapUserAdmin(this.update(user, { oauthId: profile.sub }));
  }

  unlink(user: User) {
    return mapUserAdmin(this.update(user, { oauthId: '' }));
  }
}
