// The oidc-provider instance configured to behave like the profile's IdP.
import { randomBytes } from 'node:crypto';
import Provider, { errors, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import type { IdpClient } from '../../idp/control.js';
import type { IdpSettings } from '../../model.js';
import { memoryAdapter } from './adapter.js';
import { installForgeries } from './forge.js';
import { scopeClaims, userClaims } from './claims.js';
import { rsaKeyPair, type KeyPair } from './keys.js';
import type { LogBuffer } from './log.js';
import type { Profile } from './profiles.js';
import type { IdpStore, StoredClient } from './store.js';

const JWE = { alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512' };

export interface ProviderParts {
  provider: Provider;
  /** What every client's ID tokens look like under these settings. */
  idToken: Pick<IdpClient, 'idTokenAlg' | 'idTokenEncryption'>;
  /** The private half of the ID-token encryption key (JWE), when there is one. */
  encryptionKey?: KeyPair;
  /** The RS256 signing key, when ID tokens are RS256 (what the control API signs logout tokens with). */
  signing?: KeyPair;
}

export interface ProviderOptions {
  issuer: string;
  profile: Profile;
  settings: IdpSettings;
  store: IdpStore;
  customClaims: string[];
  log: LogBuffer;
  /** interaction URL path for a uid (served by pages.ts). */
  interactionPath: (uid: string) => string;
  renderError: (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error) => void;
}

export function buildProvider(o: ProviderOptions): ProviderParts {
  const { profile, settings, store, log } = o;
  const rs256 = profile.signing === 'rs256' || settings.signingKey !== false;
  const signing = rs256 ? rsaKeyPair('sig', 'RS256') : undefined;
  const encryptionKey = profile.encryption && settings.encryptionKey ? rsaKeyPair('enc', JWE.alg) : undefined;
  const idToken: ProviderParts['idToken'] = {
    idTokenAlg: rs256 ? 'RS256' : 'HS256',
    ...(encryptionKey ? { idTokenEncryption: { ...JWE } } : {}),
  };
  const scopes = scopeClaims(profile, o.customClaims);
  const claimsInIdToken = profile.idTokenClaims === 'all' || settings.claimsInIdToken === true;

  const clientMetadata = (c: StoredClient): AdapterPayload => ({
    client_id: c.clientId,
    ...(c.public ? {} : { client_secret: c.clientSecret }),
    redirect_uris: c.redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // oidc-provider accepts basic and post alike for either; the profile's enforcement is below.
    token_endpoint_auth_method: c.public ? 'none' : c.tokenEndpointAuthMethod,
    // Custom schemes (app.immich:///oauth-callback) are only accepted for native clients.
    application_type: c.redirectUris.every((u) => /^https?:/.test(u)) ? 'web' : 'native',
    id_token_signed_response_alg: idToken.idTokenAlg,
    ...(c.signedUserinfo ? { userinfo_signed_response_alg: 'RS256' } : {}),
    ...(encryptionKey
      ? {
          id_token_encrypted_response_alg: JWE.alg,
          id_token_encrypted_response_enc: JWE.enc,
          jwks: { keys: [encryptionKey.publicJwk] },
        }
      : {}),
  });

  const provider = new Provider(o.issuer, {
    adapter: memoryAdapter((id) => {
      const c = store.client(id);
      return c ? clientMetadata(c) : undefined;
    }),
    jwks: { keys: signing ? [signing.privateJwk] : [] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: profile.routes,
    scopes: Object.keys(scopes).concat('offline_access'),
    claims: scopes,
    conformIdTokenClaims: !claimsInIdToken,
    clientDefaults: { id_token_signed_response_alg: idToken.idTokenAlg },
    enabledJWA: {
      idTokenSigningAlgValues: [idToken.idTokenAlg],
      idTokenEncryptionAlgValues: [JWE.alg],
      idTokenEncryptionEncValues: [JWE.enc],
    },
    features: {
      devInteractions: { enabled: false },
      encryption: { enabled: Boolean(encryptionKey) },
      userinfo: { enabled: true },
      // Signed userinfo only for a client that asks for it (NewIdpClient.signedUserinfo).
      jwtUserinfo: { enabled: Boolean(signing) },
      revocation: { enabled: false },
      // RP-initiated logout (end_session_endpoint) where the modelled IdP has one.
      rpInitiatedLogout: { enabled: profile.endSession },
      introspection: { enabled: false },
    },
    // PKCE is required of public clients, and of clients registered with `pkce` (a confidential one may
    // otherwise go without, as Immich 1.113 does).
    pkce: {
      required: (_ctx: unknown, client: { clientId: string }) => {
        const stored = store.client(client.clientId);
        return stored?.public === true || stored?.pkce !== undefined;
      },
    },
    ttl: { AccessToken: 3600, AuthorizationCode: 120, IdToken: 3600, Interaction: 900, Session: 3600, Grant: 3600 },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => o.interactionPath(interaction.uid) },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = store.userBySub(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: () => userClaims(user, profile) };
    },
    renderError: async (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error) => o.renderError(ctx, out, error),
  });
  provider.proxy = false;

  // Enforce the registered token-endpoint auth method where the profile does (Authelia): oidc-provider
  // itself lets client_secret_basic and client_secret_post stand in for each other.
  const compare = provider.Client.prototype.compareClientSecret;
  provider.Client.prototype.compareClientSecret = function (this: { clientId: string }, secret: string) {
    const used = Provider.ctx?.headers.authorization !== undefined ? 'client_secret_basic' : 'client_secret_post';
    const registered = store.client(this.clientId)?.tokenEndpointAuthMethod;
    if (profile.clientAuth === 'registered-only' && registered && used !== registered) {
      const err = new errors.InvalidClientAuth(`client ${this.clientId} is registered for ${registered}, request used ${used}`);
      // Authelia's hint (authelia.com/provider/oauth2 client_authentication_strategy.go).
      err.error_description =
        'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported ' +
        `authentication method). The request was determined to be using 'token_endpoint_auth_method' method '${used}', ` +
        'however the OAuth 2.0 client registration does not allow this method.';
      throw err;
    }
    return compare.call(this as never, secret);
  } as never;

  // Discovery lists the PKCE methods the modelled IdP advertises.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'discovery' && ctx.body && typeof ctx.body === 'object') {
      const body = ctx.body as Record<string, unknown>;
      body['code_challenge_methods_supported'] = profile.pkceMethods;
      // An IdP that requires PKCE without saying so (NewIdpClient.pkce).
      if (store.newest?.pkce === 'required-unadvertised') delete body['code_challenge_methods_supported'];
    }
  });

  // An unknown path answers as the modelled IdP does (profile.unknownPaths).
  if (profile.unknownPaths !== 'not-found') {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.method !== 'GET' || ctx.status !== 404 || ctx.oidc?.route) return;
      if (profile.unknownPaths === 'json-error') {
        ctx.status = 404;
        ctx.body = { error: 'HTTP 404 Not Found' };
        return;
      }
      ctx.status = 200;
      ctx.set('content-type', 'text/html; charset=utf-8');
      ctx.body = `<!DOCTYPE html><html><head><title>${profile.name}</title></head><body><div id="root"></div></body></html>`;
    });
  }

  // The code response carries the granted scope where the modelled IdP sends it (Authelia).
  if (profile.scopeInCodeResponse) {
    provider.use(async (ctx, next) => {
      await next();
      const route = ctx.oidc?.route;
      const scope = ctx.oidc?.params?.['scope'];
      const location = ctx.response.get('location');
      if ((route !== 'authorization' && route !== 'resume') || typeof scope !== 'string' || !location) return;
      if (!URL.canParse(location)) return; // a relative redirect goes to the IdP's own pages
      const url = new URL(location);
      if (!url.searchParams.has('code') || url.searchParams.has('scope')) return;
      url.searchParams.set('scope', scope);
      ctx.redirect(url.href);
    });
  }

  if (!encryptionKey) installForgeries(provider, o.issuer, store, signing, log);

  const describe = (err: { error?: string; error_detail?: string; message: string }) =>
    `${err.error ?? err.message}${err.error_detail ? ` (${err.error_detail})` : ''}`;
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const enc = idToken.idTokenEncryption ? `, encrypted ${JWE.alg}/${JWE.enc}` : '';
    log.add(`token issued to client ${ctx.oidc?.client?.clientId ?? '?'}: ID token ${idToken.idTokenAlg}${enc}`);
  });
  for (const event of ['grant.error', 'authorization.error', 'userinfo.error', 'discovery.error', 'jwks.error']) {
    provider.on(event, (ctx: KoaContextWithOIDC, err: { error?: string; error_detail?: string; message: string }) => {
      const client = ctx.oidc?.client?.clientId ?? (ctx.oidc?.params?.['client_id'] as string | undefined) ?? '?';
      const what = err.error === 'invalid_client' ? 'refused client authentication' : `${event.replace('.error', '')} error`;
      log.add(`${what} for client ${client}: ${describe(err)}`);
    });
  }
  provider.on('server_error', (_ctx: unknown, err: Error) => log.add(`server error: ${err.message}`));

  return { provider, idToken, encryptionKey, signing };
}
