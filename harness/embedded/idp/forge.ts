// A broken or hostile IdP: for a client registered with `forge`, the provider's own ID token (or userinfo answer)
// is changed in one way and signed again, so the relying party's checks meet exactly one fault at a time.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import { forgeryChanges, SECOND_ISSUER_PATH, SLOW_TOKEN_MS, type ForgeryOf } from '../../idp/control.js';
import type { KeyPair } from './keys.js';
import type { LogBuffer } from './log.js';
import type { IdpStore } from './store.js';

interface SigningKey {
  alg: string;
  kid: string;
  key: KeyObject;
  publicJwk: Record<string, unknown>;
}

function extraKey(type: 'rsa' | 'ec', alg: string): SigningKey {
  const { privateKey, publicKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  return { alg, kid, key: privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg } };
}

const PROTOCOL_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid'];

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** The 'second-issuer' forgery's issuer, under the provider's own (kept with its trailing slash, if any). */
export function secondIssuerOf(issuer: string): string {
  return issuer.endsWith('/') ? `${issuer}${SECOND_ISSUER_PATH.slice(1)}/` : `${issuer}${SECOND_ISSUER_PATH}`;
}

/** Discovery requests made at the second issuer's address, which the server routes to the provider's own. */
export const secondIssuerDiscoveries = new WeakSet<IncomingMessage>();

/** Installs the forgeries on `provider`; `signing` is its RS256 key (forgeries need one). */
export function installForgeries(provider: Provider, issuer: string, store: IdpStore, signing: KeyPair | undefined, log: LogBuffer): void {
  if (!signing) return;
  const secondIssuer = secondIssuerOf(issuer);
  const own: SigningKey = { alg: 'RS256', kid: signing.kid, key: signing.privateKey, publicJwk: signing.publicJwk };
  let rotated: SigningKey | undefined; // published from the first token signed with it on
  let ec: SigningKey | undefined; // published from the first es256 client on

  const sign = (payload: JWTPayload, k: SigningKey) => new SignJWT(payload).setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT' }).sign(k.key);

  // Only the protocol claims stay, so the relying party has to ask userinfo for the profile (Immich 2.6+ asks
  // only when the ID token has no email).
  const protocolOnly = (payload: JWTPayload) => sign(Object.fromEntries(Object.entries(payload).filter(([k]) => PROTOCOL_CLAIMS.includes(k))), own);

  async function forge(idToken: string, forgery: ForgeryOf<'id-token'>): Promise<string> {
    const payload = decodeJwt(idToken);
    const now = Math.floor(Date.now() / 1000);
    switch (forgery) {
      case 'bad-signature': {
        const [h, p, s] = (await sign(payload, own)).split('.');
        const sig = Buffer.from(s!, 'base64url');
        sig[0] = sig[0]! ^ 0xff;
        return `${h}.${p}.${sig.toString('base64url')}`;
      }
      case 'wrong-issuer':
        return sign({ ...payload, iss: `${payload.iss}/another-issuer` }, own);
      case 'wrong-audience':
        return sign({ ...payload, aud: 'another-client', azp: 'another-client' }, own);
      case 'no-audience': {
        const { aud: _aud, azp: _azp, ...rest } = payload;
        return sign(rest, own);
      }
      case 'no-issued-at': {
        const { iat: _iat, ...rest } = payload;
        return sign(rest, own);
      }
      case 'expired':
        return sign({ ...payload, iat: now - 7200, auth_time: now - 7200, exp: now - 3600 }, own);
      case 'alg-none': {
        const { kid: _kid, ...header } = decodeProtectedHeader(idToken);
        return `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`;
      }
      case 'rotated-key':
        rotated ??= extraKey('rsa', 'RS256');
        return sign(payload, rotated);
      case 'es256':
        ec ??= extraKey('ec', 'ES256');
        return sign(payload, ec);
      case 'userinfo-other-sub':
        return protocolOnly(payload);
      case 'empty-nonce':
        return sign({ ...payload, nonce: '' }, own);
      case 'unrequested-nonce':
        return sign({ ...payload, nonce: randomUUID() }, own);
      case 'no-userinfo-thin-id-token':
        return protocolOnly(payload);
      case 'second-issuer':
        return sign({ ...payload, iss: secondIssuer }, own);
    }
  }

  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'authorization' || route === 'resume') {
      // The authorization response names its issuer (RFC 9207): the second one, for its client.
      const location = ctx.response.get('location');
      const client = store.client(String(ctx.oidc?.client?.clientId ?? ctx.oidc?.params?.['client_id'] ?? ''));
      if (client?.forge && forgeryChanges(client.forge, 'issuer') && location && URL.canParse(location)) {
        const url = new URL(location);
        if (url.searchParams.has('iss')) {
          url.searchParams.set('iss', secondIssuer);
          ctx.redirect(url.href);
        }
      }
      return;
    }
    if (route !== 'token' && route !== 'userinfo' && route !== 'jwks' && route !== 'discovery') return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return;
    if (route === 'discovery') {
      const algs = body['id_token_signing_alg_values_supported'];
      if (ec && Array.isArray(algs) && !algs.includes('ES256')) body['id_token_signing_alg_values_supported'] = [...algs, 'ES256'];
      // Discovery is one document for every client: it follows the scenario's current (newest) client.
      const newest = store.newest?.forge;
      if (newest && forgeryChanges(newest, 'userinfo-endpoint')) delete body['userinfo_endpoint'];
      if (secondIssuerDiscoveries.has((ctx as unknown as { req: IncomingMessage }).req)) body['issuer'] = secondIssuer;
      return;
    }
    if (route === 'jwks') {
      const extra = [rotated, ec].filter((k) => k !== undefined).map((k) => k.publicJwk);
      if (extra.length) body['keys'] = [...(body['keys'] as unknown[]), ...extra];
      return;
    }
    const clientId = ctx.oidc?.client?.clientId;
    const stored = clientId ? store.client(clientId) : undefined;
    if (route === 'token' && stored?.signedUserinfo && typeof body['id_token'] === 'string') {
      // The profile comes from the signed userinfo only: the ID token keeps its protocol claims.
      body['id_token'] = await protocolOnly(decodeJwt(body['id_token']));
      return;
    }
    const forgery = stored?.forge;
    if (!forgery) return;
    if (route === 'token' && forgeryChanges(forgery, 'token-timing')) {
      log.add(`holding the token response for client ${clientId} back ${SLOW_TOKEN_MS} ms`);
      await sleep(SLOW_TOKEN_MS);
      return;
    }
    if (route === 'token' && forgeryChanges(forgery, 'id-token') && typeof body['id_token'] === 'string') {
      body['id_token'] = await forge(body['id_token'], forgery);
      log.add(`forged the ID token for client ${clientId}: ${forgery}`);
    }
    if (route === 'userinfo' && forgeryChanges(forgery, 'userinfo') && typeof body['sub'] === 'string') {
      body['sub'] = `other-${body['sub']}`;
      log.add(`forged userinfo for client ${clientId}: another subject`);
    }
  });
}
