// The backend-independent way a scenario drives an identity provider: make users and OAuth clients.
// The embedded provider implements it in process and over HTTP (httpIdpControl); the docker backend
// implements it for real Authelia and authentik.
import type { TokenEndpointAuthMethod } from '../model.js';

export interface NewIdpUser {
  username: string;
  /** Random (alphanumeric) when absent. */
  password?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  /** null or absent: the user has no email; "": an empty email. */
  email?: string | null;
  preferredUsername?: string;
  /** Custom claims (immich_quota, immich_role...), sent when the client asks for capabilities.customClaimsScope. */
  claims?: Record<string, unknown>;
  /** Give the user a TOTP second factor (Authelia: set through its CLI in the container). */
  totp?: boolean;
}

export interface IdpUser {
  username: string;
  password: string;
  sub: string;
  /** Base32 TOTP secret when the user was given a second factor. */
  totpSecret?: string;
}

export interface NewIdpClient {
  redirectUris: string[];
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  consent?: 'implicit' | 'explicit';
  /** The client's policy asks for a second factor (Authelia's authorization_policy: two_factor). */
  twoFactor?: boolean;
  /** What the IdP does wrong for this client, as a broken or hostile IdP would (capabilities.forges only). */
  forge?: Forgery;
  /** A public client: no secret (token_endpoint_auth_method none), PKCE required (capabilities.publicClients only). */
  public?: boolean;
  /**
   * Userinfo as a signed JWT (userinfo_signed_response_alg RS256), and an ID token with protocol claims only, so
   * the relying party reads the profile from userinfo (capabilities.forges only: the embedded provider).
   */
  signedUserinfo?: boolean;
  /**
   * PKCE required of this confidential client; 'required-unadvertised': and discovery leaves out
   * code_challenge_methods_supported while this is the newest client (capabilities.forges only).
   */
  pkce?: 'required' | 'required-unadvertised';
}

/** What a forgery changes: the ID token (changed and signed again), or something around a token left as issued. */
export type ForgeryTarget = 'id-token' | 'userinfo' | 'userinfo-endpoint' | 'issuer' | 'token-timing' | 'certificate';

/**
 * Ways an IdP gets things wrong, each a check the relying party must make (or, for rotated-key and es256, a change
 * it must follow): what each changes, and the scenario that guards it. One fault at a time; the rest is what the
 * IdP issued.
 */
export const FORGERY_KINDS = {
  'bad-signature': { changes: ['id-token'], scenario: 'id-token-checks' }, // one byte of the RS256 signature changed
  'wrong-issuer': { changes: ['id-token'], scenario: 'id-token-checks' }, // iss is not the discovered issuer
  'wrong-audience': { changes: ['id-token'], scenario: 'id-token-checks' }, // aud names another client
  'no-audience': { changes: ['id-token'], scenario: 'id-token-checks' }, // aud left out
  'no-issued-at': { changes: ['id-token'], scenario: 'id-token-checks' }, // iat left out
  expired: { changes: ['id-token'], scenario: 'id-token-checks' }, // exp an hour ago
  'alg-none': { changes: ['id-token'], scenario: 'id-token-checks' }, // unsigned, header alg "none"
  'rotated-key': { changes: ['id-token'], scenario: 'id-token-checks' }, // signed with a new key, in the JWKS from then on
  es256: { changes: ['id-token'], scenario: 'signing-algorithm' }, // signed ES256 with a published P-256 key
  // an ID token with protocol claims only, and userinfo answering for another subject
  'userinfo-other-sub': { changes: ['id-token', 'userinfo'], scenario: 'id-token-checks' },
  'empty-nonce': { changes: ['id-token'], scenario: 'id-token-checks' }, // nonce "" (Immich sends no nonce)
  'unrequested-nonce': { changes: ['id-token'], scenario: 'id-token-checks' }, // a nonce the relying party never sent
  'slow-token': { changes: ['token-timing'], scenario: 'idp-timeout' }, // the token response held back SLOW_TOKEN_MS
  // the issuer is served on a second port, with a certificate from a CA nobody trusts
  'untrusted-ca': { changes: ['certificate'], scenario: 'private-ca' },
  // discovery has no userinfo_endpoint (while this is the newest client); the ID token has the profile
  'no-userinfo': { changes: ['userinfo-endpoint'], scenario: 'no-userinfo' },
  // the same, and the ID token has protocol claims only (no email)
  'no-userinfo-thin-id-token': { changes: ['userinfo-endpoint', 'id-token'], scenario: 'no-userinfo' },
  // a second issuer (SECOND_ISSUER_PATH under the first) with its own discovery, whose tokens and authorization
  // responses name it, for the same users and subjects: what a relying party meets when its IdP changes
  'second-issuer': { changes: ['issuer', 'id-token'], scenario: 'issuer-change' },
} as const satisfies Record<string, { changes: readonly ForgeryTarget[]; scenario: string }>;
export type Forgery = keyof typeof FORGERY_KINDS;
export const FORGERIES = Object.keys(FORGERY_KINDS) as Forgery[];

/** The forgeries that change `target`. */
export type ForgeryOf<T extends ForgeryTarget> = {
  [F in Forgery]: T extends (typeof FORGERY_KINDS)[F]['changes'][number] ? F : never;
}[Forgery];

export function forgeryChanges<T extends ForgeryTarget>(forgery: Forgery, target: T): forgery is ForgeryOf<T> {
  return (FORGERY_KINDS[forgery].changes as readonly ForgeryTarget[]).includes(target);
}

/** Where the 'second-issuer' forgery's issuer lives, under the provider's own. */
export const SECOND_ISSUER_PATH = '/second-issuer';

/** How long the 'slow-token' forgery holds the token response back: over openid-client 5's 3.5 s default. */
export const SLOW_TOKEN_MS = 5000;

export interface IdpClient {
  clientId: string;
  /** Alphanumeric: authentik does not URL-decode basic credentials. */
  clientSecret: string;
  issuer: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** What ID tokens are signed with, e.g. RS256 or HS256. */
  idTokenAlg: string;
  /** Set when ID tokens are encrypted (JWE), e.g. { alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512' }. */
  idTokenEncryption?: { alg: string; enc: string };
}

export interface IdpCapabilities {
  /** Scope to request so custom claims are sent; null: this IdP cannot send them. */
  customClaimsScope: string | null;
  /**
   * settable: preferred_username is a profile field of its own; is-username: the IdP always sends the username
   * (Authelia, authentik), so it changes only with a new user.
   */
  preferredUsername: 'settable' | 'is-username';
  /** The IdP can forge tokens for a client (NewIdpClient.forge): only the embedded provider can. */
  forges?: boolean;
  /** The IdP registers public clients (NewIdpClient.public) through this control. */
  publicClients?: boolean;
}

/** Refuses a preferred username the IdP cannot send, rather than dropping it without a word. */
export function checkPreferredUsername(capabilities: IdpCapabilities, username: string, wanted: string | undefined): void {
  if (capabilities.preferredUsername === 'is-username' && wanted !== undefined && wanted !== username) {
    throw new Error(
      `this IdP sends the username as preferred_username, so it cannot be "${wanted}" for user "${username}": ` +
        'check capabilities.preferredUsername before changing it',
    );
  }
}

export interface IdpControl {
  capabilities: IdpCapabilities;
  createUser(user: NewIdpUser): Promise<IdpUser>;
  updateUser(username: string, patch: Partial<Omit<NewIdpUser, 'username'>>): Promise<void>;
  createClient(client: NewIdpClient): Promise<IdpClient>;
  /**
   * Fault injection (embedded provider only): answer the next `count` sign-in submissions only after `ms`,
   * the way an overloaded IdP would. Real IdPs have no such knob.
   */
  holdSignIns?(ms: number, count?: number): Promise<void>;
  /**
   * A back-channel logout token (OpenID Connect Back-Channel Logout 1.0) for `sub`, addressed to `clientId` and
   * signed with the IdP's key; `fault` leaves out the logout event (capabilities.forges only).
   */
  logoutToken?(input: LogoutTokenRequest): Promise<string>;
}

export interface LogoutTokenRequest {
  clientId: string;
  sub: string;
  fault?: 'no-event';
}

/** Paths of the HTTP form of the control API (Bearer token on every request). */
export const CONTROL_PATHS = {
  capabilities: '/v1/capabilities',
  users: '/v1/users',
  user: (username: string) => `/v1/users/${encodeURIComponent(username)}`,
  clients: '/v1/clients',
  hold: '/v1/hold',
  logoutTokens: '/v1/logout-tokens',
} as const;

/**
 * Client for the HTTP control API. `capabilities` is known once any call has answered (each call loads
 * them first), or at once when passed in (e.g. from the embedded provider's ready line).
 */
export function httpIdpControl(controlUrl: string, token: string, capabilities?: IdpCapabilities): IdpControl {
  const base = controlUrl.replace(/\/+$/, '');
  let known = capabilities;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(`IdP control API at ${base} unreachable (${(err as Error).message}): is the provider running?`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new Error(`IdP control ${method} ${path} failed with ${res.status}: ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function ensureCapabilities(): Promise<void> {
    known ??= await call<IdpCapabilities>('GET', CONTROL_PATHS.capabilities);
  }

  return {
    get capabilities(): IdpCapabilities {
      if (!known) {
        throw new Error(
          'IdP capabilities are not loaded yet: read them after a createUser/createClient call, pass them to ' +
            'httpIdpControl, or use connectIdpControl()',
        );
      }
      return known;
    },
    async createUser(user) {
      await ensureCapabilities();
      return call<IdpUser>('POST', CONTROL_PATHS.users, user);
    },
    async updateUser(username, patch) {
      await ensureCapabilities();
      await call<void>('PATCH', CONTROL_PATHS.user(username), patch);
    },
    async createClient(client) {
      await ensureCapabilities();
      return call<IdpClient>('POST', CONTROL_PATHS.clients, client);
    },
    async holdSignIns(ms, count = 1) {
      await call<void>('POST', CONTROL_PATHS.hold, { ms, count });
    },
    async logoutToken(input) {
      return (await call<{ logoutToken: string }>('POST', CONTROL_PATHS.logoutTokens, input)).logoutToken;
    },
  };
}

/** Like httpIdpControl, with the capabilities loaded before it returns. */
export async function connectIdpControl(controlUrl: string, token: string): Promise<IdpControl> {
  const res = await fetch(`${controlUrl.replace(/\/+$/, '')}${CONTROL_PATHS.capabilities}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`IdP control capabilities failed with ${res.status}: check the control URL and token`);
  return httpIdpControl(controlUrl, token, (await res.json()) as IdpCapabilities);
}
