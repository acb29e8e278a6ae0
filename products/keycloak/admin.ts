// The few Keycloak admin REST calls the harness needs: a realm set up for Immich, clients, users. Each call
// gets a fresh admin token (the master realm's tokens live 60 s), through admin-cli's password grant.
import { fetch, type Dispatcher } from 'undici';
import { IMMICH_SCOPE } from './facts.js';

export interface KeycloakAdminOptions {
  origin: string; // https://auth.harness.test:<port>
  realm: string;
  admin: { username: string; password: string };
  dispatcher: Dispatcher;
}

export interface KeycloakUser {
  id?: string;
  username: string;
  enabled?: boolean;
  email?: string;
  emailVerified?: boolean;
  firstName?: string;
  lastName?: string;
  attributes?: Record<string, string[]>;
  credentials?: { type: 'password'; value: string; temporary: boolean }[];
}

export interface KeycloakClient {
  clientId: string;
  secret: string;
  redirectUris: string[];
  consentRequired: boolean;
  /** The password grant (tests read a user's claims with it; Immich never uses it). */
  directAccessGrants?: boolean;
  /** No secret, and PKCE S256 required of it (Keycloak's pkce.code.challenge.method attribute). */
  publicClient?: boolean;
}

export class KeycloakAdminError extends Error {
  constructor(
    readonly status: number,
    what: string,
    body: string,
  ) {
    super(`Keycloak admin API: ${what} answered ${status}: ${body.slice(0, 300)}`);
  }
}

/** immich_quota as a number and immich_role as a string, from user attributes, in ID token, access token and userinfo. */
function attributeMapper(attribute: string, jsonType: 'long' | 'String') {
  return {
    name: attribute,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-usermodel-attribute-mapper',
    config: {
      'user.attribute': attribute,
      'claim.name': attribute,
      'jsonType.label': jsonType,
      'id.token.claim': 'true',
      'access.token.claim': 'true',
      'userinfo.token.claim': 'true',
    },
  };
}

export class KeycloakAdmin {
  constructor(private readonly o: KeycloakAdminOptions) {}

  private async token(): Promise<string> {
    const res = await fetch(`${this.o.origin}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      dispatcher: this.o.dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: this.o.admin.username, password: this.o.admin.password }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new KeycloakAdminError(res.status, 'the admin token request', text);
    return (JSON.parse(text) as { access_token: string }).access_token;
  }

  /** One admin call; answers the response body (JSON when there is one) and the Location header. */
  private async call<T = unknown>(method: string, path: string, body?: unknown, realm: string | null = this.o.realm): Promise<{ body: T; location?: string }> {
    const base = realm === null ? `${this.o.origin}/admin/realms` : `${this.o.origin}/admin/realms/${encodeURIComponent(realm)}`;
    const res = await fetch(`${base}${path}`, {
      method,
      dispatcher: this.o.dispatcher,
      headers: { authorization: `Bearer ${await this.token()}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new KeycloakAdminError(res.status, `${method} ${path || '/'}`, text);
    return { body: (text ? JSON.parse(text) : undefined) as T, location: res.headers.get('location') ?? undefined };
  }

  /**
   * The realm Immich logs in through: users may lack a name or an email (the default user profile asks users
   * for them at login), may carry immich_* attributes (unmanaged attributes on), and the immich scope exists.
   */
  async setUpRealm(): Promise<void> {
    await this.call('POST', '', { realm: this.o.realm, enabled: true }, null);
    const profile = (await this.call<{ attributes: { name: string; required?: unknown }[] } & Record<string, unknown>>('GET', '/users/profile')).body;
    for (const a of profile.attributes) if (['email', 'firstName', 'lastName'].includes(a.name)) delete a.required;
    await this.call('PUT', '/users/profile', { ...profile, unmanagedAttributePolicy: 'ENABLED' });
    await this.call('POST', '/client-scopes', {
      name: IMMICH_SCOPE,
      protocol: 'openid-connect',
      attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'true' },
      protocolMappers: [attributeMapper('immich_quota', 'long'), attributeMapper('immich_role', 'String')],
    });
  }

  /** A confidential client (client-secret authenticator: basic and post both accepted) that may ask for the immich scope. */
  async createClient(c: KeycloakClient): Promise<void> {
    await this.call('POST', '/clients', {
      clientId: c.clientId,
      protocol: 'openid-connect',
      ...(c.publicClient
        ? { publicClient: true, attributes: { 'pkce.code.challenge.method': 'S256' } }
        : { publicClient: false, secret: c.secret, clientAuthenticatorType: 'client-secret' }),
      standardFlowEnabled: true,
      directAccessGrantsEnabled: c.directAccessGrants ?? false,
      redirectUris: c.redirectUris,
      consentRequired: c.consentRequired,
    });
    // The scope is attached afterwards: Keycloak ignores optionalClientScopes in a new client's representation.
    const id = (await this.call<{ id: string }[]>('GET', `/clients?clientId=${encodeURIComponent(c.clientId)}`)).body[0]?.id;
    const scope = (await this.call<{ id: string; name: string }[]>('GET', '/client-scopes')).body.find((s) => s.name === IMMICH_SCOPE)?.id;
    if (!id || !scope) throw new Error(`Keycloak lists no client ${c.clientId} or no client scope ${IMMICH_SCOPE} right after making them`);
    await this.call('PUT', `/clients/${id}/optional-client-scopes/${scope}`);
  }

  /** Creates a user; answers its id (the subject of its tokens). */
  async createUser(user: KeycloakUser): Promise<string> {
    const { location } = await this.call('POST', '/users', user);
    const id = location?.split('/').pop();
    if (!id) throw new Error(`Keycloak created user ${user.username} but named no Location`);
    return id;
  }

  /** The realm's ID token for a user, by the password grant of a client that allows it. */
  async passwordGrant(client: { clientId: string; secret: string }, user: { username: string; password: string }, scope: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.o.origin}/realms/${encodeURIComponent(this.o.realm)}/protocol/openid-connect/token`, {
      method: 'POST',
      dispatcher: this.o.dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: client.clientId, client_secret: client.secret, ...user, scope }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new KeycloakAdminError(res.status, 'the password grant', text);
    const idToken = (JSON.parse(text) as { id_token: string }).id_token;
    return JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  }

  async findUser(username: string): Promise<KeycloakUser | undefined> {
    const { body } = await this.call<KeycloakUser[]>('GET', `/users?exact=true&username=${encodeURIComponent(username)}`);
    return body[0];
  }

  /** Replaces the user's representation (Keycloak's PUT takes the fields it is given). */
  async updateUser(id: string, user: KeycloakUser): Promise<void> {
    await this.call('PUT', `/users/${encodeURIComponent(id)}`, user);
  }
}
