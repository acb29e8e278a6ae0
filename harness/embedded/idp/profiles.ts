// How each modelled IdP behaves as an OpenID provider, by product and version range: data, in one place.
// Facts and their sources: shared/reference/{authentik,authelia}.md, checked in upstream source where noted.
import semver from 'semver';
import type { TokenEndpointAuthMethod } from '../../model.js';

/** 'oidc-provider' (plain) or an IdP product with a modelled profile below; profileFor refuses any other. */
export type EmbeddedProduct = string;

/** Which claim rules build the user's claims (see claims.ts). */
export type ClaimStyle = 'authentik' | 'authelia-4.38' | 'authelia-4.39' | 'keycloak' | 'plain';

export interface Profile {
  /** Human name for logs and reports, e.g. "authentik 2025.10+". */
  name: string;
  product: EmbeddedProduct;
  /** origin: https://host:port (no trailing slash); application: https://host:port/application/o/<slug>/; realm: https://host:port/realms/immich */
  issuer: 'origin' | 'application' | 'realm';
  /** oidc-provider routes, relative to the issuer path. */
  routes: Record<string, string>;
  /** RP-initiated logout: discovery advertises an end_session_endpoint. */
  endSession: boolean;
  claimStyle: ClaimStyle;
  /** Value of email_verified (when the style sends it). */
  emailVerified: boolean;
  /** all: scope claims in the ID token too; userinfo-only: only token claims in the ID token. */
  idTokenClaims: 'all' | 'userinfo-only';
  /** registered-only: the other secret method is refused with invalid_client; any: basic and post both pass. */
  clientAuth: 'registered-only' | 'any';
  defaultAuthMethod: TokenEndpointAuthMethod;
  /** loopback-only: http redirect URIs only for localhost / loopback IPs. */
  httpRedirectUris: 'loopback-only' | 'any';
  /** username: sub is the username (authentik sub_mode user_username); uuid: opaque per user. */
  subject: 'username' | 'uuid';
  customClaimsScope: string | null;
  /** PKCE methods advertised in discovery (oidc-provider itself verifies S256 only). */
  pkceMethods: string[];
  /** settings: settings.signingKey (default true) picks RS256, else HS256 with the client secret; rs256: always. */
  signing: 'settings' | 'rs256';
  /** Whether settings.encryptionKey is honoured (JWE ID tokens). */
  encryption: boolean;
  /** Whether the authorization response (the redirect back with the code) also carries the granted `scope`. */
  scopeInCodeResponse: boolean;
  /**
   * A GET of an unknown path: oidc-provider's own 404; 200 with the IdP's HTML portal page (Authelia's
   * single-page app); or 404 with a JSON error naming the status (Keycloak).
   */
  unknownPaths: 'not-found' | 'portal-page' | 'json-error';
}

const AUTHENTIK_ROUTES = {
  authorization: '/authorize/',
  token: '/token/',
  userinfo: '/userinfo/',
  jwks: '/jwks/',
  end_session: '/end-session/',
};
const AUTHELIA_ROUTES = {
  authorization: '/api/oidc/authorization',
  token: '/api/oidc/token',
  userinfo: '/api/oidc/userinfo',
  jwks: '/jwks.json',
};

const authentik = (emailVerified: boolean, name: string): Profile => ({
  name,
  product: 'authentik',
  issuer: 'application',
  routes: AUTHENTIK_ROUTES,
  endSession: true,
  claimStyle: 'authentik',
  emailVerified,
  idTokenClaims: 'all', // include_claims_in_id_token defaults to true
  clientAuth: 'any',
  defaultAuthMethod: 'client_secret_basic',
  httpRedirectUris: 'any',
  subject: 'username',
  // A scope mapping with scope_name "immich" attached to the provider: its claims are sent when the client
  // asks for that scope (authentik filters mappings by scope_name in the requested scopes).
  customClaimsScope: 'immich',
  pkceMethods: ['plain', 'S256'],
  signing: 'settings',
  encryption: true,
  scopeInCodeResponse: false,
  unknownPaths: 'not-found',
});

const authelia = (style: 'authelia-4.38' | 'authelia-4.39', name: string): Profile => ({
  name,
  product: 'authelia',
  issuer: 'origin', // IssuerURL(): scheme + host + base path "" (internal/middlewares/authelia_context.go)
  routes: AUTHELIA_ROUTES,
  // Authelia declares end_session_endpoint in its discovery type but never sets it (up to 4.39.20).
  endSession: false,
  claimStyle: style,
  emailVerified: true,
  idTokenClaims: style === 'authelia-4.38' ? 'all' : 'userinfo-only',
  // Enforced by authelia.com/provider/oauth2 client_authentication_strategy.go (v0.1.14 in 4.38.9, v0.2.0 in 4.39.0);
  // an unset method defaults to client_secret_basic (internal/oidc/client.go GetTokenEndpointAuthMethod).
  clientAuth: 'registered-only',
  defaultAuthMethod: 'client_secret_basic',
  httpRedirectUris: 'loopback-only',
  subject: 'uuid',
  // 4.39: claims_policies.<p>.custom_claims + scopes.immich.claims + the client's claims_policy; 4.38: none.
  customClaimsScope: style === 'authelia-4.39' ? 'immich' : null,
  pkceMethods: ['S256', 'plain'],
  signing: 'rs256',
  encryption: false,
  // Real 4.38.9, 4.39.0 and 4.39.20 redirect with code, iss, scope and state (the mobile redirect shows it).
  scopeInCodeResponse: true,
  // Real 4.39.20 answers a wrong discovery path with its portal (200, text/html): Immich then reports
  // "unexpected response content-type", not a status code.
  unknownPaths: 'portal-page',
});

// Keycloak 26 (checked against real 26.4.7 and 26.7.3 built from the Maven Central distribution): a realm
// issuer, profile and email claims in the ID token, both secret methods, plain and S256 PKCE advertised.
const keycloak: Profile = {
  name: 'Keycloak 26',
  product: 'keycloak',
  issuer: 'realm',
  routes: {
    authorization: '/protocol/openid-connect/auth',
    token: '/protocol/openid-connect/token',
    userinfo: '/protocol/openid-connect/userinfo',
    jwks: '/protocol/openid-connect/certs',
    end_session: '/protocol/openid-connect/logout',
  },
  endSession: true,
  claimStyle: 'keycloak',
  emailVerified: true,
  idTokenClaims: 'all',
  clientAuth: 'any',
  defaultAuthMethod: 'client_secret_basic',
  httpRedirectUris: 'any',
  subject: 'uuid',
  // A client scope with user-attribute mappers, optional on the client (products/keycloak/admin.ts).
  customClaimsScope: 'immich',
  pkceMethods: ['plain', 'S256'],
  signing: 'rs256',
  encryption: false,
  scopeInCodeResponse: false,
  // Real 26.4.7 and 26.7.3 answer a path they do not know with 404 and an error "HTTP 404 Not Found" (what openid-client 5
  // in Immich 1.113 reported: "OPError: HTTP 404 Not Found"; the body shape is inferred from that message).
  unknownPaths: 'json-error',
};

const plain: Profile = {
  name: 'oidc-provider plain',
  product: 'oidc-provider',
  issuer: 'origin',
  routes: {},
  endSession: true,
  claimStyle: 'plain',
  emailVerified: true,
  idTokenClaims: 'all',
  clientAuth: 'any',
  defaultAuthMethod: 'client_secret_basic',
  httpRedirectUris: 'any',
  subject: 'uuid',
  customClaimsScope: 'immich',
  pkceMethods: ['S256'],
  signing: 'rs256',
  encryption: false,
  scopeInCodeResponse: false,
  unknownPaths: 'not-found',
};

interface ProfileEntry {
  product: EmbeddedProduct;
  /** semver range over the product version; for oidc-provider the version is a profile name. */
  range: string;
  profile: Profile;
}

const PROFILES: ProfileEntry[] = [
  { product: 'authentik', range: '<2025.10.0-0', profile: authentik(true, 'authentik <2025.10') },
  { product: 'authentik', range: '>=2025.10.0-0', profile: authentik(false, 'authentik 2025.10+') },
  { product: 'authelia', range: '>=4.38.0 <4.39.0-0', profile: authelia('authelia-4.38', 'Authelia 4.38') },
  { product: 'authelia', range: '>=4.39.0-0', profile: authelia('authelia-4.39', 'Authelia 4.39+') },
  { product: 'keycloak', range: '>=26.0.0 <27.0.0-0', profile: keycloak },
  { product: 'oidc-provider', range: '*', profile: plain },
];

export function profileFor(product: EmbeddedProduct, version: string): Profile {
  if (product === 'oidc-provider') return plain;
  const v = semver.coerce(version, { includePrerelease: true })?.version;
  const entry = v ? PROFILES.find((p) => p.product === product && semver.satisfies(v, p.range, { includePrerelease: true })) : undefined;
  if (!entry) {
    const known = PROFILES.filter((p) => p.product === product).map((p) => p.range);
    throw new Error(
      `no embedded profile for ${product} ${version} (modelled ranges: ${known.join(', ') || 'none'}): ` +
        'add one to harness/embedded/idp/profiles.ts',
    );
  }
  return entry.profile;
}
