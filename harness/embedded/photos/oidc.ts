// The relying-party half of each modelled release: the same openid-client major, called with the same
// arguments in the same order as that release's server code, so library failures (JWE, alg mismatch,
// invalid_client, untrusted CA, issuer mismatch) happen for the same reasons and read the same.
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc6 from 'openid-client';
import { Issuer, custom as custom5, generators as generators5, type Client as Client5 } from 'openid-client-5';
import type { Behaviour } from './versions.js';
import { HttpError, type Logger } from './errors.js';

export type OAuthConfig = Record<string, unknown> & {
  enabled: boolean;
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  signingAlgorithm: string;
  profileSigningAlgorithm: string;
  mobileOverrideEnabled: boolean;
  mobileRedirectUri: string;
};

export type OAuthProfile = Record<string, unknown> & { sub: string };

/** How the reference reaches the IdP: Node's defaults unless a CA or name overrides are given. */
export interface Outgoing {
  /** openid-client 6 customFetch (undefined = global fetch, as Immich). */
  fetch?: typeof fetch;
  /** openid-client 5 http options (undefined = node:https defaults, as Immich). */
  httpOptions?: { ca?: string[]; lookup?: (...args: never[]) => void };
}

export interface AuthorizeOutcome {
  url: string;
  state?: string;
  codeVerifier?: string | null;
}

/** The ID token a profile came with, kept beside it for the session (the logout's id_token_hint). */
export const ID_TOKEN = Symbol('id token');
export type ProfileWithToken = OAuthProfile & { [ID_TOKEN]?: string };

export interface RelyingParty {
  /** The IdP's end_session_endpoint from discovery, if it has one. */
  logoutEndpoint(oauth: OAuthConfig): Promise<string | undefined>;
  /** Verifies a back-channel logout token the way 3.0+ does (openid-client 6 releases only); throws when it fails. */
  validateLogoutToken?(oauth: OAuthConfig, logoutToken: string): Promise<{ sub?: string; sid?: string }>;
  authorize(oauth: OAuthConfig, redirectUri: string, state?: string, codeChallenge?: string): Promise<AuthorizeOutcome>;
  /**
   * `url` is the callback URL the browser or app came back with (after any mobile override swap);
   * `redirectUri` is what openid-client 5 is told the redirect URI was (1.113 derives it from `url`).
   */
  getProfile(
    oauth: OAuthConfig,
    url: string,
    expectedState: string,
    codeVerifier: string,
    redirectUri?: string,
  ): Promise<ProfileWithToken>;
}

function discoveryError(log: Logger, error: unknown): HttpError {
  log.error('OAuthRepository', `Error in OAuth discovery: ${error}`, error);
  return new HttpError(500, `Error in OAuth discovery: ${error}`);
}

// --- 1.113: openid-client 5 -------------------------------------------------------------------------

class RelyingParty5 implements RelyingParty {
  constructor(
    private readonly b: Behaviour,
    private readonly out: Outgoing,
    private readonly log: Logger,
  ) {}

  private withHttpOptions<T extends object>(target: T): T {
    // 1.113's AuthService sets openid-client 5's default timeout to 30 s (custom.setHttpOptionsDefaults); the
    // function below replaces the defaults, so it carries that timeout too.
    const opts = { timeout: 30_000, ...this.out.httpOptions };
    (target as Record<symbol, unknown>)[custom5.http_options] = () => ({ ...opts });
    return target;
  }

  private async client(oauth: OAuthConfig): Promise<Client5> {
    if (!oauth.enabled) throw new HttpError(400, 'OAuth2 is not enabled');
    try {
      // A subclass carries our http options for discovery without touching openid-client 5's globals.
      const Discoverer = this.withHttpOptions(class extends Issuer {});
      const issuer = this.withHttpOptions(await Discoverer.discover(oauth.issuerUrl));
      const client = new issuer.Client({
        client_id: oauth.clientId,
        client_secret: oauth.clientSecret,
        response_types: ['code'],
        userinfo_signed_response_alg: oauth.profileSigningAlgorithm === 'none' ? undefined : oauth.profileSigningAlgorithm,
        id_token_signed_response_alg: oauth.signingAlgorithm,
      });
      return this.withHttpOptions(client);
    } catch (error) {
      throw discoveryError(this.log, error);
    }
  }

  async authorize(oauth: OAuthConfig, redirectUri: string): Promise<AuthorizeOutcome> {
    const client = await this.client(oauth);
    const url = client.authorizationUrl({ redirect_uri: redirectUri, scope: oauth.scope, state: generators5.state() });
    return { url };
  }

  async logoutEndpoint(oauth: OAuthConfig): Promise<string | undefined> {
    const end = (await this.client(oauth)).issuer.metadata.end_session_endpoint;
    return typeof end === 'string' ? end : undefined;
  }

  async getProfile(oauth: OAuthConfig, url: string, _s: string, _v: string, redirectUri = url.split('?')[0] ?? url): Promise<ProfileWithToken> {
    const client = await this.client(oauth);
    const params = client.callbackParams(url);
    try {
      // 1.113 checks the state against itself: there is no state of its own to compare with.
      const tokens = await client.callback(redirectUri, params, { state: params.state });
      const profile = (await client.userinfo(tokens.access_token || '')) as ProfileWithToken;
      if (tokens.id_token) profile[ID_TOKEN] = tokens.id_token;
      return profile;
    } catch (error) {
      if (String((error as Error)?.message).includes('unexpected JWT alg received')) {
        this.log.warn('AuthService', 'Algorithm mismatch. Make sure the signing algorithm is set correctly in the OAuth settings.');
      }
      throw error;
    }
  }
}

// --- 1.132+: openid-client 6 ------------------------------------------------------------------------

class RelyingParty6 implements RelyingParty {
  constructor(
    private readonly b: Behaviour,
    private readonly out: Outgoing,
    private readonly log: Logger,
  ) {}

  private clientAuth(oauth: OAuthConfig): oidc6.ClientAuth | undefined {
    if (this.b.clientAuth === 'post') return undefined; // 1.132 passes nothing: the library picks post
    const secret = oauth.clientSecret;
    if (!secret) return oidc6.None();
    switch (oauth.tokenEndpointAuthMethod) {
      case 'client_secret_post':
        return oidc6.ClientSecretPost(secret);
      case 'client_secret_basic':
        return oidc6.ClientSecretBasic(secret);
      default:
        return oidc6.None();
    }
  }

  private async client(oauth: OAuthConfig): Promise<oidc6.Configuration> {
    try {
      const insecure =
        this.b.insecureRequests === 'always' || (this.b.insecureRequests === 'setting' && oauth.allowInsecureRequests === true);
      const options: oidc6.DiscoveryRequestOptions = { execute: insecure ? [oidc6.allowInsecureRequests] : [] };
      if (this.b.timeout === 'setting') options.timeout = oauth.timeout as number;
      if (this.out.fetch) options[oidc6.customFetch] = this.out.fetch as oidc6.CustomFetch;
      const metadata: Partial<oidc6.ClientMetadata> = {
        client_secret: oauth.clientSecret,
        response_types: ['code'],
        userinfo_signed_response_alg: oauth.profileSigningAlgorithm === 'none' ? undefined : oauth.profileSigningAlgorithm,
        id_token_signed_response_alg: oauth.signingAlgorithm,
      };
      // 1.132 also put `timeout: 30_000` in the client metadata, where the library ignores it.
      if (this.b.timeout === 'library-default') metadata.timeout = 30_000;
      return await oidc6.discovery(new URL(oauth.issuerUrl), oauth.clientId, metadata, this.clientAuth(oauth), options);
    } catch (error) {
      throw discoveryError(this.log, error);
    }
  }

  async authorize(oauth: OAuthConfig, redirectUri: string, state?: string, codeChallenge?: string): Promise<AuthorizeOutcome> {
    const client = await this.client(oauth);
    state ??= oidc6.randomState();
    let codeVerifier: string | null;
    if (codeChallenge) {
      codeVerifier = null;
    } else {
      codeVerifier = oidc6.randomPKCECodeVerifier();
      codeChallenge = await oidc6.calculatePKCECodeChallenge(codeVerifier);
    }
    const params: Record<string, string> = { redirect_uri: redirectUri, scope: oauth.scope, state };
    if (typeof oauth.prompt === 'string' && oauth.prompt) params.prompt = oauth.prompt;
    const s256 = client.serverMetadata().supportsPKCE();
    switch (this.b.pkceInAuthorize) {
      case 'always':
        Object.assign(params, { code_challenge: codeChallenge, code_challenge_method: 'S256' });
        break;
      case 'blank-unless-s256':
        Object.assign(params, { code_challenge: s256 ? codeChallenge : '', code_challenge_method: s256 ? 'S256' : '' });
        break;
      case 'only-with-s256':
        if (s256) Object.assign(params, { code_challenge: codeChallenge, code_challenge_method: 'S256' });
        break;
      case 'never':
        break;
    }
    return { url: oidc6.buildAuthorizationUrl(client, params).href, state, codeVerifier };
  }

  async logoutEndpoint(oauth: OAuthConfig): Promise<string | undefined> {
    return (await this.client(oauth)).serverMetadata().end_session_endpoint;
  }

  async validateLogoutToken(oauth: OAuthConfig, logoutToken: string): Promise<{ sub?: string; sid?: string }> {
    const client = await this.client(oauth);
    const algorithm = client.clientMetadata().id_token_signed_response_alg ?? 'RS256';
    let key: Uint8Array | ReturnType<typeof createLocalJWKSet>;
    if (algorithm.startsWith('HS')) {
      key = new TextEncoder().encode(oauth.clientSecret);
    } else {
      const jwksUri = client.serverMetadata().jwks_uri;
      if (!jwksUri) throw new Error('Unable to get JWKS URI');
      // Immich fetches the keys with jose's remote key set; here through the model's own fetch (CA, names).
      key = createLocalJWKSet((await (await (this.out.fetch ?? fetch)(jwksUri)).json()) as JSONWebKeySet);
    }
    const { payload } = await jwtVerify(logoutToken, key as never, {
      issuer: client.serverMetadata().issuer,
      audience: oauth.clientId,
      algorithms: [algorithm],
      maxTokenAge: '2m',
      clockTolerance: '5s',
    });
    const events = payload['events'] as Record<string, unknown> | undefined;
    if (!events || !events['http://schemas.openid.net/event/backchannel-logout']) throw new Error('Missing backchannel-logout event claim');
    if (payload['nonce']) throw new Error('Logout token must not contain a nonce');
    return { sub: payload.sub, sid: payload['sid'] as string | undefined };
  }

  async getProfile(oauth: OAuthConfig, url: string, expectedState: string, codeVerifier: string): Promise<ProfileWithToken> {
    const client = await this.client(oauth);
    const pkceCodeVerifier = client.serverMetadata().supportsPKCE() ? codeVerifier : undefined;
    try {
      const tokens = await oidc6.authorizationCodeGrant(client, new URL(url), { expectedState, pkceCodeVerifier });
      let profile: OAuthProfile;
      const claims = tokens.claims();
      if (this.b.userinfo === 'unless-id-token-has-email' && claims && 'email' in claims) {
        profile = claims as unknown as OAuthProfile;
      } else {
        profile = (await oidc6.fetchUserInfo(client, tokens.access_token, oidc6.skipSubjectCheck)) as OAuthProfile;
      }
      if (!profile.sub) throw new Error('Unexpected profile response, no `sub`');
      return { ...profile, ...(tokens.id_token ? { [ID_TOKEN]: tokens.id_token } : {}) };
    } catch (error) {
      const e = error as Error & { code?: string; cause?: Error };
      if (String(e?.message).includes('unexpected JWT alg received')) {
        this.log.warn('OAuthRepository', 'Algorithm mismatch. Make sure the signing algorithm is set correctly in the OAuth settings.');
      }
      if (this.b.profileErrors === 'rethrow') {
        // 1.132 lets the library error itself propagate (its cause for an invalid response).
        if (e?.code === 'OAUTH_INVALID_RESPONSE' && e.cause) {
          this.log.warn('OAuthRepository', `Invalid response from authorization server. Cause: ${e.cause.message}`);
          throw e.cause;
        }
        throw error;
      }
      this.log.error('OAuthRepository', `OAuth login failed: ${e?.message}`, error);
      throw new Error('OAuth login failed', { cause: error });
    }
  }
}

export function relyingParty(b: Behaviour, out: Outgoing, log: Logger): RelyingParty {
  return b.oidcLibrary === 5 ? new RelyingParty5(b, out, log) : new RelyingParty6(b, out, log);
}
