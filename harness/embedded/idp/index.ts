// The embedded OpenID provider: oidc-provider shaped like authentik, Authelia or a plain provider, with its
// own login and consent pages, over https with a CA leaf, and a control API for users and clients.
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../ca/ca.js';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { checkPreferredUsername, type IdpCapabilities, type IdpControl } from '../../idp/control.js';
import type { IdpSettings } from '../../model.js';
import { controlServer } from './control-server.js';
import { handleInteraction, INTERACTION_PREFIX } from './interactions.js';
import { LogBuffer } from './log.js';
import { errorPage } from './pages.js';
import { profileFor, type EmbeddedProduct, type Profile } from './profiles.js';
import { secondIssuerDiscoveries, secondIssuerOf } from './forge.js';
import { buildProvider } from './provider.js';
import { BadRequest, IdpStore } from './store.js';

export { profileFor, type EmbeddedProduct, type Profile } from './profiles.js';

/** Custom claims the provider can send unless told otherwise: Immich's default claim names. */
export const DEFAULT_CUSTOM_CLAIMS = ['immich_quota', 'immich_role'];

export interface EmbeddedIdpOptions {
  product: EmbeddedProduct;
  version: string;
  settings: IdpSettings;
  /** Host name in URLs; default auth.harness.test. */
  host?: string;
  /** https when given, else http. */
  tls?: { certPem: string; keyPem: string };
  listen?: { host?: string; port?: number };
  /** Port in URLs; default the listening port (differs behind a published container port). */
  publicPort?: number;
  /** authentik application slug; default 'immich'. */
  slug?: string;
  /** Names of the custom claims users may carry; default DEFAULT_CUSTOM_CLAIMS. */
  customClaims?: string[];
  /** Control API listener; default the listen host, port 0. */
  control?: { host?: string; port?: number; token?: string };
}

export interface EmbeddedIdp {
  issuer: string;
  origin: string;
  port: number;
  profile: Profile;
  control: IdpControl;
  controlUrl: string;
  controlToken: string;
  /** The ID-token encryption key's private half (settings.encryptionKey), for a relying party that decrypts. */
  idTokenDecryptionKey?: { kid: string; pkcs8Pem: string };
  logs(): string;
  close(): Promise<void>;
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A leaf for `host` from a CA made for it and thrown away: no party of the run trusts it. */
function untrustedCertificate(host: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'idp-harness-untrusted-ca-'));
  try {
    const leaf = createCa(dir).issue([host]);
    return { cert: leaf.certPem, key: leaf.keyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startEmbeddedIdp(opts: EmbeddedIdpOptions): Promise<EmbeddedIdp> {
  const profile = profileFor(opts.product, opts.version);
  const host = opts.host ?? 'auth.harness.test';
  const listenHost = opts.listen?.host ?? '127.0.0.1';
  const slug = opts.slug ?? 'immich';
  const customClaims = opts.customClaims ?? DEFAULT_CUSTOM_CLAIMS;
  const log = new LogBuffer();
  const store = new IdpStore(profile, customClaims, opts.settings.tokenEndpointAuthMethod);

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => handler(req, res);
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, onRequest) : createHttpServer(onRequest);
  const port = await listen(server, listenHost, opts.listen?.port ?? 0);

  const origin = `${opts.tls ? 'https' : 'http'}://${host}:${opts.publicPort ?? port}`;
  const mount = profile.issuer === 'application' ? `/application/o/${slug}` : profile.issuer === 'realm' ? '/realms/immich' : '';
  const issuer = profile.issuer === 'application' ? `${origin}${mount}/` : `${origin}${mount}`;
  const product = profile.name;

  const { provider, idToken, encryptionKey, signing } = buildProvider({
    issuer,
    profile,
    settings: opts.settings,
    store,
    customClaims,
    log,
    interactionPath: (uid) => `${INTERACTION_PREFIX}${uid}`,
    renderError: (ctx: KoaContextWithOIDC, out: Record<string, string>) => {
      const c = ctx as unknown as { type: string; body: string };
      c.type = 'html';
      c.body = errorPage({ product, title: 'Request refused', message: `${out['error']}: ${out['error_description'] ?? ''}` });
    },
  });
  const providerCallback = provider.callback();
  const secondDiscovery = `${new URL(secondIssuerOf(issuer)).pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;

  // Fault injection: the next `count` sign-in submissions are answered only after `ms` (holdSignIns).
  const hold = { count: 0, ms: 0 };
  handler = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://idp').pathname;
    if (path.startsWith(INTERACTION_PREFIX) && req.method === 'POST' && hold.count > 0) {
      hold.count--;
      const ms = hold.ms;
      log.add(`sign-in held for ${ms} ms`);
      setTimeout(() => {
        log.add('held sign-in released');
        handler(req, res);
      }, ms).unref();
      return;
    }
    if (path.startsWith(INTERACTION_PREFIX)) {
      handleInteraction({ provider, store, log, product }, req, res, path).catch((err: Error) => {
        log.add(`interaction error: ${err.message}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
        res.end(errorPage({ product, title: 'Error', message: 'The sign-in could not be completed.' }));
      });
      return;
    }
    if (path === secondDiscovery) {
      // The second issuer's discovery is the provider's own, answered with that issuer (forge 'second-issuer').
      secondIssuerDiscoveries.add(req);
      req.url = `${mount}/.well-known/openid-configuration`;
    }
    if (mount && path !== mount && !path.startsWith(`${mount}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (mount) {
      // oidc-provider works out its mount path from originalUrl minus url.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url!.slice(mount.length) || '/';
    }
    providerCallback(req, res);
  };

  const capabilities: IdpCapabilities = {
    customClaimsScope: profile.customClaimsScope,
    preferredUsername: profile.claimStyle === 'plain' ? 'settable' : 'is-username',
    forges: idToken.idTokenAlg === 'RS256' && !idToken.idTokenEncryption,
    publicClients: true,
  };

  // The same provider on a second port, behind a certificate of a private CA nobody was told to trust: what a
  // photo server meets when its IdP uses a private CA it lacks (forge 'untrusted-ca'). Made on first use: keys
  // and a port for every cell would be start-up work that one scenario needs.
  let untrusted: Promise<{ server: Server; issuer: string }> | undefined;
  const untrustedIssuer = async (): Promise<string> => {
    untrusted ??= (async () => {
      const server = createHttpsServer(untrustedCertificate(host), onRequest);
      return { server, issuer: issuer.replace(origin, `https://${host}:${await listen(server, listenHost, 0)}`) };
    })();
    return (await untrusted).issuer;
  };
  const control: IdpControl = {
    capabilities,
    async createUser(user) {
      checkPreferredUsername(capabilities, user.username, user.preferredUsername);
      const created = store.createUser(user);
      log.add(`user "${created.username}" created`);
      return created;
    },
    async updateUser(username, patch) {
      checkPreferredUsername(capabilities, username, patch.preferredUsername);
      store.updateUser(username, patch);
      log.add(`user "${username}" updated (${Object.keys(patch).join(', ')})`);
    },
    async createClient(client) {
      if (client.forge === 'untrusted-ca' && !(opts.tls && capabilities.forges)) throw new BadRequest('forge untrusted-ca needs an IdP served over TLS that can forge');
      const clientIssuer = client.forge === 'untrusted-ca' ? await untrustedIssuer() : client.forge === 'second-issuer' ? secondIssuerOf(issuer) : issuer;
      const created = store.createClient(client, clientIssuer, idToken);
      log.add(`client ${created.clientId} registered (${created.tokenEndpointAuthMethod}, ID token ${created.idTokenAlg})`);
      return created;
    },
    async logoutToken({ clientId, sub, fault }) {
      if (!capabilities.forges || !signing) throw new BadRequest('logout tokens need a provider that signs RS256 without encryption');
      if (!store.client(clientId)) throw new BadRequest(`no client "${clientId}": register it first`);
      if (fault !== undefined && fault !== 'no-event') throw new BadRequest('fault must be "no-event"');
      const events = fault === 'no-event' ? {} : { events: { 'http://schemas.openid.net/event/backchannel-logout': {} } };
      const token = await new SignJWT({ sub, ...events })
        .setProtectedHeader({ alg: 'RS256', kid: signing.kid, typ: 'logout+jwt' })
        .setIssuer(issuer)
        .setAudience(clientId)
        .setIssuedAt()
        .setExpirationTime('2m')
        .setJti(randomUUID())
        .sign(signing.privateKey);
      log.add(`logout token for ${sub} to client ${clientId}${fault ? ` (${fault})` : ''}`);
      return token;
    },
    async holdSignIns(ms, count = 1) {
      hold.ms = ms;
      hold.count = count;
      log.add(`the next ${count} sign-in(s) will be held for ${ms} ms`);
    },
  };

  const controlToken = opts.control?.token ?? randomBytes(24).toString('base64url');
  const ctl = controlServer(control, controlToken);
  const controlHost = opts.control?.host ?? listenHost;
  let controlPort: number;
  try {
    controlPort = await listen(ctl, controlHost, opts.control?.port ?? 0);
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  const urlHost = controlHost === '0.0.0.0' ? '127.0.0.1' : controlHost.includes(':') ? `[${controlHost}]` : controlHost;
  log.add(`${product} profile listening: issuer ${issuer}`);

  return {
    issuer,
    origin,
    port,
    profile,
    control,
    controlUrl: `http://${urlHost}:${controlPort}`,
    controlToken,
    idTokenDecryptionKey: encryptionKey && {
      kid: encryptionKey.kid,
      pkcs8Pem: encryptionKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    },
    logs: () => log.text(),
    close: async () => {
      const second = untrusted?.then(({ server: s }) => closeServer(s)).catch(() => undefined);
      await Promise.all([closeServer(server), closeServer(ctl), second]);
    },
  };
}
