// Login and consent: the requests behind the provider's own pages.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, Provider } from 'oidc-provider';
import type { LogBuffer } from './log.js';
import { consentPage, errorPage, loginPage } from './pages.js';
import type { IdpStore } from './store.js';

export const INTERACTION_PREFIX = '/interaction/';

const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

export interface InteractionDeps {
  provider: Provider;
  store: IdpStore;
  log: LogBuffer;
  product: string;
}

/** Handles GET /interaction/:uid, POST /interaction/:uid/login and POST /interaction/:uid/consent. */
export async function handleInteraction(deps: InteractionDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const { provider, store, log, product } = deps;
  const [uid = '', action = ''] = path.slice(INTERACTION_PREFIX.length).split('/');
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    log.add(`interaction ${uid}: ${(err as Error).message}`);
    return html(res, 400, errorPage({ product, title: 'Session expired', message: 'This sign-in request is no longer valid. Start again from the application.' }));
  }
  if (details.uid !== uid) return html(res, 400, errorPage({ product, title: 'Bad request', message: 'Interaction mismatch.' }));
  const clientId = String(details.params.client_id ?? '');
  const client = store.client(clientId);
  const base = `${INTERACTION_PREFIX}${uid}`;
  const requestedScopes = String(details.params.scope ?? 'openid').split(' ').filter(Boolean);

  const grantFor = async (accountId: string): Promise<string> => {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(requestedScopes.join(' '));
    const missingClaims = details.prompt.details['missingOIDCClaims'];
    if (Array.isArray(missingClaims)) grant.addOIDCClaims(missingClaims as string[]);
    return grant.save();
  };
  const finish = (result: Record<string, unknown>) => provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });

  if (req.method === 'GET' && action === '') {
    if (details.prompt.name === 'login') {
      return html(res, 200, loginPage({ product, action: `${base}/login`, clientId }));
    }
    const accountId = details.session?.accountId;
    if (details.prompt.name === 'consent' && accountId) {
      if (client?.consent !== 'explicit') return finish({ consent: { grantId: await grantFor(accountId) } });
      const username = store.userBySub(accountId)?.username ?? accountId;
      return html(res, 200, consentPage({ product, action: `${base}/consent`, clientId, username, scopes: requestedScopes }));
    }
    return html(res, 400, errorPage({ product, title: 'Unsupported prompt', message: `Prompt "${details.prompt.name}" is not modelled.` }));
  }

  if (req.method === 'POST' && action === 'login') {
    const form = new URLSearchParams(await readBody(req));
    const username = form.get('username') ?? '';
    const user = store.userByName(username);
    if (!user || !sameSecret(user.password, form.get('password') ?? '')) {
      log.add(`login failed for user "${username}" (client ${clientId})`);
      return html(res, 200, loginPage({ product, action: `${base}/login`, clientId, username, error: 'Incorrect username or password.' }));
    }
    log.add(`login of user "${username}" for client ${clientId}`);
    const result: Record<string, unknown> = { login: { accountId: user.sub } };
    // Implicit consent: grant the requested scopes at once, as the modelled IdPs do without asking.
    if (client?.consent !== 'explicit') result['consent'] = { grantId: await grantFor(user.sub) };
    return finish(result);
  }

  if (req.method === 'POST' && action === 'consent') {
    const accountId = details.session?.accountId;
    const decision = new URLSearchParams(await readBody(req)).get('decision');
    if (!accountId) return html(res, 400, errorPage({ product, title: 'Bad request', message: 'Sign in first.' }));
    if (decision !== 'accept') {
      log.add(`consent denied for client ${clientId}`);
      return finish({ error: 'access_denied', error_description: 'The resource owner denied the request.' });
    }
    log.add(`consent given for client ${clientId}`);
    return finish({ consent: { grantId: await grantFor(accountId) } });
  }

  return html(res, 404, errorPage({ product, title: 'Not found', message: 'No such page.' }));
}
