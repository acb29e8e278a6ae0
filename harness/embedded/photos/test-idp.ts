// Test helper: a tiny real OpenID provider (oidc-provider) over TLS from the run's CA, with accounts whose
// claims a test sets, and a non-interactive login: `login(authUrl, sub)` walks the provider's redirects
// as a browser would and returns the URL it sends back to the relying party (code, state, iss).
// (The full embedded IdP with product profiles lives in harness/embedded/idp.)
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { request, type Dispatcher } from 'undici';

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
  id_token_signed_response_alg?: string;
  application_type?: 'web' | 'native';
}

export interface TestIdp {
  issuer: string;
  port: number;
  clients: TestClient[];
  /** Claims of each account, by sub; tests edit them between logins. */
  accounts: Map<string, Record<string, unknown>>;
  addClient(client: TestClient): void;
  /** Complete the login at `authUrl` as `sub`; returns the redirect back to the relying party. */
  login(authUrl: string, sub: string): Promise<string>;
  close(): Promise<void>;
}

type ProviderLike = {
  callback(): (req: unknown, res: unknown) => void;
  interactionDetails(
    req: unknown,
    res: unknown,
  ): Promise<{ prompt: { name: string; details: unknown }; params: Record<string, unknown>; session?: { accountId: string } }>;
  Grant: new (a: unknown) => GrantLike;
  interactionFinished(req: unknown, res: unknown, result: unknown, opts?: unknown): Promise<void>;
  Client: { find(id: string): Promise<unknown>; cacheClear?: () => void };
};

// oidc-provider ships no type declarations; loaded through a variable so the compiler does not ask for them.
const OIDC_PROVIDER = 'oidc-provider';

export async function startTestIdp(opts: {
  tls: { certPem: string; keyPem: string };
  host?: string;
  dispatcher: Dispatcher;
  /** Put scope claims in the ID token too (oidc-provider's conformIdTokenClaims: false). */
  claimsInIdToken?: boolean;
  clients?: TestClient[];
}): Promise<TestIdp> {
  const { default: Provider } = (await import(OIDC_PROVIDER)) as { default: new (issuer: string, config: unknown) => ProviderLike };
  const accounts = new Map<string, Record<string, unknown>>();
  const clients: TestClient[] = [...(opts.clients ?? [])];
  let pendingSub: string | undefined;

  let handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server: Server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `https://${opts.host ?? 'auth.harness.test'}:${port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-rs256' };

  const makeProvider = () =>
    new Provider(issuer, {
      clients: clients.map((c) => ({ response_types: ['code'], grant_types: ['authorization_code'], ...c })),
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      conformIdTokenClaims: !opts.claimsInIdToken,
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'immich_quota', 'immich_role'],
      },
      enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
      features: { devInteractions: { enabled: false } },
      ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 600, Session: 600 },
      pkce: { required: () => false },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx: unknown, sub: string) => {
        const claims = accounts.get(sub);
        if (!claims) return undefined;
        return { accountId: sub, claims: () => ({ sub, ...claims }) };
      },
      renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
        ctx.type = 'text/plain';
        ctx.body = `test IdP error: ${out.error}: ${out.error_description ?? ''}`;
      },
    });
  let provider = makeProvider();
  const callback = () => provider.callback();
  let providerCallback = callback();

  handler = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      (async () => {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === 'login' && pendingSub) {
          await provider.interactionFinished(req, res, { login: { accountId: pendingSub } }, { mergeWithLastSubmission: false });
          return;
        }
        if (details.prompt.name === 'consent') {
          // Consent is implied: grant whatever the client asked for.
          const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
          const grant = new provider.Grant({ accountId: details.session?.accountId, clientId: details.params.client_id });
          if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
          if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
          const grantId = await grant.save();
          await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
          return;
        }
        throw new Error(`unexpected prompt ${details.prompt.name}`);
      })().catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    providerCallback(req, res);
  };

  const hop = async (url: string, jar: Map<string, string>) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await request(url, { method: 'GET', headers: cookie ? { cookie } : {}, dispatcher: opts.dispatcher });
    const body = await res.body.text();
    const set = res.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      const [pair = ''] = line.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return { status: res.statusCode, location: res.headers.location as string | undefined, body };
  };

  return {
    issuer,
    port,
    clients,
    accounts,
    addClient(client) {
      clients.push(client);
      // oidc-provider reads static clients at construction: rebuild it (sessions do not need to survive).
      provider = makeProvider();
      providerCallback = callback();
    },
    async login(authUrl, sub) {
      if (!accounts.has(sub)) throw new Error(`test IdP has no account "${sub}"`);
      pendingSub = sub;
      const jar = new Map<string, string>();
      let url = authUrl;
      for (let i = 0; i < 10; i++) {
        const r = await hop(url, jar);
        if (!r.location) throw new Error(`test IdP stopped at ${url} with ${r.status}: ${r.body.slice(0, 300)}`);
        const next = new URL(r.location, url);
        if (next.origin !== new URL(issuer).origin) return next.href;
        url = next.href;
      }
      throw new Error('test IdP: too many redirects');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface GrantLike {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}
