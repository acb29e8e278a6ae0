// Users and clients created at run time through the control API, validated the way the modelled IdP would.
import { randomInt, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { FORGERIES, type Forgery, type IdpClient, type IdpUser, type NewIdpClient, type NewIdpUser } from '../../idp/control.js';
import type { TokenEndpointAuthMethod } from '../../model.js';
import type { StoredUser } from './claims.js';
import type { Profile } from './profiles.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Alphanumeric secrets: authentik does not URL-decode basic credentials. */
export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

export interface StoredClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  consent: 'implicit' | 'explicit';
  forge?: Forgery;
  /** No secret: token_endpoint_auth_method none, PKCE required. */
  public?: true;
  /** Userinfo signed RS256; the ID token carries protocol claims only. */
  signedUserinfo?: true;
  /** PKCE required; 'required-unadvertised': discovery hides it while this is the newest client. */
  pkce?: 'required' | 'required-unadvertised';
}

export class BadRequest extends Error {}

const AUTH_METHODS: TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

export class IdpStore {
  private users = new Map<string, StoredUser>();
  private subs = new Map<string, StoredUser>();
  private clients = new Map<string, StoredClient>();

  constructor(
    private readonly profile: Profile,
    private readonly customClaims: string[],
    /** settings.tokenEndpointAuthMethod: the method registered when a client names none. */
    private readonly defaultAuthMethod: TokenEndpointAuthMethod = profile.defaultAuthMethod,
  ) {}

  createUser(input: NewIdpUser): IdpUser {
    if (!input || typeof input.username !== 'string' || !/^[A-Za-z0-9._@-]{1,64}$/.test(input.username)) {
      throw new BadRequest('username must be 1-64 characters of letters, digits, ".", "_", "@" or "-"');
    }
    if (this.users.has(input.username)) throw new BadRequest(`user "${input.username}" already exists: use a unique name per scenario`);
    this.checkClaims(input.claims);
    const user: StoredUser = {
      username: input.username,
      password: input.password ?? randomAlnum(24),
      sub: this.profile.subject === 'username' ? input.username : randomUUID(),
      name: input.name,
      givenName: input.givenName,
      familyName: input.familyName,
      email: input.email ?? null,
      preferredUsername: input.preferredUsername,
      claims: { ...(input.claims ?? {}) },
      updatedAt: Math.floor(Date.now() / 1000),
    };
    this.users.set(user.username, user);
    this.subs.set(user.sub, user);
    return { username: user.username, password: user.password, sub: user.sub };
  }

  updateUser(username: string, patch: Partial<Omit<NewIdpUser, 'username'>>): void {
    const user = this.users.get(username);
    if (!user) throw new BadRequest(`no user "${username}": create it first`);
    if ('username' in (patch ?? {})) throw new BadRequest('a username cannot be changed');
    this.checkClaims(patch.claims);
    if (patch.password !== undefined) user.password = patch.password;
    if ('name' in patch) user.name = patch.name;
    if ('givenName' in patch) user.givenName = patch.givenName;
    if ('familyName' in patch) user.familyName = patch.familyName;
    if ('email' in patch) user.email = patch.email ?? null;
    if ('preferredUsername' in patch) user.preferredUsername = patch.preferredUsername;
    if (patch.claims) user.claims = { ...user.claims, ...patch.claims };
    user.updatedAt = Math.floor(Date.now() / 1000);
  }

  userByName(username: string): StoredUser | undefined {
    return this.users.get(username);
  }

  userBySub(sub: string): StoredUser | undefined {
    return this.subs.get(sub);
  }

  createClient(input: NewIdpClient, issuer: string, idToken: Pick<IdpClient, 'idTokenAlg' | 'idTokenEncryption'>): IdpClient {
    if (!input || !Array.isArray(input.redirectUris) || input.redirectUris.length === 0) {
      throw new BadRequest('redirectUris must list at least one URI');
    }
    input.redirectUris.forEach((uri) => this.checkRedirectUri(uri));
    const method = input.tokenEndpointAuthMethod ?? this.defaultAuthMethod;
    if (!AUTH_METHODS.includes(method)) throw new BadRequest(`tokenEndpointAuthMethod must be one of ${AUTH_METHODS.join(', ')}`);
    const consent = input.consent ?? 'implicit';
    if (consent !== 'implicit' && consent !== 'explicit') throw new BadRequest('consent must be "implicit" or "explicit"');
    if (input.forge !== undefined) {
      if (!FORGERIES.includes(input.forge)) throw new BadRequest(`forge must be one of ${FORGERIES.join(', ')}`);
      if (idToken.idTokenAlg !== 'RS256' || idToken.idTokenEncryption) {
        throw new BadRequest(`forge needs a provider that signs ID tokens RS256 without encryption (this one: ${idToken.idTokenAlg}${idToken.idTokenEncryption ? ', JWE' : ''})`);
      }
    }
    if (input.pkce !== undefined && input.pkce !== 'required' && input.pkce !== 'required-unadvertised') {
      throw new BadRequest('pkce must be "required" or "required-unadvertised"');
    }
    const client: StoredClient = {
      clientId: `client${randomAlnum(12)}`,
      clientSecret: input.public ? '' : randomAlnum(48),
      redirectUris: [...input.redirectUris],
      tokenEndpointAuthMethod: method,
      consent,
      ...(input.forge ? { forge: input.forge } : {}),
      ...(input.public ? { public: true as const } : {}),
      ...(input.signedUserinfo ? { signedUserinfo: true as const } : {}),
      ...(input.pkce ? { pkce: input.pkce } : {}),
    };
    this.clients.set(client.clientId, client);
    this.newest = client;
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      issuer,
      tokenEndpointAuthMethod: method,
      ...idToken,
      ...(input.forge === 'es256' ? { idTokenAlg: 'ES256' } : {}),
    };
  }

  /** The client registered last: a scenario's current one (one scenario at a time drives a cell's IdP). */
  newest: StoredClient | undefined;

  client(clientId: string): StoredClient | undefined {
    return this.clients.get(clientId);
  }

  private checkClaims(claims: Record<string, unknown> | undefined): void {
    if (claims === undefined) return;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new BadRequest('claims must be an object');
    const unknown = Object.keys(claims).filter((k) => !this.customClaims.includes(k));
    if (unknown.length) {
      throw new BadRequest(
        `custom claims ${unknown.join(', ')} are not declared (declared: ${this.customClaims.join(', ') || 'none'}): ` +
          'pass them in startEmbeddedIdp({ customClaims }) or IDP_CUSTOM_CLAIMS',
      );
    }
  }

  private checkRedirectUri(uri: string): void {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new BadRequest(`redirect URI "${uri}" is not an absolute URI`);
    }
    if (url.hash) throw new BadRequest(`redirect URI "${uri}" must not have a fragment`);
    if (url.protocol === 'http:' && this.profile.httpRedirectUris === 'loopback-only') {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const loopback = host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && /^(127\.|::1$)/.test(host));
      if (!loopback) {
        throw new BadRequest(
          `redirect URI "${uri}" uses http, which ${this.profile.name} only allows for localhost and loopback IPs: use https`,
        );
      }
    }
  }
}
